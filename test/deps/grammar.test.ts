/**
 * The pieces of the resolver on their own: pip's requirement-file grammar, wheel tags, Poetry
 * constraints, pyproject.toml without a lock, and a pip-compile file as a pyproject's lock.
 */
import { createHash } from 'crypto';
import { PATH, problemsOf, projectWith, resolveIn } from './support';
import * as src from '../../src';
import { Dependencies, LockFileKind } from '../../src/deps';
import { poetryConstraint } from '../../src/deps/pyproject';
import { WheelTags } from '../../src/deps/target';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('pip requirement-file grammar', () => {
  const tiersOf = (text: string, extra: Record<string, string> = {}) =>
    resolveIn(projectWith({ 'r.txt': text, ...extra }), Dependencies.fromRequirementsFiles({ core: ['r.txt'] }));

  test('continuations join lines; a comment line ends a continuation; "#" after whitespace starts a comment', () => {
    const r = tiersOf([
      'numpy==2.1.3 \\',
      '    ; python_version >= "3.10"   # trailing comment',
      'pandas==2.2.3 \\',
      '# a whole-line comment ends the continuation',
      '',
      '   # indented comment',
      '\tscipy==1.14.1\t',
    ].join('\n'));
    expect(r.tiers.core).toEqual(['numpy==2.1.3', 'pandas==2.2.3', 'scipy==1.14.1']);
  }, 10000);

  test('"#" without whitespace before it is not a comment (pip reads it as part of the line)', () => {
    expect(problemsOf(() => tiersOf('url-lib#1==1.0\n'))).toEqual([
      '[vision/api] r.txt:1 is not a requirement pip reads the same way ("#1==1.0" is not a version specifier (an operator such as >= followed by a version)): got "url-lib#1==1.0"; expected a pep 508 requirement such as \'numpy>=1.26,<3; python_version >= "3.10"\'',
    ]);
  });

  test('every spelling of an include: -r f, -rf, --requirement f, --requirement=f, -c f, --constraint=f', () => {
    const r = tiersOf('-r a.txt\n-rb.txt\n--requirement c.txt\n--requirement=d.txt\n-c e.txt\n--constraint=f.txt\n', {
      'a.txt': 'a==1\n', 'b.txt': 'b==1\n', 'c.txt': 'c==1\n', 'd.txt': 'd==1\n', 'e.txt': 'e<2\n', 'f.txt': 'f<3\n',
    });
    expect(r.tiers.core).toEqual(['a==1', 'b==1', 'c==1', 'd==1']);
    expect(r.constraints).toEqual(['e<2', 'f<3']);
    expect(r.inputs).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt', 'r.txt']);
  });

  test('extras are kept, markers are evaluated for the image and dropped, names keep their spelling', () => {
    const r = tiersOf('Uvicorn[standard,  socks] >= 0.30 ; platform_machine == "x86_64"\nuvloop==0.21.0; platform_machine == "aarch64"\n');
    expect(r.tiers.core).toEqual(['Uvicorn[standard,socks]>=0.30']);
    expect(r.warnings).toEqual([`[${PATH}] r.txt:1: "Uvicorn[standard, socks] >= 0.30 ; platform_machine == \\"x86_64\\"" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`]);
  });

  test('a hashed file: pins with every hash, --require-hashes accepted, extras and markers dropped', () => {
    const r = tiersOf(`--require-hashes\nuvicorn[standard]==0.30.1 --hash=sha256:${sha('b')} \\\n  --hash=sha256:${sha('a').toUpperCase()}\n`);
    expect(r.locked).toBe(true);
    expect(r.tiers.core).toEqual(['uvicorn==0.30.1 \\', ...[sha('a'), sha('b')].sort().map((h, i) => `    --hash=sha256:${h}${i === 0 ? ' \\' : ''}`)]);
  });
});

describe('wheel tags of CPython on glibc Linux', () => {
  const x86 = new WheelTags({ pythonVersion: '3.11.9', arch: 'x86_64', glibc: [2, 35] });
  const arm = new WheelTags({ pythonVersion: '3.11.9', arch: 'aarch64', glibc: [2, 35] });
  test.each([
    ['numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', true, false],
    ['numpy-2.1.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl', false, true],
    ['numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.whl', false, false],
    ['numpy-2.1.3-cp311-cp311-musllinux_1_2_x86_64.whl', false, false],
    ['numpy-2.1.3-cp311-cp311-win_amd64.whl', false, false],
    ['lib-1.0-cp311-cp311-manylinux_2_39_x86_64.whl', false, false],
    ['lib-1.0-cp311-cp311-manylinux_2_35_x86_64.whl', true, false],
    ['lib-1.0-cp311-cp311-manylinux1_x86_64.whl', true, false],
    ['lib-1.0-cp311-cp311-manylinux2010_x86_64.whl', true, false],
    ['lib-1.0-cp311-cp311-linux_x86_64.whl', true, false],
    ['bcrypt-4.3.0-cp39-abi3-manylinux_2_28_aarch64.whl', false, true],
    ['bcrypt-4.3.0-cp39-abi3-manylinux_2_28_x86_64.whl', true, false],
    ['lib-1.0-cp312-abi3-manylinux_2_28_x86_64.whl', false, false],
    ['bcrypt-4.3.0-cp313-cp313t-manylinux_2_17_x86_64.whl', false, false],
    ['six-1.16.0-py2.py3-none-any.whl', true, true],
    ['lib-1.0-py311-none-any.whl', true, true],
    ['lib-1.0-py312-none-any.whl', false, false],
    ['lib-1.0-cp311-cp311-any.whl', false, false],
    ['lib-1.0-1build-py3-none-any.whl', true, true],
    ['lib-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl', false, false],
  ])('%s: x86_64 %s, aarch64 %s', (file, onX86, onArm) => {
    expect(x86.applies(file)).toBe(onX86);
    expect(arm.applies(file)).toBe(onArm);
  });
  test('not a wheel', () => expect(x86.applies('lib-1.0.tar.gz')).toBeUndefined());
});

describe('poetry constraints', () => {
  test.each([
    ['^1.2.3', [['>=1.2.3', '<2']]],
    ['^0.24.0.post1', [['>=0.24.0.post1', '<0.25']]],
    ['^0.0.3', [['>=0.0.3', '<0.0.4']]],
    ['^3.10', [['>=3.10', '<4']]],
    ['~1.2.3', [['>=1.2.3', '<1.3']]],
    ['~1', [['>=1', '<2']]],
    ['~=1.2', [['~=1.2']]],
    ['4.0.1', [['==4.0.1']]],
    ['1.2.*', [['==1.2.*']]],
    ['*', [[]]],
    ['>=1.0,<2', [['>=1.0', '<2']]],
    ['>=1.0 <2', [['>=1.0', '<2']]],
    ['^1.0 || ^2.0', [['>=1.0', '<2'], ['>=2.0', '<3']]],
  ])('%s', (text, expected) => expect(poetryConstraint(text)).toEqual(expected));
});

describe('pyproject.toml without a lock', () => {
  test('declared ranges become the tier lines, each one warning with its line', () => {
    const root = projectWith({
      'pyproject.toml': '[project]\nname = "demo"\ndependencies = [\n  "fastapi[standard]>=0.110",\n  "numpy==2.1.3",\n  "pywin32==306; sys_platform == \'win32\'",\n]\n\n[project.optional-dependencies]\nml = ["torch>=2.5", "transformers==4.46.3"]\n',
    });
    const r = resolveIn(root, Dependencies.fromPyproject({ mlExtras: ['ml'] }));
    expect(r.locked).toBe(false);
    expect(r.tiers).toEqual({ ml: ['transformers==4.46.3'], core: ['fastapi[standard]>=0.110', 'numpy==2.1.3'], dev: [] });
    expect(r.torch).toEqual({ version: undefined, local: undefined, packages: [expect.objectContaining({ name: 'torch', requirement: 'torch>=2.5' })] });
    expect(r.warnings).toEqual([
      `[${PATH}] pyproject.toml:10: "torch>=2.5" is not pinned to one version; the image build resolves it (lock the project: uv lock, poetry lock)`,
      `[${PATH}] pyproject.toml:4: "fastapi[standard]>=0.110" is not pinned to one version; the image build resolves it (lock the project: uv lock, poetry lock)`,
    ]);
    expect(r.probed).toEqual(['uv.lock', 'poetry.lock', 'pylock.toml']);
  });

  test('a poetry project: carets become pip ranges, the python key is skipped, groups map to tiers', () => {
    const root = projectWith({
      'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nfastapi = "^0.109.1"\nbcrypt = "4.0.1"\nuvicorn = {extras = ["standard"], version = "^0.24.0.post1"}\n\n[tool.poetry.group.ml.dependencies]\nnumpy = "~1.26"\n\n[tool.poetry.group.dev.dependencies]\npytest = "^7.4.3"\n',
    });
    const r = resolveIn(root, Dependencies.fromPyproject({ mlGroups: ['ml'] }));
    expect(r.tiers).toEqual({
      ml: ['numpy>=1.26,<1.27'],
      core: ['bcrypt==4.0.1', 'fastapi>=0.109.1,<0.110', 'uvicorn[standard]>=0.24.0.post1,<0.25'],
      dev: ['pytest>=7.4.3,<8'],
    });
  });

  test('strictPins turns each range into an error naming its line', () => {
    const root = projectWith({ 'pyproject.toml': '[project]\nname = "demo"\ndependencies = [\n  "numpy>=2",\n]\n' });
    expect(problemsOf(() => resolveIn(root, Dependencies.fromPyproject({ strictPins: true })))).toEqual([
      '[vision/api] pyproject.toml:4 is not pinned to one version: got "numpy>=2"; expected an exact "==" pin (strictPins is on), or a lock file beside the pyproject.toml',
    ]);
  });
});

describe('a pip-compile file as the lock of a pyproject.toml', () => {
  const root = projectWith({
    'pyproject.toml': '[project]\nname = "demo"\ndependencies = ["fastapi>=0.110"]\n\n[dependency-groups]\ndev = ["pytest>=8"]\n',
    'requirements.lock': [
      `fastapi==0.115.6 --hash=sha256:${sha('fastapi')}`,
      `starlette==0.41.3 --hash=sha256:${sha('starlette')}`,
      `pytest==8.3.4 --hash=sha256:${sha('pytest')}`,
    ].join('\n'),
  });

  test('roots go to their tiers, the rest to the project tier', () => {
    const r = resolveIn(root, Dependencies.fromPyproject({ lockFile: 'requirements.lock' }));
    expect(r.lockKind).toBe(LockFileKind.PIP_COMPILE);
    expect(r.packages.core.map((p) => p.key)).toEqual(['fastapi', 'starlette']);
    expect(r.packages.dev.map((p) => p.key)).toEqual(['pytest']);
    expect(r.inputs).toEqual(['pyproject.toml', 'requirements.lock']);
  });

  test('a root missing from it is an out-of-date lock', () => {
    const stale = projectWith({
      'pyproject.toml': '[project]\nname = "demo"\ndependencies = [\n  "fastapi>=0.110",\n  "httpx>=0.27",\n]\n',
      'requirements.lock': `fastapi==0.115.6 --hash=sha256:${sha('fastapi')}\n`,
    });
    expect(problemsOf(() => resolveIn(stale, Dependencies.fromPyproject({ lockFile: 'requirements.lock' })))).toEqual([
      '[vision/api] requirements.lock is out of date: httpx (pyproject.toml:5) is not in it: got "httpx>=0.27"; expected a lock that has every dependency of the pyproject.toml (run pip-compile --generate-hashes)',
    ]);
  });
});

// Exported from the package now that services take `dependencies`: one class, the same one.
test('the layer is part of the public API: the package exports the same Dependencies and LockFileKind', () => {
  expect((src as Record<string, unknown>).Dependencies).toBe(Dependencies);
  expect(src.LockFileKind.UV).toBe('uv');
  expect(src.Dependencies.fromRequirementsFiles({ core: ['requirements.txt'] })).toBeInstanceOf(Dependencies);
  // the resolver stays internal
  expect((src as Record<string, unknown>).resolveDependencies).toBeUndefined();
});

describe('a uv.lock that forks a package by python version', () => {
  const wheel = (name: string, v: string) => `wheels = [{ url = "https://files.example.invalid/${name}-${v}-py3-none-any.whl", hash = "sha256:${sha(name + v)}" }]`;
  const root = projectWith({
    'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["numpy>=1.26"]\n',
    'uv.lock': [
      'version = 1', 'requires-python = ">=3.10"', 'resolution-markers = ["python_full_version < \'3.12\'", "python_full_version >= \'3.12\'"]', '',
      '[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }',
      'dependencies = [', '  { name = "numpy", version = "1.26.4", source = { registry = "https://index.example.invalid/simple" }, marker = "python_full_version < \'3.12\'" },',
      '  { name = "numpy", version = "2.1.3", source = { registry = "https://index.example.invalid/simple" }, marker = "python_full_version >= \'3.12\'" },', ']', '',
      '[[package]]', 'name = "numpy"', 'version = "1.26.4"', 'source = { registry = "https://index.example.invalid/simple" }',
      'resolution-markers = ["python_full_version < \'3.12\'"]', wheel('numpy', '1.26.4'), '',
      '[[package]]', 'name = "numpy"', 'version = "2.1.3"', 'source = { registry = "https://index.example.invalid/simple" }',
      'resolution-markers = ["python_full_version >= \'3.12\'"]', wheel('numpy', '2.1.3'), '',
    ].join('\n'),
  });
  test.each([['3.11.9', '1.26.4'], ['3.12.8', '2.1.3']])('python %s gets numpy %s', (python, version) => {
    const core = resolveIn(root, Dependencies.fromPyproject(), { pythonVersion: python }).packages.core;
    expect(core.map((p) => p.version)).toEqual([version]);
  });
});

describe('direct references with allowDirectReferences', () => {
  test('requirement files: named https and git references pass through, each one warning', () => {
    const root = projectWith({ 'r.txt': 'numpy==2.1.3\nmylib[cli] @ https://example.invalid/mylib-1.0.tar.gz ; python_version >= "3.8"\ntool @ git+https://example.invalid/org/tool.git@v2\n' });
    const r = resolveIn(root, Dependencies.fromRequirementsFiles({ core: ['r.txt'], allowDirectReferences: true }));
    expect(r.tiers.core).toEqual(['mylib[cli] @ https://example.invalid/mylib-1.0.tar.gz', 'numpy==2.1.3', 'tool @ git+https://example.invalid/org/tool.git@v2']);
    expect(r.warnings).toEqual([
      `[${PATH}] r.txt:2: mylib is installed from https://example.invalid/mylib-1.0.tar.gz, not from the index (allowDirectReferences)`,
      `[${PATH}] r.txt:3: tool is installed from git+https://example.invalid/org/tool.git@v2, not from the index (allowDirectReferences)`,
    ]);
  });

  test('a hashed file: an archive with its hash is kept, a git reference cannot be hash-checked', () => {
    const ok = projectWith({ 'r.txt': `numpy==2.1.3 --hash=sha256:${sha('n')}\nmylib @ https://example.invalid/mylib-1.0.tar.gz --hash=sha256:${sha('m')}\n` });
    expect(resolveIn(ok, Dependencies.fromRequirementsFiles({ core: ['r.txt'], allowDirectReferences: true })).tiers.core).toEqual([
      'mylib @ https://example.invalid/mylib-1.0.tar.gz \\', `    --hash=sha256:${sha('m')}`, 'numpy==2.1.3 \\', `    --hash=sha256:${sha('n')}`,
    ]);
    const git = projectWith({ 'r.txt': `numpy==2.1.3 --hash=sha256:${sha('n')}\ntool @ git+https://example.invalid/t.git@v2 --hash=sha256:${sha('t')}\n` });
    expect(problemsOf(() => resolveIn(git, Dependencies.fromRequirementsFiles({ core: ['r.txt'], allowDirectReferences: true })))).toEqual([
      '[vision/api] r.txt:2 is a vcs reference, which pip cannot hash-check: got "tool @ git+https://example.invalid/t.git@v2"; expected an archive url with --hash=sha256:... (or a package from the index)',
    ]);
  });

  test('local paths and plain http stay refused', () => {
    const root = projectWith({ 'r.txt': 'mylib @ file:///src/mylib\nother @ http://example.invalid/o.tar.gz\n' });
    expect(problemsOf(() => resolveIn(root, Dependencies.fromRequirementsFiles({ core: ['r.txt'], allowDirectReferences: true }))).map((p) => p.split(':')[0]))
      .toEqual(['[vision/api] r.txt', '[vision/api] r.txt']);
  });

  test('pyproject.toml without a lock, and a uv.lock with an archive source', () => {
    const pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["mylib @ https://example.invalid/mylib-1.0.tar.gz"]\n';
    const unlocked = projectWith({ 'pyproject.toml': pyproject });
    expect(resolveIn(unlocked, Dependencies.fromPyproject({ allowDirectReferences: true })).tiers.core).toEqual(['mylib @ https://example.invalid/mylib-1.0.tar.gz']);
    const lock = [
      'version = 1', 'requires-python = ">=3.10"', '',
      '[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }', 'dependencies = [{ name = "mylib" }]', '',
      '[[package]]', 'name = "mylib"', 'version = "1.0"', 'source = { url = "https://example.invalid/mylib-1.0.tar.gz" }',
      `sdist = { hash = "sha256:${sha('mylib')}" }`, '',
    ].join('\n');
    const locked = projectWith({ 'pyproject.toml': pyproject, 'uv.lock': lock });
    expect(resolveIn(locked, Dependencies.fromPyproject({ allowDirectReferences: true })).tiers.core)
      .toEqual(['mylib @ https://example.invalid/mylib-1.0.tar.gz \\', `    --hash=sha256:${sha('mylib')}`]);
    expect(problemsOf(() => resolveIn(locked, Dependencies.fromPyproject()))).toEqual([
      '[vision/api] pyproject.toml:4 is a direct reference: got "mylib @ https://example.invalid/mylib-1.0.tar.gz"; expected a dependency from the package index; direct references (url, git, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences)',
    ]);
  });
});
