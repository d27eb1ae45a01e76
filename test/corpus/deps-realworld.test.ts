/**
 * The three real locks of ../shared/data/realworld/deps: what the tiers hold must equal what
 * the lock resolves to for linux/x86_64 and CPython 3.11.9, computed here by a direct reading
 * of each lock (TOML parsed, graph walked, wheel tags matched by a regular expression) that
 * shares no code with the resolver; and each lock's `bumped/` version changes only its pins.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Dependencies } from '../../src/deps';
import { expectPipCompile, expectPoetry, expectUv } from '../deps/lock-readers';
import { copyOf, problemsOf, REALWORLD, resolveIn, triples } from '../deps/support';

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

  test('python 3.13: refused, the header says the lock was compiled with python 3.11 (its markers would drop numpy while scipy stays)', () => {
    expect(problemsOf(() => resolveIn(tree, deps, { pythonVersion: '3.13.1' }))).toEqual([
      expect.stringContaining('build/requirements_lock_3_11.txt was compiled for python 3.11'),
    ]);
  });

  test('without its header (a temp copy), the markers are evaluated for 3.13: numpy (python_version <= "3.12") is dropped, matplotlib kept', () => {
    const copy = copyOf(tree);
    const lock = read('pipcompile-jax', 'tree', 'build', 'requirements_lock_3_11.txt');
    writeFileSync(join(copy, 'build', 'requirements_lock_3_11.txt'), lock.replace('# This file is autogenerated by pip-compile with Python 3.11\n', ''));
    const r = resolveIn(copy, deps, { pythonVersion: '3.13.1' });
    expect(r.packages.ml.map((p) => p.key)).not.toContain('numpy');
    expect(r.packages.ml.map((p) => p.key)).toContain('matplotlib');
    expect(r.packages.ml.map((p) => p.key)).toContain('scipy');
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
