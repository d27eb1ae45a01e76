/**
 * The three real locks of ../shared/data/realworld/deps: what the tiers hold must equal what
 * the lock resolves to for linux/x86_64 and CPython 3.11.9, computed here by a direct reading
 * of each lock (TOML parsed, graph walked, wheel tags matched by a regular expression) that
 * shares no code with the resolver; and each lock's `bumped/` version changes only its pins.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { copyOf, REALWORLD, resolveIn, triples } from './support';
import { evaluateMarker, parseMarker } from '../../src/core/pep508-marker';
import { Dependencies } from '../../src/deps';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const toml = require('smol-toml') as { parse(text: string): any };

const ENV = {
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
const holds = (marker: string | undefined, extra = ''): boolean => !marker || evaluateMarker(parseMarker(marker), { ...ENV, extra });
const norm = (n: string): string => n.replace(/[-_.]+/g, '-').toLowerCase();

/** CPython 3.11 on glibc 2.35 x86_64, written out by hand. */
function fileApplies(file: string): boolean {
  if (/\.(tar\.gz|zip)$/.test(file)) return true;
  const m = /-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(file);
  if (!m) throw new Error(`not a wheel: ${file}`);
  const plats = m[3].split('.');
  const platOk = (any: boolean) => plats.some((p) => (any && p === 'any') || p === 'linux_x86_64' || /^manylinux(1|2010|2014)_x86_64$/.test(p)
    || (/^manylinux_2_(\d+)_x86_64$/.test(p) && Number(/^manylinux_2_(\d+)/.exec(p)![1]) <= 35));
  return m[1].split('.').some((py) => m[2].split('.').some((abi) => {
    if (py === 'cp311' && abi === 'cp311') return platOk(false);
    if (abi === 'abi3' && /^cp3(\d+)$/.test(py)) return Number(py.slice(3)) <= 11 && platOk(false);
    if (abi === 'none' && (py === 'py3' || py === 'cp311' || /^py3(\d+)$/.test(py) && Number(py.slice(3)) <= 11)) return platOk(true);
    return false;
  }));
}

function hashesOf(files: Array<{ name: string; hash: string }>): string[] {
  return files.filter((f) => fileApplies(f.name)).map((f) => f.hash.replace(/^sha256:/, ''));
}

/** uv.lock read directly: walk from the project package's dependencies and dev group. */
function expectUv(lockText: string): { all: string[]; dev: Set<string> } {
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
    for (const h of hashesOf(files)) out.push(`${norm(name)} ${p.version} ${h}`);
  }
  return { all: out.sort(), dev: new Set([...all].filter((n) => !main.has(n)).map(norm)) };
}

/** poetry.lock read directly: roots from pyproject's poetry tables, optional deps through extras. */
function expectPoetry(lockText: string, pyprojectText: string): { all: string[]; dev: Set<string> } {
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
    for (const h of hashesOf(p.files.map((f: any) => ({ name: f.file, hash: f.hash })))) out.push(`${norm(p.name)} ${p.version} ${h}`);
  }
  return { all: out.sort(), dev: new Set([...all].filter((n) => !main.has(n))) };
}

/** A pip-compile file read directly: every requirement whose marker holds, all its hashes. */
function expectPipCompile(text: string): string[] {
  const out: string[] = [];
  for (const block of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^([A-Za-z0-9._-]+)(\[[^\]]*\])?==(\S+)\s*(?:;([^-]*))?(.*)$/.exec(block);
    if (!m) continue;
    if (!holds(m[4]?.trim() || undefined)) continue;
    for (const h of m[5].match(/sha256:[0-9a-f]{64}/g) ?? []) out.push(`${norm(m[1])} ${m[3]} ${h.slice(7)}`);
  }
  return out.sort();
}

const read = (...p: string[]) => readFileSync(join(REALWORLD, ...p), 'utf-8');

describe('uv-fullstack (pyproject.toml + uv.lock)', () => {
  const tree = join(REALWORLD, 'uv-fullstack', 'tree');
  const result = resolveIn(tree, Dependencies.fromPyproject());

  test('every (name, version, hash) of the tiers is what the lock resolves to for linux/x86_64 and python 3.11.9', () => {
    const expected = expectUv(read('uv-fullstack', 'tree', 'uv.lock'));
    expect(result.locked).toBe(true);
    expect(result.lockFile).toBe('uv.lock');
    expect(triples(result)).toEqual(expected.all);
    // the SOURCES.md count: 77 packages apply, 17 of them only for the dev group
    expect(result.packages.core.length + result.packages.dev.length).toBe(77);
    expect(new Set(result.packages.dev.map((p) => p.key))).toEqual(expected.dev);
    expect(expected.dev.size).toBe(17);
    for (const absent of ['colorama', 'tzdata', 'exceptiongroup', 'tomli']) {
      expect(result.tiers.core.concat(result.tiers.dev).some((l) => l.startsWith(`${absent}==`))).toBe(false);
    }
    expect(result.inputs).toEqual(['pyproject.toml', 'uv.lock']);
    expect(result.warnings).toEqual([]);
  });

  test('tier files are pins with their hashes, sorted by name', () => {
    const lines = result.tiers.core;
    expect(lines.slice(0, 3)).toEqual([
      'alembic==1.17.2 \\',
      '    --hash=sha256:bbe9751705c5e0f14877f02d46c53d10885e377e3d90eda810a016f9baa19e8e \\',
      '    --hash=sha256:f483dd1fe93f6c5d49217055e4d15b905b425b6af906746abb35b69c1996c4e6',
    ]);
    const names = lines.filter((l) => !l.startsWith(' ')).map((l) => l.split('==')[0]);
    expect(names).toEqual([...names].sort());
  });

  test('the bumped lock changes only the pins of pydantic-settings', () => {
    const copy = copyOf(tree);
    writeFileSync(join(copy, 'uv.lock'), read('uv-fullstack', 'bumped', 'uv.lock'));
    const bumped = resolveIn(copy, Dependencies.fromPyproject());
    const before = new Set(triples(result));
    const after = new Set(triples(bumped));
    const changed = new Set([...before].filter((t) => !after.has(t)).concat([...after].filter((t) => !before.has(t))).map((t) => t.split(' ')[0]));
    expect(changed).toEqual(new Set(['pydantic-settings']));
    expect(triples(bumped)).toEqual(expectUv(read('uv-fullstack', 'bumped', 'uv.lock')).all);
    expect(bumped.inputs).toEqual(result.inputs);
    expect(bumped.tiers.dev).toEqual(result.tiers.dev);
  });

  test('mlPackages moves a root and its closure to the ml tier', () => {
    const r = resolveIn(tree, Dependencies.fromPyproject({ mlPackages: ['sqlmodel'] }));
    const ml = r.packages.ml.map((p) => p.key);
    expect(ml).toEqual(expect.arrayContaining(['sqlmodel', 'sqlalchemy', 'greenlet']));
    expect(r.packages.core.map((p) => p.key)).not.toContain('sqlalchemy');
    expect(triples(r)).toEqual(triples(result));
  });
});

describe('poetry-fullstack (pyproject.toml + poetry.lock)', () => {
  const tree = join(REALWORLD, 'poetry-fullstack', 'tree');
  const result = resolveIn(tree, Dependencies.fromPyproject());

  test('every (name, version, hash) of the tiers is what the lock resolves to', () => {
    const expected = expectPoetry(read('poetry-fullstack', 'tree', 'poetry.lock'), read('poetry-fullstack', 'tree', 'pyproject.toml'));
    expect(result.lockKind).toBe('poetry');
    expect(triples(result)).toEqual(expected.all);
    expect(result.packages.core.length + result.packages.dev.length).toBe(70);
    expect(new Set(result.packages.dev.map((p) => p.key))).toEqual(expected.dev);
    expect(expected.dev.size).toBe(17);
  });

  test('the bumped lock changes only the pins of certifi', () => {
    const copy = copyOf(tree);
    writeFileSync(join(copy, 'poetry.lock'), read('poetry-fullstack', 'bumped', 'poetry.lock'));
    const bumped = resolveIn(copy, Dependencies.fromPyproject());
    const before = new Set(triples(result));
    const after = new Set(triples(bumped));
    const changed = new Set([...before].filter((t) => !after.has(t)).concat([...after].filter((t) => !before.has(t))).map((t) => t.split(' ')[0]));
    expect(changed).toEqual(new Set(['certifi']));
    expect(triples(bumped)).toEqual(expectPoetry(read('poetry-fullstack', 'bumped', 'poetry.lock'), read('poetry-fullstack', 'tree', 'pyproject.toml')).all);
  });
});

describe('pipcompile-jax (a pip-compile file with hashes)', () => {
  const tree = join(REALWORLD, 'pipcompile-jax', 'tree');
  const deps = Dependencies.fromRequirementsFiles({ ml: ['build/requirements_lock_3_11.txt'] });
  const result = resolveIn(tree, deps);

  test('every (name, version, hash) is the file\'s for python 3.11', () => {
    expect(result.locked).toBe(true);
    expect(result.lockKind).toBe('pip-compile');
    expect(triples(result)).toEqual(expectPipCompile(read('pipcompile-jax', 'tree', 'build', 'requirements_lock_3_11.txt')));
    expect(result.packages.ml.length).toBe(46);
    expect(result.tiers.ml).toContain('mpmath==1.4.0a1 \\');
    expect(result.inputs).toEqual(['build/requirements_lock_3_11.txt']);
  });

  test('python 3.13 drops numpy (python_version <= "3.12") and keeps matplotlib', () => {
    const r = resolveIn(tree, deps, { pythonVersion: '3.13.1' });
    expect(r.packages.ml.map((p) => p.key)).not.toContain('numpy');
    expect(r.packages.ml.map((p) => p.key)).toContain('matplotlib');
  });

  test('the bumped file changes only the pins of setuptools', () => {
    const copy = copyOf(tree);
    writeFileSync(join(copy, 'build', 'requirements_lock_3_11.txt'), read('pipcompile-jax', 'bumped', 'build', 'requirements_lock_3_11.txt'));
    const bumped = resolveIn(copy, deps);
    const before = new Set(triples(result));
    const after = new Set(triples(bumped));
    const changed = new Set([...before].filter((t) => !after.has(t)).concat([...after].filter((t) => !before.has(t))).map((t) => t.split(' ')[0]));
    expect(changed).toEqual(new Set(['setuptools']));
  });
});
