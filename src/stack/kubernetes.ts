import { Component, Project } from 'projen';
import { BackingService, BackingServiceKind } from './backing-service';
import {
  DNS1123_LABEL, DNS1123_SUBDOMAIN, checkRenderedNames, claimName, namespaceFromProject,
} from './kubernetes-names';
import {
  KUBERNETES_MANIFESTS_PROPS_SHAPE, KUBERNETES_SERVICE_OPTIONS_SHAPE, KubernetesBackingMode, KubernetesManifestsProps, KubernetesServiceOptions,
} from './kubernetes-props';
import { checkCpu, checkMemory, checkNodeSelector, checkStorage, cpuMillis, quantityBytes } from './kubernetes-quantities';
import {
  BASE_DIR, DRIVER_ANNOTATION, K8S_DIR, KubeClaim, KubeModel, KubeMount, KubeWorkload, SECRETS_DIR,
  composeSizeToQuantity, coresToQuantity, renderKubernetes,
} from './kubernetes-render';
import { renderSecretsScript } from './secrets-render';
import { checkComponentScope, checkStackMembers } from './stack-members';
import { DEFAULT_IMAGE_TAG, checkImageTarget, linkedEnvironmentClashes, resolveBacking } from './stack-model';
import { ContainerSpec } from '../core/container-spec';
import { checkImageNameLength } from '../core/image-name';
import { Problems, checkShape, oneOf, show } from '../core/problems';
import { RenderedFile } from '../core/rendered-file';
import { z } from '../core/shape';
import { renderTemplate } from '../core/template';
import { toSafeYaml } from '../core/yaml';
import { APP_UID, MlService, servicesOf } from '../service/service';

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:([0-9]{1,5}))?$/;
const DEFAULT_VOLUME_SIZE = '20Gi';
const DEFAULT_BACKOFF_LIMIT = 2;

/** The port each backing service listens on, and its port name. */
const BACKING_PORTS: Record<BackingServiceKind, { name: string; port: number }> = {
  [BackingServiceKind.POSTGRES]: { name: 'postgres', port: 5432 },
  [BackingServiceKind.REDIS]: { name: 'redis', port: 6379 },
  [BackingServiceKind.MLFLOW]: { name: 'http', port: 5000 },
};

/** What to run each backing service with instead, when it is not run for you. */
const RECOMMENDED: Record<BackingServiceKind, string> = {
  [BackingServiceKind.POSTGRES]: 'the CloudNativePG operator (https://cloudnative-pg.io; a `Cluster` named `pg` serves read-write at `pg-rw` and keeps the app user\'s password in the Secret `pg-app`, key `password`) or a managed PostgreSQL (Amazon RDS, Cloud SQL, Azure Database for PostgreSQL)',
  [BackingServiceKind.REDIS]: 'a managed Redis or Valkey (ElastiCache, Memorystore, Azure Cache for Redis) or an operator your platform runs (for example the OT-CONTAINER-KIT redis-operator), with `requirepass` set',
  [BackingServiceKind.MLFLOW]: 'MLflow\'s own Helm chart (https://mlflow.org/docs/latest/self-hosting/kubernetes-helm/), backed by the PostgreSQL above and object storage for artifacts',
};

/**
 * Kubernetes manifests under `k8s/` from the same service definitions as compose.yaml: a
 * Deployment and Service per server, a Job per trainer (in an overlay per compose profile,
 * applied on demand), PersistentVolumeClaims, the restricted Pod Security Standard on every
 * pod, and a generated `kustomization.yaml` whose secretGenerator reads git-ignored files.
 *
 * `kubectl apply -k k8s/` deploys the serving stack; `kubectl apply -k k8s/train` also
 * starts the training job. One set of manifests per project.
 */
export class KubernetesManifests extends Component {
  /**
   * The Kubernetes manifests of a project, if it has them.
   * @param project the project to look in
   */
  public static of(project: Project): KubernetesManifests | undefined {
    return project.components.find((c): c is KubernetesManifests => c instanceof KubernetesManifests);
  }

  /** The construct path used in messages. */
  public readonly path: string;
  /** The namespace of every object. */
  public readonly namespace: string;
  private readonly explicitServices?: MlService[];
  private readonly backing: BackingService[] = [];
  private readonly mode: KubernetesBackingMode;
  private readonly hosts: Record<string, string>;
  private readonly createNamespace: boolean;
  private readonly registry?: string;
  private readonly tag: string;
  private readonly gpuNodeSelector: Record<string, string>;
  private readonly storageClassName?: string;
  private readonly volumeSize: string;
  private readonly volumeSizes: Record<string, string>;
  private readonly serviceOptions = new Map<MlService, KubernetesServiceOptions>();
  private readonly renderedFiles = new Map<string, RenderedFile>();
  private model?: KubeModel;

  constructor(project: Project, id: string, props: KubernetesManifestsProps = {}) {
    const problems = new Problems(`${project instanceof Project ? project.name : '?'}/${String(id)}`);
    // Plain JavaScript may pass null: it means no props, like undefined.
    props = props ?? {};
    checkComponentScope(problems, project, id);
    const existing = project instanceof Project ? KubernetesManifests.of(project) : undefined;
    if (existing) problems.add('a second KubernetesManifests', id, `one set of manifests per project (already "${existing.node.id}")`);
    problems.throwIfAny();
    super(project, id);
    this.path = problems.path;
    if (!checkShape(problems, z.strictObject(KUBERNETES_MANIFESTS_PROPS_SHAPE), props)) problems.throwIfAny();

    const members = checkStackMembers(problems, project, props.services, props.backingServices);
    this.explicitServices = members.services;
    this.backing.push(...members.backing);
    this.mode = (props.backingServiceMode as KubernetesBackingMode | undefined) ?? KubernetesBackingMode.EXTERNAL;

    this.hosts = { ...(props.backingServiceHosts ?? {}) };
    if (Object.keys(this.hosts).length > 0 && this.mode !== KubernetesBackingMode.EXTERNAL) {
      problems.add('backingServiceHosts is set with in-cluster backing services', Object.keys(this.hosts), 'backingServiceMode KubernetesBackingMode.EXTERNAL, or no backingServiceHosts');
    }
    for (const [kind, host] of Object.entries(this.hosts)) {
      if (!this.backing.some((b) => b.kind === kind)) {
        problems.add('backingServiceHosts names a backing service the manifests do not have', kind, `one of: ${oneOf(this.backing.map((b) => b.kind))}`);
      }
      const m = HOST.exec(host);
      if (!m || host.length > 253 || (m[3] !== undefined && !(Number(m[3]) >= 1 && Number(m[3]) <= 65535))) {
        problems.add(`backingServiceHosts.${kind}`, host, 'a lowercase dns name with an optional port, e.g. "pg-rw.databases.svc" or "redis:6379"');
      }
    }

    this.createNamespace = props.createNamespace ?? true;
    const namespace = props.namespace ?? namespaceFromProject(project.name);
    if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
      problems.add(props.namespace === undefined ? 'the project name gives no valid namespace' : 'namespace', namespace,
        'a dns-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (set namespace)');
    } else if (namespace.startsWith('kube-')) {
      problems.add('namespace is reserved for the cluster', namespace, 'a namespace of your own, not "kube-*"');
    } else if (namespace === 'default' && this.createNamespace) {
      problems.add('namespace "default" with createNamespace (it would relabel the default namespace)', namespace, 'a namespace of your own, or createNamespace: false');
    }
    this.namespace = namespace;

    checkImageTarget(problems, props.imageRegistry, props.imageTag);
    this.registry = props.imageRegistry;
    this.tag = props.imageTag ?? DEFAULT_IMAGE_TAG;

    this.gpuNodeSelector = checkNodeSelector(problems, 'gpuNodeSelector', props.gpuNodeSelector ?? {});
    if (props.storageClassName !== undefined && (!DNS1123_SUBDOMAIN.test(props.storageClassName) || props.storageClassName.length > 253)) {
      problems.add('storageClassName', props.storageClassName, 'a storageclass name: lowercase letters, digits, "-" and ".", e.g. "fast-ssd"');
    }
    this.storageClassName = props.storageClassName;
    this.volumeSize = props.volumeSize ?? DEFAULT_VOLUME_SIZE;
    checkStorage(problems, 'volumeSize', this.volumeSize);
    this.volumeSizes = { ...(props.volumeSizes ?? {}) };
    for (const [name, size] of Object.entries(this.volumeSizes)) checkStorage(problems, `volumeSizes.${name}`, size);
    problems.throwIfAny();

    new RenderedFile(this, `${K8S_DIR}/README.md`, (file) => this.renderReadme(file.marker ?? ''));
    new RenderedFile(this, `${K8S_DIR}/ensure-secrets.sh`, (file) => this.renderSecretsScript(file.marker ?? ''), true);
    // The files behind the secretGenerator hold credentials: never committed.
    project.gitignore.exclude(`/${K8S_DIR}/${BASE_DIR}/${SECRETS_DIR}/`);
    project.addTask('k8s:secrets', {
      description: `Check (or, for in-cluster backing services, create) the secret files under ${K8S_DIR}/${BASE_DIR}/${SECRETS_DIR}/`,
      exec: `sh ${K8S_DIR}/ensure-secrets.sh`,
    });
    project.addTask('k8s:render', {
      description: 'Print the manifests kustomize builds from k8s/ (kubectl kustomize k8s/)',
      exec: `kubectl kustomize ${K8S_DIR}/`,
    });
    project.addTask('k8s:apply', {
      description: 'Deploy the serving stack to the current kubectl context (kubectl apply -k k8s/)',
      steps: [{ spawn: 'k8s:secrets' }, { exec: `kubectl apply -k ${K8S_DIR}/` }],
    });
  }

  /**
   * Sets the Kubernetes-only settings of one service (replicas, requests, node selector,
   * GPU count, job retries). Throws if the service was configured already.
   */
  public configureService(service: MlService, options: KubernetesServiceOptions): void {
    const problems = new Problems(this.path);
    if (!(service instanceof MlService)) {
      problems.add('configureService', service, 'a service construct (PythonService, GpuTrainer or GpuInference)');
      problems.throwIfAny();
    }
    const field = `configureService(${service.serviceId})`;
    if (this.serviceOptions.has(service)) problems.add(`${field}: already configured`, service.serviceId, 'one configureService call per service');
    const shape = z.strictObject(KUBERNETES_SERVICE_OPTIONS_SHAPE);
    const inner = new Problems(`${this.path}`);
    if (checkShape(inner, shape, options ?? {})) {
      const o = options ?? {};
      if (o.replicas !== undefined && !(Number.isInteger(o.replicas) && o.replicas >= 0 && o.replicas <= 1000)) problems.add(`${field} replicas`, o.replicas, 'an integer from 0 to 1000');
      if (o.cpuRequest !== undefined) checkCpu(problems, `${field} cpuRequest`, o.cpuRequest);
      if (o.memoryRequest !== undefined) checkMemory(problems, `${field} memoryRequest`, o.memoryRequest);
      if (o.nodeSelector !== undefined) checkNodeSelector(problems, `${field} nodeSelector`, o.nodeSelector);
      if (o.gpuCount !== undefined && !(Number.isInteger(o.gpuCount) && o.gpuCount >= 1 && o.gpuCount <= 64)) problems.add(`${field} gpuCount`, o.gpuCount, 'an integer from 1 to 64');
      if (o.backoffLimit !== undefined && !(Number.isInteger(o.backoffLimit) && o.backoffLimit >= 0 && o.backoffLimit <= 100)) problems.add(`${field} backoffLimit`, o.backoffLimit, 'an integer from 0 to 100');
    } else {
      inner.throwIfAny();
    }
    problems.throwIfAny();
    const o = options ?? {};
    this.serviceOptions.set(service, { ...o, nodeSelector: o.nodeSelector && { ...o.nodeSelector } });
  }

  /** The app services deployed. */
  public appServices(): MlService[] {
    return [...(this.explicitServices ?? servicesOf(this.project))];
  }

  /** Every problem of the manifests, found before any file is written. */
  public preSynthesize(): void {
    this.model = this.buildModel();
    this.syncFiles(this.model);
  }

  private currentModel(): KubeModel {
    this.model ??= this.buildModel();
    return this.model;
  }

  /** One RenderedFile per manifest (their set depends on the services, known at synth). */
  private syncFiles(model: KubeModel): void {
    for (const file of renderKubernetes(model)) {
      const path = `${K8S_DIR}/${file.path}`;
      if (this.renderedFiles.has(path)) continue;
      const rendered = new RenderedFile(this, path, (f) => this.renderYaml(f.marker ?? '', file.path));
      rendered.preSynthesize();
      this.renderedFiles.set(path, rendered);
    }
  }

  private renderYaml(marker: string, path: string): string {
    const file = renderKubernetes(this.currentModel()).find((f) => f.path === path);
    // Number-like strings (versions such as "535.104.05") stay quoted, as they always were here.
    const docs = (file?.documents ?? []).map((d) => toSafeYaml(d, { aliasDuplicateObjects: false }, /^[-+.0-9][-+.0-9eE_:]*$/));
    return `# ${marker}\n${docs.join('---\n')}`;
  }

  private buildModel(): KubeModel {
    const problems = new Problems(this.path);
    const apps = this.appServices();
    if (apps.length === 0) problems.add('the manifests have no services', [], 'at least one PythonService, GpuTrainer or GpuInference');
    const appNames = apps.map((a) => a.serviceId);
    for (const service of this.serviceOptions.keys()) {
      if (!apps.includes(service)) problems.add('configureService names a service the manifests do not deploy', service.serviceId, `one of: ${oneOf(appNames)}`);
    }
    const resolved = resolveBacking(problems, this.backing, appNames);
    const backingConfig: Record<string, string> = {};
    for (const [kind, r] of resolved) {
      for (const [key, value] of Object.entries(r.link.environment)) {
        backingConfig[key] = this.hosts[kind] ? withHost(value, kind, this.hosts[kind]) : value;
      }
    }
    const linkSecrets = [...new Set([...resolved.values()].flatMap((r) => r.link.secrets))];

    const claims = new Map<string, { size: string; source: string }>();
    const workloads: KubeWorkload[] = [];
    checkImageNameLength(problems, 'imageRegistry', this.registry, apps.map((a) => a._container().image));
    for (const app of apps) {
      const c = app._container();
      const options = this.serviceOptions.get(app) ?? {};
      const field = `[${app.path}]`;
      for (const [key, linked] of linkedEnvironmentClashes(c.environment, Object.keys(backingConfig))) {
        problems.add(`${field} environment.${key} is set by a backing service`, key, `a name the backing services do not set (the manifests set ${linked})`);
      }
      if (c.workload === 'job' && options.replicas !== undefined) problems.add(`${field} replicas is set on a job`, options.replicas, 'no replicas: a job runs its pod to completion (use backoffLimit for retries)');
      if (c.workload !== 'job' && options.backoffLimit !== undefined) problems.add(`${field} backoffLimit is set on a server`, options.backoffLimit, 'backoffLimit only on jobs (trainers)');
      if (!c.gpu && options.gpuCount !== undefined) problems.add(`${field} gpuCount is set on a service without GPUs`, options.gpuCount, 'gpuCount only on GPU services (GpuTrainer, GpuInference)');
      const limits = { cpu: coresToQuantity(c.limits.cpus), memory: composeSizeToQuantity(c.limits.memory) };
      if (options.cpuRequest !== undefined && cpuMillis(options.cpuRequest) > cpuMillis(limits.cpu)) {
        problems.add(`${field} cpuRequest is above the cpu limit`, options.cpuRequest, `at most the cpuLimit ${show(limits.cpu)}`);
      }
      if (options.memoryRequest !== undefined && quantityBytes(options.memoryRequest) > quantityBytes(limits.memory)) {
        problems.add(`${field} memoryRequest is above the memory limit`, options.memoryRequest, `at most the memoryLimit ${show(limits.memory)}`);
      }
      for (const p of c.profiles ?? []) {
        if (p === BASE_DIR || !DNS1123_LABEL.test(p)) problems.add(`${field} profile cannot name a kustomize overlay directory`, p, `a lowercase profile name other than "${BASE_DIR}"`);
      }
      const capAdd = c.capAdd.filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (capAdd.length) problems.add(`${field} adds capabilities the restricted pod security standard forbids`, capAdd, 'no capabilities but NET_BIND_SERVICE');
      const mounts: KubeMount[] = c.volumes.map((v) => {
        const claim = claimName(v.source, v.named);
        const other = claims.get(claim);
        if (other && other.source !== v.source) problems.add(`${field} volumes "${other.source}" and "${v.source}" map to one PersistentVolumeClaim`, claim, 'volume sources with distinct names');
        claims.set(claim, { source: v.source, size: this.volumeSizes[claim] ?? this.volumeSize });
        return { claim, target: v.target, readOnly: v.readOnly };
      });
      const gpuCount = c.gpu ? options.gpuCount ?? gpuCountOf(c) : undefined;
      const minDriver = app._gpuSummary()?.minDriver;
      // The NVIDIA device plugin sets NVIDIA_VISIBLE_DEVICES to the GPUs it allocated; the value
      // compose passes ("all", device ids) would widen that allocation to every GPU of the node.
      const { NVIDIA_VISIBLE_DEVICES: _visible, ...environment } = c.environment;
      workloads.push({
        spec: { ...c, environment: c.gpu ? environment : c.environment, secrets: [] },
        kind: c.workload === 'job' ? 'Job' : 'Deployment',
        replicas: options.replicas ?? 1,
        requests: { cpu: options.cpuRequest ?? limits.cpu, memory: options.memoryRequest ?? limits.memory },
        limits,
        gpuCount,
        nodeSelector: {
          // an image built for several platforms runs on nodes of any of them
          ...archSelector(c.platforms && c.platforms.length > 1 ? undefined : c.platform),
          ...(c.gpu ? this.gpuNodeSelector : {}),
          ...(options.nodeSelector ?? {}),
        },
        backoffLimit: c.workload === 'job' ? options.backoffLimit ?? DEFAULT_BACKOFF_LIMIT : undefined,
        annotations: minDriver ? { [DRIVER_ANNOTATION]: minDriver } : {},
        ...userOf(c),
        scratch: scratchOf(c),
        shmSizeLimit: c.shmSize ? composeSizeToQuantity(c.shmSize) : undefined,
        mounts,
        claimTemplates: [],
        secretKeys: [...new Set([...c.secrets, ...linkSecrets])],
        backingEnv: Object.keys(backingConfig).length > 0,
        ports: c.ports.map((p) => ({ name: 'http', port: p.container })),
        overlays: [...new Set(c.profiles ?? [])],
      });
    }
    const secrets = new Set(linkSecrets);
    if (this.mode === KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS) {
      for (const [kind, r] of resolved) {
        const w = this.backingWorkload(kind as BackingServiceKind, r.container);
        w.secretKeys.forEach((s) => secrets.add(s));
        workloads.push(w);
      }
    }
    for (const name of Object.keys(this.volumeSizes)) {
      const templates = workloads.flatMap((w) => w.claimTemplates.map((t) => t.name));
      if (!claims.has(name) && !templates.includes(name)) {
        problems.add('volumeSizes names a claim the manifests do not have', name, `one of: ${oneOf([...claims.keys(), ...templates].sort())}`);
      }
    }
    problems.throwIfAny();
    const model: KubeModel = {
      partOf: namespaceFromProject(this.project.name) || this.namespace,
      namespace: this.namespace,
      createNamespace: this.createNamespace,
      registry: this.registry,
      tag: this.tag,
      workloads,
      claims: [...claims.entries()].map(([name, c]): KubeClaim => ({ name, size: c.size })),
      storageClassName: this.storageClassName,
      backingConfig: Object.fromEntries(Object.keys(backingConfig).sort().map((k) => [k, backingConfig[k]])),
      secrets: [...secrets].sort(),
    };
    this.checkNames(problems, model, apps, claims);
    problems.throwIfAny();
    return model;
  }

  /**
   * Every object and file name of the rendered tree valid for its kind and unique, checked
   * on the renderer's own output (so no name the renderer makes escapes the check).
   */
  private checkNames(problems: Problems, model: KubeModel, apps: MlService[], claims: Map<string, { source: string }>): void {
    const owners = (kind: string, name: string): string => {
      if (kind === 'Namespace') return `the namespace "${name}"`;
      if (kind === 'PersistentVolumeClaim') {
        const claim = claims.get(name);
        return claim ? `volume "${claim.source}"` : `claim "${name}"`;
      }
      const app = apps.find((a) => a.serviceId === name);
      if (app && ['Deployment', 'Service', 'Job'].includes(kind)) return `service "${name}" (${app.path})`;
      if (model.workloads.some((w) => w.kind === 'StatefulSet' && w.spec.name === name)) return `backing service "${name}"`;
      return `the generated ${kind} "${name}"`;
    };
    for (const p of checkRenderedNames(renderKubernetes(model), owners)) problems.addRaw(p.message, show(p.got), p.expected);
  }

  /** A backing preset as a single-replica StatefulSet with the compose preset's hardening. */
  private backingWorkload(kind: BackingServiceKind, c: ContainerSpec): KubeWorkload {
    const environment = { ...c.environment };
    const data = c.volumes.find((v) => v.named);
    // A claim's root belongs to root (group fsGroup); initdb wants a directory of its own.
    if (kind === BackingServiceKind.POSTGRES && data && data.target.endsWith('/data')) environment.PGDATA = `${data.target}/pgdata`;
    const limits = { cpu: coresToQuantity(c.limits.cpus), memory: composeSizeToQuantity(c.limits.memory) };
    const templates = c.volumes.filter((v) => v.named).map((v) => ({ name: v.source, size: this.volumeSizes[v.source] ?? this.volumeSize }));
    return {
      spec: { ...c, environment, path: this.path },
      kind: 'StatefulSet',
      replicas: 1,
      requests: limits,
      limits,
      nodeSelector: {},
      annotations: {},
      // The restricted profile refuses root: images without a user of their own (mlflow)
      // run as the app user, which the image does not need to know.
      ...(c.user ? userOf(c) : { runAsUser: APP_UID, runAsGroup: APP_UID }),
      scratch: scratchOf(c),
      mounts: c.volumes.filter((v) => v.named).map((v) => ({ claim: v.source, target: v.target, readOnly: v.readOnly })),
      claimTemplates: templates,
      secretKeys: [...c.secrets],
      backingEnv: false,
      ports: [BACKING_PORTS[kind]],
      overlays: [],
    };
  }

  /** `k8s/README.md` (templates/k8s-README.md.ejs): how to apply, the files, volumes, secrets, backing services. */
  private renderReadme(marker: string): string {
    const model = this.currentModel();
    const overlays = [...new Set(model.workloads.flatMap((w) => w.overlays))].sort();
    const kinds = resolvedKinds(this.backing);
    return renderTemplate('k8s-README.md.ejs', {
      marker,
      namespace: model.namespace,
      overlays,
      commands: [
        ['npx projen k8s:secrets', 'checks (or creates) the secret files kustomize reads'],
        ['kubectl apply -k k8s/', 'the serving stack'],
        ...overlays.map((o) => [`kubectl apply -k k8s/${o}/`, `the serving stack plus the "${o}" jobs`]),
      ],
      files: [
        ['kustomization.yaml', 'entry point: the base'],
        [`${BASE_DIR}/kustomization.yaml`, `namespace \`${model.namespace}\`, resources, the \`backing-services\` ConfigMap and the \`stack-secrets\` Secret generators`],
        ...model.workloads.filter((w) => w.overlays.length === 0).map((w) => [`${BASE_DIR}/${w.spec.name}.yaml`, describe(w)]),
        ...(model.claims.length ? [[`${BASE_DIR}/volumes.yaml`, `PersistentVolumeClaims: ${model.claims.map((c) => `\`${c.name}\` (${c.size})`).join(', ')}`]] : []),
        ...overlays.flatMap((o) => [
          [`${o}/kustomization.yaml`, `overlay for the compose profile \`${o}\`: the base plus its jobs`],
          ...model.workloads.filter((w) => w.overlays.includes(o)).map((w) => [`${o}/${w.spec.name}.yaml`, describe(w)]),
        ]),
      ],
      volumes: model.claims.length > 0 || model.workloads.some((w) => w.claimTemplates.length > 0),
      secrets: model.secrets,
      secretsDir: `${K8S_DIR}/${BASE_DIR}/${SECRETS_DIR}`,
      external: this.mode === KubernetesBackingMode.EXTERNAL,
      backing: kinds.map((k) => ({ kind: k, recommended: RECOMMENDED[k], host: this.hosts[k] ?? k })),
    });
  }

  private renderSecretsScript(marker: string): string {
    const create = this.mode === KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS;
    return renderSecretsScript({
      marker,
      comments: [
        `The files kustomize's secretGenerator reads (k8s/${BASE_DIR}/${SECRETS_DIR}/, git-ignored, 0700).`,
        create
          ? 'In-cluster backing services: missing files are created with random values; existing ones are kept.'
          : 'External backing services: their passwords must be placed here; missing files are listed.',
      ],
      dir: `${K8S_DIR}/${BASE_DIR}/${SECRETS_DIR}`,
      dirVariable: true,
      names: this.currentModel().secrets,
      create,
      mode: '400',
      countMissing: true,
    });
  }
}

function resolvedKinds(backing: BackingService[]): BackingServiceKind[] {
  return backing.map((b) => b.kind);
}

function describe(w: KubeWorkload): string {
  const parts = [w.kind === 'Job' ? `Job (restartPolicy Never, backoffLimit ${w.backoffLimit})` : w.kind === 'StatefulSet' ? 'StatefulSet (1 replica, development only)' : `Deployment (${w.replicas} replica${w.replicas === 1 ? '' : 's'})`];
  if (w.ports.length && w.kind !== 'Job') parts.push(`Service on port ${w.ports.map((p) => p.port).join(', ')}`);
  if (w.gpuCount !== undefined) parts.push(`${w.gpuCount} GPU${w.gpuCount === 1 ? '' : 's'}${w.annotations[DRIVER_ANNOTATION] ? `, driver >= ${w.annotations[DRIVER_ANNOTATION]}` : ''}`);
  return parts.join('; ');
}

/** Replaces the host (and port) of a backing service URL (`postgresql://app@postgres:5432/app`). */
function withHost(value: string, kind: string, host: string): string {
  const pattern = new RegExp(`^([a-z][a-z0-9+.-]*://(?:[^@/]+@)?)${kind}(:[0-9]+)?(?=/|$)`);
  return value.replace(pattern, (_all, prefix: string, port: string | undefined) => `${prefix}${host}${host.includes(':') ? '' : port ?? ''}`);
}

function gpuCountOf(c: ContainerSpec): number {
  if (typeof c.gpu?.count === 'number') return c.gpu.count;
  if (c.gpu?.deviceIds) return c.gpu.deviceIds.length;
  // Compose's "all" has no Kubernetes meaning: a pod asks for a number of GPUs.
  return 1;
}

function archSelector(platform: string | undefined): Record<string, string> {
  const m = platform && /^linux\/(amd64|arm64)$/.exec(platform);
  return m ? { 'kubernetes.io/arch': m[1], 'kubernetes.io/os': 'linux' } : {};
}

function userOf(c: ContainerSpec): { runAsUser: number; runAsGroup: number } {
  const m = c.user ? /^([0-9]+)(?::([0-9]+))?$/.exec(c.user) : null;
  if (!m) return { runAsUser: APP_UID, runAsGroup: APP_UID };
  return { runAsUser: Number(m[1]), runAsGroup: Number(m[2] ?? m[1]) };
}

/** The container's tmpfs mounts as in-memory emptyDir scratch volumes of the same size. */
function scratchOf(c: ContainerSpec): Array<{ path: string; sizeLimit: string }> {
  return c.tmpfs.map((t) => ({ path: t.path, sizeLimit: composeSizeToQuantity(t.size) }));
}
