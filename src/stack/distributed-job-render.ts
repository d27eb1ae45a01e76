import { BACKING_CONFIG_MAP, KubeModel, KubeWorkload } from './kubernetes-model';
import {
  affinityOf, containerEnv, containerResources, containerSecurity, escapeExpansion, imageOf, nodeSelectorOf,
  podMetadata, podSecurity, podTemplate, podVolumes, tolerationsOf, volumeMounts,
} from './pod-render';
import { byCodeUnits } from '../core/order';

/**
 * The objects of a distributed trainer: a JobSet (one Indexed Job whose pods are the nodes of
 * the job, reachable by stable DNS names through the headless Service JobSet makes), or a
 * Kubeflow Trainer TrainJob that overrides the `torch-distributed` runtime's image, command and
 * resources and patches the pod with the same hardening. Also the kustomize configuration
 * that lets generated names (the hashed ConfigMap and Secret) and image tags reach these
 * custom resources, which kustomize does not know. Pure: model in, plain objects out.
 */

type Doc = Record<string, unknown>;

export const JOBSET_API_VERSION = 'jobset.x-k8s.io/v1alpha2';
export const TRAINJOB_API_VERSION = 'trainer.kubeflow.org/v1alpha1';
/**
 * The replicated Job of the pods (the name Kubeflow Trainer's runtimes use too: pods are
 * `<name>-node-0-<index>`).
 */
export const NODE_JOB = 'node';
/** The ClusterTrainingRuntime a TrainJob refers to. */
export const TORCH_RUNTIME = 'torch-distributed';
/** The trainer container of Kubeflow's runtimes. */
export const TRAINER_CONTAINER = 'node';
/** Who owns the TrainJob's runtime patch (each controller that patches a runtime writes its own entry). */
export const RUNTIME_PATCH_MANAGER = 'projen-ml-docker.dev/kubernetes-manifests';
/** The kustomize configuration beside a kustomization that holds JobSets or TrainJobs. */
export const KUSTOMIZE_CONFIG_FILE = 'kustomizeconfig.yaml';

/** The pod of a JobSet's replicated Job, as kustomize's field paths write it. */
const JOBSET_POD = 'spec/replicatedJobs/template/spec/template/spec';
/** The pod a TrainJob patches. */
const TRAINJOB_POD = 'spec/runtimePatches/trainingRuntimeSpec/template/spec/replicatedJobs/template/spec'
  + '/template/spec';

/** A JobSet: `nodes` pods of one Indexed Job, restarted together, done when every pod is. */
export function jobSetDocument(model: KubeModel, w: KubeWorkload, metadata: Doc): Doc {
  const d = w.distributed!;
  return {
    apiVersion: JOBSET_API_VERSION,
    kind: 'JobSet',
    metadata,
    spec: {
      // Each pod gets the host name <jobset>-node-0-<index> under this subdomain, served by a
      // headless Service the JobSet controller creates; the first one hosts the rendezvous.
      network: { enableDNSHostnames: true, subdomain: w.spec.name, publishNotReadyAddresses: true },
      // One failed pod fails its Job (backoffLimit 0: a collective needs every rank), and the
      // whole set restarts, up to maxRestarts times.
      failurePolicy: { maxRestarts: d.maxRestarts },
      successPolicy: { operator: 'All', targetReplicatedJobs: [NODE_JOB] },
      replicatedJobs: [{
        name: NODE_JOB,
        replicas: 1,
        template: {
          spec: {
            parallelism: d.nodes,
            completions: d.nodes,
            // the completion index is the node rank (PET_NODE_RANK)
            completionMode: 'Indexed',
            backoffLimit: 0,
            template: podTemplate(model, w),
          },
        },
      }],
    },
  };
}

/**
 * A TrainJob on the `torch-distributed` ClusterTrainingRuntime: the image, command, sizes and
 * resources override the runtime's; a runtime patch adds the pod's labels, security contexts,
 * node selection and volumes. The Trainer sets torchrun's `PET_*` variables itself (it refuses
 * them in the TrainJob), so the environment here holds the rest; the backing services'
 * settings come from their ConfigMap key by key (a TrainJob has no `envFrom`).
 */
export function trainJobDocument(model: KubeModel, w: KubeWorkload, metadata: Doc): Doc {
  const d = w.distributed!;
  const fromConfig = w.backingEnv ? Object.keys(model.backingConfig).map((key) => ({
    name: key,
    valueFrom: { configMapKeyRef: { name: BACKING_CONFIG_MAP, key } },
  })) : [];
  const env = [...containerEnv(w), ...fromConfig].sort(byCodeUnits((e) => String(e.name)));
  const trainer: Doc = { image: imageOf(model, w.spec) };
  // `args` keep the image's ENTRYPOINT (tini), as the other workloads do
  if (w.spec.command) trainer.args = w.spec.command.map(escapeExpansion);
  if (env.length) trainer.env = env;
  trainer.numNodes = d.nodes;
  trainer.numProcPerNode = d.gpusPerNode;
  trainer.resourcesPerNode = containerResources(w);
  const pod: Doc = { securityContext: podSecurity(w) };
  const nodeSelector = nodeSelectorOf(w);
  if (nodeSelector) pod.nodeSelector = nodeSelector;
  const affinity = affinityOf(w);
  if (affinity) pod.affinity = affinity;
  const tolerations = tolerationsOf(w);
  if (tolerations) pod.tolerations = tolerations;
  const mounts = volumeMounts(w);
  pod.containers = [{
    name: TRAINER_CONTAINER,
    securityContext: containerSecurity(w),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  }];
  const volumes = podVolumes(w);
  if (volumes.length) pod.volumes = volumes;
  return {
    apiVersion: TRAINJOB_API_VERSION,
    kind: 'TrainJob',
    metadata,
    spec: {
      runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: TORCH_RUNTIME },
      trainer,
      runtimePatches: [{
        manager: RUNTIME_PATCH_MANAGER,
        trainingRuntimeSpec: {
          template: {
            spec: {
              replicatedJobs: [{
                name: NODE_JOB,
                template: { spec: { template: { metadata: podMetadata(model, w), spec: pod } } },
              }],
            },
          },
        },
      }],
    },
  };
}

/**
 * The kustomize configuration for JobSets and TrainJobs (`configurations:` of a
 * kustomization): where they name the stack's ConfigMap and Secret, so the hashed names of
 * the generators reach them, and where a TrainJob names its image, so `kustomize edit set
 * image` reaches it (a JobSet's containers are found without help).
 */
export function crdKustomizeConfig(kinds: ReadonlySet<'JobSet' | 'TrainJob'>): Doc {
  const configMaps: Doc[] = [];
  const secrets: Doc[] = [];
  const images: Doc[] = [];
  if (kinds.has('JobSet')) {
    configMaps.push({ kind: 'JobSet', path: `${JOBSET_POD}/containers/envFrom/configMapRef/name` });
    secrets.push({ kind: 'JobSet', path: `${JOBSET_POD}/volumes/secret/secretName` });
  }
  if (kinds.has('TrainJob')) {
    configMaps.push({ kind: 'TrainJob', path: 'spec/trainer/env/valueFrom/configMapKeyRef/name' });
    secrets.push({ kind: 'TrainJob', path: `${TRAINJOB_POD}/volumes/secret/secretName` });
    images.push({ kind: 'TrainJob', path: 'spec/trainer/image' });
  }
  return {
    nameReference: [
      { kind: 'ConfigMap', fieldSpecs: configMaps },
      { kind: 'Secret', fieldSpecs: secrets },
    ],
    ...(images.length ? { images } : {}),
  };
}
