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
}

/** One generated YAML file: its path under `k8s/` and its documents. */
export interface KubeFile {
  readonly path: string;
  readonly documents: Array<Record<string, unknown>>;
}
