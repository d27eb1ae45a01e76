/**
 * installProject with a setuptools that cannot build a wheel on its own (before 70.1) and no pinned wheel
 * package.
 */
import { Row, svc } from './support';

const PYPROJECT = '[build-system]\nrequires = ["setuptools==66.1.1"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "app"\nversion = "0.1.0"\n';
const FILES = { 'pyproject.toml': PYPROJECT, 'app/__init__.py': '', 'app/main.py': 'print("hi")\n' };

export const rows: Row[] = [
  {
    name: 'installProject: setuptools before 70.1 without a pinned wheel',
    files: FILES,
    build: svc({ sources: ['app'], installProject: true, requirements: { core: ['setuptools==66.1.1'] } }),
    path: 'vision/api',
    got: '"setuptools==66.1.1"',
    expected: '"wheel==<version>" beside it in requirements.ml or requirements.core',
  },
  {
    name: 'installProject: setuptools before 70.1 in the ml tier, no wheel in any tier',
    files: FILES,
    build: svc({ sources: ['app'], installProject: true, requirements: { ml: ['setuptools==69.5.1'], core: ['fastapi==0.115.6'] } }),
    path: 'vision/api',
    got: '"setuptools==69.5.1"',
    expected: 'or setuptools 70.1 or newer',
  },
];
