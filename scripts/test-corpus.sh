#!/usr/bin/env bash
# The corpus suite (`npx projen test:corpus`): tests that read third-party reference data and
# real repository trees from `../shared/data` beside this clone (see test/corpus/). Nothing of
# it is copied into the repository. Without it the suite stops at once with one line.
#
# Usage: scripts/test-corpus.sh [jest args...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=$(realpath -m "$ROOT/../shared/data")
if [[ ! -d $SHARED ]]; then
  echo "test:corpus: needs the shared reference data at $SHARED (a folder shared/data beside this clone); it is not there" >&2
  exit 1
fi
exec node node_modules/jest/bin/jest.js --ci --config test/corpus/jest.config.js "$@"
