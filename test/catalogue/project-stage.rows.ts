/**
 * installProject's project stage: the project's files as git sees them (a name a COPY line cannot
 * take as written is refused) and a version from git tags (refused without a release tag).
 */
import { AcceptRow, Row, svc } from './support';

const SETUPTOOLS = ['setuptools==75.6.0'];
const PATH = 'vision/api';
const PKG = { 'pkg/__init__.py': '', 'pkg/main.py': 'print("hi")\n' };
const backend = (name: string, module: string) =>
  `[build-system]\nrequires = ["${name}"]\nbuild-backend = "${module}"\n\n`;
const projectSvc = (core: string[]) => svc({
  command: ['python', '-m', 'pkg.main'], sources: ['pkg'], installProject: true, requirements: { core },
});

export const rows: Row[] = [
  {
    name: 'installProject: a hatch-vcs version in a folder without git tags',
    files: {
      'pyproject.toml': `${backend('hatchling', 'hatchling.build')}[project]\nname = "pkg"\ndynamic = ["version"]\n\n`
        + '[tool.hatch.version]\nsource = "vcs"\n',
      ...PKG,
    },
    build: projectSvc(['hatchling==1.26.3']),
    path: PATH,
    got: 'installProject: the version comes from git tags (hatch-vcs), but git describe finds none',
    expected: 'a release tag on the commit history (git tag v0.1.0), or a static version in pyproject.toml: '
      + 'the build context has no .git',
  },
  {
    name: 'installProject: a [tool.setuptools_scm] version in a folder without git tags',
    files: {
      'pyproject.toml': `${backend('setuptools', 'setuptools.build_meta')}[project]\nname = "pkg"\n`
        + 'dynamic = ["version"]\n\n[tool.setuptools_scm]\n',
      ...PKG,
    },
    build: projectSvc(SETUPTOOLS),
    path: PATH,
    got: 'installProject: the version comes from git tags (setuptools-scm), but git describe finds none',
    expected: 'a release tag on the commit history',
  },
  {
    name: 'installProject: a setup.py with use_scm_version in a folder without git tags',
    files: {
      'pyproject.toml': `${backend('setuptools', 'setuptools.build_meta')}[project]\nname = "pkg"\ndynamic = ["version"]\n`,
      'setup.py': 'from setuptools import setup\nsetup(use_scm_version=True)\n',
      ...PKG,
    },
    build: projectSvc(SETUPTOOLS),
    path: PATH,
    got: 'installProject: the version comes from git tags (setuptools-scm), but git describe finds none',
    expected: 'or a static version in pyproject.toml',
  },
  {
    name: 'installProject: a file at the project root whose name holds a space',
    files: {
      'pyproject.toml': `${backend('setuptools', 'setuptools.build_meta')}[project]\nname = "pkg"\nversion = "0.1.0"\n`,
      'release notes.txt': 'x\n',
      ...PKG,
    },
    build: projectSvc(SETUPTOOLS),
    path: PATH,
    got: 'installProject: a file or folder at the project root has a name the build context cannot list as written: '
      + 'got "release notes.txt"',
    expected: 'names of letters, digits, "_", ".", "-", "+" and "@" (rename it, or have git ignore it',
  },
  {
    name: 'installProject: a folder at the project root whose name is a pattern',
    files: {
      'pyproject.toml': `${backend('setuptools', 'setuptools.build_meta')}[project]\nname = "pkg"\nversion = "0.1.0"\n`,
      'notes[old]/a.md': 'x\n',
      ...PKG,
    },
    build: projectSvc(SETUPTOOLS),
    path: PATH,
    got: 'got "notes[old]"',
    expected: 'the project stage receives the project\'s files as git sees them',
  },
];

export const accepts: AcceptRow[] = [
  {
    name: 'installProject: a setuptools package under lib/ found through packages.find',
    files: {
      'pyproject.toml': `${backend('setuptools', 'setuptools.build_meta')}[project]\nname = "pkg"\nversion = "0.1.0"\n\n`
        + '[tool.setuptools.packages.find]\nwhere = ["lib"]\n',
      'lib/pkg/__init__.py': '',
      'lib/pkg/main.py': 'print("hi")\n',
    },
    build: svc({
      command: ['python', '-m', 'pkg.main'], sources: ['lib'], installProject: true, requirements: { core: SETUPTOOLS },
    }),
    writes: { 'docker/api/Dockerfile': ['COPY lib /tmp/project/lib\n'] },
    absent: { 'docker/api/Dockerfile': [' lib /app/lib'] },
  },
];
