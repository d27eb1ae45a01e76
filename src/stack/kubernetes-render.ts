import {
  BACKING_CONFIG_MAP, GPU_RESOURCE, KubeFile, KubeModel, KubeWorkload, LABEL_PREFIX, SECRETS_MOUNT, STACK_SECRET,
  namespaceLabels, podSelectorLabels, workloadLabels,
} from './kubernetes-model';
import { SECRETS_VOLUME, SHM_VOLUME, scratchVolumeName } from './kubernetes-names';
import { NETWORK_POLICIES_FILE, defaultDenyPolicy, workloadPolicy } from './network-policy-render';
import { ContainerSpec, HealthSpec } from '../core/container-spec';
import { BASE_DIR, SECRETS_DIR } from '../core/layout';
import { byCodeUnits } from '../core/order';

/**
 * The Kubernetes renderer: the Kubernetes model (`kubernetes-model.ts`: the renderer-neutral
 * container model compose.yaml is rendered from, plus the Kubernetes-only settings) in; plain
 * objects out. Pure: no projen, no validation (kubernetes.ts validates and resolves everything first).
 */

/** Kubernetes expands `$(VAR)` in command, args and env values; `$$` is a literal `$`. */
export function escapeExpansion(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function labels(model: KubeModel, w: KubeWorkload): Record<string, string> {
  return workloadLabels(model.partOf, w);
}

function selector(model: KubeModel, w: KubeWorkload): Record<string, string> {
  return podSelectorLabels(model.partOf, w.spec.name);
}

function image(model: KubeModel, c: ContainerSpec): string {
  return c.imageIsBuilt ? `${model.registry ? `${model.registry}/` : ''}${c.image}:${model.tag}` : c.image;
}

/**
 * The probe handler mirroring a health check: an HTTP check of the image's helper becomes
 * `httpGet` on the named port (no process per probe); anything else runs the same command.
 */
export function probeHandler(h: HealthSpec, ports: KubeWorkload['ports']): Record<string, unknown> {
  const t = h.test;
  if (!h.shell && t[2] === 'mldocker_runtime.healthcheck' && t[3] === 'http' && t.length === 5) {
    const url = /^http:\/\/(127\.0\.0\.1|localhost):([0-9]+)(\/.*)$/.exec(t[4]);
    const port = url && ports.find((p) => p.port === Number(url[2]));
    if (url && port) return { httpGet: { path: url[3], port: port.name, scheme: 'HTTP' } };
  }
  return { exec: { command: h.shell ? ['sh', '-c', t.join(' ')] : [...t] } };
}

function probes(w: KubeWorkload): Record<string, unknown> {
  const h = w.spec.healthcheck;
  if (!h) return {};
  const handler = probeHandler(h, w.ports);
  const out: Record<string, unknown> = {};
  // Docker's start period: failures do not count until the first success. The startup probe
  // gives the same grace (start period plus `retries` intervals) before liveness takes over.
  if (h.startPeriod > 0) {
    const grace = h.startPeriod + h.interval * h.retries;
    out.startupProbe = { ...handler, periodSeconds: 5, timeoutSeconds: h.timeout, failureThreshold: Math.ceil(grace / 5) };
  }
  out.livenessProbe = { ...handler, periodSeconds: h.interval, timeoutSeconds: h.timeout, failureThreshold: h.retries };
  // A Job has no traffic to gate: readiness only for servers.
  if (w.kind !== 'Job') {
    out.readinessProbe = { ...handler, periodSeconds: Math.min(h.interval, 10), timeoutSeconds: h.timeout, failureThreshold: h.retries };
  }
  return out;
}

function container(model: KubeModel, w: KubeWorkload): Record<string, unknown> {
  const c = w.spec;
  const out: Record<string, unknown> = {
    name: c.name,
    image: image(model, c),
    imagePullPolicy: 'IfNotPresent',
  };
  // compose `command` replaces the image's CMD and keeps its ENTRYPOINT (tini); on Kubernetes
  // that is `args` (`command` would replace the ENTRYPOINT).
  if (c.command) out.args = c.command.map(escapeExpansion);
  if (w.ports.length) out.ports = w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));
  const envKeys = Object.keys(c.environment).sort();
  if (envKeys.length) out.env = envKeys.map((k) => ({ name: k, value: escapeExpansion(c.environment[k]) }));
  if (w.backingEnv) out.envFrom = [{ configMapRef: { name: BACKING_CONFIG_MAP } }];
  const limits: Record<string, unknown> = { cpu: w.limits.cpu, memory: w.limits.memory };
  // Extended resources are requested through limits (the request defaults to the limit).
  if (w.gpuCount !== undefined) limits[GPU_RESOURCE] = w.gpuCount;
  out.resources = { requests: { cpu: w.requests.cpu, memory: w.requests.memory }, limits };
  Object.assign(out, probes(w));
  const security = c.security;
  const capabilities: Record<string, unknown> = { drop: security.dropAllCapabilities ? ['ALL'] : [] };
  // The restricted profile allows adding NET_BIND_SERVICE only (kubernetes.ts refuses others).
  if (security.capAdd.length) capabilities.add = [...security.capAdd].sort();
  out.securityContext = {
    allowPrivilegeEscalation: !security.noNewPrivileges,
    privileged: false,
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
    runAsNonRoot: true,
    runAsUser: w.runAsUser,
    runAsGroup: w.runAsGroup,
    capabilities,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const mounts: Array<Record<string, unknown>> = [
    ...w.scratch.map((s) => ({ name: scratchVolumeName(s.path), mountPath: s.path })),
    ...(w.shmSizeLimit ? [{ name: SHM_VOLUME, mountPath: '/dev/shm' }] : []),
    ...w.mounts.map((m) => ({ name: m.claim, mountPath: m.target, ...(m.readOnly ? { readOnly: true } : {}) })),
    ...(w.secretKeys.length ? [{ name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT, readOnly: true }] : []),
  ];
  if (mounts.length) out.volumeMounts = mounts;
  return out;
}

function podSpec(model: KubeModel, w: KubeWorkload): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    // Pods never talk to the API server: no token in the file system.
    automountServiceAccountToken: false,
    // No `<SERVICE>_PORT=tcp://...` variables: they clash with settings such as REDIS_PORT.
    enableServiceLinks: false,
  };
  if (w.kind === 'Job') spec.restartPolicy = 'Never';
  spec.securityContext = {
    runAsNonRoot: true,
    runAsUser: w.runAsUser,
    runAsGroup: w.runAsGroup,
    // Volumes (claims, secrets) are group-owned by the container's group.
    fsGroup: w.runAsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
  if (Object.keys(w.nodeSelector).length) {
    spec.nodeSelector = Object.fromEntries(Object.keys(w.nodeSelector).sort().map((k) => [k, w.nodeSelector[k]]));
  }
  if (w.gpuCount !== undefined) {
    // GPU nodes are commonly tainted nvidia.com/gpu:NoSchedule so only GPU pods land there.
    spec.tolerations = [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }];
  }
  spec.containers = [container(model, w)];
  const volumes: Array<Record<string, unknown>> = [
    ...w.scratch.map((s) => ({ name: scratchVolumeName(s.path), emptyDir: { sizeLimit: s.sizeLimit } })),
    ...(w.shmSizeLimit ? [{ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: w.shmSizeLimit } }] : []),
  ];
  if (w.kind !== 'StatefulSet') {
    const seen = new Set<string>();
    for (const m of w.mounts) {
      if (seen.has(m.claim)) continue;
      seen.add(m.claim);
      const readOnly = w.mounts.filter((x) => x.claim === m.claim).every((x) => x.readOnly);
      volumes.push({ name: m.claim, persistentVolumeClaim: { claimName: m.claim, ...(readOnly ? { readOnly: true } : {}) } });
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
  if (volumes.length) spec.volumes = volumes;
  return spec;
}

function template(model: KubeModel, w: KubeWorkload): Record<string, unknown> {
  const metadata: Record<string, unknown> = { labels: labels(model, w) };
  if (Object.keys(w.annotations).length) metadata.annotations = { ...w.annotations };
  return { metadata, spec: podSpec(model, w) };
}

function claimSpec(model: KubeModel, size: string): Record<string, unknown> {
  return {
    accessModes: ['ReadWriteOnce'],
    ...(model.storageClassName ? { storageClassName: model.storageClassName } : {}),
    resources: { requests: { storage: size } },
  };
}

/** A workload's objects, then its NetworkPolicy (when the manifests render policies). */
function workloadDocuments(model: KubeModel, w: KubeWorkload): Array<Record<string, unknown>> {
  const metadata = { name: w.spec.name, labels: labels(model, w) };
  const policy = workloadPolicy(model, w, { name: w.spec.name, labels: labels(model, w) });
  return [...workloadObjects(model, w, metadata), ...(policy ? [policy] : [])];
}

function workloadObjects(model: KubeModel, w: KubeWorkload,
  metadata: Record<string, unknown>): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  if (w.kind === 'Job') {
    docs.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: { backoffLimit: w.backoffLimit ?? 0, template: template(model, w) },
    });
    return docs;
  }
  const service = w.ports.length > 0 ? {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: 'ClusterIP',
      selector: selector(model, w),
      ports: w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  } : undefined;
  if (w.kind === 'StatefulSet') {
    if (service) docs.push(service);
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata,
      spec: {
        serviceName: w.spec.name,
        replicas: w.replicas,
        selector: { matchLabels: selector(model, w) },
        template: template(model, w),
        ...(w.claimTemplates.length ? {
          volumeClaimTemplates: w.claimTemplates.map((t) => ({ metadata: { name: t.name }, spec: claimSpec(model, t.size) })),
        } : {}),
      },
    });
    return docs;
  }
  const spec: Record<string, unknown> = {
    replicas: w.replicas,
    revisionHistoryLimit: 5,
    selector: { matchLabels: selector(model, w) },
  };
  if (w.gpuCount !== undefined || w.mounts.some((m) => !m.readOnly)) {
    // A surge pod would wait for a free GPU (or a ReadWriteOnce claim held by the old pod):
    // replace pods one at a time instead.
    spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
  }
  spec.template = template(model, w);
  docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec });
  if (service) docs.push(service);
  return docs;
}

function kustomization(extra: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra };
}

/**
 * Renders every file under `k8s/`: `base/` (the serving stack, its Secret and ConfigMap
 * generators), one overlay per compose profile (jobs such as training, applied on demand)
 * and the top-level kustomization (`kubectl apply -k k8s/` = the base).
 */
export function renderKubernetes(model: KubeModel): KubeFile[] {
  const files: KubeFile[] = [];
  const base: string[] = [];
  const partOf = { [`${LABEL_PREFIX}/part-of`]: model.partOf, [`${LABEL_PREFIX}/managed-by`]: 'projen-ml-docker' };
  if (model.createNamespace) {
    files.push({
      path: `${BASE_DIR}/namespace.yaml`,
      documents: [{
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: model.namespace, labels: namespaceLabels(model.partOf) },
      }],
    });
    base.push('namespace.yaml');
  }
  if (model.claims.length) {
    files.push({
      path: `${BASE_DIR}/volumes.yaml`,
      documents: [...model.claims].sort(byCodeUnits((c) => c.name)).map((c) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: c.name, labels: { ...partOf } },
        spec: claimSpec(model, c.size),
      })),
    });
    base.push('volumes.yaml');
  }
  const defaultDeny = defaultDenyPolicy(model);
  if (defaultDeny) {
    files.push({ path: `${BASE_DIR}/${NETWORK_POLICIES_FILE}`, documents: [defaultDeny] });
    base.push(NETWORK_POLICIES_FILE);
  }
  const overlays = new Map<string, string[]>();
  for (const w of model.workloads) {
    const documents = workloadDocuments(model, w);
    if (w.overlays.length === 0) {
      files.push({ path: `${BASE_DIR}/${w.spec.name}.yaml`, documents });
      base.push(`${w.spec.name}.yaml`);
      continue;
    }
    for (const overlay of w.overlays) {
      files.push({ path: `${overlay}/${w.spec.name}.yaml`, documents });
      overlays.set(overlay, [...(overlays.get(overlay) ?? []), `${w.spec.name}.yaml`]);
    }
  }
  const baseKustomization: Record<string, unknown> = { namespace: model.namespace, resources: base };
  const configKeys = Object.keys(model.backingConfig).sort();
  if (configKeys.length) {
    baseKustomization.configMapGenerator = [{ name: BACKING_CONFIG_MAP, literals: configKeys.map((k) => `${k}=${model.backingConfig[k]}`) }];
  }
  if (model.secrets.length) {
    // Values never appear in a manifest: kustomize reads the git-ignored files the user placed.
    baseKustomization.secretGenerator = [{
      name: STACK_SECRET,
      type: 'Opaque',
      files: [...model.secrets].sort().map((s) => `${s}=${SECRETS_DIR}/${s}`),
    }];
  }
  files.push({ path: `${BASE_DIR}/kustomization.yaml`, documents: [kustomization(baseKustomization)] });
  for (const [overlay, resources] of [...overlays.entries()].sort(byCodeUnits(([name]) => name))) {
    files.push({
      path: `${overlay}/kustomization.yaml`,
      documents: [kustomization({ namespace: model.namespace, resources: [`../${BASE_DIR}`, ...resources.sort()] })],
    });
  }
  files.push({ path: 'kustomization.yaml', documents: [kustomization({ resources: [BASE_DIR] })] });
  return files.sort(byCodeUnits((f) => f.path));
}
