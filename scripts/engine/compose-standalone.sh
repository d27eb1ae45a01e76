#!/usr/bin/env bash
# Usage: scripts/engine/compose-standalone.sh DIR
#
# Puts Docker Compose 2 (Debian trixie's docker-compose package) into DIR without installing
# anything on the system: downloads the .deb with a private apt configuration under DIR,
# unpacks it there with dpkg-deb -x and prints the path of the compose binary, which runs
# standalone (`<binary> -f compose.yaml config`). `docker compose config` needs no engine.
# The unit tests use it on machines without a compose plugin (test/support/compose-cli.ts);
# the engine suite installs the real packages instead (engine.sh install).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
trixie_download "$dir/apt" "$dir/debs" docker-compose >&2
dpkg-deb -x "$dir"/debs/docker-compose_*.deb "$dir/root"
bin=$dir/root/usr/libexec/docker/cli-plugins/docker-compose
[[ -x $bin ]] || die "the docker-compose package has no $bin"
rm -rf "$dir/apt" "$dir/debs"
echo "$bin"
