/**
 * `corePackages` of `Dependencies.fromPyproject`: a package a dependency group (or an extra)
 * declares goes to the core tier with what it needs, without the rest of its group, as when a
 * server's web stack sits in a development group (marker keeps fastapi and uvicorn in `dev`).
 */
import { PYPROJECT, uvLock } from './lock-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies } from '../../src/deps';

const LOCK = uvLock([
  { name: 'fastapi', version: '0.115.6', deps: ['starlette'] },
  { name: 'starlette', version: '0.41.3' },
  { name: 'numpy', version: '2.1.3' },
  { name: 'pytest', version: '8.3.4', deps: ['pluggy', 'iniconfig'] },
  { name: 'pluggy', version: '1.5.0' },
  { name: 'iniconfig', version: '2.0.0' },
]);

const names = (lines: string[]) => lines.filter((l) => /^[a-z]/.test(l)).map((l) => l.split(' ')[0]);

test('a package of the dev group goes to core with what it needs; the dev tier keeps the rest', () => {
  const root = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': LOCK });
  const without = resolveIn(root, Dependencies.fromPyproject());
  expect(names(without.tiers.dev)).toEqual(['iniconfig==2.0.0', 'pluggy==1.5.0', 'pytest==8.3.4']);
  const r = resolveIn(root, Dependencies.fromPyproject({ corePackages: ['pytest'] }));
  expect(names(r.tiers.core)).toEqual([
    'fastapi==0.115.6',
    'iniconfig==2.0.0',
    'numpy==2.1.3',
    'pluggy==1.5.0',
    'pytest==8.3.4',
    'starlette==0.41.3',
  ]);
  expect(names(r.tiers.dev)).toEqual([]);
});

test('a name the pyproject.toml does not declare is refused', () => {
  const root = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': LOCK });
  expect(
    problemsOf(() => resolveIn(root, Dependencies.fromPyproject({ corePackages: ['uvicorn'] }))),
  ).toEqual([
    '[vision/api] dependencies.corePackages names a package the pyproject.toml does not declare: got ' +
      '"uvicorn"; expected a package of the project\'s dependencies, dependency groups or extras',
  ]);
});
