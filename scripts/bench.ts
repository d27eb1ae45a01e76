/**
 * Benchmarks (a script, not timed tests): writes bench/results.json and
 * bench/results.md.
 *
 *   npx projen bench                       # everything (about 10-15 min, npm registry needed once)
 *   npx projen bench -- --runs 12 --scale-runs 10 --skip-stock --skip-context --reuse
 *
 * 1. Re-synth latency: `npx projen` in a project scaffolded from this package's tarball
 *    with the full example stack (api, trainer, inference, postgres, redis, mlflow), versus
 *    a bare projen NodeProject with the same default task (the same `.projenrc.ts` runner)
 *    and the same node_modules, alternated in one run (round robin, rotating which goes
 *    first), median and spread. Also: the full stack right after an edit of `.projenrc.ts`
 *    (the runner's transpile cache misses), and both projects with tsx as the runner. An
 *    empty MlDockerProject (no services) runs alongside, to split the cost between loading
 *    the library and building the stack.
 * 2. Scaling: the same with 1, 10, 50 and 200 generated services (PythonService, with
 *    tiers and ports, all in one ComposeStack), least-squares slope.
 * 3. Peak memory: max RSS (GNU time's %M: the largest process of the `npx projen` tree).
 * 4. Versus a stock `projen new typescript` project (ts-node with type checking) made with
 *    this repository's projen version, in the same alternation.
 * 5. Build context of an example repo (the full stack plus a 2 GiB sparse file under data/,
 *    checkpoints and a .venv): ours vs no ignore file vs docker init's Python patterns
 *    (bench/docker-init-dockerignore.json, with its source).
 * 6. What stands in the way: a phase timeline of every run (spawn -> first line of
 *    .projenrc.ts -> library loaded -> constructed -> synthesized), start-up pieces timed
 *    alone, load time by package (a require hook), and CPU profiles (`--cpu-prof`) of the
 *    projen CLI and of the `.projenrc.ts` process, summarized by package.
 *
 * projen's post-synth step (`npm install`, run only when package.json changed or
 * node_modules is missing) is left out of every timed run: PROJEN_DISABLE_POST=true, and
 * node_modules is installed once, before timing (warm). Every variant has the same
 * node_modules (hard links of one install), so none pays a cold cache the others do not.
 */
import { SpawnSyncReturns, execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { cpus, loadavg, tmpdir, totalmem } from 'os';
import { basename, join, relative } from 'path';
import ignore from '@balena/dockerignore';
import { MlDockerProject, ProjenrcRunner } from '../src';
import { CacheReport } from '../src/cache-report/cache-report';
import { benchDeps, depsMarkdown } from './bench-deps';

const ROOT = join(__dirname, '..');
const WORK = join(ROOT, '.cache', 'bench');
const OUT = join(ROOT, 'bench');
const PROJEN_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'projen', 'package.json'), 'utf-8')).version;
const SCALES = [1, 10, 50, 200];

interface Options {
  runs: number;
  scaleRuns: number;
  warmup: number;
  skipStock: boolean;
  skipContext: boolean;
  skipProfile: boolean;
  reuse: boolean;
  onlyDeps: boolean;
  tgz?: string;
  /** results.json of an earlier run (another commit), shown beside this run's figures. */
  before?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 12,
    scaleRuns: 10,
    warmup: 2,
    skipStock: false,
    skipContext: false,
    skipProfile: false,
    reuse: false,
    onlyDeps: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--runs') o.runs = num();
    else if (a === '--scale-runs') o.scaleRuns = num();
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a === '--skip-stock') o.skipStock = true;
    else if (a === '--skip-context') o.skipContext = true;
    else if (a === '--skip-profile') o.skipProfile = true;
    else if (a === '--reuse') o.reuse = true;
    else if (a === '--only-deps') o.onlyDeps = true;
    else if (a === '--tgz') o.tgz = argv[++i];
    else if (a === '--before') o.before = argv[++i];
    else if (a === '--') continue; // `npx projen bench -- --runs 12` passes the separator through
    else throw new Error(`unknown option ${a}`);
  }
  if (o.runs < 10) process.stderr.write('bench: fewer than 10 runs per variant; the issue asks for at least 10\n');
  return o;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/**
 * The environment of every child: no CI mode (projen would `npm ci`), nothing inherited
 * from an outer `npm run`/`npx` (npm_config_call would make the inner npx run the outer
 * command), post-synth disabled.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (['CI', 'PROJEN_DISABLE_POST', 'INIT_CWD', 'npm_config_call', 'npm_config_local_prefix', 'NODE_OPTIONS', 'npm_command'].includes(k)) continue;
    if (/^npm_(package|lifecycle)_/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(
  cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv(),
): SpawnSyncReturns<string> {
  const res = spawnSync(cmd, args, { cwd, env, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${res.status ?? res.error?.message})\n${(res.stderr ?? '').slice(-4000)}\n${(res.stdout ?? '').slice(-2000)}`);
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// Project set-up

/** The full example stack (every kind of service and compose), instrumented with phase marks on stderr. */
const FULL_STACK = `// Benchmark definition (scripts/bench.ts): the full example stack.
const t0 = performance.now();
const lib = require('projen-ml-docker');
const t1 = performance.now();
const { MlDockerProject, PythonService, GpuTrainer, GpuInference, ComposeStack, RequirementTier, BackingService } = lib;

const project = new MlDockerProject({ name: 'vision', pythonVersion: '3.11' });
const api = new PythonService(project, 'api', {
  command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  healthCheckPath: '/health',
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
});
const trainer = new GpuTrainer(project, 'trainer', {
  torchVersion: '2.5.1',
  requirements: { ml: ['numpy==2.1.3'] },
  command: ['python', '-m', 'trainer.train'],
});
const inference = new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080,
  modelDir: 'models', command: ['python', '-m', 'inference.serve'] });
trainer.addRequirement(RequirementTier.ML, 'transformers==4.47.0');
new ComposeStack(project, 'stack', {
  services: [api, trainer, inference],
  backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW],
});
const t2 = performance.now();
project.synth();
const t3 = performance.now();
console.error('BENCH_PHASES ' + JSON.stringify({ origin: performance.timeOrigin, firstLine: t0, load: t1 - t0, construct: t2 - t1, synth: t3 - t2, end: t3 }));
`;

/** The full stack with `projenrcRunner: ProjenrcRunner.TSX` (tsx as node's loader). */
function withTsx(definition: string): string {
  const from = "new MlDockerProject({ name: 'vision', pythonVersion: '3.11' })";
  if (!definition.includes(from)) throw new Error('bench: the definition has no MlDockerProject to switch to tsx');
  return definition.replace(from, "new MlDockerProject({ name: 'vision', pythonVersion: '3.11', projenrcRunner: lib.ProjenrcRunner.TSX })");
}

/** N generated CPU services with tiers and ports, all in one stack. */
function scaleStack(n: number): string {
  return `// Benchmark definition (scripts/bench.ts): ${n} generated services.
const t0 = performance.now();
const { MlDockerProject, PythonService, ComposeStack, BackingService } = require('projen-ml-docker');
const t1 = performance.now();
const project = new MlDockerProject({ name: 'vision', pythonVersion: '3.11' });
const services = [];
for (let i = 0; i < ${n}; i++) {
  services.push(new PythonService(project, 'svc-' + i, {
    command: ['python', '-m', 'svc_' + i + '.main'],
    port: 8000 + i,
    requirements: { ml: ['numpy==2.1.3'], core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
  }));
}
new ComposeStack(project, 'stack', { services, backingServices: [BackingService.POSTGRES, BackingService.REDIS] });
const t2 = performance.now();
project.synth();
const t3 = performance.now();
console.error('BENCH_PHASES ' + JSON.stringify({ origin: performance.timeOrigin, firstLine: t0, load: t1 - t0, construct: t2 - t1, synth: t3 - t2, end: t3 }));
`;
}

/**
 * The default task an MlDockerProject with this runner generates (its env and commands),
 * read from the library itself, so the bare project runs exactly what the full one does.
 */
function defaultTaskOf(runner: ProjenrcRunner): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-task-'));
  try {
    const task = new MlDockerProject({ name: 'vision', outdir, projenrcRunner: runner }).defaultTask!;
    return [
      'project.defaultTask.reset();',
      ...Object.entries(task.envVars).map(([k, v]) => `project.defaultTask.env(${JSON.stringify(k)}, ${JSON.stringify(v)});`),
      ...task.steps.map((step) => {
        if (!step.exec) throw new Error(`bench: the default task has a step that is not a command: ${JSON.stringify(step)}`);
        return `project.defaultTask.exec(${JSON.stringify(step.exec)});`;
      }),
    ];
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A bare projen NodeProject with the same trimmed options, dependencies and default task as
 * an MlDockerProject with the given runner (the same commands, the same PATH handling).
 */
function bareStack(devDeps: string[], runner: ProjenrcRunner): string {
  return `// Benchmark definition (scripts/bench.ts): a bare NodeProject, same default task as MlDockerProject (${runner} runner).
const t0 = performance.now();
const { javascript, typescript } = require('projen');
const t1 = performance.now();
const project = new javascript.NodeProject({
  name: 'vision', defaultReleaseBranch: 'main', packageManager: javascript.NodePackageManager.NPM,
  devDeps: ${JSON.stringify(devDeps)},
  projenrcJs: false, projenrcJson: false, jest: false, release: false, package: false, github: false,
  buildWorkflow: false, depsUpgrade: false, pullRequestTemplate: false, entrypoint: '', licensed: false,
});
new typescript.ProjenrcTs(project, { runner: typescript.TypeScriptRunner.tsx({ tsconfig: 'tsconfig.projen.json' }) });
${defaultTaskOf(runner).join('\n')}
const t2 = performance.now();
project.synth();
const t3 = performance.now();
console.error('BENCH_PHASES ' + JSON.stringify({ origin: performance.timeOrigin, firstLine: t0, load: t1 - t0, construct: t2 - t1, synth: t3 - t2, end: t3 }));
`;
}

const EMPTY_STACK = `// Benchmark definition (scripts/bench.ts): an MlDockerProject without services.
const t0 = performance.now();
const { MlDockerProject } = require('projen-ml-docker');
const t1 = performance.now();
const project = new MlDockerProject({ name: 'vision', pythonVersion: '3.11' });
const t2 = performance.now();
project.synth();
const t3 = performance.now();
console.error('BENCH_PHASES ' + JSON.stringify({ origin: performance.timeOrigin, firstLine: t0, load: t1 - t0, construct: t2 - t1, synth: t3 - t2, end: t3 }));
`;

/**
 * Copies a project: files copied, node_modules hard-linked (identical and warm; never written: post-synth is
 * off).
 */
function cloneProject(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry === 'node_modules') continue;
    cpSync(join(from, entry), join(to, entry), { recursive: true, preserveTimestamps: true });
  }
  execFileSync('cp', ['-al', join(from, 'node_modules'), join(to, 'node_modules')]);
}

function writeDefinition(dir: string, text: string): void {
  writeFileSync(join(dir, '.projenrc.ts'), text);
}

interface Setup {
  tgz: string;
  dirs: Record<string, string>;
  devDeps: string[];
}

function setUp(o: Options): Setup {
  mkdirSync(WORK, { recursive: true });
  let tgz = o.tgz;
  if (!tgz) {
    log('compiling (npx projen compile) and packing this package...');
    run('npx', ['projen', 'compile'], ROOT);
    const packDir = join(WORK, 'pkg');
    rmSync(packDir, { recursive: true, force: true });
    mkdirSync(packDir, { recursive: true });
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], ROOT).stdout)[0].filename;
    tgz = join(packDir, packed);
  }
  const consumer = join(WORK, 'consumer');
  const stamp = join(consumer, '.bench-tgz');
  const tgzHash = createHash('sha256').update(readFileSync(tgz)).digest('hex');
  if (!(o.reuse && existsSync(stamp) && readFileSync(stamp, 'utf-8') === tgzHash)) {
    log(`scaffolding ${consumer} from ${basename(tgz)} (projen new --from, npm install)...`);
    rmSync(consumer, { recursive: true, force: true });
    mkdirSync(consumer, { recursive: true });
    run(join(ROOT, 'node_modules', '.bin', 'projen'), ['new', '--from', `projen-ml-docker@file:${tgz}`, '--projen-version', PROJEN_VERSION, '--no-git'], consumer);
    writeFileSync(stamp, tgzHash);
  }
  // The full stack, synthesized once with post-synth on (installs anything new), then warm.
  writeDefinition(consumer, FULL_STACK);
  run('npx', ['projen'], consumer, childEnv());
  const pkg = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf-8'));
  const devDeps = Object.entries(pkg.devDependencies as Record<string, string>).map(([n, v]) => `${n}@${v}`);

  const dirs: Record<string, string> = { full: consumer };
  const variants: Array<[string, string]> = [
    ['full-edited', FULL_STACK], ['full-tsx', withTsx(FULL_STACK)],
    ['bare', bareStack(devDeps, ProjenrcRunner.CACHED)], ['bare-tsx', bareStack(devDeps, ProjenrcRunner.TSX)], ['empty', EMPTY_STACK],
    ...SCALES.map((n): [string, string] => [`scale-${n}`, scaleStack(n)]),
  ];
  for (const [name, text] of variants) {
    const dir = join(WORK, name);
    cloneProject(consumer, dir);
    writeDefinition(dir, text);
    // First synth of a new definition writes its files (and its tasks.json); timing starts from the second.
    run('npx', ['projen'], dir, childEnv({ PROJEN_DISABLE_POST: 'true' }));
    run('npx', ['projen'], dir, childEnv({ PROJEN_DISABLE_POST: 'true' }));
    dirs[name] = dir;
  }
  if (!o.skipStock) {
    const stock = join(WORK, 'stock');
    if (!(o.reuse && existsSync(join(stock, 'node_modules')))) {
      log(`creating a stock \`projen new typescript\` project with projen ${PROJEN_VERSION} (npm install)...`);
      rmSync(stock, { recursive: true, force: true });
      mkdirSync(stock, { recursive: true });
      run(join(ROOT, 'node_modules', '.bin', 'projen'), ['new', 'typescript', '--projen-version', PROJEN_VERSION, '--no-git'], stock);
    }
    run('npx', ['projen'], stock, childEnv({ PROJEN_DISABLE_POST: 'true' }));
    dirs.stock = stock;
  }
  return { tgz, dirs, devDeps };
}

// ---------------------------------------------------------------------------------------
// Timing

interface Sample {
  ms: number;
  maxRssKiB: number;
  phases?: { origin: number; firstLine: number; load: number; construct: number; synth: number; end: number };
  /**
   * ms from spawning `npx projen` to the first line of .projenrc.ts (npx, projen CLI, task, runner start-up).
   */
  startupMs?: number;
}

/** One `npx projen` under GNU time: wall time (ms), max RSS (KiB), the definition's phase marks. */
function timeSynth(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Sample {
  const env = childEnv({ PROJEN_DISABLE_POST: 'true', ...extraEnv });
  const startEpoch = performance.timeOrigin + performance.now();
  const start = process.hrtime.bigint();
  const res = spawnSync('/usr/bin/time', ['-f', 'BENCH_TIME %e %M', 'npx', 'projen'], { cwd: dir, env, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.error || res.status !== 0) throw new Error(`npx projen in ${dir} failed (${res.status}):\n${res.stderr?.slice(-3000)}`);
  const time = /BENCH_TIME ([\d.]+) (\d+)/.exec(res.stderr);
  if (!time) throw new Error(`no GNU time output from npx projen in ${dir}:\n${res.stderr.slice(-2000)}`);
  const phasesLine = /BENCH_PHASES (\{.*\})/.exec(res.stderr);
  const phases = phasesLine ? JSON.parse(phasesLine[1]) : undefined;
  return {
    ms,
    maxRssKiB: Number(time[2]),
    phases,
    startupMs: phases ? phases.origin + phases.firstLine - startEpoch : undefined,
  };
}

interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  /** (p75 - p25) / median */
  relIqr: number;
}

function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const pos = (v.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  const median = q(0.5);
  return {
    n: v.length,
    median,
    min: v[0],
    max: v[v.length - 1],
    p25: q(0.25),
    p75: q(0.75),
    relIqr: (q(0.75) - q(0.25)) / median,
  };
}

/**
 * Variants whose `.projenrc.ts` is edited before each run (outside the timing): a new last
 * line, so the runner's transpile cache misses every time, as after a user's edit.
 */
const EDITED = new Set(['full-edited']);

/** Runs every variant `rounds` times, round robin, rotating which variant goes first. */
function alternate(
  dirs: Record<string, string>, names: string[], rounds: number, warmup: number,
): Record<string, Sample[]> {
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) {
      if (EDITED.has(name)) writeDefinition(dirs[name], `${FULL_STACK}// edit ${r}\n`);
      const s = timeSynth(dirs[name]);
      if (r >= warmup) samples[name].push(s);
    }
    log(`round ${r + 1}/${warmup + rounds}${r < warmup ? ' (warm-up)' : ''}: ${order.map((n) => `${n} ${Math.round(samples[n][samples[n].length - 1]?.ms ?? 0)} ms`).join(', ')}`);
  }
  return samples;
}

function summary(samples: Sample[]) {
  const phase = (k: 'load' | 'construct' | 'synth'): Stats | undefined =>
    samples.every((s) => s.phases) ? stats(samples.map((s) => s.phases![k])) : undefined;
  return {
    wallMs: stats(samples.map((s) => s.ms)),
    maxRssMiB: stats(samples.map((s) => s.maxRssKiB / 1024)),
    startupMs: samples.every((s) => s.startupMs !== undefined)
      ? stats(samples.map((s) => s.startupMs!)) : undefined,
    loadMs: phase('load'),
    constructMs: phase('construct'),
    synthMs: phase('synth'),
    raw: samples.map((s) => ({
      ms: round(s.ms),
      maxRssKiB: s.maxRssKiB,
      startupMs: s.startupMs && round(s.startupMs),
      phases: s.phases && {
        load: round(s.phases.load), construct: round(s.phases.construct), synth: round(s.phases.synth),
      },
    })),
  };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Least squares y = a + b x, with R². */
function fit(xs: number[], ys: number[]): { intercept: number; slope: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxy = xs.reduce((acc, x, i) => acc + (x - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((acc, x) => acc + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = ys.reduce((acc, y, i) => acc + (y - (intercept + slope * xs[i])) ** 2, 0);
  const ssTot = ys.reduce((acc, y) => acc + (y - my) ** 2, 0);
  return { intercept, slope, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

// ---------------------------------------------------------------------------------------
// Profile

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

/** Summarizes `.cpuprofile` files: per process, total sampled time and self time by package. */
function summarizeProfiles(dir: string) {
  return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().map((file) => {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf-8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    p.samples.forEach((id, i) => {
      const node = byId.get(id)!;
      const key = bucket(node.callFrame.url, node.callFrame.functionName);
      self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    });
    const scripts = p.nodes.map((n) => n.callFrame.url).filter((u) => u);
    const role = file.startsWith('projen-cli') ? 'projen CLI process (`projen --version`: loading projen, as every `npx projen` does before it runs the default task)'
      : scripts.some((u) => u.includes('.projenrc')) ? '.projenrc.ts process (the default task: node with projenrc-register; loads projen + projen-ml-docker, constructs, synthesizes)'
        : 'other';
    const totalMs = (p.endTime - p.startTime) / 1000;
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)
      .map(([k, ms]) => ({ bucket: k, selfMs: round(ms) }));
    return { file, role, totalMs: round(totalMs), top };
  });
}

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return url.includes('modules/cjs') || url.includes('modules/esm') ? 'node: module loader' : 'node: internals';
  if (url.startsWith('wasm:') || url.includes('wasm:/')) return 'node: module loader';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('.projenrc')) return '.projenrc.ts';
  return relative(WORK, url.replace(/^file:\/\//, ''));
}

// ---------------------------------------------------------------------------------------
// Load time by package

/**
 * A require hook (loaded with `node -r`): inclusive time of every require, charged to the
 * package of the required file minus the time of nested requires of other packages, so each
 * package's figure is what loading it costs itself (its files' compile and top-level code).
 */
const REQUIRE_HOOK = `
const Module = require('module');
const load = Module._load;
const stack = [];
const self = new Map();
const pkgOf = (file) => {
  const i = file.lastIndexOf('/node_modules/');
  if (i < 0) return file.startsWith('node:') || !file.includes('/') ? '(node builtins)' : '(project)';
  const rest = file.slice(i + 14).split('/');
  return rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0];
};
Module._load = function (request, parent, isMain) {
  let file;
  try { file = Module._resolveFilename(request, parent, isMain); } catch { return load.apply(this, arguments); }
  const pkg = pkgOf(file);
  const start = performance.now();
  stack.push({ pkg, nested: 0 });
  try {
    return load.apply(this, arguments);
  } finally {
    const frame = stack.pop();
    const total = performance.now() - start;
    const parentFrame = stack[stack.length - 1];
    if (parentFrame && parentFrame.pkg === pkg) parentFrame.nested += frame.nested; // same package: its own frame settles it
    else {
      if (parentFrame) parentFrame.nested += total;
      self.set(pkg, (self.get(pkg) || 0) + total - frame.nested);
    }
  }
};
process.on('exit', () => {
  process.stderr.write('BENCH_REQUIRES ' + JSON.stringify([...self.entries()].sort((a, b) => b[1] - a[1])) + '\\n');
});
`;

function requireTimes(dir: string, rounds: number): Array<{ package: string; ms: Stats }> {
  const hook = join(WORK, 'require-hook.js');
  writeFileSync(hook, REQUIRE_HOOK);
  const perPkg = new Map<string, number[]>();
  for (let i = 0; i < rounds; i++) {
    const res = run('node', ['-r', hook, '-e', 'require("projen-ml-docker")'], dir);
    const line = /BENCH_REQUIRES (\[.*\])/.exec(res.stderr);
    if (!line) throw new Error(`no require times: ${res.stderr.slice(-1000)}`);
    for (const [pkg, ms] of JSON.parse(line[1]) as Array<[string, number]>) {
      perPkg.set(pkg, [...(perPkg.get(pkg) ?? []), ms]);
    }
  }
  return [...perPkg.entries()].map(([pkg, ms]) => ({ package: pkg, ms: stats(ms) }))
    .sort((a, b) => b.ms.median - a.ms.median).slice(0, 15);
}

// ---------------------------------------------------------------------------------------
// Build context

interface ContextVariant {
  files: number;
  bytes: number;
  /** Admitted files outside every path the Dockerfile reads. */
  outsideReads: number;
  /** What BuildKit transfers for this Dockerfile (admitted files under the paths it reads). */
  buildkitFiles: number;
  buildkitBytes: number;
}

function makeExampleRepo(from: string, to: string): { notes: string[] } {
  cloneProject(from, to);
  const notes: string[] = [];
  mkdirSync(join(to, 'data'), { recursive: true });
  execFileSync('truncate', ['-s', '2G', join(to, 'data', 'train.bin')]);
  notes.push('data/train.bin: 2 GiB sparse file (truncate -s 2G)');
  mkdirSync(join(to, 'checkpoints'), { recursive: true });
  for (let i = 1; i <= 3; i++) {
    writeFileSync(join(to, 'checkpoints', `epoch-00${i}.ckpt`), execFileSync('head', ['-c', String(16 * 1024 * 1024), '/dev/urandom'], { maxBuffer: 64 * 1024 * 1024 }));
  }
  notes.push('checkpoints/epoch-00{1,2,3}.ckpt: 3 x 16 MiB');
  execFileSync('python3', ['-m', 'venv', join(to, '.venv')]);
  notes.push('.venv: python3 -m venv (with pip)');
  mkdirSync(join(to, 'services', 'api', '__pycache__'), { recursive: true });
  writeFileSync(join(to, 'services', 'api', '__pycache__', 'main.cpython-311.pyc'), Buffer.alloc(4096));
  mkdirSync(join(to, 'models'), { recursive: true });
  writeFileSync(join(to, 'models', 'model.safetensors'), Buffer.alloc(8 * 1024 * 1024));
  writeFileSync(join(to, '.env'), 'API_TOKEN=not-a-real-token\n');
  notes.push('services/api/__pycache__/*.pyc, models/model.safetensors (8 MiB), .env; node_modules from the scaffold; .git with one commit');
  execFileSync('git', ['init', '-q'], { cwd: to });
  execFileSync('git', ['add', '-A'], { cwd: to });
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-qm', 'example'], { cwd: to });
  return { notes };
}

/** Every entry a builder would consider: regular files and symlinks (relative paths, sizes). */
function walk(dir: string, prefix = '', out: Array<[string, number]> = []): Array<[string, number]> {
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(dir, rel, out);
    else out.push([rel, lstatSync(join(dir, rel)).size]);
  }
  return out;
}

function measureContext(repo: string, dockerInit: string[]) {
  const all = walk(repo);
  const report = CacheReport.fromProject(repo);
  const ignoreLines = (file: string): string[] => readFileSync(join(repo, file), 'utf-8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const total = { files: all.length, bytes: all.reduce((a, [, s]) => a + s, 0) };
  const services = report.services.map((s) => {
    const reads = [...new Set(s.targets.flatMap((t) => t.steps.flatMap((x) => x.contextPaths)))];
    const underReads = (f: string): boolean => reads.some((r) => r === '.' || f === r || f.startsWith(`${r}/`));
    const measure = (patterns: string[]): ContextVariant => {
      const m = ignore().add(patterns);
      const admitted = all.filter(([f]) => !m.ignores(f));
      const bk = admitted.filter(([f]) => underReads(f));
      return {
        files: admitted.length,
        bytes: admitted.reduce((a, [, b]) => a + b, 0),
        outsideReads: admitted.filter(([f]) => !underReads(f)).length,
        buildkitFiles: bk.length,
        buildkitBytes: bk.reduce((a, [, b]) => a + b, 0),
      };
    };
    return {
      service: s.service,
      reads,
      ours: measure(ignoreLines(s.ignoreFile!)),
      oursRootFallback: measure(ignoreLines('.dockerignore')),
      none: measure([]),
      dockerInit: measure(dockerInit),
    };
  });
  return { total, services };
}

// ---------------------------------------------------------------------------------------
// Main

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const machine = {
    cpu: `${cpus().length} x ${cpus()[0]?.model}`,
    memGiB: round(totalmem() / 2 ** 30, 1),
    os: (readFileSync('/etc/os-release', 'utf-8').match(/^PRETTY_NAME="(.*)"$/m) ?? [])[1] ?? 'linux',
    node: process.version,
    npm: run('npm', ['--version'], ROOT).stdout.trim(),
    projen: PROJEN_VERSION,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
  log(`machine: ${JSON.stringify(machine)}`);
  // 7: a 300-package uv.lock against the same packages as a typed list, in process.
  log(`dependency files: uv.lock of 300 packages vs a typed list; ${o.runs} runs each`);
  const deps = benchDeps(o.runs, o.warmup);
  if (o.onlyDeps) {
    const only = {
      generatedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
      deps,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'deps-results.json'), `${JSON.stringify(only, undefined, 2)}\n`);
    const md = [`# Benchmark: dependency files (${only.generatedAt}; ${machine.cpu}, Node ${machine.node}; load ${machine.loadAverageAtStart.join('/')})`, '', ...depsMarkdown(deps), ''].join('\n');
    writeFileSync(join(OUT, 'deps-results.md'), md);
    process.stdout.write(md);
    return;
  }
  const setup = setUp(o);

  // 1, 3, 4: latency and memory, alternated.
  const latencyNames = ['full', 'full-edited', 'full-tsx', 'bare', 'bare-tsx', 'empty', ...(o.skipStock ? [] : ['stock'])];
  log(`latency: ${latencyNames.join(', ')}; ${o.runs} runs each after ${o.warmup} warm-up rounds`);
  const latency = alternate(setup.dirs, latencyNames, o.runs, o.warmup);
  const lat = Object.fromEntries(latencyNames.map((n) => [n, summary(latency[n])]));

  // 2: scaling.
  const scaleNames = SCALES.map((n) => `scale-${n}`);
  log(`scaling: ${SCALES.join(', ')} services; ${o.scaleRuns} runs each`);
  const scaleSamples = alternate(setup.dirs, scaleNames, o.scaleRuns, 1);
  const scale = Object.fromEntries(SCALES.map((n) => [n, summary(scaleSamples[`scale-${n}`])]));
  const wallFit = fit(SCALES, SCALES.map((n) => scale[n].wallMs.median));
  const libFit = fit(SCALES, SCALES.map((n) => scale[n].constructMs!.median + scale[n].synthMs!.median));
  const marginal = (a: number, b: number): number =>
    (scale[b].wallMs.median - scale[a].wallMs.median) / (b - a);
  const logLog = fit(SCALES.slice(1).map(Math.log),
    SCALES.slice(1).map((n) => Math.log(scale[n].constructMs!.median + scale[n].synthMs!.median)));

  // 5: build context.
  let context: ReturnType<typeof measureContext> & { notes: string[]; repo: string } | undefined;
  const dockerInit = JSON.parse(readFileSync(join(OUT, 'docker-init-dockerignore.json'), 'utf-8'));
  if (!o.skipContext) {
    const repo = join(WORK, 'context-repo');
    log(`build context: example repo in ${repo}`);
    const { notes } = makeExampleRepo(setup.dirs.full, repo);
    context = { ...measureContext(repo, dockerInit.patterns), notes, repo: relative(ROOT, repo) };
    rmSync(repo, { recursive: true, force: true });
  }

  // 6: profile: the projen CLI process and the .projenrc.ts process (the default task's command), each with
  // --cpu-prof.
  let profile: ReturnType<typeof summarizeProfiles> | undefined;
  if (!o.skipProfile) {
    const profDir = join(WORK, 'profile');
    rmSync(profDir, { recursive: true, force: true });
    mkdirSync(profDir, { recursive: true });
    log('profiling one full-stack re-synth (node --cpu-prof: the projen CLI, then the default task\'s command)...');
    run('node', [`--cpu-prof`, `--cpu-prof-dir=${profDir}`, '--cpu-prof-name=projen-cli.cpuprofile', join(setup.dirs.full, 'node_modules', 'projen', 'bin', 'projen'), '--version'], setup.dirs.full,
      childEnv({ PROJEN_DISABLE_POST: 'true' }));
    run('node', ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-name=projenrc.cpuprofile', '--require', 'projen-ml-docker/lib/projenrc-register', '.projenrc.ts'], setup.dirs.full,
      childEnv({ PROJEN_DISABLE_POST: 'true' }));
    profile = summarizeProfiles(profDir);
  }

  // Start-up pieces, measured on their own.
  const piece = (label: string, cmd: string, args: string[], cwd: string) => {
    const ms: number[] = [];
    for (let i = 0; i < Math.max(5, Math.floor(o.runs / 2)); i++) {
      const t = process.hrtime.bigint();
      run(cmd, args, cwd, childEnv({ PROJEN_DISABLE_POST: 'true' }));
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { label, command: `${cmd} ${args.join(' ')}`, ms: stats(ms) };
  };
  const full = setup.dirs.full;
  const emptyTs = join('.bench', 'empty.ts');
  mkdirSync(join(full, '.bench'), { recursive: true });
  writeFileSync(join(full, emptyTs), 'export const empty: number = 0;\n');
  const startup = [
    piece('node, empty script', 'node', ['-e', '0'], full),
    piece('npx, resolving the local projen bin only', 'npx', ['--no-install', 'projen', '--version'], full),
    piece('projen CLI directly (node_modules/.bin/projen --version)', join(full, 'node_modules', '.bin', 'projen'), ['--version'], full),
    piece('node: require(\'projen\')', 'node', ['-e', 'require("projen")'], full),
    piece('node: require(\'projen-ml-docker\') (loads projen too)', 'node', ['-e', 'require("projen-ml-docker")'], full),
    piece('`npx -c "node --print process.env.PATH"` (the PATH projen evaluates for every task; our default task skips it)', 'npx', ['-c', 'node --print process.env.PATH'], full),
    piece('`npx -y -p tsx -c true` (the wrapper projen\'s ProjenrcTs puts around a tsx default task)', 'npx', ['-y', '-p', 'tsx', '-c', 'true'], full),
    piece('tsx CLI: an empty script', join(full, 'node_modules', '.bin', 'tsx'), ['--tsconfig', 'tsconfig.projen.json', '-e', '0'], full),
    piece('`node --import tsx`: an empty .ts file', 'node', ['--import', 'tsx', emptyTs], full),
    piece('`node --require projen-ml-docker/lib/projenrc-register`: an empty .ts file (cached)', 'node', ['--require', 'projen-ml-docker/lib/projenrc-register', emptyTs], full),
    piece('node: require(\'yaml\') (the copy projen bundles and loads, which the library uses too)', 'node', ['-e', 'require(require.resolve("yaml", { paths: ["node_modules/projen"] }))'], full),
    piece('`node .projenrc` without tsx (the same definition as JavaScript: it has no types)', 'node', ['-e', readFileSync(join(full, '.projenrc.ts'), 'utf-8')], full),
  ];

  const requires = requireTimes(full, Math.max(5, Math.floor(o.runs / 2)));

  const ratio = (a: number, b: number): number => round(a / b, 3);
  const targets = {
    resynthVsBare: { value: ratio(lat.full.wallMs.median, lat.bare.wallMs.median), target: '<= 1.10' },
    scale50Vs1: { value: ratio(scale[50].wallMs.median, scale[1].wallMs.median), target: '<= 1.5' },
    superLinear: { marginal10to50: round(marginal(10, 50)), marginal50to200: round(marginal(50, 200)), libraryExponent: round(logLog.slope, 3), target: 'marginal cost per service not rising; exponent ~1' },
    maxRssVsBare: { value: ratio(lat.full.maxRssMiB.median, lat.bare.maxRssMiB.median), target: '<= 1.2' },
    vsStock: lat.stock ? { value: ratio(lat.full.wallMs.median, lat.stock.wallMs.median), edited: ratio(lat['full-edited'].wallMs.median, lat.stock.wallMs.median), target: '<= 0.35' } : undefined,
    runners: {
      tsxVsBareTsx: ratio(lat['full-tsx'].wallMs.median, lat['bare-tsx'].wallMs.median),
      tsxMaxRssVsBareTsx: ratio(lat['full-tsx'].maxRssMiB.median, lat['bare-tsx'].maxRssMiB.median),
      fullVsFullTsx: ratio(lat.full.wallMs.median, lat['full-tsx'].wallMs.median),
      tsxVsStock: lat.stock ? ratio(lat['full-tsx'].wallMs.median, lat.stock.wallMs.median) : undefined,
    },
    context: context ? {
      oursOnlyWhatIsCopied: context.services.every((s) => s.ours.outsideReads === 0),
      target: 'ours = only what the Dockerfiles COPY',
    } : undefined,
  };
  const met = {
    resynthVsBare: targets.resynthVsBare.value <= 1.1,
    scale50Vs1: targets.scale50Vs1.value <= 1.5,
    noSuperLinear: targets.superLinear.marginal50to200
      <= Math.max(targets.superLinear.marginal10to50 * 1.5, 1) && logLog.slope < 1.2,
    maxRssVsBare: targets.maxRssVsBare.value <= 1.2,
    // both with the cached transform and right after an edit (one transform)
    vsStock: targets.vsStock ? targets.vsStock.value <= 0.35 && targets.vsStock.edited <= 0.35 : undefined,
    context: targets.context?.oursOnlyWhatIsCopied,
    depsLockVsTyped: deps.met,
  };

  const results = {
    generatedAt: new Date().toISOString(),
    commit: run('git', ['rev-parse', '--short', 'HEAD'], ROOT).stdout.trim(),
    before: o.before ? JSON.parse(readFileSync(o.before, 'utf-8')) : undefined,
    durationS: Math.round((Date.now() - started) / 1000),
    machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
    method: {
      command: 'npx projen (the default task: .projenrc.ts through the project\'s runner)',
      postSynth: 'left out: PROJEN_DISABLE_POST=true on every timed run; node_modules installed once before timing and hard-linked into every variant (warm, identical)',
      alternation: 'round robin over the variants, rotating the first one each round, after warm-up rounds that are discarded',
      memory: 'GNU time %M: the max RSS of the largest process in the npx projen tree',
      variants: {
        full: 'projen new --from the packed tarball, .projenrc.ts = the full example stack (api, trainer, inference, postgres, redis, mlflow); the default runner (projenrc-register), unchanged definition: cached transform',
        'full-edited': 'full, with .projenrc.ts edited before every run (outside the timing): one esbuild transform per run, as after a user\'s edit',
        'full-tsx': 'full, with projenrcRunner: ProjenrcRunner.TSX (`node --import tsx .projenrc.ts`)',
        bare: 'a bare projen javascript.NodeProject with the same trimmed options, the same default task (projenrc-register, same PATH handling), the same devDependencies and node_modules',
        'bare-tsx': 'bare, with the same tsx default task as full-tsx',
        empty: 'MlDockerProject without services (library loaded, nothing built)',
        stock: `projen new typescript (projen ${PROJEN_VERSION}), its default ts-node runner with type checking`,
      },
      tarball: relative(ROOT, setup.tgz),
    },
    latency: lat,
    scaling: {
      services: SCALES,
      perN: scale,
      wallFit: mapRound(wallFit),
      libraryFit: mapRound(libFit),
      libraryLogLogExponent: round(logLog.slope, 3),
    },
    startup,
    requireTimes: requires,
    profile,
    context: context && { ...context, dockerInitSource: dockerInit.source },
    targets,
    met,
    deps,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, undefined, 2)}\n`);
  writeFileSync(join(OUT, 'results.md'), renderMarkdown(results));
  log(`wrote bench/results.json and bench/results.md in ${results.durationS} s`);
  process.stdout.write(renderMarkdown(results));
}

function mapRound<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 3)])) as T;
}

function fmtStats(s: Stats | undefined, unit = 'ms'): string {
  if (!s) return 'n/a';
  return `${Math.round(s.median)} ${unit} (IQR ${Math.round(s.p25)}-${Math.round(s.p75)}, min ${Math.round(s.min)}, max ${Math.round(s.max)})`;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * The figures of an earlier run (another commit) beside this run's: ratios, phases, the profile's top five.
 */
function beforeAfterMarkdown(b: any, r: any): string[] {
  const phases = (x: any, v: string) => ['loadMs', 'constructMs', 'synthMs'].map((k) => (x.latency[v]?.[k] ? `${Math.round(x.latency[v][k].median)}` : 'n/a')).join(' / ');
  const projenrc = (x: any) => (x.profile ?? []).find((p: any) => p.role.startsWith('.projenrc'));
  const top5 = (x: any) => {
    const p = projenrc(x);
    return p ? `${p.totalMs} ms sampled: ${p.top.slice(0, 5).map((t: any) => `${t.bucket} ${t.selfMs} ms`).join(', ')}` : 'not profiled';
  };
  return [
    `## Before and after (this run against ${b.commit ?? 'an earlier run'} of ${b.generatedAt}, each measured in one run of its own)`, '',
    '| | before | after |', '|---|---|---|',
    `| commit | ${b.commit ?? 'n/a'} | ${r.commit ?? 'n/a'} |`,
    `| load average at start | ${b.machine.loadAverageAtStart.join('/')} | ${r.machine.loadAverageAtStart.join('/')} |`,
    `| re-synth, full stack / bare | ${b.targets.resynthVsBare.value} | ${r.targets.resynthVsBare.value} |`,
    `| re-synth, full stack / stock (unchanged; after an edit) | ${b.targets.vsStock ? `${b.targets.vsStock.value}; ${b.targets.vsStock.edited}` : 'n/a'} | ${r.targets.vsStock ? `${r.targets.vsStock.value}; ${r.targets.vsStock.edited}` : 'n/a'} |`,
    `| full stack, median wall time | ${Math.round(b.latency.full.wallMs.median)} ms | ${Math.round(r.latency.full.wallMs.median)} ms |`,
    `| bare, median wall time | ${Math.round(b.latency.bare.wallMs.median)} ms | ${Math.round(r.latency.bare.wallMs.median)} ms |`,
    `| full stack: load library / construct / synth (ms, medians) | ${phases(b, 'full')} | ${phases(r, 'full')} |`,
    `| CPU profile of the .projenrc.ts process, top five by self time | ${top5(b)} | ${top5(r)} |`,
  ];
}

function renderMarkdown(r: any): string {
  const yes = (b: boolean | undefined): string => (b === undefined ? 'not measured' : b ? '**met**' : '**not met**');
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(`Generated by \`scripts/bench.ts\` on ${r.generatedAt} in ${r.durationS} s.`);
  lines.push(`Machine: ${r.machine.cpu}, ${r.machine.memGiB} GiB RAM, ${r.machine.os}, Node ${r.machine.node}, npm ${r.machine.npm}, projen ${r.machine.projen}; load average ${r.machine.loadAverageAtStart.join('/')} at start, ${r.machine.loadAverageAtEnd.join('/')} at end.`);
  lines.push(`Post-synth \`npm install\`: ${r.method.postSynth}.`, '');
  lines.push('## Targets', '');
  lines.push('| measure | result | target | |', '|---|---|---|---|');
  lines.push(`| re-synth, full stack / bare NodeProject (median wall time) | ${r.targets.resynthVsBare.value} | ${r.targets.resynthVsBare.target} | ${yes(r.met.resynthVsBare)} |`);
  lines.push(`| 50 services / 1 service (median wall time) | ${r.targets.scale50Vs1.value} | ${r.targets.scale50Vs1.target} | ${yes(r.met.scale50Vs1)} |`);
  lines.push(`| growth: ms per extra service 10->50 vs 50->200; library exponent | ${r.targets.superLinear.marginal10to50} vs ${r.targets.superLinear.marginal50to200}; ${r.targets.superLinear.libraryExponent} | not super-linear | ${yes(r.met.noSuperLinear)} |`);
  lines.push(`| max RSS, full stack / bare | ${r.targets.maxRssVsBare.value} | ${r.targets.maxRssVsBare.target} | ${yes(r.met.maxRssVsBare)} |`);
  lines.push(`| re-synth, full stack / stock \`projen new typescript\` (unchanged; right after an edit) | ${r.targets.vsStock ? `${r.targets.vsStock.value}; ${r.targets.vsStock.edited}` : 'n/a'} | ${r.targets.vsStock?.target ?? '<= 0.35'} | ${yes(r.met.vsStock)} |`);
  lines.push(`| build context: ours sends only what the Dockerfiles COPY | ${r.targets.context?.oursOnlyWhatIsCopied ?? 'n/a'} | yes | ${yes(r.met.context)} |`);
  lines.push(`| synth, service with a 300-package uv.lock / the same service with a typed list | ${r.deps.ratio} | <= 1.10 | ${yes(r.met.depsLockVsTyped)} |`);
  const w = r.targets.runners;
  lines.push('', `Re-synth vs stock right after an edit of .projenrc.ts (full-edited): ${r.targets.vsStock?.edited ?? 'n/a'}. `
    + `With tsx as the runner: full-tsx / bare-tsx ${w.tsxVsBareTsx} (max RSS ${w.tsxMaxRssVsBareTsx}); full-tsx / stock ${w.tsxVsStock ?? 'n/a'}; full / full-tsx ${w.fullVsFullTsx}.`);
  if (r.before) lines.push('', ...beforeAfterMarkdown(r.before, r));
  lines.push('', '## Re-synth latency and memory (`npx projen`)', '');
  lines.push('| variant | wall time, median (IQR, min, max) | max RSS, median | spawn -> first line of .projenrc | load library | construct | synth |', '|---|---|---|---|---|---|---|');
  for (const [name, s] of Object.entries<any>(r.latency)) {
    lines.push(`| ${name}: ${r.method.variants[name]} | ${fmtStats(s.wallMs)} | ${Math.round(s.maxRssMiB.median)} MiB | ${s.startupMs ? `${Math.round(s.startupMs.median)} ms` : 'n/a'} | ${s.loadMs ? `${Math.round(s.loadMs.median)} ms` : 'n/a'} | ${s.constructMs ? `${Math.round(s.constructMs.median)} ms` : 'n/a'} | ${s.synthMs ? `${Math.round(s.synthMs.median)} ms` : 'n/a'} |`);
  }
  lines.push('', '## Scaling (generated PythonServices with three tiers and a port, all in one ComposeStack)', '');
  lines.push('| services | wall time, median (IQR, min, max) | max RSS | construct + synth inside .projenrc |', '|---|---|---|---|');
  for (const n of r.scaling.services) {
    const s = r.scaling.perN[n];
    lines.push(`| ${n} | ${fmtStats(s.wallMs)} | ${Math.round(s.maxRssMiB.median)} MiB | ${Math.round(s.constructMs.median + s.synthMs.median)} ms |`);
  }
  lines.push('', `Least squares on the medians: wall time = ${Math.round(r.scaling.wallFit.intercept)} ms + ${r.scaling.wallFit.slope} ms x services (R² ${r.scaling.wallFit.r2}); `
    + `library time (construct + synth) = ${Math.round(r.scaling.libraryFit.intercept)} ms + ${r.scaling.libraryFit.slope} ms x services (R² ${r.scaling.libraryFit.r2}); `
    + `log-log exponent of the library time over 10..200 services: ${r.scaling.libraryLogLogExponent}.`);
  lines.push('', '## Start-up pieces (each measured alone)', '');
  lines.push('| piece | median (IQR) |', '|---|---|');
  for (const p of r.startup) lines.push(`| ${p.label} | ${Math.round(p.ms.median)} ms (${Math.round(p.ms.p25)}-${Math.round(p.ms.p75)}) |`);
  lines.push('', '## Load time by package (`require(\'projen-ml-docker\')` in plain node, require hook; each package without the packages it loads)', '');
  lines.push('| package | median (IQR) |', '|---|---|');
  for (const p of r.requireTimes) lines.push(`| ${p.package} | ${Math.round(p.ms.median)} ms (${Math.round(p.ms.p25)}-${Math.round(p.ms.p75)}) |`);
  if (r.profile) {
    lines.push('', '## CPU profile of one full-stack re-synth (`node --cpu-prof`, self time by package)', '');
    for (const p of r.profile) {
      lines.push(`- ${p.role}: ${p.totalMs} ms sampled; ${p.top.slice(0, 8).map((t: any) => `${t.bucket} ${t.selfMs} ms`).join(', ')}`);
    }
  }
  lines.push('', ...depsMarkdown(r.deps));
  if (r.context) {
    lines.push('', '## Build context per service (example repo: full stack + ' + r.context.notes.join('; ') + ')', '');
    lines.push(`Whole repo: ${r.context.total.files} files, ${mib(r.context.total.bytes)}. "sent" = what the ignore file admits (what the classic builder, or a \`COPY . .\` Dockerfile, sends); `
      + '"BuildKit" = what BuildKit transfers for our Dockerfile (admitted files under the paths it COPYs or bind-mounts). Computed over the real tree with @balena/dockerignore (Docker\'s matching rules).', '');
    lines.push('| service | ours (docker/<id>/Dockerfile.dockerignore) | ours, root .dockerignore fallback | no ignore file | docker init Python patterns |', '|---|---|---|---|---|');
    const cell = (v: ContextVariant): string => `sent ${v.files} files / ${mib(v.bytes)}; BuildKit ${v.buildkitFiles} / ${mib(v.buildkitBytes)}`;
    for (const s of r.context.services) lines.push(`| ${s.service} | ${cell(s.ours)} | ${cell(s.oursRootFallback)} | ${cell(s.none)} | ${cell(s.dockerInit)} |`);
    lines.push('', `docker init patterns: ${r.context.dockerInitSource.url} (${r.context.dockerInitSource.repository}, ${r.context.dockerInitSource.path} @ ${r.context.dockerInitSource.commit.slice(0, 12)}).`);
  }
  lines.push('');
  return lines.join('\n');
}

main();
