import { BackingServiceKind } from './backing-service';
import { DRIVER_ANNOTATION, KubeMount, KubeWorkload } from './kubernetes-model';
import { claimName, DNS1123_LABEL } from './kubernetes-names';
import { KubernetesServiceOptions } from './kubernetes-props';
import { coresToQuantity, cpuMillis, quantityBytes, sizeQuantity } from './kubernetes-quantities';
import { linkedEnvironmentClashes } from './stack-model';
import { ContainerSpec } from '../core/container-spec';
import { BASE_DIR } from '../core/layout';
import { Problems, show } from '../core/problems';
import { APP_UID } from '../service/service';

/**
 * The manifests' workloads from containers: an app service as a Deployment or Job, a backing
 * preset as a development StatefulSet, and how each container setting translates (GPU count,
 * node architecture, user, scratch volumes, backing hosts).
 */

const DEFAULT_BACKOFF_LIMIT = 2;

/** The port each backing service listens on, and its port name. */
const BACKING_PORTS: Record<BackingServiceKind, { name: string; port: number }> = {
  [BackingServiceKind.POSTGRES]: { name: 'postgres', port: 5432 },
  [BackingServiceKind.REDIS]: { name: 'redis', port: 6379 },
  [BackingServiceKind.MLFLOW]: { name: 'http', port: 5000 },
};

/**
 * What every app workload of the manifests shares: the backing services' settings, the claims so far, the GPU
 * nodes.
 */
export interface AppWorkloadContext {
  /** The backing services' environment, as the manifests set it. */
  readonly backingConfig: Readonly<Record<string, string>>;
  /** The secrets the backing services' links name. */
  readonly linkSecrets: readonly string[];
  /** The node selector of every GPU workload. */
  readonly gpuNodeSelector: Readonly<Record<string, string>>;
  /** The size of a claim. */
  readonly sizeOf: (claim: string) => string;
  /** The claims of the manifests, by name: each app's volumes are added (and checked against the others). */
  readonly claims: Map<string, { size: string; source: string }>;
  /** The compute capabilities this app's image serves (its GPU fleet), if it has one. */
  readonly gpuCapabilities?: readonly string[];
}

/**
 * The problems of a service's Kubernetes settings (`options`) that need its container:
 * replicas only on servers, backoffLimit only on jobs, gpuCount only with GPUs, requests
 * within the limits. `field` names the settings in messages (`configureService(api)`).
 */
export function checkOptionsFit(
  problems: Problems, field: string, c: ContainerSpec, options: KubernetesServiceOptions,
): void {
  if (c.workload === 'job' && options.replicas !== undefined) problems.add(`${field} replicas is set on a job`, options.replicas, 'no replicas: a job runs its pod to completion (use backoffLimit for retries)');
  if (c.workload !== 'job' && options.backoffLimit !== undefined) problems.add(`${field} backoffLimit is set on a server`, options.backoffLimit, 'backoffLimit only on jobs (trainers)');
  if (!c.gpu && options.gpuCount !== undefined) problems.add(`${field} gpuCount is set on a service without GPUs`, options.gpuCount, 'gpuCount only on GPU services (GpuTrainer, GpuInference)');
  const limits = limitsOf(c);
  if (options.cpuRequest !== undefined && cpuMillis(options.cpuRequest) > cpuMillis(limits.cpu)) {
    problems.add(`${field} cpuRequest is above the cpu limit`, options.cpuRequest, `at most the cpuLimit ${show(limits.cpu)}`);
  }
  if (options.memoryRequest !== undefined
    && quantityBytes(options.memoryRequest) > quantityBytes(limits.memory)) {
    problems.add(`${field} memoryRequest is above the memory limit`, options.memoryRequest, `at most the memoryLimit ${show(limits.memory)}`);
  }
}

/**
 * An app service's container as a Deployment or Job, with the checks that need its
 * Kubernetes settings (`options`, named `field` in messages) next to its container
 * (`checkOptionsFit`), and the container's own: profiles as overlay names, capabilities the
 * restricted standard allows, one claim per volume source (reported at the service's path).
 */
export function appWorkload(
  problems: Problems, field: string, c: ContainerSpec, options: KubernetesServiceOptions,
  minDriver: string | undefined, ctx: AppWorkloadContext,
): KubeWorkload {
  const claims = ctx.claims;
  for (const [key, linked] of linkedEnvironmentClashes(c.environment, Object.keys(ctx.backingConfig))) {
    problems.addAt(c.path, `environment.${key} is set by a backing service`, key, `a name the backing services do not set (the manifests set ${linked})`);
  }
  checkOptionsFit(problems, field, c, options);
  const limits = limitsOf(c);
  for (const p of c.profiles ?? []) {
    if (p === BASE_DIR || !DNS1123_LABEL.test(p)) problems.addAt(c.path, 'profile cannot name a kustomize overlay directory', p, `a lowercase profile name other than "${BASE_DIR}"`);
  }
  const capAdd = c.security.capAdd.filter((cap) => cap !== 'NET_BIND_SERVICE');
  if (capAdd.length) problems.addAt(c.path, 'adds capabilities the restricted pod security standard forbids', capAdd, 'no capabilities but NET_BIND_SERVICE');
  const mounts: KubeMount[] = c.volumes.map((v) => {
    const claim = claimName(v.source, v.named);
    const other = claims.get(claim);
    if (other && other.source !== v.source) problems.addAt(c.path, `volumes "${other.source}" and "${v.source}" map to one PersistentVolumeClaim`, claim, 'volume sources with distinct names');
    claims.set(claim, { source: v.source, size: ctx.sizeOf(claim) });
    return { claim, target: v.target, readOnly: v.readOnly };
  });
  const gpuCount = c.gpu ? options.gpuCount ?? gpuCountOf(c) : undefined;
  // The NVIDIA device plugin sets NVIDIA_VISIBLE_DEVICES to the GPUs it allocated; the value
  // compose passes ("all", device ids) would widen that allocation to every GPU of the node.
  const { NVIDIA_VISIBLE_DEVICES: _visible, ...environment } = c.environment;
  return {
    spec: { ...c, environment: c.gpu ? environment : c.environment, secrets: [] },
    kind: c.workload === 'job' ? 'Job' : 'Deployment',
    replicas: options.replicas ?? 1,
    requests: { cpu: options.cpuRequest ?? limits.cpu, memory: options.memoryRequest ?? limits.memory },
    limits,
    gpuCount,
    nodeSelector: {
      // an image built for several platforms runs on nodes of any of them
      ...archSelector(c.platforms && c.platforms.length > 1 ? undefined : c.platform),
      ...(c.gpu ? ctx.gpuNodeSelector : {}),
      ...(options.nodeSelector ?? {}),
    },
    backoffLimit: c.workload === 'job' ? options.backoffLimit ?? DEFAULT_BACKOFF_LIMIT : undefined,
    annotations: minDriver ? { [DRIVER_ANNOTATION]: minDriver } : {},
    ...userOf(c),
    scratch: scratchOf(c),
    shmSizeLimit: c.shmSize ? sizeQuantity(c.shmSize) : undefined,
    mounts,
    claimTemplates: [],
    secretKeys: [...new Set([...c.secrets, ...ctx.linkSecrets])],
    backingEnv: Object.keys(ctx.backingConfig).length > 0,
    ports: c.ports.map((p) => ({ name: 'http', port: p.container })),
    overlays: [...new Set(c.profiles ?? [])],
    ...(c.gpu && ctx.gpuCapabilities ? { gpuCapabilities: [...ctx.gpuCapabilities] } : {}),
  };
}

/** A backing preset as a single-replica StatefulSet with the compose preset's hardening. */
export function backingWorkload(
  kind: BackingServiceKind, c: ContainerSpec, path: string, sizeOf: (claim: string) => string,
): KubeWorkload {
  const environment = { ...c.environment };
  const data = c.volumes.find((v) => v.named);
  // A claim's root belongs to root (group fsGroup); initdb wants a directory of its own.
  if (kind === BackingServiceKind.POSTGRES && data && data.target.endsWith('/data')) environment.PGDATA = `${data.target}/pgdata`;
  const limits = limitsOf(c);
  const templates = c.volumes.filter((v) => v.named).map((v) => ({ name: v.source, size: sizeOf(v.source) }));
  return {
    spec: { ...c, environment, path },
    kind: 'StatefulSet',
    replicas: 1,
    requests: limits,
    limits,
    nodeSelector: {},
    annotations: {},
    // The restricted profile refuses root: images without a user of their own (mlflow)
    // run as the app user, which the image does not need to know.
    ...userOf(c),
    scratch: scratchOf(c),
    mounts: c.volumes.filter((v) => v.named)
      .map((v) => ({ claim: v.source, target: v.target, readOnly: v.readOnly })),
    claimTemplates: templates,
    secretKeys: [...c.secrets],
    backingEnv: false,
    ports: [BACKING_PORTS[kind]],
    overlays: [],
  };
}

/** Replaces the host (and port) of a backing service URL (`postgresql://app@postgres:5432/app`). */
export function withHost(value: string, kind: string, host: string): string {
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

/** The container's user, else the app user (the restricted profile refuses the image's root). */
function userOf(c: ContainerSpec): { runAsUser: number; runAsGroup: number } {
  const user = c.security.user;
  return user ? { runAsUser: user.uid, runAsGroup: user.gid } : { runAsUser: APP_UID, runAsGroup: APP_UID };
}

/** The container's tmpfs mounts as in-memory emptyDir scratch volumes of the same size. */
function scratchOf(c: ContainerSpec): Array<{ path: string; sizeLimit: string }> {
  return c.tmpfs.map((t) => ({ path: t.path, sizeLimit: sizeQuantity(t.size) }));
}

/** The container's cpu and memory limits as Kubernetes quantities. */
function limitsOf(c: ContainerSpec): { cpu: string; memory: string } {
  return { cpu: coresToQuantity(c.limits.cpus), memory: sizeQuantity(c.limits.memory) };
}
