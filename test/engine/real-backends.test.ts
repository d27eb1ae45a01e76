/**
 * Real build backends, CPU service with `installProject`: the project's own wheel built in the
 * generated `project` stage by each real backend of the machine's local PyPI copy
 * (MLDOCKER_PIP_MIRROR, served by scripts/engine/pip-mirror.py; see support/mirror.ts), with no
 * index and no build isolation, its build requirements pinned in `buildRequirements`, on the
 * engine's Python 3.11 base stand-in. Each project is written by the test (shapes modeled on
 * public projects of each backend).
 *
 * Proves, for each row: the prod image builds (its `pip check` and entry check included) from
 * the files the project stage received, paths kept; the installed distribution has the version
 * and the readme the backend read (a setup.py that opens README.md and a
 * `[tool.setuptools.dynamic]` version file; hatchling's `readme = "docs/README.md"`; hatch-vcs's
 * version from a git tag, pretended from `git describe` at synth; Poetry 1.x's `[tool.poetry]`
 * metadata and Poetry 2's `[project]`; flit-core; scikit-build-core running CMake on the project's
 * CMakeLists.txt with an include and a file from its `vendor/` folder); the command's module is
 * imported from the venv, not from /app, and what the build placed next to the module (a file
 * written by a setuptools build command, one installed by CMake) is there at import, so an
 * installed package with a part made by its build works; the sources that are not the wheel's
 * packages are in /app.
 *
 * Backends the mirror lacks, so not proven here: pdm-backend (no wheel of it in the local copy).
 * Does not prove: a C compiler in the builder (the stand-in has none; the setuptools row's built
 * part is a file its build command writes), the official python image.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { PYTHON_STANDIN, docker, dockerTry, requireEngine, tempDir } from './support/engine';
import { MIRROR, describeUnless, expectBuilt, mirrorMissing, pythonIn, requireOnIndex } from './support/mirror';
import { PythonService } from '../../src';
import { synthIn } from '../util';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

/** One backend's project: its files, the service's sources and build pins, and what the image must hold. */
interface BackendRow {
  readonly name: string;
  /** The distribution name, as importlib.metadata reads it. */
  readonly dist: string;
  /** The version the wheel must carry. */
  readonly version: string;
  /** Text the distribution's description (its readme) must hold. */
  readonly readme?: string;
  readonly files: Record<string, string>;
  readonly sources: string[];
  readonly buildRequirements: string[];
  /** A git tag on the project's one commit (for a version from git tags). */
  readonly tag?: string;
  /** A file the build placed next to the package's module, and its text. */
  readonly built?: readonly [string, string];
  /** Sources that must be in /app (those that are not the wheel's packages). */
  readonly inApp?: readonly string[];
}

const MAIN = 'print("running")\n';

const ROWS: readonly BackendRow[] = [
  {
    name: 'setuptools: a setup.py that opens README.md, a dynamic version file, a file its build writes',
    dist: 'setuppkg',
    version: '1.4.2',
    readme: 'setuppkg readme',
    files: {
      'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        + '[project]\nname = "setuppkg"\ndynamic = ["version", "readme"]\n\n[tool.setuptools]\npackages = ["pkg"]\n\n'
        + '[tool.setuptools.dynamic]\nversion = { file = "VERSION" }\n',
      'setup.py': [
        'from pathlib import Path',
        'from setuptools import setup',
        'from setuptools.command.build_py import build_py',
        '',
        'class BuildPy(build_py):',
        '    """Writes a file next to the module, as a build that compiles a part of the package does."""',
        '    def run(self):',
        '        super().run()',
        '        (Path(self.build_lib) / "pkg" / "_built.txt").write_text("built by setup.py\\n")',
        '',
        'setup(long_description=Path("README.md").read_text(), long_description_content_type="text/markdown",',
        '      cmdclass={"build_py": BuildPy})',
        '',
      ].join('\n'),
      'README.md': '# setuppkg readme\n',
      'VERSION': '1.4.2\n',
      'pkg/__init__.py': 'from pathlib import Path\nBUILT = (Path(__file__).parent / "_built.txt").read_text()\n',
      'pkg/main.py': MAIN,
      'configs/app.yaml': 'k: 1\n',
    },
    sources: ['pkg', 'configs'],
    buildRequirements: ['setuptools==84.0.0'],
    built: ['_built.txt', 'built by setup.py\n'],
    inApp: ['configs/app.yaml'],
  },
  {
    name: 'hatchling: readme = "docs/README.md"',
    dist: 'hatchpkg',
    version: '0.3.0',
    readme: 'hatchpkg readme in docs',
    files: {
      'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        + '[project]\nname = "hatchpkg"\nversion = "0.3.0"\nreadme = "docs/README.md"\n\n'
        + '[tool.hatch.build.targets.wheel]\npackages = ["pkg"]\n',
      'docs/README.md': '# hatchpkg readme in docs\n',
      'pkg/__init__.py': '',
      'pkg/main.py': MAIN,
    },
    sources: ['pkg'],
    buildRequirements: ['hatchling==1.32.4'],
  },
  {
    name: 'hatchling with hatch-vcs: the version of a git tag',
    dist: 'vcspkg',
    version: '2.3.0',
    tag: 'v2.3.0',
    files: {
      'pyproject.toml': '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n'
        + '[project]\nname = "vcspkg"\ndynamic = ["version"]\n\n[tool.hatch.version]\nsource = "vcs"\n\n'
        + '[tool.hatch.build.targets.wheel]\npackages = ["pkg"]\n',
      'pkg/__init__.py': '',
      'pkg/main.py': MAIN,
    },
    sources: ['pkg'],
    buildRequirements: ['hatchling==1.32.4', 'hatch-vcs==0.5.0'],
  },
  {
    name: 'poetry-core: Poetry 1.x metadata in [tool.poetry], packages from src',
    dist: 'poetry1pkg',
    version: '0.7.1',
    readme: 'poetry1pkg readme',
    files: {
      'pyproject.toml': '[tool.poetry]\nname = "poetry1pkg"\nversion = "0.7.1"\ndescription = "x"\n'
        + 'authors = ["A <a@example.invalid>"]\nreadme = "README.md"\npackages = [{ include = "pkg", from = "src" }]\n\n'
        + '[tool.poetry.dependencies]\npython = "^3.10"\n\n'
        + '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n',
      'README.md': '# poetry1pkg readme\n',
      'src/pkg/__init__.py': '',
      'src/pkg/main.py': MAIN,
    },
    sources: ['src'],
    buildRequirements: ['poetry-core==2.5.0'],
  },
  {
    name: 'poetry-core: Poetry 2 with [project], packages from lib',
    dist: 'poetry2pkg',
    version: '0.8.0',
    readme: 'poetry2pkg readme',
    files: {
      'pyproject.toml': '[project]\nname = "poetry2pkg"\nversion = "0.8.0"\nreadme = "README.md"\n'
        + 'requires-python = ">=3.10"\n\n[tool.poetry]\npackages = [{ include = "pkg", from = "lib" }]\n\n'
        + '[build-system]\nrequires = ["poetry-core>=2.0"]\nbuild-backend = "poetry.core.masonry.api"\n',
      'README.md': '# poetry2pkg readme\n',
      'lib/pkg/__init__.py': '',
      'lib/pkg/main.py': MAIN,
    },
    sources: ['lib'],
    buildRequirements: ['poetry-core==2.5.0'],
  },
  {
    name: 'flit-core: a module named as the distribution',
    dist: 'pkg',
    version: '0.5.0',
    readme: 'flit readme',
    files: {
      'pyproject.toml': '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n\n'
        + '[project]\nname = "pkg"\nversion = "0.5.0"\ndescription = "x"\nreadme = "README.md"\n',
      'README.md': '# flit readme\n',
      'pkg/__init__.py': '',
      'pkg/main.py': MAIN,
    },
    sources: ['pkg'],
    buildRequirements: ['flit-core==4.1.0'],
  },
  {
    name: 'scikit-build-core: CMake reads CMakeLists.txt, an include and a file of vendor/',
    dist: 'cmakepkg',
    version: '0.2.0',
    files: {
      'pyproject.toml': '[build-system]\nrequires = ["scikit-build-core"]\nbuild-backend = "scikit_build_core.build"\n\n'
        + '[project]\nname = "cmakepkg"\nversion = "0.2.0"\n\n[tool.scikit-build]\nwheel.packages = []\n',
      'CMakeLists.txt': [
        'cmake_minimum_required(VERSION 3.15)',
        'project(${SKBUILD_PROJECT_NAME} LANGUAGES NONE)',
        'include(vendor/settings.cmake)',
        'install(FILES pkg/__init__.py pkg/main.py DESTINATION pkg)',
        'install(FILES vendor/data/part.txt DESTINATION pkg RENAME ${VENDORED_NAME})',
        '',
      ].join('\n'),
      'vendor/settings.cmake': 'set(VENDORED_NAME "_built.txt")\n',
      'vendor/data/part.txt': 'installed by cmake\n',
      'pkg/__init__.py': '',
      'pkg/main.py': MAIN,
    },
    sources: ['pkg'],
    buildRequirements: ['scikit-build-core==1.1.0', 'cmake==3.31.10', 'ninja==1.13.2'],
    built: ['_built.txt', 'installed by cmake\n'],
  },
];

const dirs: string[] = [];
const tags: string[] = [];

function git(dir: string, ...args: string[]): void {
  const run = spawnSync('git', ['-C', dir, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t',
    '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], { encoding: 'utf-8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
}

/** The row's project written, committed and tagged when it has a tag, and synthesized. */
function projectOf(row: BackendRow): string {
  const dir = tempDir('engine-backend-');
  dirs.push(dir);
  for (const [path, text] of Object.entries(row.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (row.tag) {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'first');
    git(dir, 'tag', row.tag);
  }
  synthIn(dir, { dockerfileSyntax: false }, (p) => {
    new PythonService(p, 'api', {
      command: ['python', '-m', 'pkg.main'],
      sources: row.sources,
      installProject: true,
      buildRequirements: row.buildRequirements,
    });
  });
  return dir;
}

/** Python run in the image: what the installed distribution and its package hold. */
function inspect(tag: string, row: BackendRow): Record<string, unknown> {
  const built = row.built ? JSON.stringify(row.built[0]) : 'None';
  return JSON.parse(pythonIn(tag, [
    'import importlib.metadata as m, importlib.util, json, pathlib',
    'import pkg  # runs the package\'s __init__, which may read what the build placed beside it',
    `meta = m.metadata(${JSON.stringify(row.dist)})`,
    'pkg = importlib.util.find_spec("pkg.main").origin',
    `part = pathlib.Path(pkg).parent / ${built} if ${built} else None`,
    'print(json.dumps({"version": meta["Version"], "description": meta.get_payload() or meta.get("Description") or "",',
    '  "module": pkg, "built": part.read_text() if part and part.exists() else None,',
    '  "app": sorted(str(p.relative_to("/app")) for p in pathlib.Path("/app").rglob("*") if p.is_file()',
    '    and not str(p).startswith("/app/common"))}))',
  ].join('\n')));
}

describeUnless(mirrorMissing(), 'the project\'s own wheel built by each real backend in the project stage', () => {
  beforeAll(() => {
    requireEngine();
    requireOnIndex(MIRROR!.pypi, [...new Set(ROWS.flatMap((r) => r.buildRequirements))]);
  });

  afterAll(() => {
    for (const tag of tags) dockerTry(['image', 'rm', '--force', tag]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const dir = projectOf(row);
    const tag = `engine-backend-${row.dist}:${RUN_ID}`;
    tags.push(tag);
    const res = dockerTry(['build', '--progress', 'plain', '--network', 'host', '-f', 'docker/api/Dockerfile',
      '--target', 'prod', '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`,
      '--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`, '-t', tag, '.'], { cwd: dir });
    expectBuilt(res);
    const got = inspect(tag, row);
    expect(got.version).toBe(row.version);
    if (row.readme) expect(String(got.description)).toContain(row.readme);
    // imported from the venv: the wheel's package is not copied into /app, where it would come first
    expect(String(got.module)).toMatch(/^\/opt\/venv\/lib\/python3\.11\/site-packages\/pkg\/main\.py$/);
    if (row.built) expect(got.built).toBe(row.built[1]);
    expect(got.app).toEqual([...row.inApp ?? []]);
    // the command starts: the installed module runs as uid 10001
    expect(docker(['run', '--rm', '--network', 'none', '--read-only', '--cap-drop', 'ALL', tag]).trim()).toBe('running');
  }, 900_000);
});
