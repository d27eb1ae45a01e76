/**
 * Kubernetes messages: a list of allowed names that is empty says so ("none:
 * ..."), and one configureService call reports every problem it has, each with one
 * `[construct/path]` prefix.
 */
import { any, cmdFor, Row } from './support';
import { BackingService, GpuTrainer, KubernetesManifests, MlDockerProject, PythonService } from '../../src';

const api = (p: MlDockerProject, props: Record<string, unknown> = {}) => new PythonService(p, 'api', any({ command: cmdFor('api'), port: 8000, ...props }));
const trainer = (p: MlDockerProject) => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
const configure = (options: Record<string, unknown>) => (p: MlDockerProject) => {
  const t = trainer(p);
  new KubernetesManifests(p, 'k8s').configureService(t, any(options));
};

export const rows: Row[] = [
  // empty lists of what is allowed
  { name: 'k8s volumeSizes on manifests without claims', build: (p) => { api(p); new KubernetesManifests(p, 'k8s', { volumeSizes: { 'api-cache': '5Gi' } }); }, path: 'vision/k8s', got: '"api-cache"', expected: 'expected none: the manifests have no volume claims' },
  { name: 'k8s backingServiceHosts without backing services', build: (p) => { api(p); new KubernetesManifests(p, 'k8s', { backingServiceHosts: { postgres: 'pg.db.svc' } }); }, path: 'vision/k8s', got: '"postgres"', expected: 'expected none: the manifests have no backing services' },
  {
    name: 'k8s configureService on manifests that deploy no service',
    build: (p) => { const a = api(p); new KubernetesManifests(p, 'k8s', { services: [] }).configureService(a, { replicas: 2 }); },
    path: 'vision/k8s',
    got: '"api"',
    expected: 'expected none: the manifests deploy no services',
  },
  // one configureService call, every problem at once
  { name: 'k8s configureService: gpuCount out of range and replicas on a job in one error', build: configure({ replicas: 2, gpuCount: 65 }), path: 'vision/k8s', got: 'configureService(trainer) replicas is set on a job: got 2', expected: 'configureService(trainer) gpuCount: got 65; expected an integer from 1 to 64' },
  { name: 'k8s configureService: requests above the limits with a bad gpuCount', build: configure({ cpuRequest: '100', memoryRequest: '1Ti', gpuCount: 65 }), path: 'vision/k8s', got: 'configureService(trainer) cpuRequest is above the cpu limit: got "100"', expected: 'configureService(trainer) memoryRequest is above the memory limit: got "1Ti"; expected at most the memoryLimit' },
  { name: 'k8s configureService: a misspelled option and a job-only option on a server', build: (p) => { const a = api(p); new KubernetesManifests(p, 'k8s').configureService(a, any({ replica: 2, backoffLimit: 3 })); }, path: 'vision/k8s', got: 'configureService(api) backoffLimit is set on a server: got 3', expected: 'did you mean "replicas"' },
  // a service's own problem found by the manifests: its path, once
  {
    name: 'k8s app environment set by a backing service (the app\'s path, one prefix)',
    build: (p) => { api(p, { environment: { DATABASE_URL: 'postgresql://db/app' } }); new KubernetesManifests(p, 'k8s', { backingServices: [BackingService.POSTGRES] }); },
    path: 'vision/api',
    got: '[vision/api] environment.DATABASE_URL is set by a backing service: got "DATABASE_URL"',
    expected: 'the manifests set DATABASE_URL',
  },
];
