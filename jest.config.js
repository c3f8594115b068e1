/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default leaves a core idle (cores - 1): on the 2-core CI machine that halves the speed.
  maxWorkers: '100%',
  // Some tests synthesize every environment or run real Terraform; on a loaded 2-core machine 5 s is not
  // enough. Speed is measured in the bench, not by test timeouts.
  testTimeout: 60_000,
  roots: ['<rootDir>/__tests__', '<rootDir>/lambda-src/__tests__', '<rootDir>/ecs-src/__tests__'],
  testMatch: ['**/*.test.ts'],
  // swc strips types without checking them; `npm run typecheck` is the type check.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  modulePathIgnorePatterns: ['<rootDir>/cdktf.out', '<rootDir>/dist', '<rootDir>/lambda-src/node_modules'],
};
