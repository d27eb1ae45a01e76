import {
  BACKING_CONFIG_MAP, GPU_RESOURCE, KubeModel, KubeWorkload, SECRETS_MOUNT, STACK_SECRET, workloadLabels,
} from './kubernetes-model';
import { SECRETS_VOLUME, SHM_VOLUME, scratchVolumeName } from './kubernetes-names';
import { ContainerSpec, HealthSpec } from '../core/container-spec';
import { byCodeUnits } from '../core/order';

/**
 * A workload's pod, as every workload kind carries it: the container (image, arguments,
 * environment, resources, probes, security context, mounts) and the pod around it (security
 * context, node selection, volumes). Each part is its own function, so a kind that patches a
 * pod it does not own (a Kubeflow TrainJob) takes the same parts. Pure: model in, objects out.
 */

type Doc = Record<string, unknown>;

/** Kubernetes expands `$(VAR)` in command, args and env values; `$$` is a literal `$`. */
export function escapeExpansion(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** The image reference: a built image with the registry prefix and tag, a prebuilt one as given. */
export function imageOf(model: KubeModel, c: ContainerSpec): string {
  return c.imageIsBuilt ? `${model.registry ? `${model.registry}/` : ''}${c.image}:${model.tag}` : c.image;
}

/**
 * The probe handler mirroring a health check: an HTTP check of the image's helper becomes
 * `httpGet` on the named port (no process per probe); anything else runs the same command.
 */
export function probeHandler(h: HealthSpec, ports: KubeWorkload['ports']): Doc {
  const t = h.test;
  if (!h.shell && t[2] === 'mldocker_runtime.healthcheck' && t[3] === 'http' && t.length === 5) {
    const url = /^http:\/\/(127\.0\.0\.1|localhost):([0-9]+)(\/.*)$/.exec(t[4]);
    const port = url && ports.find((p) => p.port === Number(url[2]));
    if (url && port) return { httpGet: { path: url[3], port: port.name, scheme: 'HTTP' } };
  }
  return { exec: { command: h.shell ? ['sh', '-c', t.join(' ')] : [...t] } };
}

function probes(w: KubeWorkload): Doc {
  const h = w.spec.healthcheck;
  // A probe that only asks whether the process runs tells the kubelet nothing it does not
  // know; on a Job its startup and liveness windows could only kill a long step.
  if (!h || h.watchesProcessOnly) return {};
  const handler = probeHandler(h, w.ports);
  const out: Doc = {};
  // Docker's start period: failures do not count until the first success. The startup probe
  // gives the same grace (start period plus `retries` intervals) before liveness takes over.
  if (h.startPeriod > 0) {
    const grace = h.startPeriod + h.interval * h.retries;
    out.startupProbe = {
      ...handler, periodSeconds: 5, timeoutSeconds: h.timeout, failureThreshold: Math.ceil(grace / 5),
    };
  }
  out.livenessProbe = {
    ...handler, periodSeconds: h.interval, timeoutSeconds: h.timeout, failureThreshold: h.retries,
  };
  // A Job has no traffic to gate: readiness only for servers.
  if (w.kind !== 'Job') {
    out.readinessProbe = {
      ...handler,
      periodSeconds: Math.min(h.interval, 10),
      timeoutSeconds: h.timeout,
      failureThreshold: h.retries,
    };
  }
  return out;
}

/** The container's own variables and those read from the pod's fields, by name. */
export function containerEnv(w: KubeWorkload): Doc[] {
  const env = w.spec.environment;
  const fields = w.fieldEnvironment ?? {};
  const entries: Doc[] = [
    ...Object.keys(env).map((k) => ({ name: k, value: escapeExpansion(env[k]) })),
    ...Object.keys(fields).map((k) => ({ name: k, valueFrom: { fieldRef: { fieldPath: fields[k] } } })),
  ];
  return entries.sort(byCodeUnits((e) => String(e.name)));
}

/** Requests and limits; extended resources (GPUs, RDMA devices) are requested through limits. */
export function containerResources(w: KubeWorkload): Doc {
  const limits: Doc = { cpu: w.limits.cpu, memory: w.limits.memory };
  if (w.gpuCount !== undefined) limits[GPU_RESOURCE] = w.gpuCount;
  const extended = w.extendedResources ?? {};
  for (const name of Object.keys(extended).sort()) limits[name] = extended[name];
  return { requests: { cpu: w.requests.cpu, memory: w.requests.memory }, limits };
}

/** The container's security context: the restricted profile, with the neutral model's settings. */
export function containerSecurity(w: KubeWorkload): Doc {
  const security = w.spec.security;
  const capabilities: Doc = { drop: security.dropAllCapabilities ? ['ALL'] : [] };
  // The restricted profile allows adding NET_BIND_SERVICE only (kubernetes.ts refuses others).
  if (security.capAdd.length) capabilities.add = [...security.capAdd].sort();
  return {
    allowPrivilegeEscalation: !security.noNewPrivileges,
    privileged: false,
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
    runAsNonRoot: true,
    runAsUser: w.runAsUser,
    runAsGroup: w.runAsGroup,
    capabilities,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Scratch, shared memory, claims and the secrets, where the container sees them. */
export function volumeMounts(w: KubeWorkload): Doc[] {
  return [
    ...w.scratch.map((s) => ({ name: scratchVolumeName(s.path), mountPath: s.path })),
    ...(w.shmSizeLimit ? [{ name: SHM_VOLUME, mountPath: '/dev/shm' }] : []),
    ...w.mounts.map((m) => ({ name: m.claim, mountPath: m.target, ...readOnlyFlag(m.readOnly) })),
    ...(w.secretKeys.length ? [{ name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT, readOnly: true }] : []),
  ];
}

/** `readOnly: true` when it is, nothing otherwise. */
function readOnlyFlag(readOnly: boolean): Doc {
  return readOnly ? { readOnly: true } : {};
}

/** The container of a workload's pod. */
export function container(model: KubeModel, w: KubeWorkload): Doc {
  const c = w.spec;
  const out: Doc = {
    name: c.name,
    image: imageOf(model, c),
    imagePullPolicy: 'IfNotPresent',
  };
  // compose `command` replaces the image's CMD and keeps its ENTRYPOINT (tini); on Kubernetes
  // that is `args` (`command` would replace the ENTRYPOINT).
  if (c.command) out.args = c.command.map(escapeExpansion);
  if (w.ports.length) {
    out.ports = w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));
  }
  const env = containerEnv(w);
  if (env.length) out.env = env;
  if (w.backingEnv) out.envFrom = [{ configMapRef: { name: BACKING_CONFIG_MAP } }];
  out.resources = containerResources(w);
  Object.assign(out, probes(w));
  out.securityContext = containerSecurity(w);
  const mounts = volumeMounts(w);
  if (mounts.length) out.volumeMounts = mounts;
  return out;
}

/** The pod's security context: the restricted profile, volumes owned by the container's group. */
export function podSecurity(w: KubeWorkload): Doc {
  const sysctls = w.sysctls ?? {};
  return {
    runAsNonRoot: true,
    runAsUser: w.runAsUser,
    runAsGroup: w.runAsGroup,
    // Volumes (claims, secrets) are group-owned by the container's group.
    fsGroup: w.runAsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
    ...(Object.keys(sysctls).length
      ? { sysctls: Object.keys(sysctls).sort().map((name) => ({ name, value: sysctls[name] })) } : {}),
  };
}

/** The node labels the pod needs, sorted. */
export function nodeSelectorOf(w: KubeWorkload): Record<string, string> | undefined {
  const keys = Object.keys(w.nodeSelector).sort();
  return keys.length ? Object.fromEntries(keys.map((k) => [k, w.nodeSelector[k]])) : undefined;
}

/** GPU Feature Discovery's node labels of a GPU's compute capability (`9.0`: major 9, minor 0). */
export const GPU_COMPUTE_MAJOR = 'nvidia.com/gpu.compute.major';
export const GPU_COMPUTE_MINOR = 'nvidia.com/gpu.compute.minor';

/**
 * A GPU fleet's node affinity: one node selector term per compute capability the image serves
 * (terms are alternatives, the expressions of a term all hold), so the pod lands only on a node
 * whose GPUs it has kernels for. Undefined without a fleet.
 */
export function affinityOf(w: KubeWorkload): Doc | undefined {
  if (!w.gpuCapabilities || w.gpuCapabilities.length === 0) return undefined;
  const terms = w.gpuCapabilities.map((capability) => {
    const [major, minor] = capability.split('.');
    return {
      matchExpressions: [
        { key: GPU_COMPUTE_MAJOR, operator: 'In', values: [major] },
        { key: GPU_COMPUTE_MINOR, operator: 'In', values: [minor] },
      ],
    };
  });
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/** GPU nodes are commonly tainted nvidia.com/gpu:NoSchedule so only GPU pods land there. */
export function tolerationsOf(w: KubeWorkload): Doc[] | undefined {
  if (w.gpuCount === undefined) return undefined;
  return [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }];
}

/** The pod's volumes: scratch and shared memory in memory, the claims, the secrets it reads. */
export function podVolumes(w: KubeWorkload): Doc[] {
  const volumes: Doc[] = [
    ...w.scratch.map((s) => ({
      name: scratchVolumeName(s.path), emptyDir: s.sizeLimit ? { sizeLimit: s.sizeLimit } : {},
    })),
    ...(w.shmSizeLimit
      ? [{ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: w.shmSizeLimit } }] : []),
  ];
  if (w.kind !== 'StatefulSet') {
    const seen = new Set<string>();
    for (const m of w.mounts) {
      if (seen.has(m.claim)) continue;
      seen.add(m.claim);
      const readOnly = w.mounts.filter((x) => x.claim === m.claim).every((x) => x.readOnly);
      const claim = { claimName: m.claim, ...readOnlyFlag(readOnly) };
      volumes.push({ name: m.claim, persistentVolumeClaim: claim });
    }
  }
  if (w.secretKeys.length) {
    volumes.push({
      name: SECRETS_VOLUME,
      secret: {
        secretName: STACK_SECRET,
        // Readable by the pod's group (fsGroup), as compose's 0444 files are by anyone.
        defaultMode: 0o440,
        items: [...w.secretKeys].sort().map((k) => ({ key: k, path: k })),
      },
    });
  }
  return volumes;
}

/** The pod spec of a workload. */
export function podSpec(model: KubeModel, w: KubeWorkload): Doc {
  const spec: Doc = {
    // Pods never talk to the API server: no token in the file system.
    automountServiceAccountToken: false,
    // No `<SERVICE>_PORT=tcp://...` variables: they clash with settings such as REDIS_PORT.
    enableServiceLinks: false,
  };
  if (w.kind === 'Job') spec.restartPolicy = 'Never';
  spec.securityContext = podSecurity(w);
  const nodeSelector = nodeSelectorOf(w);
  if (nodeSelector) spec.nodeSelector = nodeSelector;
  const affinity = affinityOf(w);
  if (affinity) spec.affinity = affinity;
  const tolerations = tolerationsOf(w);
  if (tolerations) spec.tolerations = tolerations;
  spec.containers = [container(model, w)];
  const volumes = podVolumes(w);
  if (volumes.length) spec.volumes = volumes;
  return spec;
}

/** The pod template's metadata: the workload's labels, and its annotations when it has some. */
export function podMetadata(model: KubeModel, w: KubeWorkload): Doc {
  const metadata: Doc = { labels: workloadLabels(model.partOf, w) };
  if (Object.keys(w.annotations).length) metadata.annotations = { ...w.annotations };
  return metadata;
}

/** The pod template of a workload. */
export function podTemplate(model: KubeModel, w: KubeWorkload): Doc {
  return { metadata: podMetadata(model, w), spec: podSpec(model, w) };
}
