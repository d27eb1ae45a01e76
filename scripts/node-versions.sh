#!/usr/bin/env bash
# The package, the scaffold and a cross-section of the tests on other Node.js majors than the
# one CI runs (`npx projen test:node`, run by .ci/run after the unit tests).
#
# Usage: scripts/node-versions.sh [MAJOR...]      (default: 22 24)
#
# Each Node.js comes from the npm registry's `node` package (`npx -p node@<major>`, cached in
# npm's cache); nothing is installed on the system. For each major, with that node first on
# PATH: the unit tests that load the library, its validation and every renderer (JUnit report
# in test-reports/node-<major>/junit.xml), then the README's main job (scripts/demo.sh: compile,
# pack, `projen new --from` the tarball, `npx projen` twice), whose output must hold no
# EBADENGINE or unsupported-engine warning.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || majors=(22 24)
status=0
for major in "${majors[@]}"; do
  node_bin=$(npx -y -p "node@$major" node -e 'process.stdout.write(require("path").dirname(process.execPath))')
  version=$("$node_bin/node" --version)
  echo "==> Node.js $version ($node_bin)"
  export PATH="$node_bin:$PATH"
  rm -rf "test-reports/node-$major"
  JEST_JUNIT_OUTPUT_DIR="test-reports/node-$major" JEST_JUNIT_SUITE_NAME="node $major: {title}" \
    node node_modules/jest/bin/jest.js --ci --coverage=false \
    test/catalogue.test.ts test/python-service.test.ts test/gpu.test.ts test/compose-stack.test.ts \
    test/kubernetes.test.ts test/projenrc-register.test.ts test/project-options.test.ts || status=1
  log=$(mktemp)
  if bash scripts/demo.sh >"$log" 2>&1; then
    if grep -nE 'EBADENGINE|Unsupported engine|end-of-life|end of life' "$log"; then
      echo "node-versions: Node.js $version: the demo printed an engine warning (above)" >&2
      status=1
    else
      echo "node-versions: Node.js $version: demo (pack, projen new, npx projen twice) passed without engine warnings"
    fi
  else
    tail -n 40 "$log" >&2
    echo "node-versions: Node.js $version: the demo failed" >&2
    status=1
  fi
  rm -f "$log"
  PATH=${PATH#"$node_bin:"}
done
exit "$status"
