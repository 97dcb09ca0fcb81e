// Projects: unit (beside the code), workflows (Temporal test server), e2e (the running stack), integration (local servers, local model).
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true } }, module: { type: 'commonjs' } }];
const common = { transform: { '^.+\\.ts$': swc }, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/api', '<rootDir>/shared', '<rootDir>/activities', '<rootDir>/temporal', '<rootDir>/test/lint'], testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'workflows', setupFiles: ['<rootDir>/test/support/quiet-temporal.ts'], roots: ['<rootDir>/test'], testMatch: ['<rootDir>/test/workflows/**/*.spec.ts', '<rootDir>/test/replay/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.e2e-spec.ts'] },
    { ...common, displayName: 'integration', roots: ['<rootDir>/test/integration'], testMatch: ['**/*.spec.ts'] },
  ],
  testTimeout: 60000,
};
