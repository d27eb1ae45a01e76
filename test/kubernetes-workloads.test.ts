import { ContainerSpec, hardenedSecurity } from '../src/core/container-spec';
import { MlDockerValidationError } from '../src/core/errors';
import { Problems } from '../src/core/problems';
import { gib, mib } from '../src/core/sizes';
import { BackingServiceKind } from '../src/stack/backing-service';
import { DRIVER_ANNOTATION } from '../src/stack/kubernetes-model';
import { appWorkload, AppWorkloadContext, backingWorkload, withHost } from '../src/stack/kubernetes-workloads';

function container(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'api',
    path: 'p/api',
    image: 'p-api',
    imageIsBuilt: true,
    workload: 'server',
    ports: [{ container: 8000, host: 8000, public: false }],
    environment: { A: '1' },
    security: hardenedSecurity(),
    tmpfs: [{ path: '/tmp', size: mib(64), mode: '1777', exec: false }],
    limits: { memory: gib(2), cpus: 1.5, pids: 256 },
    volumes: [],
    secrets: [],
    dependsOn: [],
    ...over,
  };
}

function context(over: Partial<AppWorkloadContext> = {}): AppWorkloadContext {
  return { backingConfig: {}, linkSecrets: [], gpuNodeSelector: { gpu: 'yes' }, sizeOf: () => '20Gi', claims: new Map(), ...over };
}

describe('appWorkload', () => {
  test('a server: a Deployment with requests at its limits, its arch, user, scratch and ports', () => {
    const problems = new Problems('p');
    const w = appWorkload(problems, 'configureService(api)', container({ platform: 'linux/arm64', security: hardenedSecurity({ user: { uid: 1000, gid: 2000 } }) }), {}, undefined, context());
    expect(problems.count).toBe(0);
    expect(w).toMatchObject({
      kind: 'Deployment',
      replicas: 1,
      limits: { cpu: '1500m', memory: '2Gi' },
      requests: { cpu: '1500m', memory: '2Gi' },
      nodeSelector: { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux' },
      runAsUser: 1000,
      runAsGroup: 2000,
      scratch: [{ path: '/tmp', sizeLimit: '64Mi' }],
      ports: [{ name: 'http', port: 8000 }],
      backoffLimit: undefined,
      gpuCount: undefined,
    });
  });

  test('a GPU job: one GPU for "all", the GPU nodes, the driver annotation, no NVIDIA_VISIBLE_DEVICES, the default backoff', () => {
    const c = container({ workload: 'job', gpu: { count: 'all' }, environment: { NVIDIA_VISIBLE_DEVICES: 'all', B: '2' } });
    const w = appWorkload(new Problems('p'), 'configureService(train)', c, {}, '535.104.05', context());
    expect(w).toMatchObject({ kind: 'Job', gpuCount: 1, backoffLimit: 2, annotations: { [DRIVER_ANNOTATION]: '535.104.05' } });
    expect(w.nodeSelector).toEqual({ gpu: 'yes' });
    expect(w.spec.environment).toEqual({ B: '2' });
  });

  test('the container\'s sizes become quantities in the same binary units: memory limit, tmpfs scratch, shared memory', () => {
    const c = container({
      workload: 'job',
      limits: { memory: gib(24), cpus: 8, pids: 8192 },
      tmpfs: [{ path: '/tmp', size: gib(2), mode: '1777', exec: true }, { path: '/run/small', size: { amount: 512, unit: 'k' }, mode: '1777', exec: false }],
      shmSize: mib(1536),
    });
    const w = appWorkload(new Problems('p'), '[p/train]', c, {}, undefined, context());
    expect(w.limits).toEqual({ cpu: '8', memory: '24Gi' });
    expect(w.scratch).toEqual([{ path: '/tmp', sizeLimit: '2Gi' }, { path: '/run/small', sizeLimit: '512Ki' }]);
    expect(w.shmSizeLimit).toBe('1536Mi');
    expect(appWorkload(new Problems('p'), '[p/api]', container(), {}, undefined, context()).shmSizeLimit).toBeUndefined();
  });

  test('each volume becomes a claim of the given size; two sources on one claim name are refused', () => {
    const claims = new Map<string, { size: string; source: string }>();
    const problems = new Problems('p');
    const c = container({ volumes: [{ source: 'model_cache', target: '/cache', readOnly: false, named: true }, { source: 'model-cache', target: '/c2', readOnly: true, named: true }] });
    appWorkload(problems, 'configureService(api)', c, {}, undefined, context({ claims, sizeOf: (claim) => `${claim.length}Gi` }));
    expect([...claims.keys()]).toEqual(['model-cache']);
    expect(() => problems.throwIfAny()).toThrow(MlDockerValidationError);
    expect(() => problems.throwIfAny()).toThrow(/map to one PersistentVolumeClaim/);
  });

  test('settings that do not fit the container are problems, in the order the manifests report them', () => {
    const problems = new Problems('p');
    appWorkload(problems, 'configureService(api)', container({ security: { ...hardenedSecurity(), capAdd: ['SYS_ADMIN'] } }), { backoffLimit: 3, gpuCount: 1, cpuRequest: '2' }, undefined,
      context({ backingConfig: { A: 'x' } }));
    const message = (() => {
      try { problems.throwIfAny(); } catch (e) { return (e as Error).message; } return '';
    })();
    const order = ['environment.A is set by a backing service', 'backoffLimit is set on a server', 'gpuCount is set on a service without GPUs',
      'cpuRequest is above the cpu limit', 'adds capabilities'].map((s) => message.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // one prefix each: the service's own problems at its path, its settings at the manifests'
    const prefixes = message.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4).replace(/: got .*/, ''));
    expect(prefixes).toEqual([
      '[p/api] environment.A is set by a backing service',
      '[p] configureService(api) backoffLimit is set on a server',
      '[p] configureService(api) gpuCount is set on a service without GPUs',
      '[p] configureService(api) cpuRequest is above the cpu limit',
      '[p/api] adds capabilities the restricted pod security standard forbids',
    ]);
  });
});

describe('backingWorkload', () => {
  test('postgres: a StatefulSet with PGDATA below the claim, the app user when the image has none, claim templates sized by sizeOf', () => {
    const c = container({ name: 'postgres', volumes: [{ source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false, named: true }], secrets: ['pg_password'] });
    const w = backingWorkload(BackingServiceKind.POSTGRES, c, 'p/k8s', () => '5Gi');
    expect(w).toMatchObject({
      kind: 'StatefulSet',
      replicas: 1,
      runAsUser: 10001,
      runAsGroup: 10001,
      ports: [{ name: 'postgres', port: 5432 }],
      claimTemplates: [{ name: 'pgdata', size: '5Gi' }],
      secretKeys: ['pg_password'],
    });
    expect(w.spec.environment.PGDATA).toBe('/var/lib/postgresql/data/pgdata');
    expect(w.spec.path).toBe('p/k8s');
  });
});

describe('withHost', () => {
  test.each([
    ['postgresql://app@postgres:5432/app', 'postgres', 'pg-rw.db.svc', 'postgresql://app@pg-rw.db.svc:5432/app'],
    ['redis://redis:6379/0', 'redis', 'cache:6380', 'redis://cache:6380/0'],
    ['http://mlflow:5000', 'mlflow', 'tracking.internal', 'http://tracking.internal:5000'],
    ['plain-value', 'redis', 'cache', 'plain-value'],
  ])('%s with %s at %s', (value, kind, host, expected) => {
    expect(withHost(value, kind, host)).toBe(expected);
  });
});
