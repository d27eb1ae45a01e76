/**
 * Where a package comes from is kept: a package bound to a source other than the default index
 * (uv's path, git, url and index sources, Poetry's sources, a lock's record of another index) is
 * never installed from the default index, where anyone can register its name. torch and its
 * companions are the torch tier's, installed from TORCH_INDEX_URL whatever index they name.
 */
import { Pkg, uvLock } from './lock-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies } from '../../src/deps';

const all = (problems: string[]) => problems.join('\n');
const project = (deps: string[], tail: string[]) => [
  '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"', `dependencies = [${deps.map((d) => JSON.stringify(d)).join(', ')}]`, '',
  ...tail, '',
].join('\n');

describe('uv sources in pyproject.toml', () => {
  test('a path source is refused: it is no package of the index', () => {
    const root = projectWith({ 'pyproject.toml': project(['mylib', 'rich==13.9.4'], ['[tool.uv.sources]', 'mylib = { path = "libs/mylib", editable = true }']) });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject())))).toContain(
      'pyproject.toml:8 binds mylib to a local path: got "libs/mylib"; expected a package from the index; a package of this repository '
      + 'is installed as the project\'s own with sources and installProject, never from the index under its name');
  });

  test('an index source is refused: the package would come from the default index otherwise', () => {
    const tail = ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '', '[[tool.uv.index]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'explicit = true'];
    const root = projectWith({ 'pyproject.toml': project(['corp-lib==1.2.0'], tail) });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject())))).toContain(
      'pyproject.toml:8 binds corp-lib to the index "corp" (https://pkgs.example.invalid/simple): got "https://pkgs.example.invalid/simple"; '
      + 'expected the package on the index the image installs from (PIP_INDEX_URL, one index for every tier)');
  });

  test('an index source naming no declared index is refused', () => {
    const root = projectWith({ 'pyproject.toml': project(['corp-lib==1.2.0'], ['[tool.uv.sources]', 'corp-lib = { index = "nope" }']) });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject()))))
      .toContain('[tool.uv.sources] corp-lib names the index "nope", which [[tool.uv.index]] does not declare');
  });

  test('torch bound to a PyTorch index is the torch tier\'s; a marker chooses among a list of sources', () => {
    const tail = ['[tool.uv.sources]', 'torch = [{ index = "cu124", marker = "sys_platform == \'linux\'" }, { index = "cpu", marker = "sys_platform == \'darwin\'" }]', '',
      '[[tool.uv.index]]', 'name = "cu124"', 'url = "https://download.pytorch.org/whl/cu124"', 'explicit = true', '',
      '[[tool.uv.index]]', 'name = "cpu"', 'url = "https://download.pytorch.org/whl/cpu"', 'explicit = true'];
    const root = projectWith({ 'pyproject.toml': project(['torch==2.5.1', 'rich==13.9.4'], tail) });
    const r = resolveIn(root, Dependencies.fromPyproject());
    expect(r.torch?.packages.map((p) => p.requirement)).toEqual(['torch==2.5.1']);
    expect(r.tiers.core).toEqual(['rich==13.9.4']);
  });

  test('a url source is a direct reference, accepted only with allowDirectReferences', () => {
    const tail = ['[tool.uv.sources]', 'wheelish = { url = "https://files.example.invalid/wheelish-1.0.tar.gz" }'];
    const root = projectWith({ 'pyproject.toml': project(['wheelish'], tail) });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject())))).toContain('binds wheelish to a url source');
    expect(resolveIn(root, Dependencies.fromPyproject({ allowDirectReferences: true })).tiers.core)
      .toEqual(['wheelish @ https://files.example.invalid/wheelish-1.0.tar.gz']);
  });
});

describe('poetry sources', () => {
  const poetry = (source: string[], dep: string) => [
    '[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"', dep, '', ...source, '',
  ].join('\n');
  test('a package bound to an explicit source is refused', () => {
    const text = poetry(['[[tool.poetry.source]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'priority = "explicit"'],
      'corp-lib = { version = "1.2.0", source = "corp" }');
    expect(all(problemsOf(() => resolveIn(projectWith({ 'pyproject.toml': text }), Dependencies.fromPyproject()))))
      .toContain('pyproject.toml:6 binds corp-lib to the index "corp" (https://pkgs.example.invalid/simple)');
  });

  test('a primary source is the project\'s default index: without a lock, a warning says to build with it', () => {
    const text = poetry(['[[tool.poetry.source]]', 'name = "mirror"', 'url = "https://mirror.example.invalid/simple"'], 'rich = "13.9.4"');
    const r = resolveIn(projectWith({ 'pyproject.toml': text }), Dependencies.fromPyproject());
    expect(r.tiers.core).toEqual(['rich==13.9.4']);
    expect(r.warnings.join('\n')).toContain('build with --build-arg PIP_INDEX_URL=https://mirror.example.invalid/simple');
  });
});

describe('a lock\'s record of the index', () => {
  const PYPROJECT = project(['fastapi>=0.110', 'corp-lib>=1'], []);
  const lockOf = (corp: string) => uvLock([
    { name: 'fastapi', version: '0.115.6' }, { name: 'corp-lib', version: '1.2.0', source: `{ registry = "${corp}" }` },
  ] as Pkg[]).replace('{ name = "numpy" }', '{ name = "corp-lib" }');

  test('one package from another index than the rest is refused', () => {
    const root = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': lockOf('https://pkgs.example.invalid/simple') });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject()))))
      .toContain('uv.lock installs corp-lib 1.2.0 from the index https://pkgs.example.invalid/simple: got "https://pkgs.example.invalid/simple"');
  });

  test('a lock made against one mirror for every package is accepted, with a note to build with it', () => {
    const mirror = 'https://mirror.example.invalid/simple';
    const lock = lockOf(mirror).replace(/registry = "https:\/\/pypi\.org\/simple"/g, `registry = "${mirror}"`);
    const r = resolveIn(projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': lock }), Dependencies.fromPyproject());
    expect(r.tiers.core.filter((l) => !l.startsWith(' '))).toEqual(['corp-lib==1.2.0 \\', 'fastapi==0.115.6 \\']);
    expect(r.warnings).toEqual([`[vision/api] uv.lock: packages come from ${mirror} instead of PyPI: build with --build-arg PIP_INDEX_URL=${mirror} `
      + '(the hashes hold each package to the lock\'s files)']);
  });

  test('a poetry.lock package from a legacy source beside PyPI packages is refused', () => {
    const text = ['[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"', 'corp-lib = "1.2.0"', 'rich = "13.9.4"', ''].join('\n');
    const pkg = (name: string, version: string, extra: string[] = []) => [
      '[[package]]', `name = "${name}"`, `version = "${version}"`, 'description = ""', 'optional = false', 'python-versions = "*"',
      `files = [{file = "${name}-${version}-py3-none-any.whl", hash = "sha256:${'a'.repeat(64)}"}]`, '', ...extra, '',
    ].join('\n');
    const lock = [pkg('corp-lib', '1.2.0', ['[package.source]', 'type = "legacy"', 'url = "https://pkgs.example.invalid/simple"', 'reference = "corp"']),
      pkg('rich', '13.9.4'), '[metadata]', 'lock-version = "2.0"', 'python-versions = "^3.10"', 'content-hash = "x"', ''].join('\n');
    expect(all(problemsOf(() => resolveIn(projectWith({ 'pyproject.toml': text, 'poetry.lock': lock }), Dependencies.fromPyproject()))))
      .toContain('poetry.lock installs corp-lib 1.2.0 from the index https://pkgs.example.invalid/simple');
  });
});
