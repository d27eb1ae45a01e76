// Jest global teardown: removes the tools folder, then fails the run when a test changed the
// repository (see global-setup.js and repo-guard.js).
const { rmSync } = require('fs');
const { changes, fingerprint, ROOT } = require('./repo-guard');

module.exports = async () => {
  if (globalThis.__MLD_TOOLS_DIR__) rmSync(globalThis.__MLD_TOOLS_DIR__, { recursive: true, force: true });
  const before = globalThis.__MLD_REPO_FINGERPRINT__;
  if (!before) return; // not a git checkout (an unpacked tarball): nothing to compare
  const changed = changes(before, fingerprint() ?? {});
  if (changed.length > 0) {
    throw new Error(
      `the test run changed the repository at ${ROOT} (tests may write only inside temporary folders they created; files edited by hand during the run count too): ` +
      changed.slice(0, 20).join(', ') + (changed.length > 20 ? ` and ${changed.length - 20} more` : ''),
    );
  }
};
