/**
 * Compose rows: waits compose cannot run (typed dependsOn and depends_on
 * overrides), env_file, and overrides that reach past a service's boundary (a backing
 * service's data volume or secrets, the NVIDIA runtime's variables on a service without GPUs).
 */
import { any, cmdFor, inference, Row, svc, trainer } from './support';
import { BackingService, ComposeStack, GpuTrainer, MlDockerProject, PythonService } from '../../src';

/** api (port 8000), worker (no health check), trainer, postgres and redis; then `overrides`. */
const withOverrides = (...overrides: Array<[string, string, unknown]>) => (p: MlDockerProject) => {
  new PythonService(p, 'api', { command: cmdFor('api'), port: 8000 });
  new PythonService(p, 'worker', { command: cmdFor('worker'), disableHealthCheck: true });
  new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  const stack = new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS] });
  for (const [service, key, value] of overrides) stack.addOverride(service, key, any(value));
};

const JOB = 'services that keep running (PythonService, GpuInference, backing services)';

export const rows: Row[] = [
  // typed dependsOn
  {
    name: 'dependsOn a trainer (a job of profile train)',
    build: (p) => {
      const t = new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
      svc({ port: 8000, dependsOn: [t] })(p);
      new ComposeStack(p, 'stack');
    },
    path: 'vision/api',
    got: 'dependsOn a job, which api cannot wait for: got "trainer"',
    expected: JOB,
  },
  {
    name: 'a GPU inference server addDependsOn a trainer',
    build: (p) => {
      trainer({})(p);
      inference({})(p);
      const [t, i] = ['trainer', 'inference'].map((id) => p.node.findChild(id) as any);
      i.addDependsOn(t);
      new ComposeStack(p, 'stack');
    },
    path: 'vision/inference',
    got: 'got "trainer"',
    expected: JOB,
  },
  {
    name: 'a trainer dependsOn a GPU inference server (profile gpu, not train)',
    build: (p) => {
      inference({})(p);
      trainer({ dependsOn: [p.node.findChild('inference')] })(p);
      new ComposeStack(p, 'stack');
    },
    path: 'vision/trainer',
    got: 'dependsOn a service of compose profile "gpu", which compose does not start with trainer: got "inference"',
    expected: 'services compose starts whenever trainer runs (it has compose profile "train")',
  },
  // depends_on overrides
  { name: 'override depends_on an unknown service', build: withOverrides(['api', 'depends_on', { nope: { condition: 'service_healthy' } }]), path: 'vision/stack', got: 'override services.api.depends_on.nope: got "nope"', expected: 'a service of the stack: one of "worker", "trainer", "postgres", "redis"' },
  { name: 'override depends_on an unknown service, list form', build: withOverrides(['api', 'depends_on', ['nope']]), path: 'vision/stack', got: 'override services.api.depends_on[0]: got "nope"', expected: 'a service of the stack' },
  { name: 'override depends_on closing a cycle', build: withOverrides(['postgres', 'depends_on', { api: { condition: 'service_healthy' } }]), path: 'vision/stack', got: 'override services.postgres.depends_on.api closes a cycle: got "api -> postgres -> api"', expected: 'dependencies without cycles' },
  { name: 'override depends_on a job from a server', build: withOverrides(['api', 'depends_on', { trainer: { condition: 'service_completed_successfully' } }]), path: 'vision/stack', got: 'override services.api.depends_on.trainer waits for a job: got "trainer"', expected: JOB },
  { name: 'override depends_on the health of a service without a health check', build: withOverrides(['api', 'depends_on', { worker: { condition: 'service_healthy' } }]), path: 'vision/stack', got: 'override services.api.depends_on.worker.condition: got "service_healthy"', expected: '"service_started" or "service_completed_successfully": worker has no health check' },
  { name: 'override depends_on the completion of a server', build: withOverrides(['trainer', 'depends_on', { api: { condition: 'service_completed_successfully' } }]), path: 'vision/stack', got: 'override services.trainer.depends_on.api.condition: got "service_completed_successfully"', expected: 'api keeps running' },
  { name: 'override profiles of a service others wait for', build: withOverrides(['redis', 'profiles', ['debug']]), path: 'vision/stack', got: 'override services.api.depends_on.redis names a service of compose profile "debug", which compose does not start with api: got "redis"', expected: 'or "required: false" for a wait compose may skip' },
  // host files and boundaries
  { name: 'override env_file with a host file', build: withOverrides(['api', 'env_file', ['/tmp/host.env']]), path: 'vision/stack', got: 'override services.api.env_file: got ["/tmp/host.env"]', expected: 'no env_file (it reads a file of the host into the environment' },
  { name: 'override env_file as one string', build: withOverrides(['worker', 'env_file', '.env']), path: 'vision/stack', got: 'override services.worker.env_file: got ".env"', expected: 'credentials in compose secrets read through <NAME>_FILE' },
  { name: 'override mounting the database volume in an app', build: withOverrides(['api', 'volumes', ['postgres-data:/pg']]), path: 'vision/stack', got: 'override services.api.volumes[0]: got "postgres-data:/pg"', expected: 'a volume other than a backing service\'s data (postgres-data holds postgres\'s files' },
  { name: 'override mounting one backing volume in another backing service', build: withOverrides(['redis', 'volumes', [{ type: 'volume', source: 'postgres-data', target: '/pg' }]]), path: 'vision/stack', got: 'override services.redis.volumes[0]: got {"type":"volume","source":"postgres-data","target":"/pg"}', expected: 'reach postgres over the network' },
  { name: 'override handing redis the database password', build: withOverrides(['redis', 'secrets', ['redis_password', 'postgres_password']]), path: 'vision/stack', got: 'override services.redis.secrets[1]: got "postgres_password"', expected: 'only the secrets the definition gives redis (one of: "redis_password")' },
  { name: 'override giving an app a secret the stack has not', build: withOverrides(['api', 'secrets', ['api_token']]), path: 'vision/stack', got: 'override services.api.secrets[0]: got "api_token"', expected: 'an override cannot hand a service another service\'s credentials' },
  { name: 'override NVIDIA_VISIBLE_DEVICES on a CPU service', build: withOverrides(['api', 'environment', { NVIDIA_VISIBLE_DEVICES: 'all' }]), path: 'vision/stack', got: 'override services.api.environment.NVIDIA_VISIBLE_DEVICES: got "NVIDIA_VISIBLE_DEVICES"', expected: 'only GpuTrainer and GpuInference get gpus' },
  { name: 'override NVIDIA_DRIVER_CAPABILITIES on a backing service, list form', build: withOverrides(['postgres', 'environment', ['NVIDIA_DRIVER_CAPABILITIES=all']]), path: 'vision/stack', got: 'override services.postgres.environment[0]: got "NVIDIA_DRIVER_CAPABILITIES"', expected: 'a name not starting with NVIDIA_' },
  // typed environment
  { name: 'NVIDIA_VISIBLE_DEVICES on a CPU service', build: svc({ environment: { NVIDIA_VISIBLE_DEVICES: 'all' } }), path: 'vision/api', got: 'environment.NVIDIA_VISIBLE_DEVICES is read by the nvidia container runtime and would hand a service without gpus the host\'s gpus: got "NVIDIA_VISIBLE_DEVICES"', expected: 'only GpuTrainer and GpuInference get gpus, chosen with gpuCount or gpuDeviceIds' },
  { name: 'nvidia_driver_capabilities in lowercase on a CPU service', build: svc({ environment: { nvidia_driver_capabilities: 'all' } }), path: 'vision/api', got: 'got "nvidia_driver_capabilities"', expected: 'a name not starting with NVIDIA_ in any letter case' },
];
