/**
 * The jobs of the containers workflow built from the resolved settings alone
 * (src/ci/ci-jobs.ts); test/ci-workflow.test.ts checks the whole workflow a project writes.
 */
import { github } from 'projen';
import { CiJobs } from '../src/ci/ci-jobs';
import { CiCache, CiSettings, HadolintThreshold, ScanSeverity, isGhcr } from '../src/ci/ci-options';
import { PINNED_ACTIONS } from '../src/ci/pinned-actions';

const SETTINGS: CiSettings = {
  registryUsernameSecret: 'REGISTRY_USERNAME',
  registryPasswordSecret: 'REGISTRY_PASSWORD',
  defaultBranch: 'main',
  nodeVersion: '24',
  runsOn: 'ubuntu-24.04',
  cache: CiCache.GITHUB_ACTIONS,
  hadolintFailureThreshold: HadolintThreshold.WARNING,
  hadolintIgnoreRules: ['DL3008'],
  scanSeverityCutoff: ScanSeverity.HIGH,
  scanOnlyFixed: true,
  pushImages: true,
};
const MATRIX = { include: [{ service: 'api', dockerfile: 'docker/api/Dockerfile', image: 'demo-api', large: false }] };

const stepById = (job: github.workflows.Job, id: string) => job.steps.find((s) => s.id === id)!;
const allJobs = (jobs: CiJobs) => [jobs.synthJob(), jobs.imagesJob(MATRIX), jobs.pushJob(MATRIX)];

test('every action step uses a pinned commit and names the action and release', () => {
  const pinned = new Map<string, string>(Object.values(PINNED_ACTIONS).map((p) => [p.uses, p.version]));
  const steps = allJobs(new CiJobs(SETTINGS, { platformAware: true, emulated: true }))
    .flatMap((j) => j.steps).filter((s) => s.uses);
  expect(steps.length).toBeGreaterThan(8);
  for (const s of steps) {
    expect(pinned.has(s.uses!)).toBe(true);
    expect(s.name!.endsWith(`(${s.uses!.split('@')[0]} ${pinned.get(s.uses!)})`)).toBe(true);
  }
});

test('the Actions cache: each build reads its scope and writes it with mode=max', () => {
  const images = new CiJobs(SETTINGS).imagesJob(MATRIX);
  expect(stepById(images, 'build').with).toEqual(expect.objectContaining({
    'context': '.',
    'file': '${{ matrix.dockerfile }}',
    'target': 'prod',
    'cache-from': 'type=gha,scope=${{ matrix.service }}',
    'cache-to': 'type=gha,scope=${{ matrix.service }},mode=max',
  }));
  expect(Object.keys(stepById(images, 'build').with!).slice(0, 3)).toEqual(['context', 'file', 'target']);
});

test('the registry cache: pull requests only read it (after a login), the push job writes it', () => {
  const jobs = new CiJobs({ ...SETTINGS, cache: CiCache.REGISTRY });
  const images = jobs.imagesJob(MATRIX);
  expect(stepById(images, 'build').with!['cache-to']).toBeUndefined();
  expect(stepById(images, 'login')).toBeDefined();
  expect(images.permissions).toEqual({ contents: 'read', packages: 'read' });
  expect(stepById(jobs.pushJob(MATRIX), 'push').with!['cache-to']).toBe('type=registry,ref=${{ steps.registry.outputs.prefix }}/${{ matrix.image }}:buildcache,mode=max');
});

test('only the push job writes packages, and only on ghcr.io; another registry logs in with the named secrets', () => {
  expect(new CiJobs(SETTINGS).pushJob(MATRIX).permissions).toEqual({ contents: 'read', packages: 'write' });
  const other = new CiJobs({ ...SETTINGS, imageRegistry: 'registry.example.com/ml' }).pushJob(MATRIX);
  expect(other.permissions).toEqual({ contents: 'read' });
  expect(stepById(other, 'login').with).toEqual({
    registry: 'registry.example.com', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}',
  });
  expect([isGhcr(undefined), isGhcr('ghcr.io/acme'), isGhcr('registry.example.com/ghcr.io')]).toEqual([true, true, false]);
});

test('platforms: QEMU only when a service is built for arm64, a second build of every platform only when some service names platforms', () => {
  const plain = allJobs(new CiJobs(SETTINGS)).flatMap((j) => j.steps.map((s) => s.id));
  expect(plain).not.toContain('qemu');
  expect(plain).not.toContain('platforms');
  const aware = new CiJobs(SETTINGS, { platformAware: true, emulated: false }).imagesJob(MATRIX);
  expect(aware.steps.map((s) => s.id)).toEqual(['checkout', 'hadolint', 'disk', 'buildx', 'build', 'scan', 'platforms']);
  expect(stepById(aware, 'build').with!.platforms).toBe('${{ matrix.platform }}');
  const emulated = new CiJobs(SETTINGS, { platformAware: true, emulated: true });
  expect(emulated.imagesJob(MATRIX).steps.map((s) => s.id)).toContain('qemu');
  expect(emulated.pushJob(MATRIX).steps.map((s) => s.id)).toContain('qemu');
});
