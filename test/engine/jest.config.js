// Jest configuration of the real-engine suite (`npx projen test:build`, which runs
// scripts/engine/run-suite.sh). Kept apart from the unit tests' configuration in
// package.json, which ignores test/engine/.
module.exports = {
  rootDir: '../..',
  testMatch: ['<rootDir>/test/engine/**/*.test.ts'],
  // Builds, health checks (30 s probe interval) and compose up take minutes, not seconds.
  testTimeout: 300000,
  // The run fails when a test changed the repository: tests write only inside temp folders.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  transform: {
    '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
  },
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: 'test-reports/engine', outputName: 'junit.xml' }],
  ],
};
