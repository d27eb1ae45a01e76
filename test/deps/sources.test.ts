/**
 * Where a package comes from is kept: a package bound to a source other than the default index
 * (uv's path, git, url and index sources, Poetry's sources, a lock's record of another index) is
 * never installed from the default index, where anyone can register its name. A package bound to
 * an index the project declares is installed from that index alone, through a build arg of its
 * own; torch and its companions are the torch tier's, installed from TORCH_INDEX_URL whatever
 * index they name; any other source is refused with the reason.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Pkg, uvLock } from './lock-fixtures';
import { copyOf, problemsOf, projectWith, resolveIn } from './support';
import { Dependencies, PythonService, MlDockerProject } from '../../src';
import { cacheReportOfProject } from '../../src/cache-report/project-report';
import { synthIn, withoutPostSynth } from '../util';

const all = (problems: string[]) => problems.join('\n');
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');
const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
/** The project of a synthesized tree, built again (no synth) for the cache report. */
function projectOf(dir: string): MlDockerProject {
  let project!: MlDockerProject;
  withoutPostSynth(() => {
    project = new MlDockerProject({ name: 'vision', outdir: dir });
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], dependencies: Dependencies.fromPyproject() });
  });
  return project;
}
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

  test('an index source binds the package to that index: installed from it alone, through its own build arg', () => {
    const tail = ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '', '[[tool.uv.index]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'explicit = true'];
    const dir = projectWith({ 'pyproject.toml': project(['corp-lib==1.2.0', 'rich==13.9.4'], tail) });
    synthIn(dir, {}, (p) => new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], dependencies: Dependencies.fromPyproject() }));
    expect(body(read(dir, 'docker/api/requirements-core.txt'))).toEqual(['rich==13.9.4']);
    expect(body(read(dir, 'docker/api/requirements-core-corp.txt'))).toEqual(['corp-lib==1.2.0']);
    const dockerfile = read(dir, 'docker/api/Dockerfile');
    expect(dockerfile).toContain('ARG PIP_INDEX_URL_CORP=https://pkgs.example.invalid/simple');
    expect(dockerfile).toContain('pip install --index-url "$PIP_INDEX_URL_CORP" -c /tmp/requirements/requirements-core.txt -r /tmp/requirements/requirements-core-corp.txt');
    expect(read(dir, 'docker/api/Dockerfile.dockerignore')).toContain('!docker/api/requirements-core-corp.txt');
    // the cache-impact report reads the step as the model describes it
    const report = cacheReportOfProject(projectOf(dir));
    expect(report.service('api').targets.find((t) => t.target === 'prod')!.steps.some((s) => s.instruction.includes('requirements-core-corp.txt'))).toBe(true);
  });

  test('an index whose url holds a credential is refused, the value hidden', () => {
    const tail = ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '', '[[tool.uv.index]]', 'name = "corp"', 'url = "https://user:s3cr3t@pkgs.example.invalid/simple"'];
    const problems = problemsOf(() => resolveIn(projectWith({ 'pyproject.toml': project(['corp-lib==1.2.0'], tail) }), Dependencies.fromPyproject()));
    expect(all(problems)).toContain('binds corp-lib to an index whose url has');
    expect(all(problems)).not.toContain('s3cr3t');
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
  test('a package bound to an explicit source is bound to that index', () => {
    const text = poetry(['[[tool.poetry.source]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'priority = "explicit"'],
      'corp-lib = { version = "1.2.0", source = "corp" }');
    const r = resolveIn(projectWith({ 'pyproject.toml': text }), Dependencies.fromPyproject());
    expect(r.packages.core.map((p) => [p.requirement, p.index])).toEqual([['corp-lib==1.2.0', { name: 'corp', url: 'https://pkgs.example.invalid/simple' }]]);
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

  test('one package from an index the project does not declare is refused', () => {
    const root = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': lockOf('https://pkgs.example.invalid/simple') });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject())))).toContain(
      'uv.lock installs corp-lib 1.2.0 from the index https://pkgs.example.invalid/simple, which the pyproject.toml does not declare');
  });

  test('one package from an index the project declares is bound to it, hash-locked', () => {
    const declared = project(['fastapi>=0.110', 'corp-lib>=1'], ['[[tool.uv.index]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'explicit = true']);
    const r = resolveIn(projectWith({ 'pyproject.toml': declared, 'uv.lock': lockOf('https://pkgs.example.invalid/simple') }), Dependencies.fromPyproject());
    expect(r.packages.core.find((p) => p.key === 'corp-lib')?.index).toEqual({ name: 'corp', url: 'https://pkgs.example.invalid/simple' });
    const dir = projectWith({ 'pyproject.toml': declared, 'uv.lock': lockOf('https://pkgs.example.invalid/simple') });
    synthIn(dir, {}, (p) => new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], dependencies: Dependencies.fromPyproject() }));
    const corp = body(read(dir, 'docker/api/requirements-core-corp.txt'));
    expect(corp[0]).toBe('corp-lib==1.2.0 \\');
    expect(corp.slice(1).every((l) => /^ {4}--hash=sha256:[0-9a-f]{64}( \\)?$/.test(l))).toBe(true);
    expect(body(read(dir, 'docker/api/requirements-core.txt')).join('\n')).not.toContain('corp-lib');
    expect(read(dir, 'docker/api/Dockerfile')).toContain(
      'pip install --require-hashes --no-deps --index-url "$PIP_INDEX_URL_CORP" -r /tmp/requirements/requirements-core-corp.txt');
  });

  test('pylock.toml: a package whose index the project declares is bound to it; an undeclared index is refused', () => {
    const corp = 'https://pkgs.example.invalid/simple';
    const withIndex = (root: string) => {
      const lock = read(root, 'pylock.toml');
      writeFileSync(join(root, 'pylock.toml'), lock.replace("name = 'cattrs'\n", `name = 'cattrs'\nindex = '${corp}'\n`));
      return root;
    };
    const undeclared = withIndex(copyOf(join(__dirname, 'fixtures', 'pylock')));
    expect(all(problemsOf(() => resolveIn(undeclared, Dependencies.fromPyproject())))).toContain(
      `pylock.toml installs cattrs 24.2.0 from the index ${corp}, which the pyproject.toml does not declare`);
    const declared = withIndex(copyOf(join(__dirname, 'fixtures', 'pylock')));
    writeFileSync(join(declared, 'pyproject.toml'),
      `${read(declared, 'pyproject.toml')}\n[[tool.uv.index]]\nname = "corp"\nurl = "${corp}"\nexplicit = true\n`);
    const r = resolveIn(declared, Dependencies.fromPyproject());
    expect(r.packages.core.find((p) => p.key === 'cattrs')?.index).toEqual({ name: 'corp', url: corp });
    expect(r.packages.core.find((p) => p.key === 'numpy')?.index).toBeUndefined();
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
