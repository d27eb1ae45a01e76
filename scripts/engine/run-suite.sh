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
#   ENGINE_KEEP=1       keep what the tests created (to look at it); by default the run ends by
#                       removing every container, network, volume and image that appeared on
#                       the engine after setup (so while jest ran), and the build cache but its
#                       cache mounts, and prints one line with the space the run used and what
#                       it removed. What setup made stays: the stand-in images are the suite's
#                       fixtures, built once per $ENGINE_HOME. So do the cache mounts (apt's and
#                       pip's downloads), which spare a warm run fetching the same packages again
#                       and change no build step's cache key. The cleanup removes whatever
#                       appeared on the engine during the run, so do not share one engine
#                       between a run and other work at the same time.
#
# Timings of the whole suite (5 test files, 35 tests), measured 2026-12-01 on this machine:
# 2 cores shared with other work (load average 5-9 during the runs, so expect less on an
# idle machine), engine packages already installed (their download and install add ~15 s).
#   cold (empty $ENGINE_HOME, as on a fresh CI machine): 2119 s = setup 183 s (debootstrap
#     and import of the python stand-in 131 s, backing stand-ins 50 s) + jest 1572 s
#     (cache-proof.test.ts 1173 s, build 141 s, scaffold-up 119 s, compose-up 78 s,
#     gpu-build 57 s) + cleanup 360 s.
#   warm (stand-ins present in $ENGINE_HOME = the git-ignored .cache/engine): 952 s =
#     setup 3 s + jest 811 s (cache-proof 625 s, build 64 s, scaffold-up 53 s, compose-up
#     37 s, gpu-build 28 s) + cleanup 137 s. The cleanup removes the run's build cache, so
#     a warm run rebuilds the test images as a cold one does; only setup is saved.
#   A run uses ~1.7 GB of build cache and images (103 images, 777 build cache records) and
#   the cleanup gives back all but ~0.07 GB (BuildKit's metadata databases only grow).
#   Select tests for quicker runs: run-suite.sh test/engine/scaffold-up.test.ts (~50 s warm).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh"
cd "$ENGINE_REPO"

stop_mode=${ENGINE_STOP:-auto}
started_here=0
suite_start=$SECONDS
# What the engine held after setup (sorted "<kind> <id>" lines) and the data root's size
# then; taken once setup is done, so an aborted setup removes nothing.
snapshot=0
before=""
before_bytes=0

# The ids of one kind of object the engine holds now, sorted.
engine_ids() {
  case $1 in
    container) "$DOCKER" ps --all --quiet --no-trunc ;;
    network) "$DOCKER" network ls --quiet --no-trunc ;;
    volume) "$DOCKER" volume ls --quiet ;;
    image) "$DOCKER" image ls --all --quiet --no-trunc ;;
    cache) "$DOCKER" buildx du --verbose | awk '$1 == "ID:" { print $2 }' ;;
    # the cache mounts (apt's and pip's downloads, shared by every build): kept across runs
    cachemount) "$DOCKER" buildx du --verbose | awk -v RS= '/\nType:[ \t]+exec\.cachemount/ { print $2 }' ;;
  esac | sort -u
}
KINDS=(container network volume image cache)

# Every object the engine holds now, one "<kind> <id>" line each, sorted.
engine_objects() {
  local kind
  for kind in "${KINDS[@]}"; do engine_ids "$kind" | sed "s/^/$kind /"; done | sort
}

data_bytes() { du -s -B1 "$ENGINE_HOME/data" | cut -f1; }
gb() { awk -v b="$1" 'BEGIN { printf "%.2f GB", b / 1e9 }'; }
# of_kind KIND LINES: the ids of that kind, sorted
of_kind() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2" | sort; }
# still_there KIND LINES: those ids of that kind the engine still holds
still_there() { comm -12 <(of_kind "$1" "$2") <(engine_ids "$1"); }

# Removes what appeared on the engine since setup (engine_objects then vs now) and says, in
# one line, how much space the run used and what went. Order: containers (they hold
# networks, volumes and images), networks, volumes, images, build cache.
cleanup() {
  local start=$SECONDS new after_bytes kind todo count previous summary="" left=0 n
  new=$(comm -13 <(echo "$before") <(engine_objects))
  after_bytes=$(data_bytes)
  if [[ ${ENGINE_KEEP:-0} == 1 ]]; then
    log "cleanup skipped (ENGINE_KEEP=1): the run added $(grep -c . <<<"$new" || true) containers, networks, volumes, images and build cache records, $(gb $((after_bytes - before_bytes))) in $ENGINE_HOME/data ($(gb "$after_bytes") now)"
    return
  fi
  of_kind container "$new" | xargs -r "$DOCKER" rm --force --volumes >/dev/null 2>&1 || true
  of_kind network "$new" | xargs -r "$DOCKER" network rm >/dev/null 2>&1 || true
  of_kind volume "$new" | xargs -r "$DOCKER" volume rm --force >/dev/null 2>&1 || true
  # An image is refused while another one still builds on it (each pass frees the next layer of
  # a chain): repeat while that helps.
  previous=-1
  while todo=$(still_there image "$new") && count=$(grep -c . <<<"$todo" || true) && ((count > 0 && count != previous)); do
    previous=$count
    xargs -r "$DOCKER" image rm --force <<<"$todo" >/dev/null 2>&1 || true
  done
  # The build cache: every record but the cache mounts, one prune per record type (`docker builder
  # prune` takes one value per filter). Not by id: BuildKit matches the filter against every record
  # in every pass of a prune, and one regular expression naming each of a run's ~800 records made
  # that take minutes. Setup's few records (the stand-ins' builds) go too: the stand-ins stay as
  # images, which need none. The cache mounts stay, as the stand-ins do: apt's and pip's downloads,
  # which only save a warm run from fetching the same packages again.
  local type
  for type in regular source.local source.git.checkout frontend internal; do
    "$DOCKER" builder prune --all --force --filter "type=$type" >/dev/null 2>&1 || true
  done
  new=$(comm -23 <(echo "$new") <(engine_ids cachemount | sed 's/^/cache /'))
  for kind in image container network volume cache; do
    n=$(of_kind "$kind" "$new" | grep -c . || true)
    todo=$(still_there "$kind" "$new" | grep -c . || true)
    left=$((left + todo))
    summary+="${summary:+, }$((n - todo)) ${kind/cache/build cache record}s"
  done
  log "cleanup: the run used $(gb $((after_bytes - before_bytes))) in $ENGINE_HOME/data ($(gb "$before_bytes") after setup, $(gb "$after_bytes") after jest); removed $summary: $(gb $((after_bytes - $(data_bytes)))) reclaimed$( ((left == 0)) || echo ", $left left that could not be removed") ($((SECONDS - start)) s)"
}

finish() {
  local rc=$?
  pip_mirror_stop
  if ((snapshot)) && engine_running; then cleanup || log "cleanup failed"; fi
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
step "pip mirror" pip_mirror_start
if [[ -n ${MLDOCKER_PIP_MIRROR_ABSENT:-} ]]; then
  log "skipped: the real-package tests (test/engine/real-*.test.ts): $MLDOCKER_PIP_MIRROR_ABSENT"
fi
eval "$("$HERE/engine.sh" env)"
before=$(engine_objects)
before_bytes=$(data_bytes)
snapshot=1

jest_start=$SECONDS
status=0
# In band: the tests share one engine, two CPUs and host ports.
npx jest --config test/engine/jest.config.js --runInBand --ci "$@" || status=$?
log "jest took $((SECONDS - jest_start)) s"
exit "$status"
