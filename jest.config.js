/** @type {import('jest').Config} */
module.exports = {
  // jest's node environment, collecting each test file's garbage when it ends: a worker then exits at once
  // (__tests__/environment.ts).
  testEnvironment: '<rootDir>/__tests__/environment.ts',
  // Jest's default leaves a core idle (cores - 1): on the 2-core CI machine that halves the speed.
  maxWorkers: '100%',
  // Some tests synthesize every environment or run real Terraform; on a loaded 2-core machine 5 s is not
  // enough. Speed is measured in the bench, not by test timeouts.
  testTimeout: 60_000,
  roots: ['<rootDir>/__tests__', '<rootDir>/lambda-src/__tests__', '<rootDir>/ecs-src/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Found or prepared once per run, not once per test file: the provider source, one terraform init-ed folder, the
  // AWS CLI v2 (__tests__/global-setup.ts).
  globalSetup: '<rootDir>/__tests__/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/global-teardown.ts',
  // Without jest's own timings (a fresh clone), the files that run the real AWS CLI and Terraform first.
  testSequencer: '<rootDir>/__tests__/sequencer.js',
  // ts-jest in transpile-only mode (isolatedModules): types are stripped per file, not checked;
  // `npm run typecheck` is the type check.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'es2022', esModuleInterop: true, resolveJsonModule: true, isolatedModules: true } }] },
  modulePathIgnorePatterns: ['<rootDir>/cdktf.out', '<rootDir>/dist', '<rootDir>/lambda-src/node_modules'],
};
