import type { LinkMember, StackLink } from './stack-links';
import { ContainerSpec } from '../core/container-spec';

/**
 * The Kubernetes model: what the manifests are rendered from (the renderer-neutral container
 * model plus the Kubernetes-only settings, resolved and checked by kubernetes.ts and
 * kubernetes-workloads.ts), and the names of the objects and annotations every part shares.
 * Pure data: no projen, no constructs.
 */

/** The Secret holding every credential of the stack (one key per compose secret). */
export const STACK_SECRET = 'stack-secrets';
/** The ConfigMap with the backing services' connection settings (URLs without passwords). */
export const BACKING_CONFIG_MAP = 'backing-services';
/** Where compose mounts secrets; apps read `<NAME>_FILE` paths below it on Kubernetes too. */
export const SECRETS_MOUNT = '/run/secrets';
/** The resource name of NVIDIA GPUs (the NVIDIA device plugin and GPU operator advertise it). */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The annotation holding the minimum NVIDIA driver of a GPU image. */
export const DRIVER_ANNOTATION = 'projen-ml-docker.dev/min-nvidia-driver';

/** The prefix of the recommended labels (`app.kubernetes.io/name`, ...) every object carries. */
export const LABEL_PREFIX = 'app.kubernetes.io';

/** The labels of a workload's objects and pods: its name, the project, its role, the generator. */
export function workloadLabels(partOf: string, w: Pick<KubeWorkload, 'kind' | 'spec'>): Record<string, string> {
  const component = w.kind === 'StatefulSet' ? 'backing-service' : w.kind === 'Job' ? 'job' : 'server';
  return {
    [`${LABEL_PREFIX}/name`]: w.spec.name,
    [`${LABEL_PREFIX}/part-of`]: partOf,
    [`${LABEL_PREFIX}/component`]: component,
    [`${LABEL_PREFIX}/managed-by`]: 'projen-ml-docker',
  };
}

/** The labels of the Namespace the manifests render. */
export function namespaceLabels(partOf: string): Record<string, string> {
  return {
    [`${LABEL_PREFIX}/part-of`]: partOf,
    [`${LABEL_PREFIX}/managed-by`]: 'projen-ml-docker',
    // Pod Security Admission: the API server refuses pods that break the restricted profile.
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': 'latest',
  };
}

/** The labels that select one workload's pods (Services, NetworkPolicies, the workload's own selector). */
export function podSelectorLabels(partOf: string, name: string): Record<string, string> {
  return { [`${LABEL_PREFIX}/name`]: name, [`${LABEL_PREFIX}/part-of`]: partOf };
}

/**
 * The cluster DNS every pod may reach: CoreDNS or kube-dns pods, labelled `k8s-app: kube-dns`
 * in `kube-system` on every common distribution (kubeadm, EKS, GKE, AKS, k3s).
 */
export const CLUSTER_DNS = {
  namespace: 'kube-system',
  podLabels: { 'k8s-app': 'kube-dns' } as Readonly<Record<string, string>>,
  port: 53,
};

/** The label every namespace carries with its own name (set by the API server). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A port, or a range of ports, a NetworkPolicy rule opens. */
export interface KubePolicyPort {
  readonly port: number;
  /** The last port of a range (`endPort`). */
  readonly endPort?: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** The NetworkPolicies of the manifests: what the stack's links and the network props allow. */
export interface KubeNetwork {
  /** The stack's containers as its links see them (the backing services too, in the cluster or not). */
  readonly members: readonly LinkMember[];
  /** Who opens connections to whose ports (`stack-links.ts`, shared with compose). */
  readonly links: readonly StackLink[];
  /**
   * Pods outside the stack that may reach the ports of `exposed`: labels of their namespaces and of
   * themselves.
   */
  readonly ingressSource?: {
    readonly namespaceLabels?: Record<string, string>;
    readonly podLabels?: Record<string, string>;
  };
  /** The app workloads whose ports the ingress source reaches. */
  readonly exposed: readonly string[];
  /** Restricted egress: the named ranges reached besides DNS and the links. Absent: egress is open. */
  readonly egressCidrs?: ReadonlyArray<{ readonly name: string; readonly cidr: string }>;
  /** Workloads compose keeps on its internal network only: DNS is their only way out, whatever the egress. */
  readonly internalOnly: readonly string[];
  /** The default deny selects every pod of the namespace (the manifests create it), else the stack's. */
  readonly wholeNamespace: boolean;
}

/** A PersistentVolumeClaim mounted into a pod. */
export interface KubeMount {
  /** The claim (or, for a StatefulSet, the volumeClaimTemplate) name. */
  readonly claim: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A claim of the stack (`k8s/base/volumes.yaml`). */
export interface KubeClaim {
  readonly name: string;
  /** Storage quantity, e.g. `20Gi`. */
  readonly size: string;
}

/** The label that puts a workload into a Kueue LocalQueue (Kueue admits it when the queue has quota). */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/**
 * How a job's pods run as one distributed job: a JobSet, or a Kubeflow Trainer TrainJob on the
 * `torch-distributed` runtime. Each pod is one node of the job (`nodes` pods of `gpusPerNode`
 * GPUs); the first pod hosts torchrun's rendezvous store.
 */
export interface KubeDistributed {
  readonly kind: 'JobSet' | 'TrainJob';
  readonly nodes: number;
  readonly gpusPerNode: number;
  /** Restarts of the whole set after a pod fails (JobSet's `failurePolicy.maxRestarts`). */
  readonly maxRestarts: number;
  /** The first pod's stable DNS name (`<name>-node-0-0.<name>`), where the rendezvous store listens. */
  readonly rendezvousHost: string;
  readonly rendezvousPort: number;
}

/** One container with everything Kubernetes needs beyond the neutral model. */
export interface KubeWorkload {
  /** The neutral model; its `environment` holds the container's own (inline) values only. */
  readonly spec: ContainerSpec;
  readonly kind: 'Deployment' | 'Job' | 'StatefulSet';
  /** Server replicas (Deployments, StatefulSets). */
  readonly replicas: number;
  /** Requests and limits as Kubernetes quantities. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** GPUs requested through the `nvidia.com/gpu` extended resource. */
  readonly gpuCount?: number;
  readonly nodeSelector: Record<string, string>;
  readonly backoffLimit?: number;
  readonly annotations: Record<string, string>;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  /** Writable memory-backed or disk-backed scratch: `/tmp` and the like, with size limits. */
  readonly scratch: Array<{ readonly path: string; readonly sizeLimit: string }>;
  /** `/dev/shm` as an `emptyDir` with `medium: Memory`. */
  readonly shmSizeLimit?: string;
  readonly mounts: KubeMount[];
  /** For StatefulSets: one claim template per mount, with its size. */
  readonly claimTemplates: KubeClaim[];
  /** Keys of the stack Secret this container reads under /run/secrets. */
  readonly secretKeys: string[];
  /** Whether the container gets the backing services' ConfigMap as environment. */
  readonly backingEnv: boolean;
  /** Container ports with their names (`http`, `postgres`, ...). */
  readonly ports: Array<{ readonly name: string; readonly port: number }>;
  /** Kustomize overlays (from compose profiles) this workload belongs to; empty: the base. */
  readonly overlays: string[];
  /**
   * The compute capabilities the image carries kernels for (its `gpuFleet`): the pod lands only
   * on nodes whose GPU Feature Discovery labels name one of them. None: no fleet, no affinity.
   */
  readonly gpuCapabilities?: readonly string[];
  /**
   * Ports the workload's own pods open to each other, and nothing else does: the rendezvous
   * and collective-communication (NCCL) ports of a distributed job's pods. None by default.
   */
  readonly peerPorts?: readonly KubePolicyPort[];
  /** Variables read from the pod's own fields (name -> field path), e.g. a Job's completion index. */
  readonly fieldEnvironment?: Readonly<Record<string, string>>;
  /** Namespaced kernel settings of the pod (only ones the restricted profile allows). */
  readonly sysctls?: Readonly<Record<string, string>>;
  /** Device plugin resources each pod requests besides its GPUs (an RDMA device), with their counts. */
  readonly extendedResources?: Readonly<Record<string, number>>;
  /** Labels of the workload object alone, not its pods (the Kueue queue name). */
  readonly jobLabels?: Readonly<Record<string, string>>;
  /** How the job's pods run as one distributed job; absent: a Job of one pod. */
  readonly distributed?: KubeDistributed;
}

/** Everything the renderer needs. */
export interface KubeModel {
  /** Project name for the `part-of` label. */
  readonly partOf: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly registry?: string;
  readonly tag: string;
  readonly workloads: KubeWorkload[];
  readonly claims: KubeClaim[];
  readonly storageClassName?: string;
  /** Connection settings of the backing services (non-secret), sorted by key. */
  readonly backingConfig: Record<string, string>;
  /** Secret keys of the stack (one file each under `k8s/base/secrets/`). */
  readonly secrets: string[];
  /** The NetworkPolicies; absent with `networkPolicies: false`. */
  readonly network?: KubeNetwork;
}

/** One generated YAML file: its path under `k8s/` and its documents. */
export interface KubeFile {
  readonly path: string;
  readonly documents: Array<Record<string, unknown>>;
}
