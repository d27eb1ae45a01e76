#!/usr/bin/env bash
# Installs Debian sid's Python packaging tools (python3-poetry with python3-poetry-plugin-export,
# and python3-pdm) into a prefix, for the differential test of the lock readers
# (test/corpus/lock-differential.test.ts). Nothing is installed on the machine: a private apt
# configuration (its own one-line sources file naming the machine's own Debian mirror, lists and
# cache under the prefix) downloads the .debs of the tools and of every python3-* package they
# depend on, and `dpkg -x` unpacks them under <prefix>/root. The packages are pure Python apart
# from a few optional accelerators built for sid's Python (3.14), which the code runs without:
# run them with a python3 of the machine, PYTHONPATH=<prefix>/root/usr/lib/python3/dist-packages
# and RAPIDFUZZ_IMPLEMENTATION=python. Writes <prefix>/VERSIONS (package=version per line) last,
# and does nothing when it exists. Exit 3: no Debian mirror configured on this machine.
set -euo pipefail
prefix=${1:?usage: packaging-tools.sh <prefix>}
[[ -f $prefix/VERSIONS ]] && exit 0
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[[ -n $mirror ]] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[[ -n $mirror ]] || { echo "no Debian mirror in the machine's apt sources" >&2; exit 3; }
apt=$prefix/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$prefix/debs" "$prefix/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$apt/sources.list"
opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
apt-get "${opts[@]}" update >/dev/null
tools=(python3-poetry python3-poetry-plugin-export python3-pdm)
mapfile -t packages < <(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${tools[@]}" | grep -E '^python3-' | grep -vx 'python3-minimal' | sort -u)
(cd "$prefix/debs" && apt-get "${opts[@]}" download "${packages[@]}" >/dev/null)
for deb in "$prefix"/debs/*.deb; do dpkg -x "$deb" "$prefix/root"; done
for tool in "${tools[@]}"; do
  printf '%s=%s\n' "$tool" "$(dpkg-deb -f "$prefix"/debs/"${tool}"_*.deb Version)"
done >"$prefix/VERSIONS.tmp"
mv "$prefix/VERSIONS.tmp" "$prefix/VERSIONS"
