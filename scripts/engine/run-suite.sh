#!/usr/bin/env bash
# The real-engine suite: what `npx projen test:build` runs (and `.ci/run` after the unit
# tests). It installs the private engine if missing, starts it, builds the stand-in images,
# runs jest on test/engine/ (its own config: test/engine/jest.config.js; JUnit report in
# test-reports/engine/junit.xml) and exits with jest's status.
#
# Usage: scripts/engine/run-suite.sh [jest args...]     e.g. -t 'compose'
#
#   ENGINE_STOP=auto    (default) stop dockerd at the end if this run started it; an engine
#                       that was already running (another shell or session using the same
#                       $ENGINE_HOME) is left running. On CI it is never running before, so
#                       CI always ends with dockerd stopped.
#   ENGINE_STOP=always  stop it at the end in any case; ENGINE_STOP=never: leave it running.
#
# Timings measured on this machine (2 cores), for build.test.ts + compose-up.test.ts:
#   warm (stand-ins and layers cached in $ENGINE_HOME = the git-ignored .cache/engine):
#     setup ~1 s, build.test.ts ~35-45 s, compose-up.test.ts ~80-95 s (of which ~73 s is
#     `compose up --wait` waiting out the generated 30 s health intervals): ~2.3 min in all.
#   cold (empty $ENGINE_HOME, as on a fresh CI machine): debootstrap of the python stand-in
#     ~67 s, backing stand-ins ~20 s, uncached builds, jest ~130 s: ~3.7 min, plus the
#     engine's .deb download and install when the packages are not installed (~15 s).
#   Other test/engine/*.test.ts files add their own time.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh"
cd "$ENGINE_REPO"

stop_mode=${ENGINE_STOP:-auto}
started_here=0
suite_start=$SECONDS
finish() {
  local rc=$?
  if [[ $stop_mode == always || ($stop_mode == auto && $started_here == 1) ]]; then
    "$HERE/engine.sh" stop || rc=1
  elif engine_running; then
    log "leaving dockerd running (ENGINE_STOP=$stop_mode; started here: $started_here)"
  fi
  log "real-engine suite finished in $((SECONDS - suite_start)) s (exit $rc)"
  exit "$rc"
}
trap finish EXIT

# A report from an earlier run must never be read as this run's.
rm -rf test-reports/engine

step() { # NAME COMMAND...: run a setup step, timed
  local name=$1 start=$SECONDS
  shift
  "$@"
  log "setup: $name took $((SECONDS - start)) s"
}

step "engine install" "$HERE/engine.sh" install
engine_running || started_here=1
step "engine start" "$HERE/engine.sh" start
step "python stand-in" "$HERE/standin-python.sh"
step "backing stand-ins" "$HERE/standin-backing.sh"
eval "$("$HERE/engine.sh" env)"

jest_start=$SECONDS
status=0
# In band: the tests share one engine, two CPUs and host ports.
npx jest --config test/engine/jest.config.js --runInBand --ci "$@" || status=$?
log "jest took $((SECONDS - jest_start)) s"
exit "$status"
