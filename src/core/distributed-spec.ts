import { Problems } from './problems';
import { Size, composeSize, sizeBytes } from './sizes';

/**
 * A trainer that runs on more than one GPU or more than one node, in renderer-neutral terms:
 * its sizes, how Kubernetes runs it, and the NCCL settings every process reads. The public
 * options (enums and `NcclOptions`) are props of `GpuTrainer`; `resolveDistributed` checks them
 * into one `DistributedSpec`, which the launcher (`entry/distributed-launch.ts`) and the
 * Kubernetes renderer (`stack/distributed-workload.ts`) read. Pure: no projen, no constructs.
 */

/** How a trainer with `nodes > 1` runs on Kubernetes. */
export enum DistributedRuntime {
  /**
   * A JobSet (`jobset.x-k8s.io/v1alpha2`): one Indexed Job with a pod per node, a headless
   * Service that gives each pod a stable DNS name, and restarts of the whole set on a failure.
   * The cluster needs the JobSet controller.
   */
  JOBSET = 'jobset',
  /**
   * A Kubeflow Trainer `TrainJob` on the `torch-distributed` ClusterTrainingRuntime, which
   * runs the same JobSet and sets torchrun's rendezvous itself. The cluster needs Kubeflow
   * Trainer v2.2 or later (its `runtimePatches` carry the pod hardening).
   */
  KUBEFLOW_TRAINER = 'kubeflow-trainer',
}

/** How a trainer's command becomes one process per GPU. */
export enum TrainerLauncher {
  /**
   * A Python module or script is wrapped in `torchrun`; a command that names its launcher
   * (torchrun, accelerate launch, deepspeed) is kept, and its sizes are checked against
   * `nodes` and `gpusPerNode`. Anything else is refused when the job has several processes.
   */
  AUTO = 'auto',
  /**
   * The command runs as written, for a program that starts its own processes (a shell script
   * calling torchrun): only the environment carries the sizes and the rendezvous.
   */
  AS_WRITTEN = 'as-written',
}

/** How much NCCL logs (`NCCL_DEBUG`). */
export enum NcclDebug {
  /** The NCCL version only. */
  VERSION = 'VERSION',
  /** Warnings and errors: what a failed job needs, and little else. */
  WARN = 'WARN',
  /** Transport and topology choices (which interface, which algorithm): for a first run on a new cluster. */
  INFO = 'INFO',
  /** Every call: large, for debugging NCCL itself. */
  TRACE = 'TRACE',
}

/** NCCL settings of a distributed trainer; every process of the job reads them from its environment. */
export interface NcclOptions {
  /**
   * How much NCCL logs (`NCCL_DEBUG`).
   * @default NcclDebug.WARN
   */
  readonly debug?: NcclDebug;

  /**
   * The network interfaces NCCL opens its sockets on (`NCCL_SOCKET_IFNAME`), in NCCL's
   * syntax: `eth0`, a prefix list `eth,en`, `^docker,lo` to exclude, `=eth0` for an exact name.
   * @default - NCCL chooses (the pod's only interface, `eth0`, on most clusters)
   */
  readonly socketInterface?: string;

  /**
   * The device plugin resource that gives each pod RDMA devices (InfiniBand or RoCE), e.g.
   * `rdma/rdma_shared_device_a` (Mellanox k8s-rdma-shared-dev-plugin) or `nvidia.com/hostdev`
   * (NVIDIA network operator). Only with it does NCCL use InfiniBand; the pod stays
   * unprivileged, with no host network.
   * @default - none: NCCL talks over TCP sockets (`NCCL_IB_DISABLE=1`)
   */
  readonly rdmaResource?: string;

  /**
   * How many units of `rdmaResource` each pod requests.
   * @default 1
   */
  readonly rdmaResourceCount?: number;

  /**
   * The ports NCCL and Gloo open between the pods: the pods' ephemeral port range, pinned
   * with the `net.ipv4.ip_local_port_range` sysctl (one the restricted profile allows) and
   * opened, with the rendezvous port, to the job's own pods only. `FIRST-LAST`.
   * @default "32768-60999" (Linux's own default range)
   */
  readonly portRange?: string;
}

/** The port of torchrun's rendezvous store on the first pod (torchrun's and Kubeflow Trainer's default). */
export const RENDEZVOUS_PORT = 29500;
/** Linux's default ephemeral range, where NCCL's and Gloo's sockets bind. */
export const DEFAULT_PORT_RANGE = { first: 32768, last: 60999 } as const;
/** The NCCL log level of a job that does not choose one. */
export const DEFAULT_NCCL_DEBUG = NcclDebug.WARN;
/** NCCL's documented floor for a container's `/dev/shm` (its shared-memory transport between local GPUs). */
export const NCCL_MIN_SHM_BYTES = 1024 ** 3;

/** A distributed trainer's settings, checked: what the launcher and the renderers read. */
export interface DistributedSpec {
  /** Pods (machines) of the job; 1 runs on one host. */
  readonly nodes: number;
  /** GPUs of each pod, and processes each pod starts. */
  readonly gpusPerNode: number;
  /** How Kubernetes runs it. */
  readonly runtime: DistributedRuntime;
  /** The Kueue LocalQueue its objects are labelled for (`kueue.x-k8s.io/queue-name`). */
  readonly queueName?: string;
  readonly nccl: {
    readonly debug: NcclDebug;
    readonly socketInterface?: string;
    readonly rdma?: { readonly resource: string; readonly count: number };
    readonly portRange: { readonly first: number; readonly last: number };
  };
}

/** What a trainer gives `resolveDistributed`: its props, by their public names. */
export interface DistributedInput {
  readonly nodes?: number;
  readonly gpusPerNode?: number;
  /** The trainer's `gpuCount` (compose's count on one host), the default of `gpusPerNode`. */
  readonly gpuCount?: number;
  /** The trainer's `gpuDeviceIds`: their number is the default of `gpusPerNode`. */
  readonly gpuDeviceIds?: readonly string[];
  readonly distributedRuntime?: DistributedRuntime;
  readonly kueueQueueName?: string;
  readonly nccl?: NcclOptions;
  /** The trainer's `/dev/shm`, checked against NCCL's floor when the job has several processes. */
  readonly shmSize?: Size;
}

const MAX_NODES = 1000;
const MAX_GPUS = 64;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// one interface name (Linux allows 15 characters), or a comma list, with NCCL's ^ or = prefix
const INTERFACES = /^[\^=]?[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}(,[A-Za-z0-9][A-Za-z0-9_.:-]{0,14})*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PORT_RANGE = /^([0-9]{4,5})-([0-9]{4,5})$/;

const isCount = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;

/**
 * Checks a trainer's distributed settings into one spec; every problem goes to `problems`
 * (the trainer's path), and the spec then holds safe stand-ins so later checks still run.
 */
export function resolveDistributed(problems: Problems, input: DistributedInput): DistributedSpec {
  const nodes = input.nodes ?? 1;
  if (!isCount(nodes, MAX_NODES)) problems.add('nodes', input.nodes, `an integer from 1 to ${MAX_NODES}`);
  const fromCount = input.gpuCount ?? input.gpuDeviceIds?.length;
  if (input.gpusPerNode !== undefined && !isCount(input.gpusPerNode, MAX_GPUS)) {
    problems.add('gpusPerNode', input.gpusPerNode, `an integer from 1 to ${MAX_GPUS}`);
  } else if (input.gpusPerNode !== undefined && fromCount !== undefined && fromCount !== input.gpusPerNode) {
    const source = input.gpuCount !== undefined ? 'gpuCount' : 'gpuDeviceIds';
    problems.add(`gpusPerNode disagrees with the gpus of ${source}`,
      { gpusPerNode: input.gpusPerNode, gpus: fromCount },
      'one number: gpusPerNode alone (it is the gpu count of each node)');
  } else if (input.gpusPerNode === undefined && fromCount === undefined && isCount(nodes, MAX_NODES)
    && nodes > 1) {
    problems.add('nodes is above 1 without a number of gpus per node', nodes,
      'gpusPerNode (or gpuCount): a pod asks for a number of gpus, and torchrun starts one process per gpu');
  }
  const gpusPerNode = isCount(input.gpusPerNode, MAX_GPUS) ? input.gpusPerNode
    : isCount(fromCount, MAX_GPUS) ? fromCount : 1;
  const runtime = input.distributedRuntime ?? DistributedRuntime.JOBSET;
  const runtimes = Object.values(DistributedRuntime) as string[];
  if (!runtimes.includes(runtime)) problems.add('distributedRuntime', runtime, `one of: ${quoted(runtimes)}`);
  const queueName = input.kueueQueueName;
  const labelLike = typeof queueName === 'string' && DNS_LABEL.test(queueName) && queueName.length <= 63;
  if (queueName !== undefined && !labelLike) {
    problems.add('kueueQueueName', queueName,
      'the name of a kueue LocalQueue: lowercase letters, digits and "-", '
      + 'starting and ending with a letter or digit, at most 63 characters');
  }
  if (input.shmSize && nodes * gpusPerNode > 1 && sizeBytes(input.shmSize) < NCCL_MIN_SHM_BYTES) {
    problems.add('shmSize is below nccl\'s floor for a job of several processes', composeSize(input.shmSize),
      'at least "1g": nccl passes data between the processes of a node through /dev/shm');
  }
  return {
    nodes: isCount(nodes, MAX_NODES) ? nodes : 1,
    gpusPerNode,
    runtime: runtimes.includes(runtime) ? runtime : DistributedRuntime.JOBSET,
    ...(queueName !== undefined ? { queueName } : {}),
    nccl: resolveNccl(problems, input.nccl ?? {}),
  };
}

const quoted = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ');

/**
 * An extended resource a device plugin advertises: a dns prefix, "/", a name. Names under
 * kubernetes.io are the cluster's own, and the gpu resource is requested already.
 */
function isRdmaResource(resource: unknown): boolean {
  if (typeof resource !== 'string' || resource.length > 253 || resource === 'nvidia.com/gpu') return false;
  const slash = resource.indexOf('/');
  const prefix = resource.slice(0, slash);
  const name = resource.slice(slash + 1);
  return slash > 0 && DNS_SUBDOMAIN.test(prefix) && RESOURCE_NAME.test(name) && name.length <= 63
    && prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io');
}

function resolveNccl(problems: Problems, nccl: NcclOptions): DistributedSpec['nccl'] {
  const debug = nccl.debug ?? DEFAULT_NCCL_DEBUG;
  const levels = Object.values(NcclDebug) as string[];
  if (!levels.includes(debug)) problems.add('nccl.debug', debug, `one of: ${quoted(levels)}`);
  const iface = nccl.socketInterface;
  if (iface !== undefined && (typeof iface !== 'string' || !INTERFACES.test(iface))) {
    problems.add('nccl.socketInterface', iface,
      'interface names in nccl\'s syntax: "eth0", a prefix list "eth,en", '
      + '"^docker,lo" to exclude or "=eth0" for an exact name');
  }
  const resource = nccl.rdmaResource;
  if (resource !== undefined && !isRdmaResource(resource)) {
    problems.add('nccl.rdmaResource', resource,
      'the extended resource a device plugin advertises for rdma devices, '
      + 'e.g. "rdma/rdma_shared_device_a" or "nvidia.com/hostdev"');
  }
  const count = nccl.rdmaResourceCount;
  if (count !== undefined && resource === undefined) {
    problems.add('nccl.rdmaResourceCount is set without nccl.rdmaResource', count,
      'an rdmaResource to count, or no rdmaResourceCount');
  } else if (count !== undefined && !isCount(count, MAX_GPUS)) {
    problems.add('nccl.rdmaResourceCount', count, `an integer from 1 to ${MAX_GPUS}`);
  }
  const portRange = parsePortRange(problems, nccl.portRange);
  return {
    debug: levels.includes(debug) ? debug : DEFAULT_NCCL_DEBUG,
    ...(iface !== undefined ? { socketInterface: iface } : {}),
    ...(resource !== undefined ? { rdma: { resource, count: isCount(count, MAX_GPUS) ? count : 1 } } : {}),
    portRange,
  };
}

function parsePortRange(problems: Problems, text: string | undefined): { first: number; last: number } {
  if (text === undefined) return { ...DEFAULT_PORT_RANGE };
  const m = typeof text === 'string' ? PORT_RANGE.exec(text) : null;
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || !(first >= 1024 && first < last && last <= 65535)) {
    problems.add('nccl.portRange', text,
      'two ports "FIRST-LAST", 1024 <= FIRST < LAST <= 65535, e.g. "32768-60999"');
    return { ...DEFAULT_PORT_RANGE };
  }
  if (first <= RENDEZVOUS_PORT && RENDEZVOUS_PORT <= last) {
    // a socket bound to an ephemeral port could take the port the rendezvous store listens on
    problems.add('nccl.portRange holds the rendezvous port', text,
      `a range without ${RENDEZVOUS_PORT}, e.g. "32768-60999"`);
    return { ...DEFAULT_PORT_RANGE };
  }
  return { first, last };
}

/**
 * The NCCL environment of every process: the log level, the interfaces when given, and TCP
 * sockets only unless an RDMA resource was asked for.
 */
export function ncclEnvironment(spec: DistributedSpec): Record<string, string> {
  const env: Record<string, string> = { NCCL_DEBUG: spec.nccl.debug };
  if (spec.nccl.socketInterface !== undefined) {
    env.NCCL_SOCKET_IFNAME = spec.nccl.socketInterface;
  }
  if (!spec.nccl.rdma) env.NCCL_IB_DISABLE = '1';
  return env;
}

/**
 * The environment every container of a distributed trainer gets, under compose and on
 * Kubernetes alike: its sizes as torchrun reads them (`PET_NNODES`, `PET_NPROC_PER_NODE`: a
 * torchrun command without those options follows them) and as other code reads them
 * (`NNODES`, `NPROC_PER_NODE`), and NCCL's settings. Empty for a job of one process.
 */
export function launchEnvironment(spec: DistributedSpec): Record<string, string> {
  if (!isDistributed(spec)) return {};
  const nodes = String(spec.nodes);
  const perNode = String(spec.gpusPerNode);
  return {
    NNODES: nodes,
    NPROC_PER_NODE: perNode,
    PET_NNODES: nodes,
    PET_NPROC_PER_NODE: perNode,
    ...ncclEnvironment(spec),
  };
}

/** Whether a spec starts more than one process (and so needs a launcher and NCCL). */
export function isDistributed(spec: Pick<DistributedSpec, 'nodes' | 'gpusPerNode'>): boolean {
  return spec.nodes * spec.gpusPerNode > 1;
}
