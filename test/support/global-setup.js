// Jest global setup of both suites (unit: package.json `jest`; engine: test/engine/jest.config.js).
// - Remembers the repository's fingerprint; the teardown fails the run if a test changed the
//   repository (see repo-guard.js).
// - Creates one temp folder for tools the tests fetch for themselves (a standalone Docker
//   Compose for `docker compose config`, see compose-cli.ts), shared by every test worker and
//   removed by the teardown: the unit suite installs nothing on the system.
const { mkdtempSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const { fingerprint } = require('./repo-guard');

module.exports = async () => {
  globalThis.__MLD_REPO_FINGERPRINT__ = fingerprint();
  const tools = mkdtempSync(join(tmpdir(), 'mld-test-tools-'));
  globalThis.__MLD_TOOLS_DIR__ = tools;
  // test workers start after the global setup and inherit this
  process.env.MLD_TEST_TOOLS_DIR = tools;
};
