// Jest configuration of the real-engine suite (`npx projen test:build`, which runs
// scripts/engine/run-suite.sh). Kept apart from the unit tests' configuration in
// package.json, which ignores test/engine/.
module.exports = {
  rootDir: '../..',
  testMatch: ['<rootDir>/test/engine/**/*.test.ts'],
  // Builds, health checks (30 s probe interval) and compose up take minutes, not seconds.
  testTimeout: 300000,
  transform: {
    '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
  },
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: 'test-reports/engine', outputName: 'junit.xml' }],
  ],
};
