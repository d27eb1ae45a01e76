/**
 * Bad input to the dependency resolver: each case fails with our one error type, and its
 * problem names the construct path, the file and line (or the prop), the bad value and what
 * is allowed.
 */
import { symlinkSync } from 'fs';
import { join } from 'path';
import { H, PYPROJECT, Pkg, uvLock } from './lock-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies, PyprojectDependenciesOptions, resolveDependencies } from '../../src/deps';

const CTX = { projectRoot: projectWith({}), pythonVersion: '3.11.9', platform: 'linux/amd64' as const, path: 'vision/api' };
const GOOD: Pkg[] = [
  { name: 'fastapi', version: '0.115.6', deps: ['starlette'] },
  { name: 'starlette', version: '0.41.3' },
  { name: 'numpy', version: '2.1.3', sdist: true, wheels: ['numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'] },
  { name: 'pytest', version: '8.3.4' },
];

const req = (
  files: Record<string, string>, options: Parameters<typeof Dependencies.fromRequirementsFiles>[0],
) =>
  () => resolveIn(projectWith(files), Dependencies.fromRequirementsFiles(options));
const py = (files: Record<string, string>, options: PyprojectDependenciesOptions = {}) =>
  () => resolveIn(projectWith(files), Dependencies.fromPyproject(options));
const uv = (pkgs: Pkg[], options: PyprojectDependenciesOptions = {}, pyproject = PYPROJECT) =>
  py({ 'pyproject.toml': pyproject, 'uv.lock': uvLock(pkgs) }, options);
const swap = (name: string, change: Partial<Pkg>): Pkg[] =>
  GOOD.map((p) => (p.name === name ? { ...p, ...change } : p));

/** [what, resolution, the one problem expected (exact)]. */
const CASES: Array<[string, () => unknown, string]> = [
  // ------------------------------------------------------------ requirement files: paths
  ['a missing requirement file', req({}, { core: ['requirements.txt'] }),
    '[vision/api] dependencies.core[0] does not exist: got "requirements.txt"; expected a file of the project (paths are relative to the project root)'],
  ['an absolute path', req({}, { ml: ['/etc/requirements.txt'] }),
    '[vision/api] dependencies.ml[0] is not a relative path: got "/etc/requirements.txt"; expected a path relative to the project root, inside the project'],
  ['a path outside the project', req({}, { dev: ['../requirements.txt'] }),
    '[vision/api] dependencies.dev[0] is outside the project: got "../requirements.txt"; expected a path relative to the project root, inside the project'],
  ['an include outside the project', req({ 'requirements.txt': 'numpy==2.1.3\n-r ../../shared.txt\n' }, { core: ['requirements.txt'] }),
    '[vision/api] requirements.txt:2 includes a file outside the project: got "-r ../../shared.txt"; expected a file inside the project, relative to the including file'],
  ['a missing included file', req({ 'reqs/core.txt': '-r base.txt\n' }, { core: ['reqs/core.txt'] }),
    '[vision/api] reqs/core.txt:1 -r base.txt does not exist: got "reqs/base.txt"; expected a file of the project (paths are relative to the project root)'],
  ['files that include each other', req({ 'a.txt': '-r b.txt\n', 'b.txt': '-c a.txt\n' }, { core: ['a.txt'] }),
    '[vision/api] b.txt:1 -c a.txt includes itself: got "a.txt -> b.txt -> a.txt"; expected requirement files that do not include each other in a cycle'],
  ['an include of a url', req({ 'r.txt': '-r https://example.invalid/r.txt\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 includes a url: got "-r https://example.invalid/r.txt"; expected a file of the project (files are read at synth, never fetched)'],
  // ------------------------------------------------------------ requirement files: lines
  ['a direct reference', req({ 'r.txt': 'numpy==2.1.3\nmylib @ https://example.invalid/mylib-1.0.tar.gz\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:2 is a direct reference: got "mylib @ https://example.invalid/mylib-1.0.tar.gz"; expected a requirement from the package index such as "name==1.2.3"; direct references bypass the index and the hashes (publish the package to an index, install it from `sources` with installProject, or set allowDirectReferences)'],
  ['a git url', req({ 'r.txt': '# tools\ngit+https://example.invalid/org/lib.git@v1#egg=lib\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:2 is a url or a local path, not a requirement: got "git+https://example.invalid/org/lib.git@v1#egg=lib"; expected a requirement from the package index such as "name==1.2.3"; direct references bypass the index and the hashes (publish the package to an index, install it from `sources` with installProject, or set allowDirectReferences)'],
  ['a local path', req({ 'r.txt': './libs/mylib\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 is a url or a local path, not a requirement: got "./libs/mylib"; expected a requirement from the package index such as "name==1.2.3"; direct references bypass the index and the hashes (publish the package to an index, install it from `sources` with installProject, or set allowDirectReferences)'],
  ['an editable install', req({ 'r.txt': '-e .\n' }, { dev: ['r.txt'] }),
    '[vision/api] r.txt:1 is an editable install: got "-e ."; expected a requirement from the package index such as "name==1.2.3"; direct references bypass the index and the hashes (publish the package to an index, install it from `sources` with installProject, or set allowDirectReferences)'],
  ['--index-url in a file', req({ 'r.txt': '--index-url https://mirror.example.invalid/simple\nnumpy==2.1.3\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:1 sets --index-url: got "--index-url https://mirror.example.invalid/simple"; expected no index options in requirement files: indexes are build args (pip.conf or PIP_INDEX_URL at build), the files list packages only'],
  ['--extra-index-url in a file', req({ 'r.txt': 'numpy==2.1.3\n--extra-index-url=https://mirror.example.invalid/simple\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:2 sets --extra-index-url: got "--extra-index-url=https://mirror.example.invalid/simple"; expected no index options in requirement files: indexes are build args (pip.conf or PIP_INDEX_URL at build), the files list packages only'],
  ['--find-links in a file', req({ 'r.txt': '-f ./wheels\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:1 sets -f: got "-f ./wheels"; expected no index options in requirement files: indexes are build args (pip.conf or PIP_INDEX_URL at build), the files list packages only'],
  ['--trusted-host in a file', req({ 'r.txt': '--trusted-host mirror.example.invalid\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:1 sets --trusted-host: got "--trusted-host mirror.example.invalid"; expected no index options in requirement files: indexes are build args (pip.conf or PIP_INDEX_URL at build), the files list packages only'],
  ['an unsupported global option', req({ 'r.txt': '--pre\nnumpy==2.1.3\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:1 has the option --pre, which is not supported: got "--pre"; expected requirements, -r/-c includes, --hash and --require-hashes (install options are set by the generated Dockerfile)'],
  ['an unsupported per-requirement option', req({ 'r.txt': 'numpy==2.1.3 --config-settings=setup-args=-Dblas=none\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:1 has the per-requirement option --config-settings, which is not supported: got "numpy==2.1.3 --config-settings=setup-args=-Dblas=none"; expected a requirement followed by --hash=sha256:... options only'],
  ['a line that is not a requirement', req({ 'r.txt': 'numpy==2.1.3\n\nnumpy >>= 2\n' }, { ml: ['r.txt'] }),
    '[vision/api] r.txt:3 is not a requirement pip reads the same way (">>= 2" is not a version specifier (an operator such as >= followed by a version)): got "numpy >>= 2"; expected a pep 508 requirement such as \'numpy>=1.26,<3; python_version >= "3.10"\''],
  ['an invalid marker', req({ 'r.txt': 'uvloop==0.21.0 ; sys.platform == "linux"\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 is not a requirement pip reads the same way (invalid environment marker ("sys.platform" is a legacy marker name that pip no longer accepts, use "sys_platform")): got "uvloop==0.21.0 ; sys.platform == \\"linux\\""; expected a pep 508 requirement such as \'numpy>=1.26,<3; python_version >= "3.10"\''],
  ['an extra marker in a file', req({ 'r.txt': 'rich==13.9.4 ; extra == "cli"\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 has a marker pip reads differently ("extra" has no value in a requirements file (pip would never install the line)): got "rich==13.9.4 ; extra == \\"cli\\""; expected a marker on the python version, platform or implementation'],
  ['an environment variable', req({ 'r.txt': 'private-lib==${LIB_VERSION}\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 uses an environment variable: got "private-lib==${LIB_VERSION}"; expected literal text (the files are read at synth, where build-time variables have no value)'],
  ['a hashed file with one line without a hash', req({ 'r.txt': `numpy==2.1.3 ${H('numpy')}\nrequests==2.32.3\n` }, { core: ['r.txt'] }),
    '[vision/api] r.txt:2 has no --hash: got "requests==2.32.3"; expected a --hash=sha256:... for every requirement once one has a hash (pip\'s hash-checking mode; r.txt:1 has hashes)'],
  ['a hash that is not sha256', req({ 'r.txt': 'numpy==2.1.3 --hash=md5:0123456789abcdef0123456789abcdef\n' }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 has a hash that is not sha256: got "numpy==2.1.3 --hash=md5:0123456789abcdef0123456789abcdef"; expected --hash=sha256:<64 hex digits> (pip accepts other algorithms, this library checks sha256 only)'],
  ['a hashed range', req({ 'r.txt': `numpy>=2 \\\n    ${H('numpy')}\n` }, { core: ['r.txt'] }),
    '[vision/api] r.txt:1 has hashes but is not pinned with ==: got "numpy>=2"; expected an exact "name==version" pin beside --hash options (pip refuses anything else in hash-checking mode)'],
  ['conflicting pins across tiers', req({ 'ml.txt': 'numpy==2.1.3\n', 'core.txt': 'fastapi==0.115.6\nnumpy==1.26.4\n' }, { ml: ['ml.txt'], core: ['core.txt'] }),
    '[vision/api] core.txt:2 pins numpy differently than ml.txt:1 (ml tier): got "numpy==1.26.4"; expected one version of a package in the image (ml.txt:1 has "numpy==2.1.3")'],
  ['conflicting locked pins across tiers', req({ 'ml.txt': `numpy==2.1.3 ${H('a')}\n`, 'dev.txt': `numpy==2.0.0 ${H('b')}\n` }, { ml: ['ml.txt'], dev: ['dev.txt'] }),
    '[vision/api] dev.txt:1 pins numpy differently than ml.txt:1 (ml tier): got "numpy==2.0.0"; expected one version of a package in the image (ml.txt:1 has "numpy==2.1.3")'],
  ['an unpinned line with strictPins', req({ 'r.txt': 'numpy==2.1.3\nrequests>=2.31\n' }, { core: ['r.txt'], strictPins: true }),
    '[vision/api] r.txt:2 is not pinned to one version: got "requests>=2.31"; expected an exact "name==version" pin (strictPins is on), or a lock file with hashes'],
  ['a constraint the locked pin breaks', req({ 'r.txt': `-c c.txt\nnumpy==2.1.3 ${H('n')}\n`, 'c.txt': 'numpy<2\n' }, { core: ['r.txt'] }),
    '[vision/api] c.txt:1 constrains numpy to another version than the pin of r.txt:2: got "numpy<2"; expected a constraint that admits numpy==2.1.3'],
  ['options of the wrong type', () => resolveIn(projectWith({}), Dependencies.fromRequirementsFiles({ core: 'requirements.txt' as unknown as string[] })),
    '[vision/api] dependencies.core has the wrong type: got "requirements.txt"; expected a list'],
  ['a misspelt option', () => resolveIn(projectWith({}), Dependencies.fromPyproject({ lockfile: 'uv.lock' } as PyprojectDependenciesOptions)),
    '[vision/api] unknown property "dependencies.lockfile": got "uv.lock"; expected did you mean "lockFile"? known: path, lockFile, lockFileKind, projectTier, mlPackages, corePackages, mlExtras, coreExtras, devExtras, mlGroups, coreGroups, devGroups, strictPins, allowDirectReferences'],
  ['dependencies that are not built with Dependencies', () => resolveDependencies({ ml: ['r.txt'] } as unknown as Dependencies, CTX),
    '[vision/api] dependencies has the wrong type: got {"ml":["r.txt"]}; expected Dependencies.fromRequirementsFiles(...), Dependencies.fromPyproject(...), Dependencies.fromCogYaml(...) or Dependencies.fromSetupPy(...)'],
  // ------------------------------------------------------------ pyproject.toml
  ['a missing pyproject.toml', py({}),
    '[vision/api] dependencies.path does not exist: got "pyproject.toml"; expected a file of the project (paths are relative to the project root)'],
  ['malformed toml', py({ 'pyproject.toml': '[project]\nname = "demo"\ndependencies = ["numpy>=2",\n  "fastapi" "uvicorn"]\n' }),
    '[vision/api] pyproject.toml:4:13 is not valid toml (expected comma or end of structure): got "\\"fastapi\\" \\"uvicorn\\"]"; expected a toml document (https://toml.io/en/v1.0.0)'],
  ['dynamic dependencies', py({ 'pyproject.toml': '[project]\nname = "demo"\ndynamic = ["dependencies"]\n' }),
    '[vision/api] pyproject.toml declares its dependencies as dynamic: got "dynamic = [\\"dependencies\\"]"; expected dependencies listed in [project] (or give the requirement files with Dependencies.fromRequirementsFiles)'],
  ['a direct reference in pyproject.toml', py({ 'pyproject.toml': '[project]\nname = "demo"\ndependencies = [\n  "mylib @ git+https://example.invalid/org/mylib.git",\n]\n' }),
    '[vision/api] pyproject.toml:4 is a direct reference: got "mylib @ git+https://example.invalid/org/mylib.git"; expected a dependency from the package index; direct references (url, git, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences)'],
  ['a poetry git dependency', py({ 'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nmylib = { git = "https://example.invalid/org/mylib.git" }\n' }),
    '[vision/api] pyproject.toml:6 mylib is a direct reference: got {"git":"https://example.invalid/org/mylib.git"}; expected a dependency from the package index; direct references (url, git, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences)'],
  ['an unknown group', uv(GOOD, { devGroups: ['docs'] }),
    '[vision/api] dependencies.devGroups names an unknown dependency group: got "docs"; expected one of: "dev"'],
  ['an unknown extra', uv(GOOD, { mlExtras: ['plots'] }),
    '[vision/api] dependencies.mlExtras names an unknown extra: got "plots"; expected one of: "viz"'],
  ['a group in two tiers', uv(GOOD, { coreGroups: ['dev'], devGroups: ['dev'] }),
    '[vision/api] dependencies.devGroups names "dev", already given in dependencies.coreGroups: got "dev"; expected each group in one tier'],
  ['an ml package the project does not depend on', uv(GOOD, { mlPackages: ['torch'] }),
    '[vision/api] dependencies.mlPackages names a package the project does not depend on: got "torch"; expected one of the project\'s dependencies: fastapi, numpy'],
  ['an include-group of an unknown group', py({ 'pyproject.toml': '[project]\nname = "demo"\ndependencies = []\n\n[dependency-groups]\ndev = [{include-group = "lint"}]\n' }),
    '[vision/api] pyproject.toml [dependency-groups].dev includes an unknown group: got "lint"; expected one of: dev'],
  ['two lock files beside pyproject.toml', py({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD), 'poetry.lock': '' }),
    '[vision/api] dependencies finds more than one lock file beside pyproject.toml: got "uv.lock, poetry.lock"; expected the lockFile option naming the one to install'],
  ['a missing lock file', py({ 'pyproject.toml': PYPROJECT }, { lockFile: 'locks/uv.lock' }),
    '[vision/api] dependencies.lockFile does not exist: got "locks/uv.lock"; expected a lock file of the project (paths are relative to the project root)'],
  ['a lock file kind that does not exist', py({ 'pyproject.toml': PYPROJECT }, { lockFileKind: 'pdm' as never }),
    '[vision/api] dependencies.lockFileKind: got "pdm"; expected one of: "uv", "poetry", "pylock", "pip-compile"'],
  ['a project that does not support the image\'s python', py({ 'pyproject.toml': '[project]\nname = "demo"\nrequires-python = ">=3.12"\ndependencies = []\n' }),
    '[vision/api] pyproject.toml:3 does not admit the image\'s python 3.11.9: got ">=3.12"; expected a python version of the service that the project supports (change pythonVersion, or the project\'s requires-python)'],
  ['a poetry project that does not support the image\'s python', py({ 'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "~3.12"\n' }),
    '[vision/api] pyproject.toml:5 does not admit the image\'s python 3.11.9: got "~3.12"; expected a python version of the service that the project supports (change pythonVersion, or the project\'s requires-python)'],
  // ------------------------------------------------------------ locks
  ['malformed toml in a lock', py({ 'pyproject.toml': PYPROJECT, 'uv.lock': 'version = 1\n[[package]\nname = "x"\n' }),
    '[vision/api] uv.lock:2:11 is not valid toml (expected end of table array declaration): got "[[package]"; expected a toml document (https://toml.io/en/v1.0.0)'],
  ['a lock without a root dependency', uv(GOOD.filter((p) => p.name !== 'numpy')),
    '[vision/api] uv.lock is out of date: numpy (pyproject.toml:7) is not in it: got "numpy>=2"; expected a lock that has every dependency of the pyproject.toml (run uv lock)'],
  ['a lock with a version outside the declared range', uv(swap('fastapi', { version: '1.2.0' })),
    '[vision/api] uv.lock is out of date: it locks fastapi 1.2.0, outside what pyproject.toml:6 allows: got "fastapi>=0.110,<1.0"; expected a lock within the declared range (run uv lock)'],
  ['a lock without an extra the project asks for', uv(GOOD, {}, PYPROJECT.replace('"fastapi>=0.110,<1.0"', '"fastapi[standard]>=0.110,<1.0"')),
    '[vision/api] uv.lock is out of date: fastapi has no extra "standard": got "standard"; expected a lock made with the extras the project asks for (run uv lock)'],
  ['a lock without hashes', uv(swap('starlette', { hash: false })),
    '[vision/api] uv.lock has no sha256 hash for starlette 0.41.3: got "starlette-0.41.3.tar.gz, starlette-0.41.3-py3-none-any.whl"; expected a lock with a sha256 hash for every file (run uv lock)'],
  ['a package with no file for the platform', uv(swap('numpy', { sdist: false, wheels: ['numpy-2.1.3-cp311-cp311-win_amd64.whl', 'numpy-2.1.3-cp311-cp311-musllinux_1_2_x86_64.whl', 'numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.whl'] })),
    '[vision/api] uv.lock has no wheel or sdist of numpy 2.1.3 for linux/x86_64 with python 3.11.9: got "numpy-2.1.3-cp311-cp311-win_amd64.whl, numpy-2.1.3-cp311-cp311-musllinux_1_2...; expected a wheel for cpython 3.11 on manylinux/x86_64, or an sdist (run uv lock for this platform)'],
  ['a lock with a git package', uv(swap('starlette', { source: '{ git = "https://example.invalid/org/starlette?rev=abc#abc" }' })),
    '[vision/api] uv.lock installs starlette from a direct reference: got "git = \\"https://example.invalid/org/starlette?rev=abc#abc\\""; expected packages from an index; direct references (git, url, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences for https archives)'],
  ['a lock version this library does not read', py({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD, ['version = 2']) }),
    '[vision/api] uv.lock has a lock version this library does not read: got 2; expected version = 1 (uv 0.4 and later)'],
  ['a lock for other pythons', py({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD, ['version = 1', 'requires-python = ">=3.12"']) }),
    '[vision/api] uv.lock does not cover python 3.11.9: got ">=3.12"; expected a lock whose requires-python admits the image\'s python (run uv lock)'],
  ['a pylock.toml for windows only', py({
    'pyproject.toml': '[project]\nname = "demo"\ndependencies = []\n',
    'pylock.toml': 'lock-version = "1.0"\nenvironments = ["sys_platform == \'win32\'"]\ncreated-by = "test"\npackages = []\n',
  }), '[vision/api] pylock.toml does not cover linux/x86_64 with python 3.11.9: got "environments"; expected a lock whose environments include the image'],
  ['a poetry lock with an unknown lock-version', py({
    'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n',
    'poetry.lock': '[metadata]\nlock-version = "3.0"\n',
  }), '[vision/api] poetry.lock has a lock-version this library does not read: got "3.0"; expected lock-version "1.1" or "2.x" (poetry 1.1 and later)'],
];

describe('bad dependency input fails with one clear problem', () => {
  test.each(CASES)('%s', (_what, run, expected) => {
    expect(problemsOf(run)).toEqual([expected]);
  });

  test('a symbolic link out of the project', () => {
    const outside = projectWith({ 'secret.txt': 'numpy==2.1.3\n' });
    const root = projectWith({});
    symlinkSync(join(outside, 'secret.txt'), join(root, 'requirements.txt'));
    expect(problemsOf(() => resolveIn(root, Dependencies.fromRequirementsFiles({ core: ['requirements.txt'] })))).toEqual([
      '[vision/api] dependencies.core[0] links outside the project: got "requirements.txt"; expected a file inside the project (symbolic links may not leave it)',
    ]);
  });

  test('every problem of a file is reported at once', () => {
    const problems = problemsOf(req({ 'r.txt': 'a @ https://x.invalid/a.whl\n--index-url https://x.invalid\nb >>= 1\n' }, { core: ['r.txt'] }));
    expect(problems.map((p) => p.split(' ')[1])).toEqual(['r.txt:1', 'r.txt:2', 'r.txt:3']);
  });

  test(`${CASES.length + 2} cases`, () => {
    expect(CASES.length + 2).toBeGreaterThanOrEqual(30);
  });
});
