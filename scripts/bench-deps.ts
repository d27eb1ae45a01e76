/**
 * The dependency-files scenario of `npx projen bench`: synth of a service whose
 * uv.lock holds 300 packages against the same service with the same packages as a typed list,
 * alternated in one process (round robin, rotating which goes first; warm-up rounds
 * discarded). Each round constructs a fresh MlDockerProject in its own folder and synthesizes
 * it (post-synth off); the time is construct + synth. `lock` is the re-synth a user runs
 * (the resolve cache under node_modules/.cache holds the result while the files keep their
 * bytes); `lock-cold` clears that cache first, as after an edit of the lock.
 *
 *   npx projen bench -- --only-deps [--runs 12]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Dependencies, MlDockerProject, PythonService } from '../src';
import { resolveDependencies } from '../src/deps';
import { generateUvProject } from '../test/deps/uv-lock-generator';

export interface DepsStats {
  readonly n: number;
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly max: number;
}

export interface DepsBenchResult {
  readonly packagesInLock: number;
  readonly packagesInstalled: number;
  readonly lockBytes: number;
  readonly ms: Record<'lock' | 'lock-cold' | 'typed', DepsStats>;
  /** lock / typed, medians: the target is <= 1.10. */
  readonly ratio: number;
  readonly coldRatio: number;
  readonly met: boolean;
}

const CMD = ['python', '-m', 'api.main'];

function stats(values: number[]): DepsStats {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const i = (s.length - 1) * p;
    return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
  };
  return { n: s.length, median: q(0.5), p25: q(0.25), p75: q(0.75), min: s[0], max: s[s.length - 1] };
}

function synthOnce(outdir: string, build: (p: MlDockerProject) => void): number {
  const previous = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    const t = process.hrtime.bigint();
    const project = new MlDockerProject({ name: 'vision', outdir });
    build(project);
    project.synth();
    return Number(process.hrtime.bigint() - t) / 1e6;
  } finally {
    if (previous === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = previous;
  }
}

/** Runs the scenario; `rounds` timed rounds after `warmup` discarded ones. */
export function benchDeps(rounds: number, warmup = 2): DepsBenchResult {
  const files = generateUvProject(300);
  const lockDir = mkdtempSync(join(tmpdir(), 'bench-deps-lock-'));
  const coldDir = mkdtempSync(join(tmpdir(), 'bench-deps-cold-'));
  const typedDir = mkdtempSync(join(tmpdir(), 'bench-deps-typed-'));
  try {
    for (const dir of [lockDir, coldDir]) {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    }
    // the typed list: exactly the packages the lock installs, in the same tiers
    const resolved = resolveDependencies(Dependencies.fromPyproject(), { projectRoot: lockDir, pythonVersion: '3.11.16', platform: 'linux/amd64', path: 'vision/api' });
    const typed = {
      core: resolved.packages.core.map((p) => `${p.name}==${p.version}`),
      dev: resolved.packages.dev.map((p) => `${p.name}==${p.version}`),
    };
    const variants: Record<'lock' | 'lock-cold' | 'typed', () => number> = {
      'lock': () => synthOnce(lockDir, (p) => new PythonService(p, 'api', { command: CMD, port: 8000, dependencies: Dependencies.fromPyproject() })),
      'lock-cold': () => {
        rmSync(join(coldDir, 'node_modules'), { recursive: true, force: true });
        return synthOnce(coldDir, (p) => new PythonService(p, 'api', { command: CMD, port: 8000, dependencies: Dependencies.fromPyproject() }));
      },
      'typed': () => synthOnce(typedDir, (p) => new PythonService(p, 'api', { command: CMD, port: 8000, requirements: typed })),
    };
    const names = Object.keys(variants) as Array<keyof typeof variants>;
    const samples: Record<string, number[]> = { 'lock': [], 'lock-cold': [], 'typed': [] };
    for (let round = 0; round < warmup + rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        const ms = variants[name]();
        if (round >= warmup) samples[name].push(ms);
      }
    }
    const ms = { 'lock': stats(samples.lock), 'lock-cold': stats(samples['lock-cold']), 'typed': stats(samples.typed) };
    const ratio = Math.round((ms.lock.median / ms.typed.median) * 1000) / 1000;
    return {
      packagesInLock: 300,
      packagesInstalled: typed.core.length + typed.dev.length,
      lockBytes: Buffer.byteLength(files['uv.lock']),
      ms,
      ratio,
      coldRatio: Math.round((ms['lock-cold'].median / ms.typed.median) * 1000) / 1000,
      met: ratio <= 1.1,
    };
  } finally {
    for (const dir of [lockDir, coldDir, typedDir]) rmSync(dir, { recursive: true, force: true });
  }
}

/** The scenario as markdown lines for bench/results.md. */
export function depsMarkdown(r: DepsBenchResult): string[] {
  const f = (s: DepsStats) => `${s.median.toFixed(1)} ms (IQR ${s.p25.toFixed(1)}-${s.p75.toFixed(1)}, min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, n ${s.n})`;
  return [
    '## Dependency files: a 300-package uv.lock against the same packages as a typed list (construct + synth, in process)', '',
    `A generated uv.lock of ${r.packagesInLock} packages (${Math.round(r.lockBytes / 1024)} KiB, ${r.packagesInstalled} of them for linux/x86_64 and the service's Python) `
      + 'against a PythonService with the same pins typed in `requirements`; alternated in one process.', '',
    '| variant | construct + synth, median |', '|---|---|',
    `| typed list | ${f(r.ms.typed)} |`,
    `| uv.lock, re-synth (resolve cache hit: the files have the same bytes) | ${f(r.ms.lock)} |`,
    `| uv.lock, cache cleared before each run (as right after the lock changed) | ${f(r.ms['lock-cold'])} |`,
    '',
    `uv.lock / typed list: **${r.ratio}** (target <= 1.10: ${r.met ? '**met**' : '**not met**'}); right after a lock change: ${r.coldRatio}.`,
  ];
}
