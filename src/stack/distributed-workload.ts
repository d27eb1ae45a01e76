import { NODE_JOB } from './distributed-job-render';
import { KUEUE_QUEUE_LABEL, KubeDistributed, KubePolicyPort, KubeWorkload } from './kubernetes-model';
import {
  DistributedRuntime, DistributedSpec, RENDEZVOUS_PORT, isDistributed, launchEnvironment,
} from '../core/distributed-spec';

/**
 * A trainer's Kubernetes workload (a Job of one pod, as `appWorkload` makes it) turned into a
 * distributed one: a pod per node with `gpusPerNode` GPUs, rendered as a JobSet (or, with
 * `DistributedRuntime.KUBEFLOW_TRAINER`, a TrainJob), each pod told the job's sizes, its node
 * rank (the Job's completion index) and the first pod's stable DNS name, where torchrun's
 * rendezvous store listens; the pods open the rendezvous port and NCCL's port range to each
 * other and to nothing else. With the JobSet runtime a job of one node stays a Job, with the
 * sizes and NCCL's settings in its environment; with the Kubeflow Trainer it is a TrainJob of
 * one node (the runtime the user chose runs every size alike). Pure: plain data in and out.
 */

/** The Job's completion index, the node rank of each pod. */
export const COMPLETION_INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
/** The sysctl that pins the pods' ephemeral ports (a "safe" sysctl, which the restricted profile allows). */
export const PORT_RANGE_SYSCTL = 'net.ipv4.ip_local_port_range';
/** The floor of `/dev/shm` a distributed pod gets when its trainer sets none. */
const NCCL_SHM = '1Gi';
/** Torchrun's variables the Kubeflow Trainer sets itself and refuses in a TrainJob. */
const TRAINER_RESERVED = [
  'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT',
];
/** Restarts of a JobSet when the trainer's Kubernetes settings give no `backoffLimit`. */
const DEFAULT_MAX_RESTARTS = 2;

/** The object a spec renders as: a JobSet or TrainJob, or none (a Job of one pod). */
export function distributedKind(spec: DistributedSpec): KubeDistributed['kind'] | undefined {
  if (spec.runtime === DistributedRuntime.KUBEFLOW_TRAINER) return 'TrainJob';
  return spec.nodes > 1 ? 'JobSet' : undefined;
}

/** The first pod's stable DNS name: `<name>-node-0-0.<name>` (JobSet's pod host name under its subdomain). */
export function rendezvousHost(name: string): string {
  return `${name}-${NODE_JOB}-0-0.${name}`;
}

/** The ports the pods of a job across nodes open to each other: the rendezvous and NCCL's range. */
export function peerPortsOf(spec: DistributedSpec): KubePolicyPort[] {
  const range = spec.nccl.portRange;
  return [
    { port: RENDEZVOUS_PORT, protocol: 'TCP' },
    { port: range.first, endPort: range.last, protocol: 'TCP' },
  ];
}

/**
 * The workload of a distributed trainer. `w` is the trainer's Job; a spec of one process
 * returns it unchanged. The restart budget of a JobSet is the Job's `backoffLimit`.
 */
export function distributedWorkload(w: KubeWorkload, spec: DistributedSpec): KubeWorkload {
  const trainJob = spec.runtime === DistributedRuntime.KUBEFLOW_TRAINER;
  if (!isDistributed(spec) && !trainJob && !spec.queueName) return w;
  const kind = distributedKind(spec);
  const name = w.spec.name;
  const multiNode = spec.nodes > 1;
  const host = rendezvousHost(name);
  const environment: Record<string, string> = { ...w.spec.environment, ...launchEnvironment(spec) };
  const fields: Record<string, string> = { ...(w.fieldEnvironment ?? {}) };
  if (kind) {
    Object.assign(environment, { MASTER_ADDR: host, MASTER_PORT: String(RENDEZVOUS_PORT) });
    fields.NODE_RANK = COMPLETION_INDEX_FIELD;
  }
  if (kind === 'JobSet') {
    // torchrun reads these as its --master_addr, --master_port and --node_rank
    Object.assign(environment, { PET_MASTER_ADDR: host, PET_MASTER_PORT: String(RENDEZVOUS_PORT) });
    fields.PET_NODE_RANK = COMPLETION_INDEX_FIELD;
  }
  if (kind === 'TrainJob') for (const reserved of TRAINER_RESERVED) delete environment[reserved];
  const rdma = spec.nccl.rdma;
  const range = spec.nccl.portRange;
  return {
    ...w,
    spec: { ...w.spec, environment },
    ...(w.gpuCount !== undefined ? { gpuCount: spec.gpusPerNode } : {}),
    ...(isDistributed(spec) && !w.shmSizeLimit ? { shmSizeLimit: NCCL_SHM } : {}),
    ...(Object.keys(fields).length ? { fieldEnvironment: fields } : {}),
    ...(multiNode ? {
      sysctls: { ...(w.sysctls ?? {}), [PORT_RANGE_SYSCTL]: `${range.first} ${range.last}` },
      peerPorts: [...(w.peerPorts ?? []), ...peerPortsOf(spec)],
    } : {}),
    ...(rdma ? { extendedResources: { ...(w.extendedResources ?? {}), [rdma.resource]: rdma.count } } : {}),
    ...(spec.queueName ? { jobLabels: { ...(w.jobLabels ?? {}), [KUEUE_QUEUE_LABEL]: spec.queueName } } : {}),
    ...(kind ? {
      distributed: {
        kind,
        nodes: spec.nodes,
        gpusPerNode: spec.gpusPerNode,
        maxRestarts: w.backoffLimit ?? DEFAULT_MAX_RESTARTS,
        rendezvousHost: host,
        rendezvousPort: RENDEZVOUS_PORT,
      },
    } : {}),
  };
}
