# Shared settings for scripts/engine/*.sh. Sourced, not executed.
#
# ENGINE_HOME  all engine state (debs, apt lists, data root, socket, logs, caches);
#              default <repo>/.cache/engine
# DOCKER       the docker client every script uses (see docker_client below)

ENGINE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ENGINE_HOME=$(realpath -m "${ENGINE_HOME:-$ENGINE_REPO/.cache/engine}")
ENGINE_SOCK=$ENGINE_HOME/docker.sock
ENGINE_PIDFILE=$ENGINE_HOME/dockerd.pid
export ENGINE_HOME
# dockerd, docker-proxy and debootstrap live in sbin, which a CI environment's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

log() { printf '[engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The Debian package that provides the engine installs its client as /usr/bin/docker;
# a newer standalone client may sit earlier on PATH (/usr/local/bin/docker). Both find
# the compose/buildx plugins in /usr/libexec/docker/cli-plugins, but we pin the client
# that ships with the engine so client, daemon and plugins come from one release.
docker_client() {
  if [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker; else command -v docker || echo docker; fi
}
DOCKER=${DOCKER:-$(docker_client)}
export DOCKER

# The machine's own Debian mirror, read from its enabled apt sources, so no mirror host
# is ever written into this repository. Prefers the stanza/line for the release codename
# (bookworm) over -updates/-security suites.
debian_mirror() {
  local codename uri
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  uri=$(
    shopt -s nullglob
    for f in /etc/apt/sources.list.d/*.sources; do
      # deb822: blank-line separated stanzas with "Key: value" fields.
      awk -v RS= -v cn="$codename" '{
        types = ""; uris = ""; suites = ""; enabled = "yes"
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (lines[i] ~ /^[ \t]*#/) continue
          if (match(lines[i], /^[A-Za-z-]+:/)) {
            key = tolower(substr(lines[i], 1, RLENGTH - 1)); val = substr(lines[i], RLENGTH + 1)
            if (key == "types") types = val
            else if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "enabled") enabled = tolower(val)
          }
        }
        if (enabled ~ /no/ || types !~ /(^|[ \t])deb([ \t]|$)/) next
        if ((" " suites " ") ~ ("[ \t]" cn "[ \t]")) { split(uris, u, " "); print u[1]; exit }
      }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f $f ]] || continue
      # one-line form: deb [options] URI suite components...
      sed -E 's/\[[^]]*\]//' "$f" | awk -v cn="$codename" '$1 == "deb" && $3 == cn { print $2; exit }'
    done
  )
  uri=$(head -n1 <<<"$uri")
  [[ -n $uri ]] || die "no Debian '$codename' mirror found in /etc/apt/sources.list{,.d}"
  echo "${uri%/}"
}

# trixie_download APT_DIR DEST_DIR PACKAGE...: downloads the packages' .debs from Debian's
# trixie suite into DEST_DIR with a private apt configuration under APT_DIR (its own one-line
# sources file, lists and cache), so the system's sources, lists and packages stay as they are.
trixie_download() {
  local apt=$1 debs=$2 mirror opts
  shift 2
  mirror=$(debian_mirror)
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
    >"$apt/sources.list"
  opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
    # the directory may not be writable for apt's unprivileged _apt download user
    -o APT::Sandbox::User=root)
  log "fetching trixie package lists..."
  apt-get "${opts[@]}" update >/dev/null
  rm -rf "$debs" && mkdir -p "$debs"
  log "downloading $*..."
  (cd "$debs" && apt-get "${opts[@]}" download "$@" >/dev/null)
}

engine_env() {
  export DOCKER_HOST=unix://$ENGINE_SOCK
}

engine_running() {
  [[ -f $ENGINE_PIDFILE ]] && kill -0 "$(cat "$ENGINE_PIDFILE")" 2>/dev/null
}

# The local PyPI copy for the real-package tests and the build benchmark's real-package table:
# scripts/engine/pip-mirror.py finds the offline indexes this machine carries (never named in
# this repository) and serves them on 127.0.0.1. pip_mirror_start exports MLDOCKER_PIP_MIRROR,
# the mirror's root URL (<root>simple/ is PyPI, <root>whl/cpu/ PyTorch's CPU index), or, when
# the machine has no copy, MLDOCKER_PIP_MIRROR_ABSENT: one line saying why. A MLDOCKER_PIP_MIRROR
# set by the caller (a mirror with that layout elsewhere) is used as it is.
PIP_MIRROR_PORT=38712
PIP_MIRROR_PID=""
pip_mirror_start() {
  if [[ -n ${MLDOCKER_PIP_MIRROR:-} ]]; then
    log "real packages: MLDOCKER_PIP_MIRROR=$MLDOCKER_PIP_MIRROR (given)"
    return
  fi
  local script=$ENGINE_REPO/scripts/engine/pip-mirror.py out=$ENGINE_HOME/pip-mirror.log
  local found why start=$SECONDS port=""
  mkdir -p "$ENGINE_HOME"
  if ! found=$(python3 "$script" find 2>&1); then
    why=$(tail -n1 <<<"$found")
    MLDOCKER_PIP_MIRROR_ABSENT="no local PyPI copy on this machine: $why"
    MLDOCKER_PIP_MIRROR_ABSENT+=" (or set MLDOCKER_PIP_MIRROR to a mirror root holding simple/ and whl/cpu/)"
    export MLDOCKER_PIP_MIRROR_ABSENT
    return
  fi
  local sources=() kind dir
  while read -r kind dir; do sources+=("$kind" "$dir"); done <<<"$found"
  # Emptied here, not by the background job's redirection: until that job runs, the loop below
  # would read the last run's log (its port line) instead.
  : >"$out"
  python3 -u "$script" serve "$PIP_MIRROR_PORT" "${sources[@]}" >>"$out" 2>&1 &
  PIP_MIRROR_PID=$!
  until port=$(sed -nE 's/^port ([0-9]+)$/\1/p' "$out") && [[ -n $port ]]; do
    kill -0 "$PIP_MIRROR_PID" 2>/dev/null || { cat "$out" >&2; die "the pip mirror exited (log: $out)"; }
    ((SECONDS - start < 300)) || die "the pip mirror is not listening after 300 s (log: $out)"
    sleep 0.2
  done
  export MLDOCKER_PIP_MIRROR=http://127.0.0.1:$port/
  log "real packages: $(sed -n 's/^serving //p' "$out") at $MLDOCKER_PIP_MIRROR," \
    "from $(tr '\n' ' ' <<<"$found")($((SECONDS - start)) s)"
}

pip_mirror_stop() {
  [[ -n $PIP_MIRROR_PID ]] || return 0
  kill "$PIP_MIRROR_PID" 2>/dev/null || true
  wait "$PIP_MIRROR_PID" 2>/dev/null || true
  PIP_MIRROR_PID=""
}
