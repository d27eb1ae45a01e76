/**
 * The project stage of `installProject`: the project's files as git sees them, paths kept, minus
 * data, weights, credentials and generated files; the wheel's packages not copied into /app;
 * package folders from the backend's settings; a git-tag version pretended from `git describe`.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { PythonService } from '../../src';
import { readPackageSettings, ScmVersionPlugin } from '../../src/entry/package-metadata';
import { newProject, problemsOf, synth } from '../util';

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-stage-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function git(dir: string, ...args: string[]): string {
  const run = spawnSync('git', ['-C', dir, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t',
    '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], { encoding: 'utf-8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** A git repository of the files, committed (tagged when `tag` is given). */
function repository(files: Record<string, string>, tag?: string): string {
  const dir = layout(files);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first');
  if (tag) git(dir, 'tag', tag);
  return dir;
}

const SETUPTOOLS = ['setuptools==75.6.0'];

/** The project stage of the service's Dockerfile, and what its ignore file sends of the given paths. */
function stageOf(dir: string, props: Record<string, unknown>) {
  const project = newProject({ outdir: dir });
  new PythonService(project, 'api', {
    command: ['python', '-m', 'pkg.main'], installProject: true, requirements: { core: SETUPTOOLS }, ...props,
  } as any);
  const out = synth(project);
  const dockerfile: string = out['docker/api/Dockerfile'];
  const stage = dockerfile.slice(dockerfile.indexOf('FROM builder AS project'), dockerfile.indexOf('FROM builder AS dev'));
  const matcher = ignore().add(String(out['docker/api/Dockerfile.dockerignore']).split('\n'));
  const prod = dockerfile.slice(dockerfile.indexOf('FROM base AS prod'));
  return { stage, prod, sent: (path: string) => !matcher.ignores(path), out };
}

const SETUP_PY_PROJECT = {
  'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\n'
    + 'name = "pkg"\ndynamic = ["version", "readme"]\n\n[tool.setuptools.dynamic]\nversion = { file = "VERSION" }\n',
  'setup.py': 'from setuptools import setup\nsetup(long_description=open("README.md").read())\n',
  'README.md': '# pkg\n',
  'VERSION': '1.4.2\n',
  'pkg/__init__.py': '',
  'pkg/main.py': 'print("hi")\n',
  'pkg/_speed.c': '/* compiled by the build */\n',
  'configs/app.yaml': 'k: 1\n',
  'tests/test_main.py': 'def test_x(): pass\n',
};

describe('the project stage holds the project as git sees it', () => {
  test('a setup.py that opens the README and a dynamic version file reach the build at their paths', () => {
    const dir = repository({
      ...SETUP_PY_PROJECT,
      '.gitignore': 'build/\n*.egg-info/\npkg/*.so\nlocal.cfg\n',
      'build/lib/pkg/__init__.py': '',
      'pkg.egg-info/PKG-INFO': 'stale\n',
      'pkg/_speed.cpython-311-x86_64-linux-gnu.so': 'host build\n',
      'local.cfg': 'mine\n',
      'data/train.csv': 'a,b\n',
      'weights/model.safetensors': 'w',
      '.env': 'TOKEN=x\n',
    });
    const { stage, sent } = stageOf(dir, { sources: ['pkg', 'configs'] });
    // (services/ holds the shared code sample the project writes; .gitignore is generated)
    expect(stage).toContain('COPY README.md VERSION pyproject.toml setup.py /tmp/project/\n'
      + 'COPY configs /tmp/project/configs\nCOPY pkg /tmp/project/pkg\nCOPY services /tmp/project/services\n'
      + 'COPY tests /tmp/project/tests\n');
    // every file git sees is sent; what git ignores, data, weights and credentials are not
    for (const f of ['README.md', 'VERSION', 'setup.py', 'pkg/_speed.c', 'tests/test_main.py', 'configs/app.yaml']) {
      expect({ f, sent: sent(f) }).toEqual({ f, sent: true });
    }
    for (const f of ['build/lib/pkg/__init__.py', 'pkg.egg-info/PKG-INFO', 'pkg/_speed.cpython-311-x86_64-linux-gnu.so',
      'local.cfg', 'data/train.csv', 'weights/model.safetensors', '.env']) {
      expect({ f, sent: sent(f) }).toEqual({ f, sent: false });
    }
    expect(stage).not.toMatch(/COPY (data|weights|build|docker|\.projen) /);
  });

  test('a readme in a subfolder lands at its path; the generated guide beside it stays out', () => {
    const dir = repository({
      'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n[project]\n'
        + 'name = "pkg"\nversion = "0.1.0"\nreadme = "docs/README.md"\n',
      'docs/README.md': '# pkg\n',
      'pkg/__init__.py': '',
      'pkg/main.py': '',
    });
    const project = newProject({ outdir: dir });
    new PythonService(project, 'api', {
      command: ['python', '-m', 'pkg.main'],
      sources: ['pkg'],
      installProject: true,
      requirements: { core: ['hatchling==1.26.3'] },
    });
    synth(project);
    // the second synth sees the generated docs/containers.md: it is left out of the stage
    const out = synth(project);
    const dockerfile: string = out['docker/api/Dockerfile'];
    expect(dockerfile).toContain('COPY docs /tmp/project/docs\n');
    expect(dockerfile).not.toContain('/tmp/project/README.md');
    const matcher = ignore().add(String(out['docker/api/Dockerfile.dockerignore']).split('\n'));
    expect(matcher.ignores('docs/README.md')).toBe(false);
    expect(matcher.ignores('docs/containers.md')).toBe(true);
  });

  test('a scikit-build-core project sends its CMakeLists.txt and vendor folder', () => {
    const dir = layout({
      'pyproject.toml': '[build-system]\nrequires = ["scikit-build-core"]\nbuild-backend = "scikit_build_core.build"\n\n'
        + '[project]\nname = "pkg"\nversion = "0.1.0"\n\n[tool.scikit-build]\nwheel.packages = ["pkg"]\n',
      'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.15)\n',
      'vendor/lib/lib.c': 'int f(void) { return 1; }\n',
      'pkg/__init__.py': '',
      'pkg/main.py': '',
    });
    const { stage } = stageOf(dir, { sources: ['pkg'], requirements: { core: ['scikit-build-core==0.10.7'] } });
    expect(stage).toContain('COPY CMakeLists.txt README.md pyproject.toml /tmp/project/\nCOPY pkg /tmp/project/pkg\n'
      + 'COPY services /tmp/project/services\nCOPY vendor /tmp/project/vendor\n');
  });

  test('the same definition writes the same Dockerfile on the first and the second synth', () => {
    const dir = layout(SETUP_PY_PROJECT);
    const first = stageOf(dir, { sources: ['pkg'] }).out;
    const second = stageOf(dir, { sources: ['pkg'] }).out;
    expect(second['docker/api/Dockerfile']).toEqual(first['docker/api/Dockerfile']);
    expect(second['docker/api/Dockerfile.dockerignore']).toEqual(first['docker/api/Dockerfile.dockerignore']);
  });

  test('a name at the root that a COPY line cannot take as written is refused', () => {
    const dir = layout({ ...SETUP_PY_PROJECT, 'my notes.txt': 'x\n' });
    expect(problemsOf(() => stageOf(dir, { sources: ['pkg'] }))).toEqual([
      '[vision/api] installProject: a file or folder at the project root has a name the build context cannot list '
      + 'as written: got "my notes.txt"; expected names of letters, digits, "_", ".", "-", "+" and "@" (rename it, '
      + 'or have git ignore it: the project stage receives the project\'s files as git sees them)',
    ]);
  });
});

describe('installed packages win over copied sources', () => {
  test('the wheel\'s packages are not copied into /app; tests and configs are', () => {
    const dir = layout(SETUP_PY_PROJECT);
    const { prod } = stageOf(dir, { sources: ['pkg', 'configs', 'tests'], testCommand: ['pytest', 'tests'] });
    expect(prod).not.toContain(' pkg /app/pkg');
    expect(prod).toContain('COPY --chown=10001:10001 configs /app/configs\n');
    expect(prod).toContain('COPY --chown=10001:10001 tests /app/tests\n');
    // the command's module is found in the installed wheel, and checked again at build
    expect(prod).toContain('mldocker_runtime.entry_check');
  });

  test('a setuptools package under lib/ is found where packages.find looks', () => {
    const dir = layout({
      'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        + '[project]\nname = "pkg"\nversion = "0.1.0"\n\n[tool.setuptools.packages.find]\nwhere = ["lib"]\n',
      'lib/pkg/__init__.py': '',
      'lib/pkg/main.py': 'print("hi")\n',
      'scripts/run.sh': 'echo\n',
    });
    const { stage, prod } = stageOf(dir, { sources: ['lib', 'scripts'] });
    expect(stage).toContain('COPY lib /tmp/project/lib\n');
    expect(prod).not.toContain(' lib /app/lib');
    expect(prod).toContain('COPY --chown=10001:10001 scripts /app/scripts\n');
  });

  test('a module found nowhere under the package folders is still refused', () => {
    const dir = layout({
      'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        + '[project]\nname = "pkg"\nversion = "0.1.0"\n',
      'lib/pkg/__init__.py': '',
      'lib/pkg/main.py': '',
    });
    const problems = problemsOf(() => stageOf(dir, { sources: ['lib'] }));
    expect(problems.join('\n')).toContain('[vision/api] command:');
    expect(problems.join('\n')).toContain('pkg.main');
  });

  test('only the packages the settings name are the wheel\'s', () => {
    const dir = layout({
      'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n[project]\n'
        + 'name = "pkg"\nversion = "0.1.0"\n\n[tool.hatch.build.targets.wheel]\npackages = ["src/pkg"]\n',
      'src/pkg/__init__.py': '',
      'src/pkg/main.py': '',
      'src/tools/__init__.py': '',
    });
    const { prod } = stageOf(dir, { sources: ['src/pkg', 'src/tools'], requirements: { core: ['hatchling==1.26.3'] } });
    expect(prod).not.toContain(' src/pkg /app/src/pkg');
    expect(prod).toContain('COPY --chown=10001:10001 src/tools /app/src/tools\n');
  });
});

describe('a version from git tags', () => {
  const HATCH_VCS = {
    'pyproject.toml': '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n'
      + '[project]\nname = "pkg"\ndynamic = ["version"]\n\n[tool.hatch.version]\nsource = "vcs"\n',
    'pkg/__init__.py': '',
    'pkg/main.py': '',
  };
  const props = { sources: ['pkg'], requirements: { core: ['hatchling==1.26.3', 'hatch-vcs==0.4.0'] } };

  test('at a tag: the tag\'s version, pretended in the project stage only', () => {
    const dir = repository(HATCH_VCS, 'v1.2.0');
    const { stage, out } = stageOf(dir, props);
    expect(stage).toContain('ENV SETUPTOOLS_SCM_PRETEND_VERSION=1.2.0\nRUN pip wheel ');
    expect(out['docker/api/Dockerfile'].match(/SETUPTOOLS_SCM_PRETEND_VERSION/g)).toHaveLength(1);
  });

  test('commits after the tag: the next development version, as setuptools-scm writes it', () => {
    const dir = repository(HATCH_VCS, 'v1.2.0');
    writeFileSync(join(dir, 'pkg/main.py'), 'print(2)\n');
    git(dir, 'commit', '-qam', 'second');
    const commit = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const described = git(dir, 'describe', '--tags', '--long');
    const hash = /-g([0-9a-f]+)$/.exec(described)![1];
    expect(hash.startsWith(commit.slice(0, 7))).toBe(true);
    expect(stageOf(dir, props).stage).toContain(`ENV SETUPTOOLS_SCM_PRETEND_VERSION=1.2.1.dev1+g${hash}\n`);
  });

  test('no tag is refused with the reason', () => {
    const dir = repository(HATCH_VCS);
    const problems = problemsOf(() => stageOf(dir, props));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp('^\\[vision/api\\] installProject: the version comes from git tags '
      + '\\(hatch-vcs\\), but git describe finds none \\(.+\\): got "pyproject\\.toml"; '
      + 'expected a release tag on the commit history'));
  });

  test('a tag that is not a release version is refused', () => {
    const dir = repository(HATCH_VCS, 'nightly');
    expect(problemsOf(() => stageOf(dir, props))).toEqual([
      '[vision/api] installProject: the version comes from git tags (hatch-vcs), but the nearest tag is not a release '
      + 'version: got "nightly"; expected a tag such as v1.2.3 or 1.2.3rc1 (PEP 440, optionally with a leading v)',
    ]);
  });
});

describe('readPackageSettings', () => {
  test.each([
    ['setuptools package-dir', '[tool.setuptools]\npackage-dir = { "" = "lib" }\n', '', '', ['', 'lib', 'src']],
    ['setuptools packages.find where', '[tool.setuptools.packages.find]\nwhere = ["python"]\n', '', '', ['', 'python', 'src']],
    ['setup.cfg package_dir', '', '[options]\npackage_dir =\n    =lib\n', '', ['', 'lib', 'src']],
    ['setup.cfg packages.find', '', '[options.packages.find]\nwhere = code\n', '', ['', 'code', 'src']],
    ['setup.py package_dir', '', '', 'setup(package_dir={"": "lib"}, packages=find_packages("lib"))', ['', 'lib', 'src']],
    ['poetry from', '[tool.poetry]\npackages = [{ include = "pkg", from = "lib" }]\n', '', '', ['', 'lib', 'src']],
    ['pdm package-dir', '[tool.pdm.build]\npackage-dir = "lib"\n', '', '', ['', 'lib', 'src']],
    ['scikit-build wheel.packages', '[tool.scikit-build]\nwheel.packages = ["python/pkg"]\n', '', '', ['', 'python', 'src']],
    ['a path leaving the root', '[tool.setuptools]\npackage-dir = { "" = "../x" }\n', '', '', ['', 'src']],
  ])('%s', (_name, pyproject, cfg, py, roots) => {
    expect(readPackageSettings(pyproject, cfg, py).roots).toEqual(roots);
  });

  test('git-tag plugins', () => {
    expect(readPackageSettings('[tool.hatch.version]\nsource = "vcs"\n').scm).toBe(ScmVersionPlugin.HATCH_VCS);
    expect(readPackageSettings('[tool.setuptools_scm]\n').scm).toBe(ScmVersionPlugin.SETUPTOOLS_SCM);
    expect(readPackageSettings('[build-system]\nrequires = ["setuptools-scm>=8"]\n[project]\ndynamic = ["version"]\n').scm)
      .toBe(ScmVersionPlugin.SETUPTOOLS_SCM);
    expect(readPackageSettings('', '', 'setup(use_scm_version=True)').scm).toBe(ScmVersionPlugin.SETUPTOOLS_SCM);
    expect(readPackageSettings('[project]\nversion = "1.0"\n').scm).toBeUndefined();
  });
});
