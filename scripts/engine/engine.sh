#!/usr/bin/env bash
# A private Docker engine for real build/run/compose tests on this Debian bookworm machine.
#
# Usage: scripts/engine/engine.sh install|start|stop|env
#   install  docker.io 26 + docker-cli + docker-buildx + docker-compose 2 from Debian trixie
#            (system apt sources left untouched), and debootstrap; no-op when present
#   start    dockerd on $ENGINE_HOME/docker.sock; no-op when already running
#   stop     stop that dockerd and wait for it to exit
#   env      print `export DOCKER_HOST=... DOCKER=...` lines: eval "$(engine.sh env)"
#
# dockerd flags, chosen to leave the host as it was:
#   --iptables=false     no NAT/filter rules on the host.
#   --ip-forward=false   dockerd would otherwise set net.ipv4.ip_forward=1 at start (even
#                        with --bridge=none). Containers still reach each other on a compose
#                        network, and published ports go through docker-proxy, so nothing we
#                        test needs forwarding. `docker run` on the default network prints
#                        "IPv4 forwarding is disabled" then; pass --network none|host.
#   --bridge=none        no docker0 interface. Consequence: BuildKit RUN steps fail with
#                        "network bridge not found" unless built with `--network host` (or
#                        none), and a compose `build:` needs `network: host`. Use one mode for
#                        every build: switching modes invalidates RUN caches.
#                        `docker compose up` itself works: it creates its own bridge network
#                        (removed again by `down`); healthchecks and 127.0.0.1 ports work.
#   no --storage-driver  dockerd picks overlay2 and falls back by itself (down to vfs) where
#                        overlay2 is refused, e.g. a data root on overlayfs.
# The engine's containerd is started by dockerd itself, with state under $ENGINE_HOME.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRIXIE_PACKAGES=(docker.io docker-cli docker-buildx docker-compose)
ENGINE_LOG=$ENGINE_HOME/dockerd.log

# True when dockerd >= 26 and the buildx and compose v2 plugins answer through $DOCKER.
engine_installed() {
  local v
  v=$(dockerd --version 2>/dev/null | sed -nE 's/^Docker version ([0-9]+)\..*/\1/p')
  [[ -n $v && $v -ge 26 ]] \
    && "$DOCKER" buildx version >/dev/null 2>&1 \
    && [[ $("$DOCKER" compose version --short 2>/dev/null) == 2.* ]]
}

# apt-get install from the system's own sources; refresh its lists only when the install
# fails for want of packages (dependencies such as containerd, runc and tini).
system_apt_install() {
  local out
  out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" 2>&1) && return
  if ! grep -qE 'Unable to locate package|has no installation candidate|not installable|unmet dependencies' <<<"$out"; then
    printf '%s\n' "$out" >&2
    die "apt-get install $* failed"
  fi
  log "apt-get update (system sources), then retry"
  apt-get update -qq >&2
  out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" 2>&1) \
    || { printf '%s\n' "$out" >&2; die "apt-get install $* failed"; }
}

# Fetch the trixie .debs into $ENGINE_HOME/debs (see trixie_download in lib.sh).
download_trixie_debs() {
  trixie_download "$ENGINE_HOME/apt" "$ENGINE_HOME/debs" "${TRIXIE_PACKAGES[@]}"
}

cmd_install() {
  command -v debootstrap >/dev/null || { log "installing debootstrap"; system_apt_install debootstrap; }
  if engine_installed; then
    log "engine already installed: $(dockerd --version)"
    return
  fi
  local p
  for p in "${TRIXIE_PACKAGES[@]}"; do
    compgen -G "$ENGINE_HOME/debs/${p}_*.deb" >/dev/null || { download_trixie_debs; break; }
  done
  log "installing ${TRIXIE_PACKAGES[*]}..."
  system_apt_install "$ENGINE_HOME"/debs/*.deb
  DOCKER=$(docker_client)
  engine_installed || die "installed, but dockerd >= 26 with buildx and compose 2 is still not usable"
  log "installed: $(dockerd --version)"
}

cmd_start() {
  if engine_running; then
    log "dockerd already running (pid $(cat "$ENGINE_PIDFILE"))"
    return
  fi
  command -v dockerd >/dev/null || die "dockerd missing: run $0 install"
  # The longest socket, $ENGINE_HOME/exec/containerd/containerd.sock.ttrpc, must fit the
  # 107-byte limit of unix socket paths.
  ((${#ENGINE_HOME} <= 69)) || die "ENGINE_HOME longer than 69 characters: $ENGINE_HOME"
  mkdir -p "$ENGINE_HOME/data" "$ENGINE_HOME/exec"
  rm -f "$ENGINE_PIDFILE"
  local start=$SECONDS pid
  # setsid: dockerd must outlive this script and not get the caller's signals (e.g. ^C).
  setsid dockerd \
    --host "unix://$ENGINE_SOCK" \
    --data-root "$ENGINE_HOME/data" \
    --exec-root "$ENGINE_HOME/exec" \
    --pidfile "$ENGINE_PIDFILE" \
    --iptables=false --ip-forward=false --bridge=none \
    </dev/null >"$ENGINE_LOG" 2>&1 &
  pid=$!
  engine_env
  until "$DOCKER" info >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$ENGINE_LOG" >&2; die "dockerd exited (log: $ENGINE_LOG)"; }
    ((SECONDS - start < 30)) || { tail -n 20 "$ENGINE_LOG" >&2; die "dockerd not ready after 30 s (log: $ENGINE_LOG)"; }
    sleep 0.2
  done
  log "dockerd $("$DOCKER" info --format '{{.ServerVersion}}, storage {{.Driver}}') ready in $((SECONDS - start)) s"
}

cmd_stop() {
  if ! engine_running; then
    log "dockerd not running"
    return
  fi
  local pid i
  pid=$(cat "$ENGINE_PIDFILE")
  kill -TERM "$pid"
  # dockerd gives running containers 15 s to stop before it kills them.
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "dockerd stopped"; return; }
    sleep 0.1
  done
  die "dockerd (pid $pid) still running 30 s after SIGTERM"
}

cmd_env() {
  printf 'export DOCKER_HOST=%q\n' "unix://$ENGINE_SOCK"
  printf 'export DOCKER=%q\n' "$DOCKER"
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  *) die "usage: $0 install|start|stop|env" ;;
esac
