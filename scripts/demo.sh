#!/usr/bin/env bash
# The main job: build this package, scaffold an example project from the tarball the way a
# user would (`projen new --from projen-ml-docker@file:<tgz>`), synthesize it and show what
# it generated.
#
#   npm install && scripts/demo.sh     # from a fresh clone
#
# Result: ./demo/vision (git-ignored), rebuilt from scratch on every run. Needs the npm
# registry only (projen, the .projenrc.ts toolchain); the package itself comes from the tarball.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_DIR="$ROOT/demo"
PACK_DIR="$DEMO_DIR/pkg"
PROJECT_DIR="$DEMO_DIR/vision"

# A clean environment for the child tools: no CI mode (projen would run `npm ci` on a project
# that has no lock file yet), no disabled post-synth steps, nothing inherited from an outer
# `npm run`/`npx` (npm_config_call would make the inner `npx` run the outer command).
unset CI PROJEN_DISABLE_POST npm_config_call npm_config_local_prefix INIT_CWD
for var in $(compgen -e | grep -E '^npm_(package|lifecycle)_' || true); do unset "$var"; done

now_ms() { date +%s%3N; }
START_MS="$(now_ms)"
STEP_MS="$START_MS"
step() {
  local t
  t="$(now_ms)"
  if [[ "${STEP_NAME:-}" != "" ]]; then
    printf '    (%d.%03d s)\n' $(((t - STEP_MS) / 1000)) $(((t - STEP_MS) % 1000))
  fi
  STEP_MS="$t"
  STEP_NAME="$1"
  [[ "$1" == "" ]] || printf '\n==> %s\n' "$1"
}
fail() { echo "demo.sh: $*" >&2; exit 1; }
trap 'echo "demo.sh: failed at step \"${STEP_NAME:-?}\" (line $LINENO)" >&2' ERR

[[ -x "$ROOT/node_modules/.bin/projen" ]] || fail "run 'npm install' in $ROOT first"
PROJEN_VERSION="$(node -p "require('$ROOT/node_modules/projen/package.json').version")"

step "compile (jsii -> lib/ and .jsii)"
(cd "$ROOT" && npx projen compile)

step "pack"
rm -rf "$PACK_DIR"
mkdir -p "$PACK_DIR"
TGZ_NAME="$(cd "$ROOT" && npm pack --json --pack-destination "$PACK_DIR" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].filename));')"
TGZ="$PACK_DIR/$TGZ_NAME"
[[ -f "$TGZ" ]] || fail "npm pack did not write $TGZ"
CONTENTS="$(tar tzf "$TGZ")"
for entry in package/.jsii package/lib/index.js package/lib/index.d.ts package/lib/projenrc-register.js package/data/ package/templates/ \
  package/node_modules/ejs/ package/node_modules/yaml/ package/node_modules/@renovatebot/pep440/ package/node_modules/zod/; do
  grep -q "^${entry}" <<<"$CONTENTS" || fail "tarball lacks ${entry}"
done
echo "$TGZ ($(du -k "$TGZ" | cut -f1) KiB, $(wc -l <<<"$CONTENTS") files; .jsii, lib/, data/, templates/ and bundled ejs, yaml, @renovatebot/pep440, zod present)"

step "scaffold: projen new --from projen-ml-docker@file:$TGZ"
rm -rf "$PROJECT_DIR"
mkdir -p "$PROJECT_DIR"
# The repository's projen (same as `npx projen` run from here) with --projen-version pinned to
# it, so the scaffold installs that projen instead of whatever is `latest`; --no-git because
# demo/ lives inside this repository. Post-synth steps stay on: they run `npm install`.
(cd "$PROJECT_DIR" && "$ROOT/node_modules/.bin/projen" new \
  --from "projen-ml-docker@file:$TGZ" --projen-version "$PROJEN_VERSION" --no-git)
[[ -f "$PROJECT_DIR/.projenrc.ts" ]] || fail "projen new wrote no .projenrc.ts"
grep -q "from 'projen-ml-docker'" "$PROJECT_DIR/.projenrc.ts" || fail ".projenrc.ts does not import projen-ml-docker"

step "synth: npx projen"
(cd "$PROJECT_DIR" && npx projen)
[[ -f "$PROJECT_DIR/docker/api/Dockerfile" ]] || fail "npx projen generated no docker/api/Dockerfile"

step "re-synth: npx projen again changes nothing"
tree_hash() { (cd "$PROJECT_DIR" && find . -path ./node_modules -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
BEFORE="$(tree_hash)"
(cd "$PROJECT_DIR" && npx projen)
[[ "$(tree_hash)" == "$BEFORE" ]] || fail "a second npx projen changed files"
echo "byte-identical"

step ""
TOTAL_MS=$(($(now_ms) - START_MS))

echo
echo "==> $PROJECT_DIR (node_modules left out; [gen] = generated, read-only; [yours] = written once, never overwritten)"
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
(cd "$PROJECT_DIR" && node -e '
  const fs = require("fs");
  const generated = new Set(JSON.parse(fs.readFileSync(".projen/files.json", "utf8")).files);
  const own = new Set([".projenrc.ts", "package.json", "package-lock.json"]);
  const walk = (dir, depth) => {
    const entries = fs.readdirSync(dir || ".", { withFileTypes: true })
      .filter((e) => e.name !== "node_modules" && e.name !== ".git")
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // code units, never the locale
    for (const e of entries) {
      const p = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        console.log(`        ${"  ".repeat(depth)}${e.name}/`);
        walk(p, depth + 1);
      } else {
        const tag = generated.has(p) ? "[gen]  " : own.has(p) ? "       " : "[yours]";
        console.log(`${tag} ${"  ".repeat(depth)}${e.name}`);
      }
    }
  };
  walk("", 0);')

echo
echo "==> docker/api/Dockerfile (first 30 lines)"
head -n 30 "$PROJECT_DIR/docker/api/Dockerfile"

printf '\ndemo.sh: done in %d.%03d s\n' $((TOTAL_MS / 1000)) $((TOTAL_MS % 1000))
