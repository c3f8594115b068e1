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
  // A folder of the run, in which the test files share what each would find or prepare on its own: the provider
  // search, one terraform init-ed folder, the AWS CLI v2 look-up (__tests__/run-shared.ts).
  globalSetup: '<rootDir>/__tests__/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/global-teardown.ts',
  // Without jest's own timings (a fresh clone), the files that run the real AWS CLI and Terraform first.
  testSequencer: '<rootDir>/__tests__/sequencer.js',
  // esbuild strips the types per file, not checking them (as ts-jest's isolatedModules mode did, without the
  // TypeScript compiler in every worker); `npm run typecheck` is the type check (__tests__/transform.js).
  transform: { '^.+\\.ts$': '<rootDir>/__tests__/transform.js' },
  modulePathIgnorePatterns: ['<rootDir>/cdktf.out', '<rootDir>/dist', '<rootDir>/lambda-src/node_modules'],
};
