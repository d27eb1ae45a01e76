#!/usr/bin/env bash
# Build local stand-ins for the backing images our compose.yaml pins, under exactly those
# names, since Docker Hub cannot be reached here:
#   postgres:17.11-bookworm   Debian bookworm's postgresql-15, with our own entrypoint
#   redis:7.4.11-bookworm     Debian bookworm's redis-server 7.0, with our own entrypoint
# Both are `FROM local/python-standin:3.11-bookworm` (standin-python.sh: a debootstrapped
# bookworm) plus apt from the machine's Debian mirror (the rootfs's own sources.list, so no
# host name is written here), built with `--network host` like every build on this engine.
#
# Usage: scripts/engine/standin-backing.sh     (needs a running engine and the python stand-in)
#
# Cached: each image carries a label with the hash of its recipe (Dockerfile + entrypoint);
# when the image in the engine has the current hash the build is skipped. The images live in
# the engine's data root ($ENGINE_HOME/data, git-ignored); the apt downloads sit in BuildKit
# cache mounts there too. Cold: ~15-20 s for both (mirror permitting); warm: ~0.1 s.
#
# What the stand-ins reproduce of the official images (what compose.yaml relies on):
#   - user and group 999 (postgres / redis), and they run fine under `user: "999:999"`,
#     `read_only: true`, `cap_drop: [ALL]` and `no-new-privileges`;
#   - postgres: PGDATA=/var/lib/postgresql/data, an image directory owned by 999 (mode 1777,
#     a VOLUME), so a fresh named volume inherits that owner; on first start into an empty
#     PGDATA the entrypoint honours POSTGRES_USER, POSTGRES_DB and POSTGRES_PASSWORD(_FILE)
#     (initdb with that superuser and password, `host all all all scram-sha-256` appended to
#     pg_hba.conf, the database created through a socket-only temporary server);
#     listen_addresses='*'; unix sockets in /var/run/postgresql; `pg_isready`, `psql` on PATH;
#     STOPSIGNAL SIGINT;
#   - redis: redis-server and redis-cli on PATH, /data owned by 999 (a VOLUME, the WORKDIR),
#     `sh` present, the entrypoint's argument handling (`-x`/`*.conf` first argument ->
#     redis-server) and its umask 0077.
# What they do NOT prove:
#   - the real versions: it is PostgreSQL 15 under the name 17.11 and Redis 7.0 under the
#     name 7.4.11 (Debian bookworm's packages); version-specific behaviour, on-disk format,
#     and the official images' build options are not exercised;
#   - the official entrypoints: ours are re-implementations of the subset above (no
#     /docker-entrypoint-initdb.d scripts, no POSTGRES_INITDB_ARGS, no nss_wrapper for
#     arbitrary uids; as root they drop to 999 with setpriv instead of gosu, and without
#     the official chown of existing data). A mistake in our reading of the official
#     entrypoint would go unnoticed; the pinned tags themselves are not pulled or verified.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
engine_env

BASE=${STANDIN_IMAGE:-local/python-standin:3.11-bookworm}
WORK=$ENGINE_HOME/standin-backing
LABEL=dev.projen-ml-docker.standin-recipe

"$DOCKER" info >/dev/null 2>&1 || die "no engine on $DOCKER_HOST: run scripts/engine/engine.sh start"
"$DOCKER" image inspect "$BASE" >/dev/null 2>&1 || die "$BASE missing: run scripts/engine/standin-python.sh"

# Shared Dockerfile fragment: apt from the base rootfs's own sources (the machine's mirror).
# Check-Valid-Until=false: the mirror may serve a snapshot whose Release file has expired.
# policy-rc.d: no service start from maintainer scripts during the build.
apt_install() {
  cat <<EOF
RUN --mount=type=cache,id=standin-apt-cache,target=/var/cache/apt,sharing=locked \\
    --mount=type=cache,id=standin-apt-lists,target=/var/lib/apt/lists,sharing=locked \\
    set -eux; \\
    printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \\
    apt-get -o Acquire::Check-Valid-Until=false update -q; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $*; \\
    rm -f /usr/sbin/policy-rc.d
EOF
}

write_postgres() {
  local dir=$1
  cat >"$dir/Dockerfile" <<EOF
FROM $BASE
# The official image's user: uid and gid 999, created before the package would pick its own.
RUN set -eux; \\
    groupadd -r postgres --gid=999; \\
    useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \\
    install -d -o postgres -g postgres /var/lib/postgresql; \\
    mkdir -p /etc/postgresql-common; \\
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
$(apt_install postgresql-15)
# As the official image: listen on every interface (initdb copies this sample).
RUN set -eux; \\
    sed -ri "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!" /usr/share/postgresql/15/postgresql.conf.sample; \\
    grep -F "listen_addresses = '*'" /usr/share/postgresql/15/postgresql.conf.sample; \\
    install -d -o postgres -g postgres -m 3777 /var/run/postgresql; \\
    install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH \\
    PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
EOF
  cat >"$dir/docker-entrypoint.sh" <<'EOF'
#!/usr/bin/env bash
# Stand-in for the official postgres image's entrypoint: the subset our compose.yaml uses
# (see scripts/engine/standin-backing.sh in projen-ml-docker for what it does not do).
set -Eeuo pipefail

# VAR [default]: the value of VAR or the content of the file named by VAR_FILE (not both).
file_env() {
  local var=$1 file_var="$1_FILE" value=${2:-}
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    echo "error: both $var and $file_var are set (but are exclusive)" >&2
    exit 1
  fi
  if [[ -n ${!var:-} ]]; then
    value=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    value=$(<"${!file_var}")
  fi
  export "$var=$value"
  unset "$file_var"
}

if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi

if [[ $1 == postgres ]]; then
  if [[ $(id -u) == 0 ]]; then
    # Started as root: prepare the directories, then run as postgres (the official image
    # does this with gosu; under cap_drop ALL this path fails, as there).
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    exec setpriv --reuid=999 --regid=999 --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" || :
  if [[ ! -s $PGDATA/PG_VERSION ]]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    if [[ -z $POSTGRES_PASSWORD ]]; then
      echo 'error: database is uninitialized and superuser password is not specified (POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE)' >&2
      exit 1
    fi
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") -D "$PGDATA"
    printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # A temporary server reachable through its unix socket only, to create the database.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    if [[ $POSTGRES_DB != postgres ]]; then
      psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
        --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset POSTGRES_PASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
fi
exec "$@"
EOF
}

write_redis() {
  local dir=$1
  cat >"$dir/Dockerfile" <<EOF
FROM $BASE
# The official image's user: uid and gid 999, created before the package would pick its own.
RUN set -eux; \\
    groupadd -r -g 999 redis; \\
    useradd -r -g redis -u 999 --home-dir=/var/lib/redis --no-create-home --shell=/usr/sbin/nologin redis
$(apt_install redis-server)
RUN install -d -o redis -g redis /data
VOLUME /data
WORKDIR /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
EOF
  cat >"$dir/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Stand-in for the official redis image's entrypoint (see scripts/engine/standin-backing.sh
# in projen-ml-docker for what it does not do).
set -e
# First argument `-x`/`--x` or `*.conf`: arguments of redis-server.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
# Started as root: own the data, then run as redis (the official image uses gosu).
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=999 --regid=999 --init-groups "$0" "$@"
fi
um=$(umask)
if [ "$um" = 0022 ]; then umask 0077; fi
exec "$@"
EOF
}

build_standin() { # IMAGE WRITER
  local image=$1 writer=$2 dir hash current start=$SECONDS
  dir=$WORK/${image%%:*}
  rm -rf "$dir" && mkdir -p "$dir"
  "$writer" "$dir"
  chmod 755 "$dir/docker-entrypoint.sh"
  hash=$(cat "$dir/Dockerfile" "$dir/docker-entrypoint.sh" <("$DOCKER" image inspect --format '{{.Id}}' "$BASE") \
    | sha256sum | cut -c1-16)
  current=$("$DOCKER" image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$image" 2>/dev/null || true)
  if [[ $current == "$hash" ]]; then
    log "$image (stand-in) already present"
    return
  fi
  log "building stand-in $image..."
  "$DOCKER" build --progress plain --network host --label "$LABEL=$hash" -t "$image" "$dir" \
    >"$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log" >&2; die "building $image failed (log: $dir/build.log)"; }
  log "$image (stand-in): $(($("$DOCKER" image inspect --format '{{.Size}}' "$image") / 1000000)) MB, $((SECONDS - start)) s"
}

build_standin postgres:17.11-bookworm write_postgres
build_standin redis:7.4.11-bookworm write_redis
