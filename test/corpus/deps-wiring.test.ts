/**
 * Dependency files wired into services, on the real locks of ../shared/data/realworld/deps: the
 * expected (name, version, hash) sets come from lock-readers.ts, an independent reading of each
 * lock, and are compared with the GENERATED tier files parsed back here; swapping a lock for its
 * `bumped/` version must change only requirement files. (Our own fixtures: test/deps/wiring.test.ts.)
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { validate } from 'dockerfile-utils';
import { Dependencies, PythonService } from '../../src';
import { expectPipCompile, expectPoetry, expectUv } from '../deps/lock-readers';
import { copyOf, REALWORLD } from '../deps/support';
import { checkDockerfile } from '../support/dockerfile-rules';
import { synthIn, tree } from '../util';

const CMD = ['python', '-m', 'api.main'];
/** The exact Python of the services (the 3.11 release the image data pins). */
const PY = '3.11.16';
const read = (...p: string[]) => readFileSync(join(REALWORLD, ...p), 'utf-8');
const text = (root: string, file: string) => readFileSync(join(root, file), 'utf-8');

/** (name, version, hash) of a generated tier file, read back line by line. */
function generatedTriples(content: string): string[] {
  const out: string[] = [];
  const logical = content.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const m = /^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)\s*$/.exec(line);
    if (!m) throw new Error(`not a hash-pinned line: ${line}`);
    const name = m[1].replace(/[-_.]+/g, '-').toLowerCase();
    for (const h of m[3].match(/[0-9a-f]{64}/g)!) out.push(`${name} ${m[2]} ${h}`);
  }
  return out;
}

const tierFile = (id: string, tier: string) => `docker/${id}/requirements-${tier}.txt`;

function tiersOf(root: string, id = 'api'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const tier of ['ml', 'core', 'dev']) {
    try {
      out[tier] = generatedTriples(text(root, tierFile(id, tier)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}

const allOf = (tiers: Record<string, string[]>) => Object.values(tiers).flat().sort();
const namesOf = (triples: string[]) => new Set(triples.map((t) => t.split(' ')[0]));

function service(deps: Dependencies, extra: Record<string, unknown> = {}) {
  return (p: any) => new PythonService(p, 'api', { command: CMD, port: 8000, pythonVersion: PY, dependencies: deps, ...extra });
}

/** Synthesizes, swaps in the bumped lock, synthesizes again: the files that changed. */
function changedByBump(root: string, build: (p: any) => void, lock: string, bumped: string): string[] {
  synthIn(root, {}, build);
  const before = tree(root);
  writeFileSync(join(root, lock), bumped);
  synthIn(root, {}, build);
  const after = tree(root);
  // the resolve cache under node_modules/.cache is no output
  return Object.keys(after).filter((f) => before[f] !== after[f] && !f.startsWith('node_modules/')).sort();
}

describe('real locks: the generated tier files hold exactly what the lock resolves to', () => {
  test('uv-fullstack: pyproject.toml + uv.lock', () => {
    const root = copyOf(join(REALWORLD, 'uv-fullstack', 'tree'));
    synthIn(root, {}, service(Dependencies.fromPyproject()));
    const tiers = tiersOf(root);
    const expected = expectUv(read('uv-fullstack', 'tree', 'uv.lock'), 36, PY);
    expect(allOf(tiers)).toEqual(expected.all);
    expect(namesOf(tiers.dev)).toEqual(expected.dev);
    expect(tiers.ml).toBeUndefined();
    const dockerfile = text(root, 'docker/api/Dockerfile');
    expect(dockerfile).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-core.txt');
    expect(dockerfile).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-dev.txt');
    expect(dockerfile).not.toMatch(/-c \/tmp\/requirements/);
    // pytest is in the dev group: the test target runs it
    expect(dockerfile).toContain('CMD ["python", "-m", "pytest", "-q", "api"]');
    // the hash-locked install steps keep every rule of the generated Dockerfiles
    expect(validate(dockerfile)).toEqual([]);
    expect(checkDockerfile(dockerfile)).toEqual([]);
  });

  test('poetry-fullstack: pyproject.toml + poetry.lock', () => {
    const root = copyOf(join(REALWORLD, 'poetry-fullstack', 'tree'));
    synthIn(root, {}, service(Dependencies.fromPyproject({ lockFile: 'poetry.lock' })));
    const tiers = tiersOf(root);
    const expected = expectPoetry(read('poetry-fullstack', 'tree', 'poetry.lock'), read('poetry-fullstack', 'tree', 'pyproject.toml'), 36, PY);
    expect(allOf(tiers)).toEqual(expected.all);
    expect(namesOf(tiers.dev)).toEqual(expected.dev);
  });

  test('pipcompile-jax: a pip-compile file with --hash lines, as the ml tier', () => {
    const root = copyOf(join(REALWORLD, 'pipcompile-jax', 'tree'));
    synthIn(root, {}, (p) => new PythonService(p, 'worker', {
      command: ['python', '-m', 'worker.main'],
      pythonVersion: PY,
      dependencies: Dependencies.fromRequirementsFiles({ ml: ['build/requirements_lock_3_11.txt'] }),
    }));
    const tiers = tiersOf(root, 'worker');
    expect(Object.keys(tiers)).toEqual(['ml']);
    expect(allOf(tiers)).toEqual(expectPipCompile(read('pipcompile-jax', 'tree', 'build', 'requirements_lock_3_11.txt'), PY));
  });
});

describe('re-synth after a lock changes: only requirement files change, the Dockerfile is byte-identical', () => {
  test.each([
    ['uv-fullstack', 'uv.lock', Dependencies.fromPyproject(), 'api'],
    ['poetry-fullstack', 'poetry.lock', Dependencies.fromPyproject(), 'api'],
    ['pipcompile-jax', 'build/requirements_lock_3_11.txt', Dependencies.fromRequirementsFiles({ ml: ['build/requirements_lock_3_11.txt'] }), 'worker'],
  ])('%s', (name, lock, deps, id) => {
    const root = copyOf(join(REALWORLD, name, 'tree'));
    const build = (p: any) => new PythonService(p, id, { command: ['python', '-m', `${id}.main`], pythonVersion: PY, dependencies: deps });
    const changed = changedByBump(root, build, lock, read(name, 'bumped', lock));
    const generated = changed.filter((f) => f !== lock);
    expect(generated.length).toBeGreaterThan(0);
    for (const f of generated) expect(f).toMatch(new RegExp(`^docker/${id}/requirements-(ml|core|dev)\\.txt$`));
    expect(changed).not.toContain(`docker/${id}/Dockerfile`);
  });
});

describe('project-level dependencies and typed lists, on a real uv lock', () => {
  test('services inherit the project default unless they set their own', () => {
    const root = copyOf(join(REALWORLD, 'uv-fullstack', 'tree'));
    writeFileSync(join(root, 'other.txt'), 'rich==13.9.4\n');
    synthIn(root, { dependencies: Dependencies.fromPyproject() }, (p) => {
      new PythonService(p, 'api', { command: CMD, pythonVersion: PY });
      new PythonService(p, 'tools', { command: ['python', '-m', 'tools.main'], dependencies: Dependencies.fromRequirementsFiles({ core: ['other.txt'] }) });
    });
    expect(text(root, tierFile('api', 'core'))).toContain('alembic==1.17.2 \\');
    expect(text(root, tierFile('tools', 'core'))).toContain('\nrich==13.9.4\n');
    expect(text(root, tierFile('tools', 'core'))).not.toContain('alembic');
  });

  test('a typed pin the lock does not hold is refused (it could not be hash-checked)', () => {
    const root = copyOf(join(REALWORLD, 'uv-fullstack', 'tree'));
    expect(() => synthIn(root, {}, service(Dependencies.fromPyproject(), { requirements: { core: ['orjson==3.10.7', 'alembic==1.17.2'] } })))
      .toThrow(/requirements\.core\[1\] is not in the lock uv\.lock: got "orjson==3\.10\.7"/);
  });
});
