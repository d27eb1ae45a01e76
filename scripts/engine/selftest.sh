#!/usr/bin/env bash
# Check that the private engine does what the project's real-engine tests rely on, offline.
#
# Usage: scripts/engine/selftest.sh     (after engine.sh install; starts the engine and builds
#                                        the stand-in image if needed)
#
# Every build here uses `--network host` (the engine runs with --bridge=none: see engine.sh)
# and Docker's built-in Dockerfile frontend: a `# syntax=` line would pull the frontend image
# from Docker Hub, which is unreachable.
set -euo pipefail
HERE=$(dirname "${BASH_SOURCE[0]}")
source "$HERE/lib.sh"

"$HERE/engine.sh" start
"$HERE/standin-python.sh"
engine_env

BASE=local/python-standin:3.11-bookworm
WORK=$(mktemp -d "$ENGINE_HOME/selftest.XXXXXX")
cleanup() {
  [[ ! -f $WORK/compose/compose.yaml ]] \
    || "$DOCKER" compose -f "$WORK/compose/compose.yaml" down --timeout 1 >/dev/null 2>&1 || true
  "$DOCKER" image rm -f selftest/wheel selftest/features-1 selftest/features selftest/api >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

build() { "$DOCKER" build --progress plain --network host "$@"; }

check_compose_config_offline() {
  mkdir -p "$WORK/config"
  printf 'services:\n  a:\n    image: x\n    ports: ["127.0.0.1:8000:8000"]\n' >"$WORK/config/ok.yaml"
  printf 'services:\n  a:\n    image: x\n    ports: [{published: 8000}]\n' >"$WORK/config/bad.yaml"
  local rc=0
  # No engine behind this socket: `config` must not need one.
  DOCKER_HOST=unix:///nonexistent.sock "$DOCKER" compose -f "$WORK/config/ok.yaml" config -q
  DOCKER_HOST=unix:///nonexistent.sock "$DOCKER" compose -f "$WORK/config/bad.yaml" config -q || rc=$?
  [[ $rc -eq 15 ]] || { echo "invalid file: exit $rc, expected 15"; return 1; }
}

check_wheelhouse_pip_install() {
  "$HERE/wheelhouse.sh" "$WORK/wheels"
  python3 -u -m http.server --bind 127.0.0.1 0 --directory "$WORK/wheels" >"$WORK/http.log" 2>&1 &
  HTTP_PID=$! # global: the EXIT trap runs after this function's locals are gone
  trap 'kill "$HTTP_PID"' EXIT # each check runs in its own subshell
  local port='' tries=0
  while [[ -z $port ]] && ((tries++ < 50)); do
    sleep 0.1
    port=$(sed -nE 's/.* port ([0-9]+) .*/\1/p' "$WORK/http.log")
  done
  [[ -n $port ]] || { cat "$WORK/http.log"; return 1; }
  mkdir -p "$WORK/wheel"
  cat >"$WORK/wheel/Dockerfile" <<EOF
FROM $BASE
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-cache-dir --index-url http://127.0.0.1:$port/simple/ mlstub==1.0.0 mlstub-dev==1.0.0 \\
 && /opt/venv/bin/pip check
RUN /opt/venv/bin/python -c 'import mlstub, mlstub_dev; assert mlstub.__version__ == "1.0.0" and mlstub_dev.check()'
EOF
  build -t selftest/wheel "$WORK/wheel"
}

check_buildkit_features() {
  local ctx=$WORK/features
  mkdir -p "$ctx/docker/api" "$ctx/x" "$ctx/data"
  echo bound >"$ctx/x/file.txt"
  echo 'print("app")' >"$ctx/app.py"
  echo weights >"$ctx/data/weights.bin"
  echo 'machine example login u password p' >"$WORK/netrc"
  # The root ignore file would drop app.py; the Dockerfile's own one must win.
  echo app.py >"$ctx/.dockerignore"
  printf '*\n!app.py\n!x/\n' >"$ctx/docker/api/Dockerfile.dockerignore"
  cat >"$ctx/docker/api/Dockerfile" <<'EOF'
FROM local/python-standin:3.11-bookworm
ARG RUN_ID
RUN --mount=type=cache,target=/root/.cache/pip \
    echo "$RUN_ID" >> /root/.cache/pip/runs && tail -n 2 /root/.cache/pip/runs > /cache-runs
RUN --mount=type=bind,source=x,target=/y cp /y/file.txt /bound.txt
RUN --mount=type=secret,id=not_provided test ! -e /run/secrets/not_provided && touch /secret-skipped
RUN --mount=type=secret,id=netrc,required=true \
    test -s /run/secrets/netrc && touch /secret-seen
COPY --chown=10001:10001 app.py /app/app.py
COPY --link app.py /linked/app.py
RUN <<EOT
set -e
echo heredoc > /heredoc.txt
EOT
COPY <<EOT /heredoc-copy.txt
copied
EOT
RUN --mount=type=bind,target=/ctx cd /ctx && find . -type f | sort > /context.txt
EOF
  local f=$ctx/docker/api/Dockerfile out run=$$.$RANDOM
  # A required secret that is not provided fails the build.
  if out=$(build -f "$f" --build-arg RUN_ID=fail "$ctx" 2>&1); then
    echo "build without the required secret succeeded"; return 1
  fi
  grep -q 'secret netrc: not found' <<<"$out" || { echo "$out"; return 1; }
  build -f "$f" --build-arg RUN_ID="$run.1" --secret id=netrc,src="$WORK/netrc" -t selftest/features-1 "$ctx"
  # The cache mount survives into the next build (a new RUN_ID re-runs that step).
  build -f "$f" --build-arg RUN_ID="$run.2" --secret id=netrc,src="$WORK/netrc" -t selftest/features "$ctx"
  out=$("$DOCKER" run --rm --network none selftest/features sh -c '
    tr "\n" " " < /cache-runs; echo
    cat /bound.txt /heredoc.txt /heredoc-copy.txt
    ls /secret-skipped /secret-seen; test ! -e /run/secrets/netrc && echo no-secret-in-image
    stat -c "%u:%g %n" /app/app.py /linked/app.py
    tr "\n" " " < /context.txt')
  echo "$out"
  [[ $out == "$run.1 $run.2 
bound
heredoc
copied
/secret-seen
/secret-skipped
no-secret-in-image
10001:10001 /app/app.py
0:0 /linked/app.py
./app.py ./x/file.txt " ]]
}

check_hardened_run() {
  local out
  out=$("$DOCKER" run --rm --network none --read-only --tmpfs /tmp:exec --cap-drop ALL \
    --security-opt no-new-privileges:true --user 10001 "$BASE" sh -c '
    id -u; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status | tr -s "\t" " "
    touch /rootfs-write 2>/dev/null && echo rootfs-writable
    printf "#!/bin/sh\necho tmp-exec\n" > /tmp/x && chmod +x /tmp/x && /tmp/x
    python -c "import sys; print(sys.version_info[:2])"')
  echo "$out"
  [[ $out == "10001
CapEff: 0000000000000000
NoNewPrivs: 1
tmp-exec
(3, 11)" ]]
}

check_compose_up_healthy() {
  local dir=$WORK/compose
  mkdir -p "$dir"
  cat >"$dir/app.py" <<'EOF'
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
http.server.HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
EOF
  cat >"$dir/Dockerfile" <<'EOF'
FROM local/python-standin:3.11-bookworm
COPY app.py /app/app.py
USER 10001
HEALTHCHECK --interval=1s --timeout=2s --start-period=10s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"]
CMD ["python3", "/app/app.py"]
EOF
  # client waits for api to be healthy, then turns healthy once it has reached api by
  # service name (compose 2.26's --wait fails on a service without a healthcheck); `network: host`
  # because a compose build has the same network limit as `docker build`.
  cat >"$dir/compose.yaml" <<'EOF'
name: engine-selftest
x-hardened: &hardened
  read_only: true
  tmpfs: ["/tmp:exec"]
  cap_drop: [ALL]
  security_opt: ["no-new-privileges:true"]
  user: "10001"
services:
  api:
    <<: *hardened
    build: {context: ., network: host}
    image: selftest/api
    ports: ["127.0.0.1::8000"]
  client:
    <<: *hardened
    image: selftest/api
    depends_on: {api: {condition: service_healthy}}
    command: ["python3", "-c", "import time, urllib.request; urllib.request.urlopen('http://api:8000/'); open('/tmp/reached', 'w'); time.sleep(3600)"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/reached"], interval: 1s}
EOF
  local compose=("$DOCKER" compose -f "$dir/compose.yaml") port
  "${compose[@]}" build
  "${compose[@]}" up -d --wait --pull never
  port=$("${compose[@]}" port api 8000)
  [[ $port == 127.0.0.1:* ]] || { echo "published on $port"; return 1; }
  python3 -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://$port/').read() != b'ok')"
  "${compose[@]}" down --timeout 1
  if ip -o link show type bridge | grep -q br-; then echo "bridge left behind"; return 1; fi
}

passed=0 failed=0
for check in check_compose_config_offline check_wheelhouse_pip_install check_buildkit_features \
  check_hardened_run check_compose_up_healthy; do
  start=$(date +%s%N)
  # In the background, not as an `if` condition, which would switch off `set -e` inside.
  "$check" >"$WORK/$check.log" 2>&1 &
  if wait $!; then
    passed=$((passed + 1))
    log "ok   ${check#check_} ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
  else
    failed=$((failed + 1))
    log "FAIL ${check#check_}:"
    tail -n 30 "$WORK/$check.log" >&2
  fi
done
log "selftest: $passed passed, $failed failed"
((failed == 0))
