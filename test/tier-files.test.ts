/**
 * The requirement tiers as files (src/core/tier-files.ts): one list of names, one install order
 * and one file name, which the services write and the cache-impact report reads back.
 */
import { PythonService, RequirementTier } from '../src';
import { newProject, synth } from './util';
import { cacheReportOfProject } from '../src/cache-report/project-report';
import { TIER_ORDER } from '../src/core/requirements';
import { INSTALL_ORDER, TORCH_TIER, compareTiers, isTierFile, tierFileName, tierOfFile } from '../src/core/tier-files';

test('the install order is torch, then the typed tiers in their order', () => {
  expect(INSTALL_ORDER).toEqual([TORCH_TIER, ...TIER_ORDER]);
  expect(INSTALL_ORDER).toEqual(['torch', 'ml', 'core', 'dev']);
});

test('a tier file is requirements-<tier>.txt, and its tier is read back from any path', () => {
  expect(tierFileName(RequirementTier.CORE)).toBe('requirements-core.txt');
  for (const tier of INSTALL_ORDER) expect(tierOfFile(`docker/api/${tierFileName(tier)}`)).toBe(tier);
  expect(tierOfFile('requirements-ml-lock.txt')).toBe('ml');
  expect(tierOfFile('requirements-ml.in')).toBe('ml');
  expect(tierOfFile('requirements.txt')).toBeUndefined();
  expect(tierOfFile('requirements-ml.txt/file')).toBeUndefined();
  expect(tierOfFile('docker/myrequirements-ml.txt')).toBeUndefined();
  expect(isTierFile('a/requirements-dev.txt')).toBe(true);
  expect(isTierFile('a/dev.txt')).toBe(false);
});

test('tiers sort in install order, unknown tiers last by name', () => {
  expect(['zeta', 'dev', 'alpha', 'core', 'torch', 'ml'].sort(compareTiers)).toEqual(['torch', 'ml', 'core', 'dev', 'alpha', 'zeta']);
});

test('the files a service writes and the tiers the cache report reads from its Dockerfile are the same list', () => {
  const project = newProject();
  const api = new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    torchVersion: '2.5.1',
    requirements: { ml: ['numpy==2.1.3'], core: ['redis==5.2.1'], dev: ['pytest==8.3.4'] },
  });
  const out = synth(project);
  expect(api.installedTiers).toEqual([...INSTALL_ORDER]);
  for (const tier of api.installedTiers) expect(out[`docker/api/${tierFileName(tier)}`]).toBeDefined();
  const report = cacheReportOfProject(project).service('api');
  expect(report.changes.filter((c) => c.tier !== undefined).map((c) => c.tier)).toEqual(api.installedTiers);
  expect(report.changes.filter((c) => c.tier !== undefined).map((c) => c.files)).toEqual(api.installedTiers.map((t) => [`docker/api/${tierFileName(t)}`]));
});
