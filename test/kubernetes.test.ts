/**
 * KubernetesManifests: the second renderer of the neutral container model. Every rendered
 * object is validated against the upstream Kubernetes OpenAPI schemas (kubernetes-models),
 * every pod against the "restricted" Pod Security Standard (checks written out below), and
 * the kustomize tree is built with the real kustomize when kubectl is on the machine.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import {
  BackingService, ComposeStack, GpuInference, GpuTrainer, MlDockerProject, MlDockerValidationError,
  PythonService,
} from '../src';
import { podSpecOf, restrictedViolations, schemaErrors } from './support/kube-checks';
import { shadowsModule } from './support/module-names';
import { newProject, synth, validationError, expectValidationError } from './util';
import { ContainerSpec, hardenedSecurity } from '../src/core/container-spec';
import { gib } from '../src/core/sizes';
import { KubernetesManifests } from '../src/stack/kubernetes';
import { DRIVER_ANNOTATION, KubeModel, KubeWorkload } from '../src/stack/kubernetes-model';
import { KubernetesBackingMode } from '../src/stack/kubernetes-props';
import { escapeExpansion, probeHandler, renderKubernetes } from '../src/stack/kubernetes-render';

const RUNS = Number(process.env.FC_RUNS ?? 25);

const API = {
  command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  healthCheckPath: '/health',
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
};

// ---------------------------------------------------------------------------------------

interface Example {
  api: PythonService;
  trainer: GpuTrainer;
  inference: GpuInference;
  k8s: KubernetesManifests;
}

function example(p: MlDockerProject, props: Record<string, unknown> = {}): Example {
  const api = new PythonService(p, 'api', API);
  new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'], dependsOn: [api], environment: { QUEUE: 'jobs', GREETING: 'costs $(5)' } });
  const trainer = new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', requirements: { ml: ['numpy==2.1.3'] }, command: ['python', '-m', 'trainer.train'] });
  const inference = new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, modelDir: 'models', command: ['python', '-m', 'inference.serve'] });
  const k8s = new KubernetesManifests(p, 'k8s', {
    backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW],
    gpuNodeSelector: { 'nvidia.com/gpu.present': 'true' },
    imageRegistry: 'ghcr.io/acme',
    imageTag: '1.0.0',
    ...props,
  });
  k8s.configureService(api, { replicas: 2, cpuRequest: '500m', memoryRequest: '512Mi' });
  return { api, trainer, inference, k8s };
}

interface Rendered {
  out: Record<string, any>;
  dir: string;
  files: Record<string, any[]>;
  docs: any[];
  project: MlDockerProject;
}

function render(build: (p: MlDockerProject) => unknown): Rendered {
  const project = newProject();
  build(project);
  const out = synth(project);
  const files: Record<string, any[]> = {};
  for (const [f, text] of Object.entries(out)) {
    if (f.startsWith('k8s/') && f.endsWith('.yaml')) files[f] = YAML.parseAllDocuments(text as string).map((d) => d.toJS());
  }
  const docs = Object.entries(files).filter(([f]) => !f.endsWith('kustomization.yaml')).flatMap(([, d]) => d);
  return { out, dir: project.outdir, files, docs, project };
}

function find(docs: any[], kind: string, name: string): any {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`no ${kind}/${name} in ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  return doc;
}

function containerOf(doc: any): any {
  return podSpecOf(doc).containers[0];
}

const external = render((p) => example(p));
const development = render((p) => example(p, {
  backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
}));

describe('KubernetesManifests output', () => {
  test('renders the kustomize tree: base, the train overlay, the entry point', () => {
    expect(Object.keys(external.out).filter((f) => f.startsWith('k8s/')).sort()).toEqual([
      'k8s/README.md', 'k8s/base/api.yaml', 'k8s/base/inference.yaml', 'k8s/base/kustomization.yaml', 'k8s/base/namespace.yaml',
      'k8s/base/network-policies.yaml', 'k8s/base/volumes.yaml', 'k8s/base/worker.yaml', 'k8s/ensure-secrets.sh', 'k8s/kustomization.yaml',
      'k8s/train/kustomization.yaml', 'k8s/train/trainer.yaml',
    ]);
    expect(external.files['k8s/kustomization.yaml']).toEqual([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['base'] }]);
    expect(external.files['k8s/train/kustomization.yaml'][0]).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'vision', resources: ['../base', 'trainer.yaml'],
    });
    const base = external.files['k8s/base/kustomization.yaml'][0];
    expect(base.namespace).toBe('vision');
    expect(base.resources).toEqual(['namespace.yaml', 'volumes.yaml', 'network-policies.yaml', 'api.yaml', 'worker.yaml', 'inference.yaml']);
  });

  test('every object is valid for the upstream Kubernetes schemas (both backing modes)', () => {
    expect(schemaErrors([...external.docs, ...development.docs])).toEqual([]);
    expect(development.docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['StatefulSet', 'Deployment', 'Job', 'Service', 'PersistentVolumeClaim', 'Namespace']));
  });

  test('the schema check is live: it rejects a malformed quantity and a string replica count', () => {
    const bad = JSON.parse(JSON.stringify(find(external.docs, 'Deployment', 'api')));
    bad.spec.template.spec.containers[0].resources.limits.memory = '1 GB';
    bad.spec.replicas = 'two';
    const errors = schemaErrors([bad]);
    expect(errors.join('\n')).toMatch(/resources\/limits\/memory/);
    expect(errors.join('\n')).toMatch(/replicas/);
  });

  test('servers become a Deployment and a Service on a named port', () => {
    const deployment = find(external.docs, 'Deployment', 'api');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'vision' });
    const c = containerOf(deployment);
    expect(c.image).toBe('ghcr.io/acme/vision-api:1.0.0');
    // the image's ENTRYPOINT (tini) and CMD run as built: neither is overridden
    expect(c.args).toBeUndefined();
    expect(c.command).toBeUndefined();
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(find(external.docs, 'Service', 'api').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'vision' },
      ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }],
    });
    expect(external.docs.filter((d) => d.kind === 'Service' && d.metadata.name === 'worker')).toEqual([]);
  });

  test('requests and limits come from the service limits and configureService', () => {
    expect(containerOf(find(external.docs, 'Deployment', 'api')).resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    expect(containerOf(find(external.docs, 'Deployment', 'worker')).resources).toEqual({ requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  test('probes mirror the image health checks: httpGet for HTTP, the same command otherwise', () => {
    const api = containerOf(find(external.docs, 'Deployment', 'api'));
    expect(api.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    // start period 30 s plus 3 intervals of 30 s, as Docker allows before "unhealthy"
    expect(api.startupProbe.periodSeconds * api.startupProbe.failureThreshold).toBe(120);
    const { docs } = render((p) => {
      new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'], heartbeat: true });
      new KubernetesManifests(p, 'k8s');
    });
    const worker = containerOf(find(docs, 'Deployment', 'worker'));
    expect(worker.livenessProbe.exec.command).toEqual(['python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat', '/tmp/heartbeat', '300']);
    expect(worker.readinessProbe.exec.command).toEqual(worker.livenessProbe.exec.command);
  });

  test('a service without a port and without a heartbeat gets no probe: the kubelet watches its process', () => {
    const worker = containerOf(find(external.docs, 'Deployment', 'worker'));
    const manifests = external.project.components
      .find((c) => c instanceof KubernetesManifests) as KubernetesManifests;
    const spec = manifests.appServices().find((s) => s.serviceId === 'worker')!.healthCheck!;
    // the image and compose still probe the process, so `docker ps` shows a health status
    expect(spec.command).toEqual(['python', '-m', 'mldocker_runtime.healthcheck', 'process']);
    expect([worker.startupProbe, worker.livenessProbe, worker.readinessProbe])
      .toEqual([undefined, undefined, undefined]);
  });

  test('a default trainer Job has no probe that could kill a long step; heartbeat: true gives the heartbeat probes', () => {
    const job = find(external.docs, 'Job', 'trainer');
    const c = containerOf(job);
    expect([c.startupProbe, c.livenessProbe, c.readinessProbe]).toEqual([undefined, undefined, undefined]);
    expect(schemaErrors([job])).toEqual([]);
    const beating = render((p) => {
      new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], heartbeatMaxAge: 900 });
      new KubernetesManifests(p, 'k8s');
    });
    const b = containerOf(find(beating.docs, 'Job', 'trainer'));
    expect(b.livenessProbe.exec.command).toEqual(['python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat', '/tmp/heartbeat', '900']);
    expect(b.startupProbe.exec.command).toEqual(b.livenessProbe.exec.command);
    expect(b.readinessProbe).toBeUndefined();
  });

  test('the trainer is a Job in the train overlay: restartPolicy Never, backoffLimit, shm, data read-only, checkpoints', () => {
    const job = find(external.docs, 'Job', 'trainer');
    expect(job.spec.backoffLimit).toBe(2);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      { name: 'trainer-checkpoints', persistentVolumeClaim: { claimName: 'trainer-checkpoints' } },
    ]));
    const c = pod.containers[0];
    expect(c.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'trainer-checkpoints', mountPath: '/checkpoints' },
    ]));
    expect(c.readinessProbe).toBeUndefined();
    expect(c.livenessProbe).toBeUndefined();
    // the shm emptyDir counts against the memory limit
    expect(c.resources.limits.memory).toBe('16Gi');
    const claims = Object.fromEntries(external.files['k8s/base/volumes.yaml'].map((d) => [d.metadata.name, d.spec]));
    expect(Object.keys(claims)).toEqual(['data', 'models', 'trainer-checkpoints']);
    expect(claims.data).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
  });

  test('GPU pods: nvidia.com/gpu limit, the taint toleration, node selectors, the driver minimum annotation', () => {
    const trainerService = external.project.components.find((c) => c instanceof GpuTrainer) as GpuTrainer;
    for (const [kind, name] of [['Job', 'trainer'], ['Deployment', 'inference']]) {
      const doc = find(external.docs, kind, name);
      const pod = podSpecOf(doc);
      expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux', 'nvidia.com/gpu.present': 'true' });
      expect(doc.spec.template.metadata.annotations[DRIVER_ANNOTATION]).toBe(trainerService.minDriverVersion);
      // the device plugin decides which GPUs the container sees
      expect((pod.containers[0].env ?? []).map((e: any) => e.name)).not.toContain('NVIDIA_VISIBLE_DEVICES');
    }
    expect(podSpecOf(find(external.docs, 'Deployment', 'api')).tolerations).toBeUndefined();
    const inference = find(external.docs, 'Deployment', 'inference');
    expect(inference.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(inference.spec.template.spec.volumes).toEqual(expect.arrayContaining([{ name: 'models', persistentVolumeClaim: { claimName: 'models', readOnly: true } }]));
  });

  test('configureService sets GPU counts, node selectors and job retries', () => {
    const { docs } = render((p) => {
      const { trainer, inference, k8s } = example(p);
      k8s.configureService(trainer, { gpuCount: 4, backoffLimit: 0, nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } });
      k8s.configureService(inference, { replicas: 3, gpuCount: 2 });
    });
    const job = find(docs, 'Job', 'trainer');
    expect(job.spec.backoffLimit).toBe(0);
    expect(containerOf(job).resources.limits['nvidia.com/gpu']).toBe(4);
    expect(podSpecOf(job).nodeSelector['nvidia.com/gpu.product']).toBe('NVIDIA-A100-SXM4-80GB');
    expect(podSpecOf(job).nodeSelector['nvidia.com/gpu.present']).toBe('true');
    const inference = find(docs, 'Deployment', 'inference');
    expect(inference.spec.replicas).toBe(3);
    expect(containerOf(inference).resources.limits['nvidia.com/gpu']).toBe(2);
  });

  test('secrets come from a secretGenerator over git-ignored files, mounted where compose mounts them', () => {
    const base = external.files['k8s/base/kustomization.yaml'][0];
    expect(base.secretGenerator).toEqual([{ name: 'stack-secrets', type: 'Opaque', files: ['postgres_password=secrets/postgres_password', 'redis_password=secrets/redis_password'] }]);
    expect(external.out['.gitignore']).toContain('/k8s/base/secrets/');
    expect(external.docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    const pod = podSpecOf(find(external.docs, 'Deployment', 'api'));
    expect(pod.volumes).toEqual(expect.arrayContaining([{
      name: 'secrets',
      secret: { secretName: 'stack-secrets', defaultMode: 0o440, items: [{ key: 'postgres_password', path: 'postgres_password' }, { key: 'redis_password', path: 'redis_password' }] },
    }]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'secrets', mountPath: '/run/secrets', readOnly: true }]));
  });

  test('external backing services: connection settings in a ConfigMap, hosts configurable, recommended operators documented', () => {
    const { files, out } = render((p) => example(p, { backingServiceHosts: { postgres: 'pg-rw.databases.svc', redis: 'cache.example.internal:6380' } }));
    const literals = files['k8s/base/kustomization.yaml'][0].configMapGenerator[0].literals;
    expect(literals).toEqual([
      'DATABASE_URL=postgresql://app@pg-rw.databases.svc:5432/app',
      'MLFLOW_TRACKING_URI=http://mlflow:5000',
      'POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password',
      'REDIS_PASSWORD_FILE=/run/secrets/redis_password',
      'REDIS_URL=redis://cache.example.internal:6380/0',
    ]);
    expect(containerOf(find(external.docs, 'Deployment', 'api')).envFrom).toEqual([{ configMapRef: { name: 'backing-services' } }]);
    expect(external.docs.filter((d) => d.kind === 'StatefulSet')).toEqual([]);
    expect(out['k8s/README.md']).toContain('CloudNativePG');
    expect(out['k8s/README.md']).toContain('kubectl apply -k k8s/');
    expect(out['k8s/README.md']).toContain('kubectl apply -k k8s/train/');
  });

  test('the same definition gives every app the same environment as compose', () => {
    const { out, files } = render((p) => {
      example(p);
      new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW] });
    });
    const compose = YAML.parse(out['compose.yaml']);
    const literals = Object.fromEntries(files['k8s/base/kustomization.yaml'][0].configMapGenerator[0].literals.map((l: string) => l.split(/=(.*)/s).slice(0, 2)));
    const docs = Object.values(files).flat();
    for (const [name, kind] of [['api', 'Deployment'], ['worker', 'Deployment'], ['inference', 'Deployment'], ['trainer', 'Job']]) {
      const c = containerOf(find(docs, kind, name));
      const inline = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
      const { NVIDIA_VISIBLE_DEVICES: _v, ...composeEnv } = compose.services[name].environment;
      // both escape `$` their own way (compose interpolation, Kubernetes $(VAR) expansion)
      expect({ ...inline, ...literals }).toEqual(composeEnv);
      const secrets = podSpecOf(find(docs, kind, name)).volumes.find((v: any) => v.name === 'secrets');
      expect(secrets ? secrets.secret.items.map((i: any) => i.key) : [])
        .toEqual(compose.services[name].secrets ?? []);
    }
    expect(containerOf(find(docs, 'Deployment', 'worker')).env).toEqual(expect.arrayContaining([{ name: 'GREETING', value: 'costs $$(5)' }]));
  });

  test('development backing services: hardened single-replica StatefulSets with claim templates', () => {
    const postgres = find(development.docs, 'StatefulSet', 'postgres');
    expect(postgres.spec.replicas).toBe(1);
    expect(postgres.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['postgres-data']);
    const pod = podSpecOf(postgres);
    expect(pod.securityContext)
      .toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.PGDATA).toBe('/var/lib/postgresql/data/pgdata');
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'scratch-var-run-postgresql', mountPath: '/var/run/postgresql' }]));
    expect(find(development.docs, 'Service', 'postgres').spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    // mlflow's image has no user: the restricted profile makes it run as the app user
    expect(podSpecOf(find(development.docs, 'StatefulSet', 'mlflow')).securityContext.runAsUser).toBe(10001);
    const redis = containerOf(find(development.docs, 'StatefulSet', 'redis'));
    expect(redis.args[2]).toContain('$$(cat /run/secrets/redis_password)');
    expect(redis.livenessProbe.exec.command[0]).toBe('sh');
    expect(redis.livenessProbe.exec.command[2]).toContain('$(cat /run/secrets/redis_password)');
    expect(development.out['k8s/README.md']).toContain('Development only');
  });

  test('the secrets script creates files in dev mode and refuses to invent external passwords', () => {
    execFileSync('sh', ['k8s/ensure-secrets.sh'], { cwd: development.dir, stdio: 'ignore' });
    const dir = path.join(development.dir, 'k8s/base/secrets');
    expect(fs.statSync(dir).mode.toString(8).slice(-3)).toBe('700');
    expect(fs.statSync(path.join(dir, 'postgres_password')).mode.toString(8).slice(-3)).toBe('400');
    expect(fs.readFileSync(path.join(dir, 'redis_password'), 'utf-8')).toMatch(/^[0-9a-f]{96}$/);
    const res = spawnSync('sh', ['k8s/ensure-secrets.sh'], { cwd: external.dir, encoding: 'utf-8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('missing k8s/base/secrets/postgres_password');
    const tasks = (external.out['.projen/tasks.json'] as any).tasks;
    expect(tasks['k8s:apply'].steps).toEqual([{ spawn: 'k8s:secrets' }, { exec: 'kubectl apply -k k8s/' }]);
    // render too: kustomize's secretGenerator needs the files on a fresh checkout
    expect(tasks['k8s:render'].steps).toEqual([{ spawn: 'k8s:secrets' }, { exec: 'kubectl kustomize k8s/' }]);
  });

  test('the namespace enforces the restricted profile; createNamespace: false leaves it out', () => {
    expect(find(external.docs, 'Namespace', 'vision').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const { files } = render((p) => example(p, { createNamespace: false, namespace: 'ml-prod' }));
    expect(files['k8s/base/namespace.yaml']).toBeUndefined();
    expect(files['k8s/base/kustomization.yaml'][0].namespace).toBe('ml-prod');
    // the part-of label still names the project
    expect(files['k8s/base/api.yaml'][0].metadata.labels['app.kubernetes.io/part-of']).toBe('vision');
  });

  test('snapshot of the full example, and the same bytes twice', () => {
    const again = render((p) => example(p));
    const k8sFiles = (r: Rendered) => Object.fromEntries(Object.entries(r.out).filter(([f]) => f.startsWith('k8s/')));
    expect(k8sFiles(again)).toEqual(k8sFiles(external));
    expect(k8sFiles(external)).toMatchSnapshot();
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
  const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
  /** `npx projen k8s:render` in a project: projen's own CLI runs the task the project generated. */
  const renderTask = (dir: string) => spawnSync(process.execPath, [require.resolve('projen/bin/projen'), 'k8s:render'], { cwd: dir, encoding: 'utf-8' });
  const secretOf = (stdout: string): Record<string, string> => {
    const secret = YAML.parseAllDocuments(stdout).map((d) => d.toJS()).find((d) => d.kind === 'Secret');
    return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf-8')]));
  };
  const secretFiles = (dir: string) => Object.fromEntries(fs.readdirSync(path.join(dir, 'k8s/base/secrets')).sort()
    .map((f) => [f, fs.readFileSync(path.join(dir, 'k8s/base/secrets', f), 'utf-8')]));
  const placeSecret = (dir: string, name: string, value: string) => {
    const file = path.join(dir, 'k8s/base/secrets', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, value);
  };

  (hasKustomize ? test : test.skip)('npx projen k8s:render on a fresh checkout (in-cluster backing services): secrets created once, a placed one kept; only YAML on stdout', () => {
    const fresh = render((p) => {
      new PythonService(p, 'api', API);
      new KubernetesManifests(p, 'k8s', { backingServices: [BackingService.POSTGRES, BackingService.REDIS], backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS });
    });
    expect(fs.existsSync(path.join(fresh.dir, 'k8s/base/secrets'))).toBe(false);
    const first = renderTask(fresh.dir);
    expect({ status: first.status, stderr: first.status === 0 ? '' : first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stderr).toContain('created k8s/base/secrets/postgres_password');
    const created = secretFiles(fresh.dir);
    expect(Object.keys(created)).toEqual(['postgres_password', 'redis_password']);
    expect(secretOf(first.stdout)).toEqual(created);

    placeSecret(fresh.dir, 'redis_password', 'my-own-redis-password');
    const second = renderTask(fresh.dir);
    expect(second.status).toBe(0);
    expect(second.stderr).not.toContain('created');
    expect(secretFiles(fresh.dir)).toEqual({ postgres_password: created.postgres_password, redis_password: 'my-own-redis-password' });
    expect(secretOf(second.stdout)).toEqual(secretFiles(fresh.dir));
  });

  (hasKustomize ? test : test.skip)('npx projen k8s:render with external backing services names the password files to place, then renders with them unchanged', () => {
    const fresh = render((p) => {
      new PythonService(p, 'api', API);
      new KubernetesManifests(p, 'k8s', { backingServices: [BackingService.POSTGRES] });
    });
    const missing = renderTask(fresh.dir);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('missing k8s/base/secrets/postgres_password: write the password of that backing service into it');
    expect(missing.stderr).not.toContain('evalsymlink');
    placeSecret(fresh.dir, 'postgres_password', 'the-dba-gave-me-this');
    const rendered = renderTask(fresh.dir);
    expect(rendered.status).toBe(0);
    expect(secretOf(rendered.stdout)).toEqual({ postgres_password: 'the-dba-gave-me-this' });
    expect(secretFiles(fresh.dir)).toEqual({ postgres_password: 'the-dba-gave-me-this' });
  });

  (hasKustomize ? test : test.skip)('kustomize builds the tree: hashed secret and config names reach the job of the overlay', () => {
    execFileSync('sh', ['k8s/ensure-secrets.sh'], { cwd: development.dir, stdio: 'ignore' });
    const build = (dir: string) => YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { cwd: development.dir, encoding: 'utf-8' })).map((d) => d.toJS());
    const serving = build('k8s');
    const training = build('k8s/train');
    expect(serving.find((d) => d.kind === 'Job')).toBeUndefined();
    const secret = training.find((d) => d.kind === 'Secret');
    expect(secret.metadata.name).toMatch(/^stack-secrets-[a-z0-9]{10}$/);
    expect(secret.data.postgres_password).toBeDefined();
    const job = training.find((d) => d.kind === 'Job');
    expect(job.metadata.namespace).toBe('vision');
    // the trainer writes no heartbeat: nothing in the built Job can kill a long step
    expect([containerOf(job).startupProbe, containerOf(job).livenessProbe]).toEqual([undefined, undefined]);
    expect(podSpecOf(job).volumes.find((v: any) => v.name === 'secrets')?.secret.secretName).toBe(secret.metadata.name);
    expect(containerOf(job).envFrom[0].configMapRef.name).toMatch(/^backing-services-[a-z0-9]{10}$/);
    expect(schemaErrors(training.filter((d) => !['Secret', 'ConfigMap'].includes(d.kind)))).toEqual([]);
  });
});

describe('the restricted Pod Security Standard', () => {
  const pods = [...external.docs, ...development.docs].filter((d) => podSpecOf(d));

  test.each(pods.map((d) => [`${d.kind}/${d.metadata.name}`, d]))('%s passes every restricted control', (_name, doc) => {
    expect(restrictedViolations(doc)).toEqual([]);
  });

  test.each(pods.map((d) => [`${d.kind}/${d.metadata.name}`, d]))('%s keeps our stricter defaults', (_name, doc) => {
    const spec = podSpecOf(doc);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    for (const c of spec.containers) {
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
      expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources.limits)).toEqual(expect.arrayContaining(['cpu', 'memory']));
      // every server is probed; a service without a port and without a heartbeat has no probe
      // (the kubelet watches its process), so a long step of a job is never taken for a hang
      if (c.ports?.length) {
        expect(c.livenessProbe).toBeDefined();
        if (doc.kind !== 'Job') expect(c.readinessProbe).toBeDefined();
      } else {
        expect([c.startupProbe, c.livenessProbe, c.readinessProbe])
          .toEqual([undefined, undefined, undefined]);
      }
      const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(spec.volumes.find((v: any) => v.name === tmp.name).emptyDir.sizeLimit).toMatch(/^[0-9]+(Mi|Gi)$/);
    }
  });

  type Breach = [name: string, mutate: (spec: any) => void, expected: string];
  const breaches: Breach[] = [
    ['a privileged container', (s) => { s.containers[0].securityContext.privileged = true; }, 'privileged'],
    ['privilege escalation allowed', (s) => { delete s.containers[0].securityContext.allowPrivilegeEscalation; }, 'allowPrivilegeEscalation'],
    ['runAsNonRoot off', (s) => { s.securityContext.runAsNonRoot = false; s.containers[0].securityContext.runAsNonRoot = false; }, 'runAsNonRoot'],
    ['root user', (s) => { s.containers[0].securityContext.runAsUser = 0; }, 'runAsUser 0'],
    ['an added capability', (s) => { s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; }, 'capabilities.add SYS_ADMIN'],
    ['capabilities not dropped', (s) => { s.containers[0].securityContext.capabilities.drop = []; }, 'capabilities.drop ALL'],
    ['seccomp unconfined', (s) => { s.securityContext.seccompProfile.type = 'Unconfined'; s.containers[0].securityContext.seccompProfile.type = 'Unconfined'; }, 'seccompProfile'],
    ['a hostPath volume', (s) => { s.volumes.push({ name: 'host', hostPath: { path: '/var/run/docker.sock' } }); }, 'volume type hostPath'],
    ['host networking', (s) => { s.hostNetwork = true; }, 'host namespaces'],
    ['a host port', (s) => { s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; }, 'hostPort'],
    ['an unsafe sysctl', (s) => { s.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]; }, 'sysctl kernel.msgmax'],
  ];
  test.each(breaches)('the checks catch %s', (_name, mutate, expected) => {
    const doc = JSON.parse(JSON.stringify(find(external.docs, 'Deployment', 'api')));
    mutate(doc.spec.template.spec);
    expect(restrictedViolations(doc).join('; ')).toContain(expected);
  });
});

describe('the renderer on the neutral model (GPU mapping from ContainerSpecs)', () => {
  const base: ContainerSpec = {
    name: 'gpu-job',
    path: 'x/gpu-job',
    build: { dockerfile: 'docker/gpu-job/Dockerfile', target: 'prod' },
    image: 'x-gpu-job',
    imageIsBuilt: true,
    workload: 'job',
    ports: [],
    environment: { NVIDIA_DRIVER_CAPABILITIES: 'compute,utility' },
    healthcheck: { test: ['python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat', '/tmp/heartbeat', '300'], shell: false, interval: 30, timeout: 5, startPeriod: 0, startInterval: 2, retries: 3 },
    security: hardenedSecurity(),
    tmpfs: [{ path: '/tmp', size: gib(2), mode: '1777', exec: true }],
    limits: { memory: gib(32), cpus: 7.5, pids: 8192 },
    gpu: { deviceIds: ['0', '1'] },
    shmSize: gib(16),
    profiles: ['train'],
    platform: 'linux/arm64',
    volumes: [{ source: './datasets/imagenet', target: '/data', readOnly: true, named: false }],
    secrets: [],
    dependsOn: [],
  };
  const workload: KubeWorkload = {
    spec: base,
    kind: 'Job',
    replicas: 1,
    requests: { cpu: '7500m', memory: '32Gi' },
    limits: { cpu: '7500m', memory: '32Gi' },
    gpuCount: 2,
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    backoffLimit: 1,
    annotations: { [DRIVER_ANNOTATION]: '550.54.14' },
    runAsUser: 10001,
    runAsGroup: 10001,
    scratch: [{ path: '/tmp', sizeLimit: '2Gi' }],
    shmSizeLimit: '16Gi',
    mounts: [{ claim: 'datasets-imagenet', target: '/data', readOnly: true }],
    claimTemplates: [],
    secretKeys: [],
    backingEnv: false,
    ports: [],
    overlays: ['train'],
  };
  const model: KubeModel = {
    partOf: 'x', namespace: 'x', createNamespace: false, tag: 'dev', workloads: [workload], claims: [{ name: 'datasets-imagenet', size: '1Ti' }], backingConfig: {}, secrets: [],
  };

  test('a job without a start period has no startup probe, and no heartbeat readiness', () => {
    const files = renderKubernetes(model);
    const job = files.find((f) => f.path === 'train/gpu-job.yaml')!.documents[0] as any;
    const c = job.spec.template.spec.containers[0];
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(c.resources.limits).toEqual({ 'cpu': '7500m', 'memory': '32Gi', 'nvidia.com/gpu': 2 });
    expect(job.spec.template.spec.volumes).toEqual(expect.arrayContaining([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } }]));
    expect(files.map((f) => f.path)).toEqual(['base/kustomization.yaml', 'base/volumes.yaml', 'kustomization.yaml', 'train/gpu-job.yaml', 'train/kustomization.yaml']);
    expect(schemaErrors(files.filter((f) => !f.path.endsWith('kustomization.yaml')).flatMap((f) => f.documents))).toEqual([]);
    expect(restrictedViolations(job)).toEqual([]);
  });

  test('GPU projects synthesize device ids and "all" as a GPU count', () => {
    const { docs } = render((p) => {
      new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], gpuDeviceIds: ['0', '2', '3'] });
      new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'] });
      new KubernetesManifests(p, 'k8s');
    });
    expect(containerOf(find(docs, 'Job', 'trainer')).resources.limits['nvidia.com/gpu']).toBe(3);
    expect(containerOf(find(docs, 'Deployment', 'inference')).resources.limits['nvidia.com/gpu']).toBeGreaterThanOrEqual(1);
  });

  test('shell health checks run through sh -c; HTTP checks on a port the container names', () => {
    expect(probeHandler({ test: ['redis-cli ping | grep -q PONG'], shell: true, interval: 10, timeout: 5, startPeriod: 0, startInterval: 2, retries: 3 }, []))
      .toEqual({ exec: { command: ['sh', '-c', 'redis-cli ping | grep -q PONG'] } });
    const http = { test: ['python', '-m', 'mldocker_runtime.healthcheck', 'http', 'http://127.0.0.1:8080/ready?deep=1'], shell: false, interval: 10, timeout: 5, startPeriod: 0, startInterval: 2, retries: 3 };
    expect(probeHandler(http, [{ name: 'http', port: 8080 }])).toEqual({ httpGet: { path: '/ready?deep=1', port: 'http', scheme: 'HTTP' } });
    // a URL on a port the container does not declare keeps the exec form
    expect(probeHandler(http, [{ name: 'http', port: 9000 }])).toEqual({ exec: { command: http.test } });
  });

  test('$ is escaped from expansion (the quantity conversions: kubernetes-quantities.test.ts)', () => {
    expect(escapeExpansion('a $(B) $$ c')).toBe('a $$(B) $$$$ c');
  });
});

describe('KubernetesManifests bad input', () => {
  type Row = [
    name: string, build: (p: MlDockerProject) => void, got: string, expected: string, path?: string,
  ];
  const api = (p: MlDockerProject) => new PythonService(p, 'api', API);
  const trainer = (p: MlDockerProject) => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  const k8s = (p: MlDockerProject, props: Record<string, unknown> = {}) => new KubernetesManifests(p, 'k8s', props as any);
  const configure = (
    p: MlDockerProject, options: Record<string, unknown>, props: Record<string, unknown> = {},
  ) => {
    const a = api(p);
    k8s(p, props).configureService(a, options as any);
    synth(p);
  };
  const rows: Row[] = [
    ['fails on a namespace with uppercase letters', (p) => { api(p); k8s(p, { namespace: 'Vision' }); }, 'got "Vision"', 'a dns-1123 label'],
    ['fails on a namespace longer than 63 characters', (p) => { api(p); k8s(p, { namespace: 'a'.repeat(64) }); }, `got "${'a'.repeat(64)}"`, 'at most 63 characters'],
    ['fails on a kube-* namespace', (p) => { api(p); k8s(p, { namespace: 'kube-system' }); }, 'got "kube-system"', 'not "kube-*"'],
    ['fails on relabelling the default namespace', (p) => { api(p); k8s(p, { namespace: 'default' }); }, 'got "default"', 'createNamespace: false'],
    ['fails on negative replicas', (p) => configure(p, { replicas: -1 }), 'got -1', 'an integer from 0 to 1000'],
    ['fails on fractional replicas', (p) => configure(p, { replicas: 2.5 }), 'got 2.5', 'an integer from 0 to 1000'],
    ['fails on absurd replicas', (p) => configure(p, { replicas: 5000 }), 'got 5000', 'an integer from 0 to 1000'],
    ['fails on replicas for a job', (p) => { const t = trainer(p); k8s(p).configureService(t, { replicas: 2 }); synth(p); }, 'got 2', 'a job runs its pod to completion'],
    ['fails on a cpu request that is not a quantity', (p) => configure(p, { cpuRequest: 'two' }), 'got "two"', 'a cpu quantity greater than zero'],
    ['fails on a zero cpu request', (p) => configure(p, { cpuRequest: '0' }), 'got "0"', 'a cpu quantity greater than zero'],
    ['fails on a cpu request above the limit', (p) => configure(p, { cpuRequest: '4' }), 'got "4"', 'at most the cpuLimit "2"'],
    ['fails on "512m" memory (milli-bytes in kubernetes)', (p) => configure(p, { memoryRequest: '512m' }), 'got "512m"', '"m" is milli in kubernetes'],
    ['fails on a decimal "1GB" memory request', (p) => configure(p, { memoryRequest: '1GB' }), 'got "1GB"', 'binary units'],
    ['fails on a memory request above the limit', (p) => configure(p, { memoryRequest: '2Gi' }), 'got "2Gi"', 'at most the memoryLimit "1Gi"'],
    ['fails on a node selector key starting with "-"', (p) => configure(p, { nodeSelector: { '-gpu': 'true' } }), 'got "-gpu"', 'a label key'],
    ['fails on a node selector value with a space', (p) => configure(p, { nodeSelector: { pool: 'gpu pool' } }), 'got "gpu pool"', 'a label value'],
    ['fails on a gpu node selector key without a name', (p) => { api(p); k8s(p, { gpuNodeSelector: { 'nvidia.com/': 'true' } }); }, 'got "nvidia.com/"', 'a label key'],
    ['fails on a node selector key with a bad prefix', (p) => configure(p, { nodeSelector: { 'Nvidia_Com/gpu': 'true' } }), 'got "Nvidia_Com/gpu"', 'an optional dns prefix'],
    ['fails on gpuCount for a CPU service', (p) => configure(p, { gpuCount: 1 }), 'got 1', 'gpuCount only on GPU services'],
    ['fails on a zero gpuCount', (p) => { const t = trainer(p); k8s(p).configureService(t, { gpuCount: 0 }); }, 'got 0', 'an integer from 1 to 64'],
    ['fails on backoffLimit for a server', (p) => configure(p, { backoffLimit: 3 }), 'got 3', 'backoffLimit only on jobs'],
    ['fails on a negative backoffLimit', (p) => { const t = trainer(p); k8s(p).configureService(t, { backoffLimit: -1 }); }, 'got -1', 'an integer from 0 to 100'],
    ['fails on a volume size in decimal units', (p) => { api(p); k8s(p, { volumeSize: '20GB' }); }, 'got "20GB"', 'e.g. "20Gi"'],
    ['fails on a size for an unknown claim', (p) => { trainer(p); k8s(p, { volumeSizes: { scratch: '1Ti' } }); synth(p); }, 'got "scratch"', '"data", "trainer-checkpoints"'],
    ['fails on a storage class with a space', (p) => { api(p); k8s(p, { storageClassName: 'Fast SSD' }); }, 'got "Fast SSD"', 'a storageclass name'],
    ['fails on a host for a backing service not in the manifests', (p) => { api(p); k8s(p, { backingServices: [BackingService.POSTGRES], backingServiceHosts: { mysql: 'db' } }); }, 'got "mysql"', 'one of: "postgres"'],
    ['fails on a backing service host with a space', (p) => { api(p); k8s(p, { backingServices: [BackingService.POSTGRES], backingServiceHosts: { postgres: 'db host' } }); }, 'got "db host"', 'a lowercase dns name'],
    ['fails on backing service hosts with in-cluster StatefulSets', (p) => {
      api(p); k8s(p, { backingServices: [BackingService.REDIS], backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS, backingServiceHosts: { redis: 'r' } });
    }, 'got ["redis"]', 'KubernetesBackingMode.EXTERNAL'],
    ['fails on an unknown backing mode (plain javascript)', (p) => { api(p); k8s(p, { backingServiceMode: 'helm' }); }, 'got "helm"', '"external", "development-stateful-sets"'],
    ['fails on an image tag "latest"', (p) => { api(p); k8s(p, { imageTag: 'latest' }); }, 'got "latest"', 'not "latest"'],
    ['fails on a second set of manifests', (p) => { api(p); k8s(p); new KubernetesManifests(p, 'other'); }, 'got "other"', 'one set of manifests per project', 'vision/other'],
    ['fails on a misspelled prop', (p) => { api(p); k8s(p, { namespce: 'x' }); }, 'unknown property "namespce"', 'did you mean "namespace"'],
    ['fails on a misspelled service option', (p) => configure(p, { replica: 2 }), 'unknown property "replica"', 'did you mean "replicas"'],
    ['fails on configuring a service twice', (p) => { const a = api(p); const m = k8s(p); m.configureService(a, {}); m.configureService(a, {}); }, 'got "api"', 'one configureService call per service'],
    ['fails on configuring a service the manifests do not deploy', (p) => {
      const a = api(p); const w = new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] }); k8s(p, { services: [a] }).configureService(w, { replicas: 2 }); synth(p);
    }, 'got "worker"', 'one of: "api"'],
    ['fails on an app named like a backing service', (p) => { new PythonService(p, 'redis', { command: ['python', '-m', 'redis.main'] }); k8s(p, { backingServices: [BackingService.REDIS] }); synth(p); }, 'got "redis"', 'app service ids other than'],
    ['fails on manifests with no services', (p) => { k8s(p); synth(p); }, 'got []', 'at least one'],
  ];

  test.each(rows)('%s', (_name, build, got, expected, where = 'vision/k8s') => {
    const project = newProject();
    expectValidationError(() => build(project), where, got, expected);
  });

  test('one configureService call reports every problem, each with one [path] prefix (the options against the service too)', () => {
    const project = newProject();
    const t = trainer(project);
    const err = validationError(() => k8s(project).configureService(t, { replicas: 2, cpuRequest: '100', memoryRequest: '1Ti', gpuCount: 65 }));
    expect(err.problems).toEqual([
      '[vision/k8s] configureService(trainer) gpuCount: got 65; expected an integer from 1 to 64',
      '[vision/k8s] configureService(trainer) replicas is set on a job: got 2; expected no replicas: a job runs its pod to completion (use backoffLimit for retries)',
      '[vision/k8s] configureService(trainer) cpuRequest is above the cpu limit: got "100"; expected at most the cpuLimit "8"',
      '[vision/k8s] configureService(trainer) memoryRequest is above the memory limit: got "1Ti"; expected at most the memoryLimit "16Gi"',
    ]);
  });

  test('a mistyped option does not hide the others: shape and value problems in one error', () => {
    const project = newProject();
    const a = api(project);
    const err = validationError(() => k8s(project).configureService(a, { replicas: '2', cpuRequest: 'two', gpuCount: 1 } as any));
    expect(err.problems).toHaveLength(3);
    expect(err.problems[0]).toMatch(/^\[vision\/k8s\] replicas has the wrong type: got "2"; expected a number$/);
    expect(err.problems.slice(1)).toEqual([
      '[vision/k8s] configureService(api) cpuRequest: got "two"; expected a cpu quantity greater than zero: cores ("2", "0.5") or millicores ("500m")',
      '[vision/k8s] configureService(api) gpuCount is set on a service without GPUs: got 1; expected gpuCount only on GPU services (GpuTrainer, GpuInference)',
    ]);
  });

  test('a failed synth writes no manifest', () => {
    const project = newProject();
    api(project);
    // found only at synth: the claims are known once every service is
    k8s(project, { volumeSizes: { scratch: '1Gi' } });
    expect(validationError(() => synth(project)).message).toContain('volumeSizes names a claim the manifests do not have');
    expect(fs.existsSync(path.join(project.outdir, 'k8s'))).toBe(false);
  });
});

describe('property tests', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const serviceDef = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((id) => !['postgres', 'redis', 'mlflow', 'common', 'runtime'].includes(id) && !shadowsModule(id)),
    port: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
    memoryMi: fc.integer({ min: 1, max: 64 }).map((n) => n * 64),
    cpus: fc.constantFrom(0.25, 0.5, 1, 1.5, 2, 4, 8),
    replicas: fc.integer({ min: 0, max: 5 }),
    requestShare: fc.integer({ min: 1, max: 100 }),
    nodeSelector: fc.dictionary(fc.tuple(fc.constantFrom('', 'example.com/', 'node.kubernetes.io/'), label).map(([a, b]) => `${a}${b}`), label, { maxKeys: 2 }),
  });
  const stackDef = fc.record({
    services: fc.uniqueArray(serviceDef, { minLength: 1, maxLength: 3, selector: (s) => s.id }),
    gpu: fc.option(fc.record({ count: fc.integer({ min: 1, max: 4 }), trainer: fc.boolean() }), {
      nil: undefined,
    }),
    backing: fc.subarray(['postgres', 'redis', 'mlflow'] as const),
    mode: fc.constantFrom(KubernetesBackingMode.EXTERNAL, KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS),
    namespace: fc.option(label.filter((n) => !n.startsWith('kube-') && n !== 'default'), { nil: undefined }),
  }).filter((d) => !d.services.some((s) => ['trainer', 'infer'].includes(s.id)));

  type StackDef = typeof stackDef extends fc.Arbitrary<infer T> ? T : never;

  function build(def: StackDef): MlDockerProject {
    const project = newProject();
    const backing = {
      postgres: BackingService.POSTGRES, redis: BackingService.REDIS, mlflow: BackingService.MLFLOW,
    };
    const m = new KubernetesManifests(project, 'k8s', {
      backingServices: def.backing.map((b) => backing[b]),
      backingServiceMode: def.mode,
      namespace: def.namespace,
    });
    for (const s of def.services) {
      const svc = new PythonService(project, s.id, { command: ['python', '-m', `${s.id}.main`], port: s.port, memoryLimit: `${s.memoryMi}m`, cpuLimit: s.cpus });
      m.configureService(svc, {
        replicas: s.replicas,
        cpuRequest: `${Math.max(1, Math.floor((s.cpus * 1000 * s.requestShare) / 100))}m`,
        memoryRequest: `${Math.max(1, Math.floor((s.memoryMi * s.requestShare) / 100))}Mi`,
        nodeSelector: s.nodeSelector,
      });
    }
    if (def.gpu) {
      const svc = def.gpu.trainer
        ? new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], gpuCount: def.gpu.count })
        : new GpuInference(project, 'infer', { torchVersion: '2.5.1', command: ['python', '-m', 'infer.serve'], port: 7000, gpuCount: def.gpu.count });
      m.configureService(svc, { gpuCount: def.gpu.count });
    }
    return project;
  }

  function manifests(project: MlDockerProject): { text: Record<string, string>; docs: any[] } {
    const out = synth(project);
    const text = Object.fromEntries(Object.entries(out).filter(([f]) => f.startsWith('k8s/')).map(([f, v]) => [f, String(v)]));
    const docs = Object.entries(text).filter(([f]) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'))
      .flatMap(([, t]) => YAML.parseAllDocuments(t).map((d) => d.toJS()));
    return { text, docs };
  }

  test('random valid definitions render schema-valid, restricted, deterministic manifests', () => {
    const all: any[] = [];
    fc.assert(fc.property(stackDef, (def) => {
      const first = manifests(build(def));
      expect(manifests(build(def)).text).toEqual(first.text);
      for (const doc of first.docs) expect([`${doc.kind}/${doc.metadata.name}`, restrictedViolations(doc)]).toEqual([`${doc.kind}/${doc.metadata.name}`, []]);
      const deployments = first.docs.filter((d) => d.kind === 'Deployment');
      for (const s of def.services) {
        expect(deployments.find((d) => d.metadata.name === s.id).spec.replicas).toBe(s.replicas);
      }
      if (def.gpu) {
        const gpuDoc = first.docs.find((d) => ['trainer', 'infer'].includes(d.metadata.name) && podSpecOf(d));
        expect(containerOf(gpuDoc).resources.limits['nvidia.com/gpu']).toBe(def.gpu.count);
      }
      all.push(...first.docs);
    }), { numRuns: RUNS });
    // one child process validates every object of every run
    expect(schemaErrors(all)).toEqual([]);
  });

  const badOption = fc.oneof(
    fc.record({ cpuRequest: fc.string({ maxLength: 8 }).filter((s) => !/^([1-9][0-9]{0,6}m|[0-9]{1,4}(\.[0-9]{1,3})?)$/.test(s) || Number(s) === 0) }),
    fc.record({ memoryRequest: fc.string({ maxLength: 8 }).filter((s) => !/^[1-9][0-9]{0,8}(Ki|Mi|Gi|Ti)$/.test(s)) }),
    fc.record({
      replicas: fc.oneof(
        fc.integer({ max: -1 }), fc.integer({ min: 1001 }), fc.double({ noInteger: true }), fc.constant(NaN),
      ),
    }),
    fc.record({ nodeSelector: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter((k) => !k.includes('/') && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(k)), fc.constant('x'), { minKeys: 1, maxKeys: 1 }) }),
    fc.record({ namespace: fc.string({ maxLength: 70 }).filter((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n)) }),
    fc.record({ gpuCount: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65 }), fc.constant(1.5)) }),
    fc.record({ bogus: fc.anything() }),
  );

  test('random invalid Kubernetes settings raise our validation error, never anything else', () => {
    fc.assert(fc.property(badOption, (bad) => {
      const project = newProject();
      try {
        const svc = new PythonService(project, 'api', API);
        const { namespace, ...options } = bad as Record<string, unknown>;
        const m = new KubernetesManifests(project, 'k8s', namespace !== undefined ? { namespace: namespace as string } : {});
        m.configureService(svc, options as any);
        synth(project);
      } catch (e) {
        expect(e).toBeInstanceOf(MlDockerValidationError);
        expect((e as Error).message).toContain('[vision/k8s]');
        return;
      }
      throw new Error(`accepted ${JSON.stringify(bad)}`);
    }), { numRuns: RUNS * 2 });
  });
});

describe('names: valid DNS-1123 names, unique objects and files', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
  const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
  const module = (id: string) => id.replace(/-/g, '_');
  const server = (p: MlDockerProject, id: string) => new PythonService(p, id, { command: ['python', '-m', `${module(id)}.main`], port: 8000 });
  const train = (p: MlDockerProject, id = 'trainer', props: Record<string, unknown> = {}) =>
    new GpuTrainer(p, id, { torchVersion: '2.5.1', command: ['python', '-m', `${module(id)}.train`], ...props });
  const manifests = (p: MlDockerProject, props: Record<string, unknown> = {}) => new KubernetesManifests(p, 'k8s', props as any);
  const dev = {
    backingServices: [BackingService.POSTGRES],
    backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
  };

  type Hostile = [name: string, build: (p: MlDockerProject) => void, got: string, expected: string];
  const refused: Hostile[] = [
    ['a service named "namespace" (base/namespace.yaml)', (p) => { server(p, 'namespace'); manifests(p); }, 'got "base/namespace.yaml"', 'kustomization, namespace, volumes'],
    ['a service named "network-policies" (base/network-policies.yaml)', (p) => { server(p, 'network-policies'); manifests(p); }, 'got "base/network-policies.yaml"', 'volumes, network-policies'],
    ['a service named "default-deny" (the default deny NetworkPolicy)', (p) => { server(p, 'default-deny'); manifests(p); },
      'service "default-deny" (vision/default-deny) (base/default-deny.yaml) and the default deny NetworkPolicy "default-deny" (base/network-policies.yaml) both give the NetworkPolicy "default-deny": got "default-deny"',
      'one NetworkPolicy per name'],
    ['a service named "kustomization" (base/kustomization.yaml)', (p) => { server(p, 'kustomization'); manifests(p); }, 'got "base/kustomization.yaml"', 'another generated file'],
    ['a service named "volumes" beside a trainer with claims', (p) => { server(p, 'volumes'); train(p); manifests(p); }, 'got "base/volumes.yaml"', 'another generated file'],
    ['a trainer named "kustomization" (train/kustomization.yaml)', (p) => { server(p, 'api'); train(p, 'kustomization'); manifests(p); }, 'got "train/kustomization.yaml"', 'another generated file'],
    ['a data directory named like the shm volume', (p) => { train(p, 'trainer', { dataDir: 'dshm' }); manifests(p); }, 'got "dshm"', 'distinct volume names'],
    ['a data directory named like the /tmp scratch volume', (p) => { train(p, 'trainer', { dataDir: 'scratch/tmp' }); manifests(p); }, 'got "scratch-tmp"', 'distinct volume names'],
    ['a data directory named like a StatefulSet claim', (p) => { server(p, 'api'); train(p, 'trainer', { dataDir: 'postgres-data-postgres-0' }); manifests(p, dev); }, 'got "postgres-data-postgres-0"', 'one PersistentVolumeClaim per name'],
  ];
  test.each(refused)('refuses %s, naming what collides', (_name, build, got, expected) => {
    const project = newProject();
    const error = validationError(() => { build(project); synth(project); });
    expect(error.message).toContain('[vision/k8s]');
    expect(error.message).toContain(got);
    expect(error.message).toContain(expected);
    expect(fs.existsSync(path.join(project.outdir, 'k8s'))).toBe(false);
  });

  test('the file collision names both objects', () => {
    const project = newProject();
    server(project, 'namespace');
    manifests(project);
    expect(validationError(() => synth(project)).message).toContain('two generated files would be written to base/namespace.yaml: Namespace "vision" and Deployment "namespace" and Service "namespace"');
  });

  // Hostile but valid: names that are cut, or look like generated ones where nothing clashes.
  const longDir = `${'a'.repeat(62)}/bcd`; // the slug's 63rd character is the "-" of the "/"
  const accepted: Array<[string, (p: MlDockerProject) => void]> = [
    ['a data directory whose slug is cut at a "-"', (p) => { server(p, 'api'); train(p, 'trainer', { dataDir: longDir }); manifests(p); }],
    ['a long project name as the namespace', (p) => { server(p, 'api'); manifests(p); }],
    ['services named "volumes", "base", "kustomizations" without claims', (p) => { server(p, 'volumes'); server(p, 'base'); server(p, 'kustomizations'); manifests(p); }],
    ['ids of 40 characters, a trainer among them', (p) => { server(p, `s${'x'.repeat(38)}9`); train(p, `t${'y'.repeat(38)}9`); manifests(p, dev); }],
  ];
  const names = (docs: any[]) => docs.flatMap((d) => [
    d.metadata.name,
    ...(podSpecOf(d)?.volumes ?? []).map((v: any) => v.name),
    ...(d.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name),
  ]);
  test.each(accepted)('%s gives valid names that the real kustomize builds', (name, build) => {
    const project = name.startsWith('a long project') ? new MlDockerProject({ name: `@acme/${'vision-ml-'.repeat(6)}ab-cd`, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mld-')) }) : newProject();
    build(project);
    synth(project);
    const tree = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'));
    const docs = tree(path.join(project.outdir, 'k8s')).filter((f) => !f.endsWith('kustomization.yaml'))
      .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(project.outdir, 'k8s', f), 'utf-8')).map((d) => d.toJS()));
    for (const n of names(docs)) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    if (name.startsWith('a data directory')) expect(names(docs)).toContain('a'.repeat(62));
    if (name.startsWith('a long project')) expect(names(docs)).toContain(`${'vision-ml-'.repeat(6)}ab`);
    if (!hasKustomize) return;
    execFileSync('sh', ['k8s/ensure-secrets.sh'], { cwd: project.outdir, stdio: 'ignore' });
    for (const dir of ['k8s', ...(fs.existsSync(path.join(project.outdir, 'k8s/train')) ? ['k8s/train'] : [])]) {
      const built = YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { cwd: project.outdir, encoding: 'utf-8' })).map((d) => d.toJS());
      const keys = built.map((d) => `${d.kind}/${d.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(schemaErrors(built.filter((d) => !['Secret', 'ConfigMap'].includes(d.kind)))).toEqual([]);
    }
  });
});
