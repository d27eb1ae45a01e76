#!/usr/bin/env bash
# The build benchmark: what `npx projen bench:build` runs (not part of .ci/run: it takes
# about half an hour on 2 cores and needs ~10 GB of free disk). Installs the private engine
# if missing, starts it, builds the python stand-in, runs scripts/bench-build.ts (which writes
# bench/build-results.{json,md} and the README's table) and stops dockerd again if this run
# started it (ENGINE_STOP=auto|always|never, as in run-suite.sh). With a local PyPI copy
# (scripts/engine/pip-mirror.py finds and serves it, as for the real-package tests) a second table
# with real packages is measured too; `--real-packages-only` measures just that one (~6 min).
#
# Usage: scripts/engine/bench-build.sh [--runs N] [--keep] [--smoke] [--real-packages-only]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh"
cd "$ENGINE_REPO"

stop_mode=${ENGINE_STOP:-auto}
started_here=0
finish() {
  local rc=$?
  pip_mirror_stop
  if [[ $stop_mode == always || ($stop_mode == auto && $started_here == 1) ]]; then
    "$HERE/engine.sh" stop || rc=1
  fi
  exit "$rc"
}
trap finish EXIT

"$HERE/engine.sh" install
engine_running || started_here=1
"$HERE/engine.sh" start
"$HERE/standin-python.sh"
eval "$("$HERE/engine.sh" env)"
# The real-package table (the scaffold's api with its real wheels) needs the local PyPI copy.
pip_mirror_start
npx ts-node --transpile-only --project test/tsconfig.json scripts/bench-build.ts "$@"
