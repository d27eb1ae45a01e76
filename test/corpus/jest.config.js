// Jest configuration of the corpus suite (`npx projen test:corpus`, scripts/test-corpus.sh):
// the tests that read third-party reference data and real repository trees from
// `../shared/data` beside the clone. Kept apart from the unit tests' configuration in
// package.json (which ignores test/corpus/), so `npx projen test` needs nothing beside the clone.
module.exports = {
  rootDir: '../..',
  testMatch: ['<rootDir>/test/corpus/**/*.test.ts'],
  testTimeout: 120000,
  // The run fails when a test changed the repository: tests write only inside temp folders.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  transform: {
    '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
  },
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: 'test-reports/corpus', outputName: 'junit.xml' }],
  ],
};
