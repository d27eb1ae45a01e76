/**
 * Build benchmark on the real engine: `npx projen bench:build`, through
 * scripts/engine/bench-build.sh, which installs and starts the private engine and builds the
 * python stand-in first, then runs this file with DOCKER and DOCKER_HOST set.
 *
 * One example ML repository in a temp dir is built with our generated Dockerfile and with each
 * baseline Dockerfile of ../shared/data/baselines/ (read from there, never copied into this
 * repository), from one stand-in base image and one local wheel index, sides alternated (the
 * order rotates every run). Every side-run starts from an empty build cache and the same
 * repository state, then goes through the first four scenarios of bench-build-report.ts in
 * order. The fifth, a rebuild with nothing changed, is measured before the runs, every side in
 * every round (see NO_CHANGE_ROUNDS).
 * Writes bench/build-results.{json,md} and the README's table.
 *
 *   --runs N   runs per side (default 3, at least 3)
 *   --keep     leave the temp dir (repository, wheels, logs) in place
 *   --smoke    one run with a 1/100 ml tier and data file, results printed only (a quick
 *              check that every side builds; nothing is written to bench/ or the README)
 *   --real-packages-only   only the real-package table (below), merged into the committed
 *              bench/build-results.json (with --smoke: one run, printed only)
 *
 * With a local PyPI copy (MLDOCKER_PIP_MIRROR, which scripts/engine/bench-build.sh sets when the
 * machine has one: scripts/engine/pip-mirror.py), a second table follows: the scaffold's api with
 * its real packages (fastapi, uvicorn; pytest and httpx in its dev tier), ours against the
 * layer-cached baseline with the same pins, cold and code-only builds and the prod image's size.
 * The stand-in table stays the one with the 600 MB ml tier. Without a copy, the previous real
 * table (if any) is kept, with its own date.
 */
import { spawn, spawnSync } from 'child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { cpus, release, tmpdir, totalmem } from 'os';
import { join, resolve } from 'path';
import { MlDockerProject, PythonService } from '../src';
import {
  BuildResults, README_END, README_START, REAL_SIDES, RealPackageResults, RealSide, RealSideResult, SCENARIOS,
  SIDES, Scenario, Side, SideResult, TargetResult, Timing, renderRealTable, renderTable, withReadmeSection,
} from './bench-build-report';

const ROOT = resolve(__dirname, '..');
const BASELINES = resolve(ROOT, '..', 'shared', 'data', 'baselines');
const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';
/** scripts/engine/standin-python.sh's image. */
const STANDIN = 'local/python-standin:3.11-bookworm';
/** The stand-in plus pip in /usr/local, as the official image has it: the base of every side. */
const BASE = 'local/python-standin-pip:3.11-bookworm';
const INDEX_PORT = 38791;
const MB = 1_000_000;
const SMOKE = process.argv.includes('--smoke');
const REAL_ONLY = process.argv.includes('--real-packages-only');
/**
 * Rounds of the no-change scenario. Such a build takes 1-2 s, and a profile (BuildKit's rawjson
 * timestamps against the wall clock, 18 builds a side under a load of 8 to 10) put about 1.3 s of
 * it in the docker client before BuildKit's first step and about 0.2 s after its last, for our
 * Dockerfile and the layer-cached baseline alike; BuildKit's own part took 0.14 s for ours and
 * 0.10 s for the baseline. So its time follows the machine's load from minute to minute, and
 * builds of the sides minutes apart compare loads, not Dockerfiles (7 in a row per side-run did:
 * one side's fell in a quiet window). The scenario is therefore measured apart, before the runs,
 * the sides side by side: every side gets its own copy of the repository in its final state and is
 * built once (not timed), then each round builds every side once more, in an order that rotates.
 * The copies are named apart on purpose: the docker client keys the build context BuildKit keeps
 * synced between builds by the context folder's name, so two sides sharing a name would re-send
 * each other's context (2 GiB for the baselines) instead of rebuilding with nothing changed.
 */
const NO_CHANGE_ROUNDS = SMOKE ? 3 : 12;
const SCALE = SMOKE ? 0.01 : 1;

// ---------------------------------------------------------------------------------------
// The example repository

const ML = [
  { name: 'benchtensor', version: '2.5.1', blobs: [50, 50, 50, 50, 50].map((m) => Math.round(m * MB * SCALE)) },
  { name: 'benchvision', version: '0.20.1', blobs: [70, 70].map((m) => Math.round(m * MB * SCALE)) },
  { name: 'benchtext', version: '4.46.0', blobs: [65, 65].map((m) => Math.round(m * MB * SCALE)) },
  { name: 'benchkernels', version: '1.3.0', blobs: [80].map((m) => Math.round(m * MB * SCALE)) },
];
const CORE_NAMES = ['benchhttp', 'benchjson', 'benchconfig', 'benchschema', 'benchlog', 'benchretry', 'benchcache',
  'benchdates', 'benchmetrics', 'benchauth', 'benchqueue', 'benchstorage'];
const CORE = CORE_NAMES.map((name) => ({ name, version: '1.0.0' }));
/** The core package the core-bump scenario moves to 1.0.1. */
const BUMPED = 'benchjson';
const DEV = ['benchlint', 'benchtestrunner', 'benchformat'].map((name) => ({ name, version: '1.0.0' }));
/** The dev tool the dev-tool scenario adds. */
const EXTRA_DEV = { name: 'benchtypecheck', version: '1.0.0' };

interface RepoState {
  readonly code: number;
  readonly bumped: boolean;
  readonly extraDev: boolean;
}
const INITIAL: RepoState = { code: 0, bumped: false, extraDev: false };
/** The state after the dev-tool scenario, the last change of a run. */
const FINAL = (code: number): RepoState => ({ code, bumped: true, extraDev: true });

const pins = (ps: { name: string; version: string }[]) => ps.map((p) => `${p.name}==${p.version}`);
const coreOf = (st: RepoState) => CORE.map((p) => (st.bumped && p.name === BUMPED ? { ...p, version: '1.0.1' } : p));
const devOf = (st: RepoState) => [...DEV, ...(st.extraDev ? [EXTRA_DEV] : [])];

function wheelSpec(): unknown {
  const mod = (name: string) => name.replace(/-/g, '_');
  return {
    wheels: [
      ...ML.map((w) => ({ ...w, module: mod(w.name), code: 20_000 })),
      ...CORE.map((w) => ({ ...w, module: mod(w.name), code: 30_000 })),
      { name: BUMPED, version: '1.0.1', module: BUMPED, code: 30_000 },
      ...[...DEV, EXTRA_DEV].map((w) => ({ ...w, module: mod(w.name), code: 50_000 })),
    ],
  };
}

/** Our definition, synthesized into the repository (projen's post-synth install left out). */
function synthOurs(repo: string, st: RepoState): void {
  process.env.PROJEN_DISABLE_POST = 'true';
  const project = new MlDockerProject({ name: 'vision', outdir: repo, dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    // prod's entry check after the code COPY (the default for services with sources): measured
    // in every scenario, as users get it.
    entryCheck: true,
    requirements: { ml: pins(ML), core: pins(coreOf(st)), dev: pins(devOf(st)) },
  });
  project.synth();
}

const MODULES: Record<string, string> = {
  'services/api/model.py': 'from .features import featurize\n\n\ndef predict(payload):\n    """Score one request."""\n    return {"score": sum(featurize(payload))}\n',
  'services/api/features.py': 'def featurize(payload):\n    """Numbers of a request, in a fixed order."""\n    return [float(v) for _, v in sorted(payload.items())]\n',
  'services/api/schemas.py': 'from dataclasses import dataclass\n\n\n@dataclass\nclass Prediction:\n    score: float\n',
  'services/common/settings.py': 'import os\n\nMODEL_DIR = os.environ.get("MODEL_DIR", "/models")\n',
};

/** The code and requirement files of a state (the large files are written once, by createRepo). */
function writeState(repo: string, st: RepoState): void {
  synthOurs(repo, st);
  for (const [path, text] of Object.entries(MODULES)) writeFileSync(join(repo, path), text);
  // The code-only change: one more line in one module, different for every step.
  if (st.code > 0) writeFileSync(join(repo, 'services/api/model.py'), `${MODULES['services/api/model.py']}\nREVISION = ${st.code}\n`);
  // One requirements file for the single-file baselines: every tier, the index on its first line
  // (the baselines pass no PIP_INDEX_URL build arg; pip reads options from the file).
  writeFileSync(join(repo, 'requirements.txt'), [
    `--index-url http://127.0.0.1:${INDEX_PORT}/simple/`,
    ...pins(ML), ...pins(coreOf(st)), ...pins(devOf(st)), '',
  ].join('\n'));
}

function createRepo(dir: string, name = 'repo'): string {
  const repo = join(dir, name);
  mkdirSync(repo, { recursive: true });
  writeState(repo, INITIAL);
  mkdirSync(join(repo, 'data'));
  const fd = openSync(join(repo, 'data', 'train.parquet'), 'w');
  ftruncateSync(fd, Math.round(2 * 2 ** 30 * SCALE)); // 2 GiB, sparse
  closeSync(fd);
  mkdirSync(join(repo, 'checkpoints'));
  writeFileSync(join(repo, 'checkpoints', 'model.safetensors'), pseudoRandom(Math.round(256 * 2 ** 20 * SCALE), 7));
  mkdirSync(join(repo, '.venv', 'lib', 'python3.11', 'site-packages', 'bigdep'), { recursive: true });
  writeFileSync(join(repo, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\nversion = 3.11.2\n');
  writeFileSync(join(repo, '.venv', 'lib', 'python3.11', 'site-packages', 'bigdep', 'lib.so'), pseudoRandom(64 * 2 ** 20, 11));
  return repo;
}

/** Deterministic incompressible bytes (xorshift32). */
function pseudoRandom(n: number, seed: number): Buffer {
  const buf = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  return buf;
}

// ---------------------------------------------------------------------------------------
// Sides

interface SideDef {
  readonly title: string;
  readonly source: string;
  /** Dockerfile and build flags for the repository. */
  readonly dockerfile: string;
  readonly args: string[];
}

/** A baseline's Dockerfile with the stand-in for python:3.11 and python:3.11-slim. */
function baselineDockerfile(file: string): string {
  const text = readFileSync(join(BASELINES, file), 'utf-8');
  const out = text.replace(/^(FROM\s+)python:3\.11(-slim)?(\s|$)/gm, `$1${BASE}$3`);
  if (/^FROM\s+python:/m.test(out)) throw new Error(`${file}: a FROM line the stand-in does not replace`);
  return out;
}

function sides(dir: string, repo: string): Record<Side, SideDef> {
  const write = (side: string, dockerfile: string, ignore: string) => {
    const d = join(dir, 'dockerfiles', side);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'Dockerfile'), dockerfile);
    // A per-Dockerfile ignore file wins over the repository's .dockerignore (our generated one).
    writeFileSync(join(d, 'Dockerfile.dockerignore'), ignore);
    return join(d, 'Dockerfile');
  };
  const none = '# this baseline has no ignore file: the whole directory is its context\n';
  return {
    'ours': {
      title: 'ours',
      source: 'docker/api/Dockerfile (synthesized, dockerfileSyntax: false)',
      dockerfile: join(repo, 'docker/api/Dockerfile'),
      args: ['--target', 'prod', '--build-arg', `PYTHON_IMAGE=${BASE}`, '--build-arg', `PIP_INDEX_URL=http://127.0.0.1:${INDEX_PORT}/simple/`],
    },
    'layer-caching': {
      title: 'layer-cached single stage',
      source: 'seed-000-layer-caching.Dockerfile + seed-000.dockerignore',
      dockerfile: write('layer-caching', baselineDockerfile('seed-000-layer-caching.Dockerfile'), readFileSync(join(BASELINES, 'seed-000.dockerignore'), 'utf-8')),
      args: [],
    },
    'naive': {
      title: 'naive (copy first)',
      source: 'seed-001-naive.Dockerfile',
      dockerfile: write('naive', baselineDockerfile('seed-001-naive.Dockerfile'), none),
      args: [],
    },
    'multistage': {
      title: 'basic multi-stage',
      source: 'seed-001-multistage.Dockerfile',
      dockerfile: write('multistage', baselineDockerfile('seed-001-multistage.Dockerfile'), none),
      args: [],
    },
  };
}

// ---------------------------------------------------------------------------------------
// Engine helpers

function log(msg: string): void {
  process.stderr.write(`[bench:build ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function docker(args: string[], options: { input?: string; cwd?: string } = {}): string {
  const res = spawnSync(DOCKER, args, { encoding: 'utf-8', input: options.input, cwd: options.cwd, maxBuffer: 64 * MB });
  if (res.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

function imageSize(image: string): number {
  return Number(docker(['image', 'inspect', '--format', '{{.Size}}', image]).trim());
}

/** Empty build cache (cache mounts included) and no image of any side; base images stay. */
function prune(): void {
  for (const side of SIDES) spawnSync(DOCKER, ['image', 'rm', '-f', tag(side)], { stdio: 'ignore' });
  docker(['image', 'prune', '-f']);
  docker(['builder', 'prune', '-af']);
}

const tag = (side: Side) => `bench-build/${side}:latest`;

/** The base of every side: the stand-in with pip installed into /usr/local from Debian's own pip wheel. */
function buildBase(): void {
  if (spawnSync(DOCKER, ['image', 'inspect', BASE], { stdio: 'ignore' }).status === 0) return;
  log(`building ${BASE} (${STANDIN} + pip, as the official image has it)`);
  docker(['build', '--network', 'host', '-t', BASE, '-'], {
    input: [
      `FROM ${STANDIN}`,
      'RUN set -eu; whl=$(ls /usr/share/python-wheels/pip-*.whl); \\',
      '    python3 "$whl/pip" install --no-index --no-cache-dir --break-system-packages "$whl"; \\',
      '    rm -f /usr/lib/python3*/EXTERNALLY-MANAGED; pip --version',
      '',
    ].join('\n'),
  });
}

interface BuildRun {
  readonly seconds: number;
  readonly log: string;
}

async function build(def: SideDef, side: Side, repo: string, logFile: string): Promise<BuildRun> {
  const args = ['build', '--progress', 'plain', '--network', 'host', '-f', def.dockerfile, ...def.args, '-t', tag(side), '.'];
  const fd = openSync(logFile, 'w');
  const start = process.hrtime.bigint();
  const code = await new Promise<number>((ok) => {
    const child = spawn(DOCKER, args, { cwd: repo, stdio: ['ignore', fd, fd] });
    child.on('exit', (c) => ok(c ?? -1));
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(fd);
  const text = readFileSync(logFile, 'utf-8');
  if (code !== 0) throw new Error(`docker ${args.join(' ')} exited ${code} (log: ${logFile})\n${text.split('\n').slice(-30).join('\n')}`);
  return { seconds, log: text };
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** Bytes of the build context sent: the last "transferring context: N done" of the build. */
export function contextBytes(text: string): number {
  let last = 0;
  for (const m of text.matchAll(/transferring context: ([\d.]+)([kKMGT]?B)\b/g)) last = Number(m[1]) * UNITS[m[2]];
  return Math.round(last);
}

/** The Dockerfile steps that ran (were not CACHED) in a build's plain output. */
export function rebuiltSteps(text: string): string[] {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  const done = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    if (/^\[[^\]]*\d+\/\d+\] /.test(m[2]) && !names.has(m[1])) names.set(m[1], m[2].replace(/\s+/g, ' ').slice(0, 120));
    if (m[2] === 'CACHED') cached.add(m[1]);
    if (/^DONE /.test(m[2])) done.add(m[1]);
  }
  // FROM of an image already present reports DONE without being CACHED: it builds nothing.
  return [...names].filter(([id, n]) => done.has(id) && !cached.has(id) && !/^\[[^\]]*\] FROM /.test(n)).map(([, n]) => n);
}

// ---------------------------------------------------------------------------------------
// The real-package table

/**
 * The scaffold api's pins (templates/projenrc.ts.ejs) at the versions the local PyPI copy holds,
 * as in test/engine/real-api.test.ts.
 */
const REAL_PACKAGES = {
  core: ['fastapi==0.142.2', 'uvicorn==0.54.0'],
  dev: ['pytest==8.4.2', 'httpx==0.28.1'],
};

/** The scaffold's api, synthesized into the repository (its FastAPI sample included). */
function synthRealApi(repo: string): void {
  process.env.PROJEN_DISABLE_POST = 'true';
  const project = new MlDockerProject({ name: 'vision', outdir: repo, dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    healthCheckPath: '/health',
    requirements: REAL_PACKAGES,
  });
  project.synth();
}

/**
 * Ours and the layer-cached baseline, each side-run from an empty build cache: a cold build, then
 * a code-only change. Undefined (with one line saying why) without a local PyPI copy.
 */
async function realPackages(dir: string, logs: string, runs: number): Promise<RealPackageResults | null> {
  const root = process.env.MLDOCKER_PIP_MIRROR;
  if (!root) {
    const why = process.env.MLDOCKER_PIP_MIRROR_ABSENT ?? 'MLDOCKER_PIP_MIRROR is not set';
    log(`real-package table skipped: ${why}`);
    return null;
  }
  const started = Date.now();
  const index = new URL('simple/', root).href;
  const repo = join(dir, 'real-repo');
  mkdirSync(repo, { recursive: true });
  synthRealApi(repo);
  const requirements = [`--index-url ${index}`, ...REAL_PACKAGES.core, ...REAL_PACKAGES.dev, ''];
  writeFileSync(join(repo, 'requirements.txt'), requirements.join('\n'));
  const mainFile = join(repo, 'services', 'api', 'main.py');
  const original = readFileSync(mainFile, 'utf-8');
  const all = sides(dir, repo);
  const defs: Record<RealSide, SideDef> = {
    'ours': {
      ...all.ours,
      args: ['--target', 'prod', '--build-arg', `PYTHON_IMAGE=${BASE}`,
        '--build-arg', `PIP_INDEX_URL=${index}`],
    },
    'layer-caching': all['layer-caching'],
  };
  const seconds: Record<RealSide, { cold: number[]; code: number[] }> = {
    'ours': { cold: [], code: [] },
    'layer-caching': { cold: [], code: [] },
  };
  const sizes: Partial<Record<RealSide, number>> = {};
  log(`real packages from ${index}: ${[...REAL_PACKAGES.core, ...REAL_PACKAGES.dev].join(', ')}`);
  for (let run = 0; run < runs; run++) {
    for (const side of REAL_SIDES.map((_, i) => REAL_SIDES[(i + run) % REAL_SIDES.length])) {
      prune();
      writeFileSync(mainFile, original);
      const cold = await build(defs[side], side, repo, join(logs, `real-run${run + 1}-${side}-cold.log`));
      if (run === 0) sizes[side] = imageSize(tag(side));
      writeFileSync(mainFile, `${original}\n# bench revision ${run + 1}\n`);
      const code = await build(defs[side], side, repo, join(logs, `real-run${run + 1}-${side}-code.log`));
      seconds[side].cold.push(cold.seconds);
      seconds[side].code.push(code.seconds);
      log(`  real packages, run ${run + 1}/${runs}, ${side}: cold ${cold.seconds.toFixed(1)} s,`
        + ` code ${code.seconds.toFixed(1)} s`);
    }
  }
  prune();
  writeFileSync(mainFile, original);
  const baseBytes = imageSize(BASE);
  const result = Object.fromEntries(REAL_SIDES.map((side): [RealSide, RealSideResult] => [side, {
    title: all[side].title,
    dockerfile: all[side].source,
    scenarios: { cold: timing(seconds[side].cold), code: timing(seconds[side].code) },
    imageBytes: sizes[side]!,
    addedBytes: sizes[side]! - baseBytes,
  }])) as Record<RealSide, RealSideResult>;
  return {
    generatedAt: new Date().toISOString(),
    packages: REAL_PACKAGES,
    mirror: 'the machine\'s local PyPI copy, served on 127.0.0.1 by scripts/engine/pip-mirror.py'
      + ' (PIP_INDEX_URL for ours, --index-url in the baseline\'s requirements.txt)',
    runs,
    totalSeconds: Math.round((Date.now() - started) / 1000),
    sides: result,
    addedRatio: Math.round((result.ours.addedBytes / result['layer-caching'].addedBytes) * 1000) / 1000,
  };
}

/** Writes bench/build-results.{json,md} and the README's table. */
function writeResults(results: BuildResults): void {
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'build-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const table = renderTable(results);
  const markdown = `# Build benchmark (\`npx projen bench:build\`)\n\n${table}\n`;
  writeFileSync(join(ROOT, 'bench', 'build-results.md'), markdown);
  const readmePath = join(ROOT, 'README.md');
  writeFileSync(readmePath, withReadmeSection(readFileSync(readmePath, 'utf-8'), table));
  process.stdout.write(`${table}\n`);
  log('wrote bench/build-results.json, bench/build-results.md and the README table'
    + ` (${README_START.slice(0, 24)}... ${README_END})`);
}

/** The committed results, for the parts a run keeps. */
function committedResults(): BuildResults | undefined {
  const file = join(ROOT, 'bench', 'build-results.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf-8')) as BuildResults : undefined;
}

// ---------------------------------------------------------------------------------------
// Main

function timing(runs: number[]): Timing {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { runs: runs.map(r3), median: r3(median), min: r3(sorted[0]), max: r3(sorted[sorted.length - 1]) };
}

function freeGiB(path: string): number {
  const out = spawnSync('df', ['-B1', '--output=avail', path], { encoding: 'utf-8' }).stdout.split('\n')[1];
  return Number(out) / 2 ** 30;
}

/**
 * Our context, as the allow-list of the generated ignore file, against what the Dockerfile COPYs or binds.
 */
function ourContext(repo: string): { ours: string[]; onlyWhatIsCopied: boolean } {
  const ignore = readFileSync(join(repo, 'docker/api/Dockerfile.dockerignore'), 'utf-8');
  const allowed = [...ignore.matchAll(/^!(.+)$/gm)].map((m) => m[1].trim()).sort();
  const dockerfile = readFileSync(join(repo, 'docker/api/Dockerfile'), 'utf-8').replace(/\\\n/g, ' ');
  const used = new Set<string>();
  for (const m of dockerfile.matchAll(/type=bind,source=([^,\s]+)/g)) used.add(m[1]);
  for (const line of dockerfile.split('\n')) {
    const m = /^COPY\s+(.*)$/.exec(line.trim());
    if (!m || /--from=/.test(m[1])) continue;
    const words = m[1].split(/\s+/).filter((w) => !w.startsWith('--'));
    for (const src of words.slice(0, -1)) used.add(src.replace(/\/$/, ''));
  }
  return {
    ours: allowed,
    onlyWhatIsCopied: allowed.length > 0 && allowed.every((a) => used.has(a))
      && [...used].every((u) => allowed.includes(u)),
  };
}

function parseArgs(argv: string[]): { runs: number; keep: boolean } {
  let runs = 3;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--keep') keep = true;
    else if (argv[i] === '--smoke') runs = 1;
    else if (argv[i] !== '--real-packages-only') {
      throw new Error(`unknown option ${argv[i]} (expected --runs N, --keep, --smoke, --real-packages-only)`);
    }
  }
  if (!Number.isInteger(runs) || (runs < 3 && !SMOKE)) throw new Error(`--runs: got ${runs}; expected an integer >= 3`);
  return { runs, keep };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (!process.env.DOCKER_HOST) throw new Error('DOCKER_HOST is not set: run `npx projen bench:build` (scripts/engine/bench-build.sh)');
  if (!existsSync(join(BASELINES, 'README.md'))) throw new Error(`no baselines at ${BASELINES} (expected ../shared/data/baselines next to the repository)`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-build-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  log(`temp dir ${dir}; BuildKit logs in ${logs}`);
  let index: ReturnType<typeof spawn> | undefined;
  try {
    // The real-package table alone needs neither the stand-in wheels nor their index.
    if (REAL_ONLY) {
      buildBase();
      const real = await realPackages(dir, logs, opts.runs);
      if (!real) throw new Error('--real-packages-only needs a local PyPI copy (MLDOCKER_PIP_MIRROR)');
      if (SMOKE) {
        process.stdout.write(`${renderRealTable(real)}\n`);
        return;
      }
      const previous = committedResults();
      if (!previous) throw new Error('--real-packages-only adds to bench/build-results.json: run the bench');
      writeResults({ ...previous, realPackages: real });
      return;
    }

    // Wheels and index.
    const wheels = join(dir, 'wheels');
    writeFileSync(join(dir, 'wheels.json'), JSON.stringify(wheelSpec()));
    let t = Date.now();
    const made = spawnSync('python3', [join(ROOT, 'scripts/engine/bench-wheels.py'), wheels, join(dir, 'wheels.json')], { encoding: 'utf-8' });
    if (made.status !== 0) throw new Error(`bench-wheels.py failed: ${made.stderr}`);
    const wheelBytes = made.stdout.trim().split('\n').map((l) => Number(l.split(' ')[0]));
    const mlBytes = wheelBytes.slice(0, ML.length).reduce((a, b) => a + b, 0);
    log(`${wheelBytes.length} wheels (ml tier ${(mlBytes / MB).toFixed(0)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const indexLog = join(dir, 'index.log');
    const ifd = openSync(indexLog, 'w');
    index = spawn('python3', ['-u', join(ROOT, 'test/engine/support/index-server.py'), wheels, String(INDEX_PORT), 'bench:unused'], { stdio: ['ignore', ifd, ifd] });
    closeSync(ifd);
    for (let i = 0; !/^port (\d+)$/m.test(readFileSync(indexLog, 'utf-8')); i++) {
      if (i > 100 || index.exitCode !== null) throw new Error(`index server did not start: ${readFileSync(indexLog, 'utf-8')}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const port = Number(/^port (\d+)$/m.exec(readFileSync(indexLog, 'utf-8'))![1]);
    if (port !== INDEX_PORT) throw new Error(`port ${INDEX_PORT} is taken: the index URL must be the one in every side's files`);

    t = Date.now();
    const repo = createRepo(dir);
    log(`example repository ${repo} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    buildBase();
    const defs = sides(dir, repo);
    const baseBytes = imageSize(BASE);

    const seconds: Record<Side, Record<Scenario, number[]>> = Object.fromEntries(SIDES.map((s) => [
      s, Object.fromEntries(SCENARIOS.map((sc) => [sc, []])),
    ])) as any;
    const rebuilt: Record<Side, Record<Scenario, string[]>> =
      Object.fromEntries(SIDES.map((s) => [s, {}])) as any;
    const sizes: Record<Side, { image: number; context: number }> = {} as any;

    // No change, every side in every round (see NO_CHANGE_ROUNDS).
    prune();
    log(`no change: every side built once in its own copy (${SIDES.map((side) => `repo-${side}`).join(', ')}), then ${NO_CHANGE_ROUNDS} rounds`);
    const own: Record<Side, { repo: string; def: SideDef }> = {} as any;
    for (const side of SIDES) {
      const copy = createRepo(dir, `repo-${side}`);
      writeState(copy, FINAL(1));
      own[side] = { repo: copy, def: sides(dir, copy)[side] };
      const res = await build(own[side].def, side, copy, join(logs, `no-change-${side}-first.log`));
      log(`  ${side}: first build ${res.seconds.toFixed(1)} s (not timed)`);
    }
    for (let round = 0; round < NO_CHANGE_ROUNDS; round++) {
      const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length]);
      const line: string[] = [];
      for (const side of order) {
        const res = await build(own[side].def, side, own[side].repo, join(logs, `no-change-${side}-${round + 1}.log`));
        seconds[side]['no-change'].push(res.seconds);
        if (round === 0) rebuilt[side]['no-change'] = rebuiltSteps(res.log);
        line.push(`${side} ${res.seconds.toFixed(2)}`);
      }
      log(`  round ${round + 1}/${NO_CHANGE_ROUNDS}: ${line.join(', ')} s`);
    }

    for (let run = 0; run < opts.runs; run++) {
      const order = SIDES.map((_, i) => SIDES[(i + run) % SIDES.length]);
      log(`run ${run + 1}/${opts.runs}: ${order.join(', ')}`);
      for (const side of order) {
        prune();
        writeState(repo, INITIAL);
        log(`  ${side}: free disk ${freeGiB(dir).toFixed(1)} GiB`);
        const steps: Record<Exclude<Scenario, 'no-change'>, RepoState | undefined> = {
          'cold': undefined,
          'code': { ...INITIAL, code: run * 10 + 1 },
          'core-bump': { ...INITIAL, code: run * 10 + 1, bumped: true },
          'dev-tool-prod': FINAL(run * 10 + 1),
        };
        for (const [sc, st] of Object.entries(steps) as [Scenario, RepoState | undefined][]) {
          if (st) writeState(repo, st);
          const res = await build(defs[side], side, repo, join(logs, `run${run + 1}-${side}-${sc}.log`));
          seconds[side][sc].push(res.seconds);
          if (run === 0) rebuilt[side][sc] = rebuiltSteps(res.log);
          if (sc === 'cold' && run === 0) sizes[side] = { image: imageSize(tag(side)), context: contextBytes(res.log) };
          log(`    ${sc}: ${res.seconds.toFixed(1)} s`);
        }
      }
    }

    prune();
    writeState(repo, INITIAL);
    const real = await realPackages(dir, logs, opts.runs);
    const kept = real ?? committedResults()?.realPackages;

    const result: Record<Side, SideResult> = {} as any;
    for (const side of SIDES) {
      result[side] = {
        title: defs[side].title,
        dockerfile: defs[side].source,
        scenarios: Object.fromEntries(
          SCENARIOS.map((sc) => [sc, timing(seconds[side][sc])]),
        ) as Record<Scenario, Timing>,
        rebuiltSteps: rebuilt[side],
        imageBytes: sizes[side].image,
        addedBytes: sizes[side].image - baseBytes,
        contextBytes: sizes[side].context,
      };
    }
    const baselines = SIDES.filter((s) => s !== 'ours');
    const timeTarget = (sc: Scenario, measure: string, limit: number): TargetResult => {
      const best = baselines.reduce((a, b) =>
        (result[b].scenarios[sc].median < result[a].scenarios[sc].median ? b : a));
      const ours = result.ours.scenarios[sc].median;
      const base = result[best].scenarios[sc].median;
      const ratio = Math.round((ours / base) * 1000) / 1000;
      return { measure, ours, baseline: base, against: best, ratio, target: limit, pass: ratio <= limit };
    };
    const addedRatio = Math.round((result.ours.addedBytes / result['layer-caching'].addedBytes) * 1000) / 1000;
    const targets: TargetResult[] = [
      timeTarget('code', 'code-only rebuild, median s', 0.25),
      timeTarget('core-bump', 'core bump rebuild, median s', 0.5),
      timeTarget('dev-tool-prod', 'prod rebuild after a dev-tool change, median s', 0.1),
      timeTarget('no-change', 'no-change rebuild, median s', 1.0),
      timeTarget('cold', 'cold build, median s', 1.15),
      {
        measure: 'prod image bytes added on top of the base',
        ours: result.ours.addedBytes,
        baseline: result['layer-caching'].addedBytes,
        against: 'layer-caching',
        ratio: addedRatio,
        target: 0.5,
        pass: addedRatio <= 0.5,
      },
    ];

    const versions = (args: string[]) => spawnSync(DOCKER, args, { encoding: 'utf-8' }).stdout.trim();
    const results: BuildResults = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpu: `${cpus().length} x ${cpus()[0]?.model}`,
        memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        os: (readFileSync('/etc/os-release', 'utf-8').match(/^PRETTY_NAME="(.*)"$/m) ?? [])[1] ?? 'linux',
        kernel: release(),
        docker: versions(['version', '--format', '{{.Server.Version}}']),
        buildx: versions(['buildx', 'version']).split(/\s+/)[1] ?? 'unknown',
        storageDriver: versions(['info', '--format', '{{.Driver}}']),
        node: process.version,
      },
      setup: {
        baseImage: `${BASE}: ${STANDIN} (debootstrapped bookworm, Debian's Python 3.11) plus pip in /usr/local; stands for python:3.11 and python:3.11-slim on every side`,
        baseImageBytes: baseBytes,
        index: 'one local PEP 503 index on 127.0.0.1 (test/engine/support/index-server.py) with wheels made by scripts/engine/bench-wheels.py',
        mlTier: `${ML.length} wheels, ${mlBytes} bytes of seeded random data, stored uncompressed`,
        coreTier: `${CORE.length} small wheels; ${BUMPED} 1.0.0 -> 1.0.1 in scenario 3`,
        devTier: `${DEV.length} small wheels; ${EXTRA_DEV.name} added in scenario 4`,
        repository: 'our PythonService api (tiers ml, core, dev; port 8000; entry check on), 6 code modules, requirements.txt with every tier for the baselines, data/ (2 GiB sparse file), checkpoints/ (256 MiB weights), .venv/ (64 MiB)',
        baselines: 'read from ../shared/data/baselines at run time; FROM python:3.11 and python:3.11-slim replaced by the base image; scenarios 3 and 4 change their requirements.txt',
        buildFlags: '--progress plain --network host (the engine has no bridge); every side-run starts after `docker builder prune -af`',
        noChange: `before the runs: every side built once (not timed) in its own copy of the repository in the state after scenario 4, then ${NO_CHANGE_ROUNDS} rounds of one build per side, order rotating`,
      },
      runs: opts.runs,
      builds: Object.fromEntries(
        SCENARIOS.map((sc) => [sc, seconds.ours[sc].length]),
      ) as Record<Scenario, number>,
      totalSeconds: Math.round((Date.now() - started) / 1000),
      sides: result,
      targets,
      context: ourContext(repo),
      // without a local PyPI copy this run, the last real-package table stays (it carries its date)
      ...kept ? { realPackages: kept } : {},
    };
    if (SMOKE) {
      process.stdout.write(`${renderTable(results)}\n${JSON.stringify({ rebuilt, sizes, context: results.context }, null, 2)}\n`);
      return;
    }
    writeResults(results);
    log(`${results.totalSeconds} s in all`);
  } finally {
    if (index && index.exitCode === null) index.kill('SIGTERM');
    // The BuildKit logs stay; the repository and wheels (gigabytes) go unless --keep.
    if (opts.keep) log(`kept ${dir}`);
    else {
      for (const big of ['repo', 'real-repo', 'wheels', ...SIDES.map((side) => `repo-${side}`)]) {
        rmSync(join(dir, big), { recursive: true, force: true });
      }
    }
    log(`BuildKit logs: ${logs}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench:build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
