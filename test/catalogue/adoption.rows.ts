/**
 * Catalogue rows of what adoption added to the API: `example` only for projen new, corePackages
 * naming a package the pyproject.toml declares, and a typed pin the dependency files install
 * only in a later tier (the prod image would lack it). Files under `ad/` are removed after each row.
 */
import { Row, svc } from './support';
import { Dependencies } from '../../src';

const PYPROJECT =
  '[project]\nname = "ad"\nversion = "0.1.0"\ndependencies = ' +
  '[]\n\n[dependency-groups]\ndev = ["fastapi==0.115.6"]\n';

export const rows: Row[] = [
  {
    name: 'adoption: example set in .projenrc.ts',
    project: { example: true },
    build: svc({}),
    path: 'vision',
    got:
      'example is only read by projen new (it writes the example stack instead of adopting the ' +
      'folder): got true',
    expected: 'no example in .projenrc.ts',
  },
  {
    name: 'adoption: a typed core pin of a package the dependency files install only in the dev tier',
    files: { 'ad/requirements-dev.txt': 'fastapi==0.115.6\n' },
    build: svc({
      requirements: { core: ['fastapi==0.115.6'] },
      dependencies: Dependencies.fromRequirementsFiles({ dev: ['ad/requirements-dev.txt'] }),
    }),
    path: 'vision/api',
    got:
      'requirements.core[0] names fastapi, which dependencies install only in the dev tier ' +
      '(ad/requirements-dev.txt:1): got "fastapi==0.115.6"',
    expected:
      'fastapi with what it needs in the core tier: corePackages (or mlPackages) of ' +
      "Dependencies.fromPyproject, or the dependency in the project's main dependencies; the prod " +
      'image has no dev tier',
  },
  {
    name: 'adoption: corePackages naming a package the pyproject.toml does not declare',
    files: { 'ad/pyproject.toml': PYPROJECT },
    build: svc({
      dependencies: Dependencies.fromPyproject({ path: 'ad/pyproject.toml', corePackages: ['uvicorn'] }),
    }),
    path: 'vision/api',
    got: 'dependencies.corePackages names a package the pyproject.toml does not declare: got "uvicorn"',
    expected: "a package of the project's dependencies, dependency groups or extras",
  },
];
