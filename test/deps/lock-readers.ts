/**
 * An independent reading of real locks for linux/x86_64 and CPython 3.11.9: TOML parsed, the
 * graph walked, wheel tags matched by a regular expression; it shares no code with the
 * resolver (src/deps). Used against the resolver's result (test/corpus/deps-realworld.test.ts) and against
 * the requirement files a synthesized service writes (wiring.test.ts).
 */
import { evaluateMarker, parseMarker } from '../../src/core/pep508-marker';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const toml = require('smol-toml') as { parse(text: string): any };

export const ENV = {
  python_version: '3.11',
  python_full_version: '3.11.9',
  os_name: 'posix',
  sys_platform: 'linux',
  platform_system: 'Linux',
  platform_machine: 'x86_64',
  platform_python_implementation: 'CPython',
  implementation_name: 'cpython',
  implementation_version: '3.11.9',
  platform_release: '',
  platform_version: '',
  extra: '',
};
/** The python of the readers: 3.11.9 unless a reader is given another 3.11 release. */
let pythonFull = '3.11.9';
const holds = (marker: string | undefined, extra = ''): boolean => !marker
  || evaluateMarker(parseMarker(marker), {
    ...ENV, python_full_version: pythonFull, implementation_version: pythonFull, extra,
  });
const norm = (n: string): string => n.replace(/[-_.]+/g, '-').toLowerCase();

/** CPython 3.11 on glibc 2.<glibcMinor> x86_64, written out by hand. */
function fileApplies(file: string, glibcMinor: number): boolean {
  if (/\.(tar\.gz|zip)$/.test(file)) return true;
  const m = /-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(file);
  if (!m) throw new Error(`not a wheel: ${file}`);
  const plats = m[3].split('.');
  const platOk = (any: boolean) => plats.some((p) => (any && p === 'any') || p === 'linux_x86_64' || /^manylinux(1|2010|2014)_x86_64$/.test(p)
    || (/^manylinux_2_(\d+)_x86_64$/.test(p) && Number(/^manylinux_2_(\d+)/.exec(p)![1]) <= glibcMinor));
  return m[1].split('.').some((py) => m[2].split('.').some((abi) => {
    if (py === 'cp311' && abi === 'cp311') return platOk(false);
    if (abi === 'abi3' && /^cp3(\d+)$/.test(py)) return Number(py.slice(3)) <= 11 && platOk(false);
    if (abi === 'none' && (py === 'py3' || py === 'cp311' || /^py3(\d+)$/.test(py) && Number(py.slice(3)) <= 11)) return platOk(true);
    return false;
  }));
}

function hashesOf(files: Array<{ name: string; hash: string }>, glibcMinor: number): string[] {
  return files.filter((f) => fileApplies(f.name, glibcMinor)).map((f) => f.hash.replace(/^sha256:/, ''));
}

/** uv.lock read directly: walk from the project package's dependencies and dev group. */
export function expectUv(lockText: string, glibcMinor = 35, python = '3.11.9'): { all: string[]; dev: Set<string> } {
  pythonFull = python;
  const lock = toml.parse(lockText);
  const byName = new Map<string, any>(lock.package.map((p: any) => [p.name, p]));
  const project = lock.package.find((p: any) => p.source.editable === '.');
  const walk = (starts: any[], seen: Set<string>) => {
    const queue = [...starts];
    while (queue.length) {
      const d = queue.pop();
      if (!holds(d.marker)) continue;
      const p = byName.get(d.name);
      const fresh = !seen.has(p.name);
      seen.add(p.name);
      if (fresh) queue.push(...(p.dependencies ?? []));
      for (const e of d.extra ?? []) queue.push(...(p['optional-dependencies']?.[e] ?? []));
    }
    return seen;
  };
  const main = walk(project.dependencies, new Set());
  const all = walk(project['dev-dependencies'].dev, new Set(main));
  const out: string[] = [];
  for (const name of all) {
    const p = byName.get(name);
    const files = [...(p.sdist ? [{ name: p.sdist.url.split('/').pop(), hash: p.sdist.hash }] : []),
      ...(p.wheels ?? []).map((w: any) => ({ name: w.url.split('/').pop(), hash: w.hash }))];
    for (const h of hashesOf(files, glibcMinor)) out.push(`${norm(name)} ${p.version} ${h}`);
  }
  return { all: out.sort(), dev: new Set([...all].filter((n) => !main.has(n)).map(norm)) };
}

/** poetry.lock read directly: roots from pyproject's poetry tables, optional deps through extras. */
export function expectPoetry(lockText: string, pyprojectText: string, glibcMinor = 35, python = '3.11.9'): { all: string[]; dev: Set<string> } {
  pythonFull = python;
  const lock = toml.parse(lockText);
  const py = toml.parse(pyprojectText);
  const byName = new Map<string, any>(lock.package.map((p: any) => [norm(p.name), p]));
  const rootsOf = (table: any) => Object.entries(table).filter(([n]) => n !== 'python')
    .map(([n, v]: [string, any]) => ({ name: n, extras: typeof v === 'object' ? v.extras ?? [] : [] }));
  const walk = (starts: Array<{ name: string; extras: string[] }>, seen: Set<string>) => {
    const queue = [...starts];
    const done = new Set<string>();
    while (queue.length) {
      const { name, extras } = queue.pop()!;
      const p = byName.get(norm(name));
      seen.add(norm(name));
      for (const extra of ['', ...extras]) {
        if (done.has(`${p.name}[${extra}]`)) continue;
        done.add(`${p.name}[${extra}]`);
        const inExtra = extra === '' ? [] : (p.extras?.[extra] ?? []).map((s: string) => norm(s.split(/[\s(]/)[0]));
        for (const [dep, spec] of Object.entries<any>(p.dependencies ?? {})) {
          const s = typeof spec === 'string' ? {} : spec;
          if (s.optional ? !inExtra.includes(norm(dep)) : extra !== '') continue;
          if (!holds(s.markers, extra)) continue;
          queue.push({ name: dep, extras: s.extras ?? [] });
        }
      }
    }
    return seen;
  };
  const main = walk(rootsOf(py.tool.poetry.dependencies), new Set());
  const all = walk(rootsOf(py.tool.poetry.group.dev.dependencies), new Set(main));
  const out: string[] = [];
  for (const name of all) {
    const p = byName.get(name);
    for (const h of hashesOf(p.files.map((f: any) => ({ name: f.file, hash: f.hash })), glibcMinor)) out.push(`${norm(p.name)} ${p.version} ${h}`);
  }
  return { all: out.sort(), dev: new Set([...all].filter((n) => !main.has(n))) };
}

/** A pip-compile file read directly: every requirement whose marker holds, all its hashes. */
export function expectPipCompile(text: string, python = '3.11.9'): string[] {
  pythonFull = python;
  const out: string[] = [];
  for (const block of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^([A-Za-z0-9._-]+)(\[[^\]]*\])?==(\S+)\s*(?:;([^-]*))?(.*)$/.exec(block);
    if (!m) continue;
    if (!holds(m[4]?.trim() || undefined)) continue;
    for (const h of m[5].match(/sha256:[0-9a-f]{64}/g) ?? []) out.push(`${norm(m[1])} ${m[3]} ${h.slice(7)}`);
  }
  return out.sort();
}

