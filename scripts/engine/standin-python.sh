#!/usr/bin/env bash
# Build a local stand-in for the official python:3.11-slim-bookworm image, which cannot be
# pulled here (no Docker Hub). Debian bookworm ships Python 3.11, so a debootstrapped
# minbase rootfs with python3, python3-venv and tini is close enough for our Dockerfiles.
#
# Usage: scripts/engine/standin-python.sh        (needs a running engine: engine.sh start)
#
# Caches the rootfs tarball in $ENGINE_HOME/standin/; a second run only re-imports it, and
# does nothing at all if the image is already in the engine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
engine_env

IMAGE=${STANDIN_IMAGE:-local/python-standin:3.11-bookworm}
CACHE=$ENGINE_HOME/standin
TARBALL=$CACHE/rootfs-bookworm.tar
start=$SECONDS

"$DOCKER" info >/dev/null 2>&1 || die "no engine on $DOCKER_HOST: run scripts/engine/engine.sh start"
if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already present"
  exit 0
fi

if [[ ! -f $TARBALL ]]; then
  command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/engine/engine.sh install"
  mirror=$(debian_mirror)
  mkdir -p "$CACHE"
  rootfs=$CACHE/rootfs.tmp
  # A failed debootstrap can leave /proc or /sys mounted inside: never descend into those.
  rm -rf --one-file-system "$rootfs"
  log "debootstrap bookworm minbase (python3, python3-venv, tini)..."
  debootstrap --variant=minbase --include=python3,python3-venv,tini \
    bookworm "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # The official image answers to both `python` and `python3` (in /usr/local/bin).
  ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
  # Slim images carry no package lists or downloaded .debs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  rm -rf --one-file-system "$rootfs"
fi

log "importing $IMAGE..."
# ENV/CMD as in the official image; the rest of its config (entrypoint, workdir) is empty.
"$DOCKER" import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  "$TARBALL" "$IMAGE" >/dev/null

size=$("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE")
log "$IMAGE: $((size / 1000000)) MB, $((SECONDS - start)) s"
