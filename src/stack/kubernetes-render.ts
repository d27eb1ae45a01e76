import {
  KUSTOMIZE_CONFIG_FILE, crdKustomizeConfig, jobSetDocument, trainJobDocument,
} from './distributed-job-render';
import {
  BACKING_CONFIG_MAP, KubeFile, KubeModel, KubeWorkload, LABEL_PREFIX, STACK_SECRET,
  namespaceLabels, podSelectorLabels, workloadLabels,
} from './kubernetes-model';
import { NETWORK_POLICIES_FILE, defaultDenyPolicy, workloadPolicy } from './network-policy-render';
import { podTemplate } from './pod-render';
import { BASE_DIR, SECRETS_DIR } from '../core/layout';
import { byCodeUnits } from '../core/order';

/**
 * The Kubernetes renderer: the Kubernetes model (`kubernetes-model.ts`: the renderer-neutral
 * container model compose.yaml is rendered from, plus the Kubernetes-only settings) in; plain
 * objects out. Pure: no projen, no validation (kubernetes.ts validates and resolves everything first).
 */

export { escapeExpansion, probeHandler } from './pod-render';

function labels(model: KubeModel, w: KubeWorkload): Record<string, string> {
  return workloadLabels(model.partOf, w);
}

function selector(model: KubeModel, w: KubeWorkload): Record<string, string> {
  return podSelectorLabels(model.partOf, w.spec.name);
}

/**
 * Claims mounted by the pods of a job that spans nodes: the pods may run on different
 * nodes, so those claims are ReadWriteMany (a ReadWriteOnce claim attaches to one node).
 */
function sharedClaims(model: KubeModel): Set<string> {
  const spanning = model.workloads.filter((w) => (w.distributed?.nodes ?? 1) > 1);
  return new Set(spanning.flatMap((w) => w.mounts.map((m) => m.claim)));
}

function claimSpec(model: KubeModel, size: string, shared = false): Record<string, unknown> {
  return {
    accessModes: [shared ? 'ReadWriteMany' : 'ReadWriteOnce'],
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

/** The object of a job: a Job of one pod, or a JobSet or TrainJob of a pod per node. */
function jobObject(model: KubeModel, w: KubeWorkload,
  metadata: Record<string, unknown>): Record<string, unknown> {
  const jobLabels = w.jobLabels ?? {};
  const withLabels = Object.keys(jobLabels).length
    ? { ...metadata, labels: { ...(metadata.labels as Record<string, string>), ...jobLabels } } : metadata;
  if (w.distributed?.kind === 'JobSet') return jobSetDocument(model, w, withLabels);
  if (w.distributed?.kind === 'TrainJob') return trainJobDocument(model, w, withLabels);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: withLabels,
    spec: { backoffLimit: w.backoffLimit ?? 0, template: podTemplate(model, w) },
  };
}

function workloadObjects(model: KubeModel, w: KubeWorkload,
  metadata: Record<string, unknown>): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  if (w.kind === 'Job') {
    docs.push(jobObject(model, w, metadata));
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
        template: podTemplate(model, w),
        ...(w.claimTemplates.length ? {
          volumeClaimTemplates: w.claimTemplates.map((t) => ({
            metadata: { name: t.name }, spec: claimSpec(model, t.size),
          })),
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
  spec.template = podTemplate(model, w);
  docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec });
  if (service) docs.push(service);
  return docs;
}

/**
 * The kustomize configuration of a directory whose workloads include JobSets or TrainJobs
 * (`inDir` picks them), named in its kustomization's `configurations`.
 */
function crdConfigFiles(model: KubeModel, dir: string, kustomizationOf: Record<string, unknown>,
  inDir: (w: KubeWorkload) => boolean): KubeFile[] {
  const kinds = new Set(model.workloads.filter(inDir)
    .flatMap((w) => (w.distributed ? [w.distributed.kind] : [])));
  if (kinds.size === 0) return [];
  kustomizationOf.configurations = [KUSTOMIZE_CONFIG_FILE];
  return [{ path: `${dir}/${KUSTOMIZE_CONFIG_FILE}`, documents: [crdKustomizeConfig(kinds)] }];
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
    const shared = sharedClaims(model);
    files.push({
      path: `${BASE_DIR}/volumes.yaml`,
      documents: [...model.claims].sort(byCodeUnits((c) => c.name)).map((c) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: c.name, labels: { ...partOf } },
        spec: claimSpec(model, c.size, shared.has(c.name)),
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
  files.push(...crdConfigFiles(model, BASE_DIR, baseKustomization, (w) => w.overlays.length === 0));
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
    const overlayKustomization = {
      namespace: model.namespace,
      resources: [`../${BASE_DIR}`, ...resources.sort()],
    };
    files.push(...crdConfigFiles(model, overlay, overlayKustomization, (w) => w.overlays.includes(overlay)));
    files.push({ path: `${overlay}/kustomization.yaml`, documents: [kustomization(overlayKustomization)] });
  }
  files.push({ path: 'kustomization.yaml', documents: [kustomization({ resources: [BASE_DIR] })] });
  return files.sort(byCodeUnits((f) => f.path));
}
