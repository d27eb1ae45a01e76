/**
 * Catalogue rows: dependency files given to a service (`dependencies`) or to the
 * project. Each row's files are written into the previous tree under `deps/` (see `files` in
 * support.ts); the synth must fail with one problem naming the file and line and leave the
 * tree, those files included, byte-identical.
 */
import { any, Row, svc, trainer } from './support';
import { Dependencies, PyprojectDependenciesOptions, RequirementsFilesOptions } from '../../src';
import { H, PYPROJECT, Pkg, uvLock as lockOf } from '../deps/lock-fixtures';

const PATH = 'vision/api';

/** The catalogue's uv.lock head: no revision line. */
const UV_HEAD = ['version = 1', 'requires-python = ">=3.10"'];
const uvLock = (pkgs: Pkg[], head: string[] = UV_HEAD): string => lockOf(pkgs, head);

const GOOD: Pkg[] = [
  { name: 'fastapi', version: '0.115.6', deps: ['starlette'] },
  { name: 'starlette', version: '0.41.3' },
  { name: 'numpy', version: '2.1.3', wheels: ['numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'] },
  { name: 'pytest', version: '8.3.4' },
];
const swap = (name: string, change: Partial<Pkg>): Pkg[] =>
  GOOD.map((p) => (p.name === name ? { ...p, ...change } : p));

/** Requirement-file paths are given relative to the project root: under deps/. */
const under = (list?: string[]) => list?.map((f) => `deps/${f}`);
const files = (f: Record<string, string>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [`deps/${k}`, v]));

type Extra = Record<string, unknown>;
type Files = Record<string, string>;

function reqRow(
  name: string, f: Files, options: RequirementsFilesOptions, got: string, expected: string, extra: Extra = {},
): Row {
  const deps = Dependencies.fromRequirementsFiles({
    ...options, ml: under(options.ml), core: under(options.core), dev: under(options.dev),
  });
  return { name: `deps: ${name}`, files: files(f), build: svc({ dependencies: deps, ...extra }), path: PATH, got, expected };
}

function pyRow(
  name: string, f: Files, options: PyprojectDependenciesOptions, got: string, expected: string,
  extra: Extra = {},
): Row {
  const deps = Dependencies.fromPyproject({ path: 'deps/pyproject.toml', ...options, lockFile: options.lockFile && `deps/${options.lockFile}` });
  return { name: `deps: ${name}`, files: files(f), build: svc({ dependencies: deps, ...extra }), path: PATH, got, expected };
}

const uvRow = (
  name: string, pkgs: Pkg[], options: PyprojectDependenciesOptions, got: string, expected: string,
  pyproject = PYPROJECT,
) =>
  pyRow(name, { 'pyproject.toml': pyproject, 'uv.lock': uvLock(pkgs) }, options, got, expected);

const INDEX = 'no index options in requirement files: indexes are build args';
const DIRECT = 'direct references bypass the index and the hashes';

export const rows: Row[] = [
  // ------------------------------------------------------------ paths
  reqRow('a missing requirement file', {}, { core: ['requirements.txt'] }, 'dependencies.core[0] does not exist: got "deps/requirements.txt"', 'a file of the project'),
  {
    name: 'deps: a path outside the project',
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ dev: ['../requirements.txt'] }) }),
    path: PATH,
    got: 'dependencies.dev[0] is outside the project: got "../requirements.txt"',
    expected: 'a path relative to the project root, inside the project',
  },
  {
    name: 'deps: an absolute path',
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ ml: ['/etc/requirements.txt'] }) }),
    path: PATH,
    got: 'dependencies.ml[0] is not a relative path: got "/etc/requirements.txt"',
    expected: 'inside the project',
  },
  reqRow('an include outside the project', { 'requirements.txt': 'numpy==2.1.3\n-r ../../shared.txt\n' }, { core: ['requirements.txt'] },
    'deps/requirements.txt:2 includes a file outside the project: got "-r ../../shared.txt"', 'a file inside the project, relative to the including file'),
  reqRow('a missing included file', { 'reqs/core.txt': '-r base.txt\n' }, { core: ['reqs/core.txt'] },
    'deps/reqs/core.txt:1 -r base.txt does not exist: got "deps/reqs/base.txt"', 'a file of the project'),
  reqRow('files that include each other', { 'a.txt': '-r b.txt\n', 'b.txt': '-c a.txt\n' }, { core: ['a.txt'] },
    'includes itself: got "deps/a.txt -> deps/b.txt -> deps/a.txt"', 'requirement files that do not include each other in a cycle'),
  reqRow('an include of a url', { 'r.txt': '-r https://example.invalid/r.txt\n' }, { core: ['r.txt'] },
    'deps/r.txt:1 includes a url: got "-r https://example.invalid/r.txt"', 'files are read at synth, never fetched'),
  pyRow('a missing pyproject.toml', {}, {}, 'dependencies.path does not exist: got "deps/pyproject.toml"', 'a file of the project'),
  pyRow('a missing lock file', { 'pyproject.toml': PYPROJECT }, { lockFile: 'locks/uv.lock' }, 'dependencies.lockFile does not exist: got "deps/locks/uv.lock"', 'a lock file of the project'),
  // --------------------------------------- lines pip would read differently, or that bypass the index
  reqRow('--index-url in a file', { 'r.txt': '--index-url https://mirror.example.invalid/simple\nnumpy==2.1.3\n' }, { ml: ['r.txt'] },
    'deps/r.txt:1 sets --index-url: got "--index-url https://mirror.example.invalid/simple"', INDEX),
  reqRow('--extra-index-url in a file', { 'r.txt': 'numpy==2.1.3\n--extra-index-url=https://mirror.example.invalid/simple\n' }, { ml: ['r.txt'] },
    'deps/r.txt:2 sets --extra-index-url', INDEX),
  reqRow('--find-links in a file', { 'r.txt': '--find-links ./wheels\n' }, { ml: ['r.txt'] }, 'deps/r.txt:1 sets --find-links: got "--find-links ./wheels"', INDEX),
  reqRow('--trusted-host in a file', { 'r.txt': '--trusted-host mirror.example.invalid\n' }, { core: ['r.txt'] }, 'deps/r.txt:1 sets --trusted-host', INDEX),
  reqRow('a direct https reference', { 'r.txt': 'numpy==2.1.3\nmylib @ https://example.invalid/mylib-1.0.tar.gz\n' }, { core: ['r.txt'] },
    'deps/r.txt:2 is a direct reference: got "mylib @ https://example.invalid/mylib-1.0.tar.gz"', DIRECT),
  reqRow('a git url', { 'r.txt': 'git+https://example.invalid/org/lib.git@v1#egg=lib\n' }, { core: ['r.txt'] },
    'deps/r.txt:1 is a url or a local path, not a requirement', DIRECT),
  reqRow('an editable install', { 'r.txt': '-e .\n' }, { dev: ['r.txt'] }, 'deps/r.txt:1 is an editable install: got "-e ."', DIRECT),
  reqRow('an unsupported option', { 'r.txt': '--pre\nnumpy==2.1.3\n' }, { ml: ['r.txt'] },
    'deps/r.txt:1 has the option --pre, which is not supported: got "--pre"', 'install options are set by the generated Dockerfile'),
  reqRow('a line that is not a requirement', { 'r.txt': 'numpy==2.1.3\n\nnumpy >>= 2\n' }, { ml: ['r.txt'] },
    'deps/r.txt:3 is not a requirement pip reads the same way', 'a pep 508 requirement'),
  reqRow('an extra marker in a file', { 'r.txt': 'rich==13.9.4 ; extra == "cli"\n' }, { core: ['r.txt'] },
    'deps/r.txt:1 has a marker pip reads differently', 'a marker on the python version, platform or implementation'),
  reqRow('an environment variable', { 'r.txt': 'private-lib==${LIB_VERSION}\n' }, { core: ['r.txt'] },
    'deps/r.txt:1 uses an environment variable: got "private-lib==${LIB_VERSION}"', 'literal text'),
  // ------------------------------------------------------------ hashes and pins
  reqRow('a hashed file with one line without a hash', { 'r.txt': `numpy==2.1.3 ${H('numpy')}\nrequests==2.32.3\n` }, { core: ['r.txt'] },
    'deps/r.txt:2 has no --hash: got "requests==2.32.3"', 'a --hash=sha256:... for every requirement once one has a hash'),
  reqRow('a hash that is not sha256', { 'r.txt': 'numpy==2.1.3 --hash=md5:0123456789abcdef0123456789abcdef\n' }, { core: ['r.txt'] },
    'deps/r.txt:1 has a hash that is not sha256', '--hash=sha256:<64 hex digits>'),
  reqRow('a hashed range', { 'r.txt': `numpy>=2 \\\n    ${H('numpy')}\n` }, { core: ['r.txt'] },
    'deps/r.txt:1 has hashes but is not pinned with ==: got "numpy>=2"', 'an exact "name==version" pin beside --hash options'),
  reqRow('conflicting pins across tiers', { 'ml.txt': 'numpy==2.1.3\n', 'core.txt': 'fastapi==0.115.6\nnumpy==1.26.4\n' }, { ml: ['ml.txt'], core: ['core.txt'] },
    'deps/core.txt:2 pins numpy differently than deps/ml.txt:1 (ml tier): got "numpy==1.26.4"', 'one version of a package in the image'),
  reqRow('conflicting locked pins across tiers', { 'ml.txt': `numpy==2.1.3 ${H('a')}\n`, 'dev.txt': `numpy==2.0.0 ${H('b')}\n` }, { ml: ['ml.txt'], dev: ['dev.txt'] },
    'deps/dev.txt:1 pins numpy differently than deps/ml.txt:1 (ml tier)', 'one version of a package in the image'),
  reqRow('a file pin conflicting with a typed pin', { 'ml.txt': 'numpy==2.1.3\n' }, { ml: ['ml.txt'] },
    'requirements.core[0] pins numpy differently than dependencies (deps/ml.txt:1, ml tier): got "numpy==2.0.0"', 'one version of a package in the image',
    { requirements: { core: ['numpy==2.0.0'] } }),
  reqRow('a typed pin beside a hash-locked file', { 'ml.txt': `numpy==2.1.3 ${H('a')}\n` }, { ml: ['ml.txt'] },
    'requirements.core[0] is not in the lock the dependency files: got "fastapi==0.115.6"', 'packages of a hash-locked install to come from the lock',
    { requirements: { core: ['fastapi==0.115.6'] } }),
  reqRow('an unpinned line with strictPins on the files', { 'r.txt': 'numpy==2.1.3\nrequests>=2.31\n' }, { core: ['r.txt'], strictPins: true },
    'deps/r.txt:2 is not pinned to one version: got "requests>=2.31"', 'an exact "name==version" pin (strictPins is on)'),
  {
    ...reqRow('an unpinned line with the project\'s strictPins', { 'r.txt': 'numpy>=2\n' }, { ml: ['r.txt'] },
      'deps/r.txt:1 is not pinned to one version: got "numpy>=2"', 'strictPins is on'),
    project: { strictPins: true },
  },
  reqRow('a constraint the locked pin breaks', { 'r.txt': `-c c.txt\nnumpy==2.1.3 ${H('n')}\n`, 'c.txt': 'numpy<2\n' }, { core: ['r.txt'] },
    'deps/c.txt:1 constrains numpy to another version than the pin of deps/r.txt:2: got "numpy<2"', 'a constraint that admits numpy==2.1.3'),
  // ------------------------------------------------------------ options
  {
    name: 'deps: dependencies not built with Dependencies',
    build: svc({ dependencies: any({ ml: ['r.txt'] }) }),
    path: PATH,
    got: 'dependencies has the wrong type: got {"ml":["r.txt"]}',
    expected: 'Dependencies.fromRequirementsFiles(...), Dependencies.fromPyproject(...), Dependencies.fromCogYaml(...) or Dependencies.fromSetupPy(...)',
  },
  {
    name: 'deps: a project default not built with Dependencies',
    project: { dependencies: any({ core: ['requirements.txt'] }) },
    build: svc({}),
    path: 'vision',
    got: 'dependencies has the wrong type: got {"core":["requirements.txt"]}',
    expected: 'Dependencies.fromRequirementsFiles(...), Dependencies.fromPyproject(...), Dependencies.fromCogYaml(...) or Dependencies.fromSetupPy(...)',
  },
  {
    name: 'deps: a project default that is a string',
    project: { dependencies: any('requirements.txt') },
    build: svc({}),
    path: 'vision',
    got: 'dependencies has the wrong type: got "requirements.txt"',
    expected: 'an object',
  },
  {
    ...pyRow('a project default whose lock is out of date', { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD.filter((p) => p.name !== 'fastapi')) }, {},
      'deps/uv.lock is out of date: fastapi (deps/pyproject.toml:6) is not in it', 'run uv lock'),
    project: { dependencies: Dependencies.fromPyproject({ path: 'deps/pyproject.toml' }) },
    build: svc({}),
  },
  {
    name: 'deps: a misspelt option',
    build: svc({ dependencies: Dependencies.fromPyproject(any({ lockfile: 'uv.lock' })) }),
    path: PATH,
    got: 'unknown property "dependencies.lockfile": got "uv.lock"',
    expected: 'did you mean "lockFile"?',
  },
  {
    name: 'deps: a list given as a string',
    build: svc({ dependencies: Dependencies.fromRequirementsFiles(any({ core: 'requirements.txt' })) }),
    path: PATH,
    got: 'dependencies.core has the wrong type: got "requirements.txt"',
    expected: 'a list',
  },
  // ------------------------------------------------------------ pyproject.toml
  pyRow('malformed toml with line and column', { 'pyproject.toml': '[project]\nname = "demo"\ndependencies = ["numpy>=2",\n  "fastapi" "uvicorn"]\n' }, {},
    'deps/pyproject.toml:4:13 is not valid toml', 'a toml document'),
  pyRow('dynamic dependencies', { 'pyproject.toml': '[project]\nname = "demo"\ndynamic = ["dependencies"]\n' }, {},
    'deps/pyproject.toml declares its dependencies as dynamic', 'dependencies listed in [project]'),
  pyRow('a direct reference in pyproject.toml', { 'pyproject.toml': '[project]\nname = "demo"\ndependencies = [\n  "mylib @ git+https://example.invalid/org/mylib.git",\n]\n' }, {},
    'deps/pyproject.toml:4 is a direct reference: got "mylib @ git+https://example.invalid/org/mylib.git"', DIRECT.replace('direct references bypass', 'direct references (url, git, path) bypass')),
  uvRow('an unknown dependency group', GOOD, { devGroups: ['docs'] }, 'dependencies.devGroups names an unknown dependency group: got "docs"', 'one of: "dev"'),
  uvRow('an unknown extra', GOOD, { mlExtras: ['plots'] }, 'dependencies.mlExtras names an unknown extra: got "plots"', 'one of: "viz"'),
  uvRow('a group in two tiers', GOOD, { coreGroups: ['dev'], devGroups: ['dev'] }, 'dependencies.devGroups names "dev", already given in dependencies.coreGroups', 'each group in one tier'),
  uvRow('an ml package the project does not depend on', GOOD, { mlPackages: ['scipy'] }, 'dependencies.mlPackages names a package the project does not depend on: got "scipy"', 'one of the project\'s dependencies: fastapi, numpy'),
  pyRow('two lock files beside pyproject.toml', { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD), 'poetry.lock': '' }, {},
    'dependencies finds more than one lock file beside deps/pyproject.toml: got "deps/uv.lock, deps/poetry.lock"', 'the lockFile option naming the one to install'),
  pyRow('a project that does not support the image\'s python', { 'pyproject.toml': '[project]\nname = "demo"\nrequires-python = ">=3.12"\ndependencies = []\n' }, {},
    'deps/pyproject.toml:3 does not admit the image\'s python 3.11.16: got ">=3.12"', 'a python version of the service that the project supports'),
  // ------------------------------------------------------------ locks
  pyRow('malformed toml in a lock', { 'pyproject.toml': PYPROJECT, 'uv.lock': 'version = 1\n[[package]\nname = "x"\n' }, {},
    'deps/uv.lock:2:11 is not valid toml', 'a toml document'),
  uvRow('a lock without a root dependency', GOOD.filter((p) => p.name !== 'numpy'), {},
    'deps/uv.lock is out of date: numpy (deps/pyproject.toml:7) is not in it: got "numpy>=2"', 'a lock that has every dependency of the pyproject.toml (run uv lock)'),
  uvRow('a lock with a version outside the declared range', swap('fastapi', { version: '1.2.0' }), {},
    'deps/uv.lock is out of date: it locks fastapi 1.2.0, outside what deps/pyproject.toml:6 allows', 'a lock within the declared range (run uv lock)'),
  uvRow('a lock without an extra the project asks for', GOOD, {}, 'deps/uv.lock is out of date: fastapi has no extra "standard"', 'a lock made with the extras the project asks for',
    PYPROJECT.replace('"fastapi>=0.110,<1.0"', '"fastapi[standard]>=0.110,<1.0"')),
  uvRow('a lock without hashes', swap('starlette', { hash: false }), {},
    'deps/uv.lock has no sha256 hash for starlette 0.41.3', 'a lock with a sha256 hash for every file (run uv lock)'),
  uvRow('a package with no wheel or sdist for the platform', swap('numpy', { sdist: false, wheels: ['numpy-2.1.3-cp311-cp311-win_amd64.whl', 'numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.whl'] }), {},
    'deps/uv.lock has no wheel or sdist of numpy 2.1.3 for linux/x86_64 with python 3.11.16', 'a wheel for cpython 3.11 on manylinux/x86_64, or an sdist'),
  uvRow('a lock with a git package', swap('starlette', { source: '{ git = "https://example.invalid/org/starlette?rev=abc#abc" }' }), {},
    'deps/uv.lock installs starlette from a direct reference', 'packages from an index'),
  pyRow('a lock version this library does not read', { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD, ['version = 2']) }, {},
    'deps/uv.lock has a lock version this library does not read: got 2', 'version = 1'),
  pyRow('a lock for other pythons', { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(GOOD, ['version = 1', 'requires-python = ">=3.12"']) }, {},
    'deps/uv.lock does not cover python 3.11.16: got ">=3.12"', 'a lock whose requires-python admits the image\'s python'),
  pyRow('a pylock.toml for windows only', {
    'pyproject.toml': '[project]\nname = "demo"\ndependencies = []\n',
    'pylock.toml': 'lock-version = "1.0"\nenvironments = ["sys_platform == \'win32\'"]\ncreated-by = "test"\npackages = []\n',
  }, {}, 'deps/pylock.toml does not cover linux/x86_64 with python 3.11.16', 'a lock whose environments include the image'),
  pyRow('a poetry lock with an unknown lock-version', {
    'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n',
    'poetry.lock': '[metadata]\nlock-version = "3.0"\n',
  }, {}, 'deps/poetry.lock has a lock-version this library does not read: got "3.0"', 'lock-version "1.1" or "2.x"'),
  // ------------------------------------------------------------ torch
  reqRow('torch in the files of a service without torchVersion', { 'r.txt': 'torch==2.5.1\nnumpy==2.1.3\n' }, { ml: ['r.txt'] },
    'dependencies lists torch (deps/r.txt:1), but the service installs no torch', 'torchVersion set to the version of the files'),
  {
    name: 'deps: a lock pinning another torch than torchVersion',
    files: files({ 'r.txt': `torch==2.4.1+cu124 ${H('t')}\nnumpy==2.1.3 ${H('n')}\n` }),
    build: trainer({ cudaVersion: '12.4', dependencies: Dependencies.fromRequirementsFiles({ ml: ['deps/r.txt'] }) }),
    path: 'vision/trainer',
    got: 'dependencies: deps/r.txt:1 pins torch 2.4.1+cu124, but the service installs torch 2.5.1+cu124 (torchVersion 2.5.1): got "2.4.1+cu124"',
    expected: 'torch 2.5.1 in the files, or torchVersion set to match them',
  },
  {
    name: 'deps: a lock pinning another cuda variant than cudaVersion',
    files: files({ 'r.txt': `torch==2.5.1+cu121 ${H('t')}\n` }),
    build: trainer({ cudaVersion: '12.4', dependencies: Dependencies.fromRequirementsFiles({ ml: ['deps/r.txt'] }) }),
    path: 'vision/trainer',
    got: 'pins torch 2.5.1+cu121 (cuda 12.1 wheels), but the service installs 2.5.1+cu124 (cuda 12.4 wheels): got "2.5.1+cu121"',
    expected: 'the variant +cu124 in the files, or cudaVersion set to match them',
  },
  {
    name: 'deps: cpu torch wheels in the files of a cpu service asked for cuda',
    files: files({ 'r.txt': 'torch==2.5.1+cu124\n' }),
    build: svc({ torchVersion: '2.5.1', dependencies: Dependencies.fromRequirementsFiles({ ml: ['deps/r.txt'] }) }),
    path: PATH,
    got: 'pins torch 2.5.1+cu124 (cuda 12.4 wheels), but the service installs 2.5.1+cpu (cpu wheels)',
    expected: 'the variant +cpu in the files, or a gpu service with cudaVersion',
  },
  {
    name: 'deps: a torch range that excludes torchVersion',
    files: files({ 'r.txt': 'torch>=2.6\n' }),
    build: svc({ torchVersion: '2.5.1', dependencies: Dependencies.fromRequirementsFiles({ ml: ['deps/r.txt'] }) }),
    path: PATH,
    got: 'asks for "torch>=2.6", but the service installs torch 2.5.1+cpu',
    expected: 'a range that admits torch 2.5.1, or torchVersion set to a version within it',
  },
];
