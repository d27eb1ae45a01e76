import * as z from 'zod/mini';
import { BackingService } from './backing-service';
import { Schema } from '../core/problems';
import type { MlService } from '../service/service';

// The public props of KubernetesManifests and their runtime shapes (test/props-shapes.test.ts
// holds each shape to its interface in the jsii assembly).

/** How the backing services of the stack (postgres, redis, mlflow) exist on the cluster. */
export enum KubernetesBackingMode {
  /**
   * Run by someone else: a managed database, an operator (CloudNativePG, ...) or a Helm
   * chart. The manifests carry only the connection settings (a ConfigMap of URLs without
   * passwords, pointed at `backingServiceHosts`) and the passwords (the stack Secret).
   */
  EXTERNAL = 'external',
  /**
   * Single-replica StatefulSets rendered from the compose presets, hardened the same way:
   * for development clusters only (no backups, no failover, no upgrades).
   */
  DEVELOPMENT_STATEFUL_SETS = 'development-stateful-sets',
}

/** Where the pods of the manifests may open connections to, beyond the stack's own links. */
export enum KubernetesEgress {
  /**
   * App pods reach anything (model downloads, package indexes, APIs). Backing services that
   * compose keeps on its internal network (postgres, redis) reach DNS only, as under compose.
   */
  OPEN = 'open',
  /**
   * App pods reach DNS, the services they `dependsOn`, the in-cluster backing services and
   * the address ranges of `egressCidrs`; nothing else. Backing services reach DNS only
   * (MLflow, which compose publishes, also the `egressCidrs`).
   */
  RESTRICTED = 'restricted',
}

/** Props of `KubernetesManifests`. */
export interface KubernetesManifestsProps {
  /**
   * The app services to deploy.
   * @default - every service of the project
   */
  readonly services?: MlService[];

  /**
   * Backing services the apps use (the same presets as in `ComposeStack`): apps get the
   * same `DATABASE_URL`/`*_PASSWORD_FILE` settings as under compose.
   * @default []
   */
  readonly backingServices?: BackingService[];

  /**
   * Where the backing services run.
   * @default KubernetesBackingMode.EXTERNAL
   */
  readonly backingServiceMode?: KubernetesBackingMode;

  /**
   * Host (and optional port) of each external backing service, keyed by its kind, e.g.
   * `{ postgres: 'pg-rw.databases.svc', redis: 'redis-master:6379' }`. Only with
   * `KubernetesBackingMode.EXTERNAL`.
   * @default - the kind itself (`postgres`), a Service of that name in the namespace
   */
  readonly backingServiceHosts?: { [kind: string]: string };

  /**
   * The namespace every object goes to (a DNS-1123 label, not `kube-*`).
   * @default - the project name (`vision`)
   */
  readonly namespace?: string;

  /**
   * Render the Namespace object, labelled to enforce the "restricted" Pod Security
   * Standard. Turn off to deploy into a namespace that already exists.
   * @default true
   */
  readonly createNamespace?: boolean;

  /**
   * Registry prefix of the built images (`ghcr.io/acme`); a cluster pulls from a registry.
   * @default - no prefix (images loaded into the nodes, e.g. `kind load docker-image`)
   */
  readonly imageRegistry?: string;

  /**
   * Tag of the built images (`kustomize edit set image` changes it per deployment).
   * @default "local"
   */
  readonly imageTag?: string;

  /**
   * Node labels every GPU pod must match, e.g. `{ 'nvidia.com/gpu.present': 'true' }`
   * (GPU feature discovery). GPU pods also tolerate the `nvidia.com/gpu` taint.
   * @default - none (the `nvidia.com/gpu` resource request alone places the pod)
   */
  readonly gpuNodeSelector?: { [key: string]: string };

  /**
   * StorageClass of every PersistentVolumeClaim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;

  /**
   * Size of each PersistentVolumeClaim (`20Gi`: binary units Mi, Gi or Ti).
   * @default "20Gi"
   */
  readonly volumeSize?: string;

  /**
   * Sizes of single claims by name (`checkpoints`, `data`, `postgres-data`), overriding `volumeSize`.
   * @default {}
   */
  readonly volumeSizes?: { [claim: string]: string };

  /**
   * Render NetworkPolicies that allow what the stack's links need and nothing else, as
   * compose's networks do: a default deny for ingress, each backing service reachable from
   * the app services that use it, each app's port from the services that `dependsOn` it and
   * from the ingress sources (`ingressNamespaceSelector`, `ingressPodSelector`). Turned off,
   * none is rendered: every pod of the cluster can then reach every pod of the stack.
   * @default true
   */
  readonly networkPolicies?: boolean;

  /**
   * Labels of the namespaces whose pods may reach the app services' ports, e.g. an ingress
   * controller's `{ 'kubernetes.io/metadata.name': 'ingress-nginx' }`. With
   * `ingressPodSelector`, only the pods with those labels in those namespaces.
   * @default - no other namespace: the services that `dependsOn` an app reach its port (and
   * `kubectl port-forward`)
   */
  readonly ingressNamespaceSelector?: { [key: string]: string };

  /**
   * Labels of the pods that may reach the app services' ports, e.g. an ingress controller's
   * `{ 'app.kubernetes.io/name': 'ingress-nginx' }`: in the namespaces of
   * `ingressNamespaceSelector`, else in the manifests' own namespace.
   * @default - every pod of the `ingressNamespaceSelector` namespaces; none without it
   */
  readonly ingressPodSelector?: { [key: string]: string };

  /**
   * Where pods may open connections to beyond the stack's links.
   * @default KubernetesEgress.OPEN
   */
  readonly egress?: KubernetesEgress;

  /**
   * Address ranges the app pods may reach with `KubernetesEgress.RESTRICTED`, by a name the
   * README shows, e.g. `{ 'model-hub': '203.0.113.0/24', 'pg-managed': '10.20.0.0/16' }`
   * (external backing services, model stores, APIs; a NodeLocal DNSCache address).
   * Canonical IPv4 or IPv6 CIDRs.
   * @default {}
   */
  readonly egressCidrs?: { [name: string]: string };

  /**
   * The folder the manifests, their README and the secrets script go to, relative to the
   * project root. Set it where a repository already has a `k8s/` of its own (whose files are
   * never overwritten): the `k8s:*` tasks follow it.
   * @default "k8s"
   */
  readonly directory?: string;
}

/** Kubernetes-only settings of one service (`KubernetesManifests.configureService`). */
export interface KubernetesServiceOptions {
  /**
   * Replicas of a server (0 to 1000). Not for jobs (trainers), which run once.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * CPU request (`500m`, `2`), at most the service's `cpuLimit`.
   * @default - the cpu limit (requests equal limits: the Guaranteed QoS class)
   */
  readonly cpuRequest?: string;

  /**
   * Memory request in binary units (`512Mi`, `8Gi`), at most the service's `memoryLimit`.
   * @default - the memory limit
   */
  readonly memoryRequest?: string;

  /**
   * Node labels this service's pods must match (merged over `gpuNodeSelector`).
   * @default {}
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * GPUs requested through `nvidia.com/gpu` (1 to 64). Only for GPU services.
   * @default - the service's GPU count; 1 when it asks compose for all GPUs
   */
  readonly gpuCount?: number;

  /**
   * Retries of a failed job before it is marked failed (0 to 100). Only for jobs.
   * @default 2
   */
  readonly backoffLimit?: number;

  /**
   * Whether the manifests' ingress sources (`ingressNamespaceSelector`, `ingressPodSelector`)
   * reach this service's port. `false` keeps it for the services that `dependsOn` it (an
   * inference server only the API calls). Only for services with a port, on manifests that
   * name an ingress source.
   * @default true
   */
  readonly exposeToIngress?: boolean;
}

/** The runtime shape of `KubernetesManifestsProps` (test/props-shapes.test.ts holds it to the interface). */
export const KUBERNETES_MANIFESTS_PROPS_SHAPE: Record<string, Schema> = {
  services: z.optional(z.array(z.any())),
  backingServices: z.optional(z.array(z.any())),
  backingServiceMode: z.optional(z.enum(Object.values(KubernetesBackingMode) as [string, ...string[]])),
  backingServiceHosts: z.optional(z.record(z.string(), z.string())),
  namespace: z.optional(z.string()),
  createNamespace: z.optional(z.boolean()),
  imageRegistry: z.optional(z.string()),
  imageTag: z.optional(z.string()),
  gpuNodeSelector: z.optional(z.record(z.string(), z.string())),
  storageClassName: z.optional(z.string()),
  volumeSize: z.optional(z.string()),
  volumeSizes: z.optional(z.record(z.string(), z.string())),
  networkPolicies: z.optional(z.boolean()),
  ingressNamespaceSelector: z.optional(z.record(z.string(), z.string())),
  ingressPodSelector: z.optional(z.record(z.string(), z.string())),
  egress: z.optional(z.enum(Object.values(KubernetesEgress) as [string, ...string[]])),
  egressCidrs: z.optional(z.record(z.string(), z.string())),
  directory: z.optional(z.string()),
};

/** The runtime shape of `KubernetesServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const KUBERNETES_SERVICE_OPTIONS_SHAPE: Record<string, Schema> = {
  replicas: z.optional(z.number()),
  cpuRequest: z.optional(z.string()),
  memoryRequest: z.optional(z.string()),
  nodeSelector: z.optional(z.record(z.string(), z.string())),
  gpuCount: z.optional(z.number()),
  backoffLimit: z.optional(z.number()),
  exposeToIngress: z.optional(z.boolean()),
};
