/**
 * A pyproject's extras that name the project itself (`all = ["app[a,b]"]`) install the
 * requirements of those extras, as pip and uv do, never a package of the project's name from
 * the index (found by a hostile review).
 */
import { PYPROJECT, uvLock } from './lock-fixtures';
import { PATH, problemsOf, projectWith, resolveIn } from './support';
import { Problems } from '../../src/core/problems';
import { Dependencies } from '../../src/deps';
import type { RootDependency } from '../../src/deps/pyproject';
import { expandSelfExtras } from '../../src/deps/self-extras';

const pyproject = (name: string, extras: string[], deps = '["fastapi==0.115.6"]') => [
  '[project]', `name = "${name}"`, 'version = "0.1.0"', `dependencies = ${deps}`, '', '[project.optional-dependencies]', ...extras, '',
].join('\n');

const resolve = (
  text: string, options: Parameters<typeof Dependencies.fromPyproject>[0] = {},
  extra: Record<string, string> = {},
) =>
  resolveIn(projectWith({ 'pyproject.toml': text, ...extra }), Dependencies.fromPyproject(options));

describe('self-referencing extras', () => {
  test('the red-team case: all = app[a,b], b = app[a] + rich; nothing named app is left', () => {
    const r = resolve(pyproject('app', ['all = ["app[a,b]"]', 'a = ["httpx==0.28.1"]', 'b = ["app[a]", "rich==13.9.4"]']), { coreExtras: ['all'] });
    expect(r.tiers.core).toEqual(['fastapi==0.115.6', 'httpx==0.28.1', 'rich==13.9.4']);
    expect(r.warnings).toEqual([]);
  });

  test('names and extras compare normalized (PEP 503 / 685)', () => {
    const r = resolve(pyproject('My_App', ['All = ["my.app[Extra_One, extra-two]"]', 'extra-one = ["httpx==0.28.1"]', '"Extra.Two" = ["rich==13.9.4"]']), { coreExtras: ['all'] });
    expect(r.tiers.core).toEqual(['fastapi==0.115.6', 'httpx==0.28.1', 'rich==13.9.4']);
  });

  test('a cycle of extras is their union, each requirement once', () => {
    const r = resolve(pyproject('app', ['a = ["app[b]", "httpx==0.28.1"]', 'b = ["app[a]", "rich==13.9.4", "httpx==0.28.1"]']), { coreExtras: ['a'], devExtras: ['b'] });
    expect(r.tiers.core).toEqual(['fastapi==0.115.6', 'httpx==0.28.1', 'rich==13.9.4']);
    expect(r.tiers.dev).toEqual([]);
  });

  test('in a dependency group and in the dependencies themselves', () => {
    const text = [pyproject('app', ['test = ["pytest==8.3.4"]', 'fast = ["orjson==3.10.12"]'], '["fastapi==0.115.6", "app[fast]"]'), '[dependency-groups]', 'dev = ["app[test]"]', ''].join('\n');
    const r = resolve(text);
    expect(r.tiers.core).toEqual(['fastapi==0.115.6', 'orjson==3.10.12']);
    expect(r.tiers.dev).toEqual(['pytest==8.3.4']);
  });

  test('a package of another name with the same extras is left alone', () => {
    const r = resolve(pyproject('app', ['all = ["uvicorn[standard]==0.32.1"]']), { coreExtras: ['all'] });
    expect(r.tiers.core).toEqual(['fastapi==0.115.6', 'uvicorn[standard]==0.32.1']);
  });

  test('with a uv.lock: the extras named are the roots, locked and hash-pinned', () => {
    const text = PYPROJECT.replace('viz = ["matplotlib>=3.8"]', 'viz = ["matplotlib>=3.8"]\nall = ["Demo[VIZ]"]');
    const lock = uvLock([
      { name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3' },
      { name: 'matplotlib', version: '3.9.2' }, { name: 'pytest', version: '8.3.4' },
    ]);
    const r = resolve(text, { coreExtras: ['all'] }, { 'uv.lock': lock });
    expect(r.packages.core.map((p) => `${p.key}==${p.version}`)).toEqual(['fastapi==0.115.6', 'matplotlib==3.9.2', 'numpy==2.1.3']);
    expect(r.packages.core.every((p) => p.hashes.length > 0)).toBe(true);
  });

  test('an extra the project does not declare is refused', () => {
    expect(problemsOf(() => resolve(pyproject('app', ['all = ["app[a,nope]"]', 'a = ["httpx==0.28.1"]']), { coreExtras: ['all'] }))).toEqual([
      `[${PATH}] pyproject.toml:7 asks for an extra of the project itself that pyproject.toml does not declare: got "app[a,nope]"; expected extras of [project.optional-dependencies]: "all", "a"`,
    ]);
  });
});

describe('expandSelfExtras', () => {
  const dep = (name: string, extras: string[] = [], url?: string): RootDependency => ({
    name, key: name.toLowerCase().replace(/[-_.]+/g, '-'), extras, alternatives: [[]], url, at: 'pyproject.toml:1', text: name,
  });

  test('the closure of each extra, depth first; a direct reference under the project name is not a self-reference', () => {
    const httpx = dep('httpx');
    const direct = dep('app', [], 'https://example.invalid/app.tar.gz');
    const out = expandSelfExtras(new Problems(PATH), 'pyproject.toml', 'App', {
      main: [direct],
      extras: new Map([['all', [dep('app', ['b'])]], ['a', [httpx]], ['b', [dep('APP', ['a']), dep('rich')]]]),
      groups: new Map(),
    });
    expect(out.closure).toEqual(new Map([['all', ['all', 'b', 'a']], ['a', ['a']], ['b', ['b', 'a']]]));
    expect(out.extras.get('all')!.map((d) => d.name)).toEqual(['rich', 'httpx']);
    expect(out.main).toEqual([direct]);
  });

  test('without a project name nothing is expanded', () => {
    const self = dep('app', ['a']);
    const out = expandSelfExtras(new Problems(PATH), 'pyproject.toml', undefined, { main: [self], extras: new Map([['a', [dep('httpx')]]]), groups: new Map() });
    expect(out.main).toEqual([self]);
  });
});
