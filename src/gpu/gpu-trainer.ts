import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKind } from './gpu-kind';
import { GpuService } from './gpu-service';
import { GpuServiceOptions } from './gpu-service-options';
import { ContainerSpec } from '../core/container-spec';
import {
  DistributedRuntime, DistributedSpec, NcclOptions, TrainerLauncher, launchEnvironment, resolveDistributed,
} from '../core/distributed-spec';
import { Problems, Schema, oneOf } from '../core/problems';
import { MIN_MEMORY_BYTES, Size, checkSize, composeSize, gib, parseSize, sizeBytes } from '../core/sizes';
import { LaunchPlan, planLaunch } from '../entry/distributed-launch';
import { SHARED_CODE_DIR } from '../image/image-paths';
import { checkMountSecrets, checkNoOverlap } from '../service/model-dir';
import { SampleKind } from '../service/sample-kind';
import { KindContext, ofKind } from '../service/service-kind';
import { checkRelativeDir } from '../service/sources';

/** Props of a `GpuTrainer`. */
export interface GpuTrainerProps extends GpuServiceOptions {
  /**
   * The training data directory, relative to the project root; mounted read-only at `/data`
   * (`MLDOCKER_DATA_DIR`). Never copied into the image.
   * @default "data"
   */
  readonly dataDir?: string;

  /**
   * Shared memory of the container (`shm_size`), used by DataLoader workers and NCCL; the
   * memory limit must be at least this. Canonical form `<integer><k|m|g>`.
   * @default "8g"
   */
  readonly shmSize?: string;

  /**
   * The machines (pods) the job runs on, each with `gpusPerNode` GPUs. Above 1 the Kubernetes
   * manifests render a JobSet (or, with `distributedRuntime`, a Kubeflow TrainJob) of one pod
   * per node; compose, which runs on one host, refuses it. Setting this or any other
   * distributed prop (`gpusPerNode`, `distributedRuntime`, `kueueQueueName`, `nccl`,
   * `launcher`) starts one process per GPU through the launcher; a trainer without any of
   * them runs its command as written, once.
   * @default 1
   */
  readonly nodes?: number;

  /**
   * The GPUs of each node, and the processes the launcher starts on each: a Python module or
   * script in `command` is wrapped in `torchrun --nproc_per_node=<gpusPerNode>` (with
   * `--standalone` on one node); a command that names its launcher (torchrun, accelerate
   * launch, deepspeed) is kept, and refused when its sizes disagree.
   * @default - `gpuCount` (or the number of `gpuDeviceIds`)
   */
  readonly gpusPerNode?: number;

  /**
   * How Kubernetes runs the trainer's pods: a JobSet (the JobSet controller), or a Kubeflow
   * Trainer `TrainJob` on the `torch-distributed` ClusterTrainingRuntime. With `JOBSET` a trainer
   * of one node stays a plain Job; with `KUBEFLOW_TRAINER` it is a TrainJob of one node, so the
   * runtime chosen runs every size of the job alike.
   * @default DistributedRuntime.JOBSET
   */
  readonly distributedRuntime?: DistributedRuntime;

  /**
   * The Kueue LocalQueue the trainer's Job, JobSet or TrainJob is submitted to (the
   * `kueue.x-k8s.io/queue-name` label); Kueue admits it when the queue has quota.
   * @default - no queue label
   */
  readonly kueueQueueName?: string;

  /**
   * NCCL's settings for every process of the job: log level, socket interfaces, an RDMA device
   * plugin resource, the port range the pods open to each other.
   * @default - `NCCL_DEBUG=WARN`, interfaces left to NCCL, TCP sockets only
   */
  readonly nccl?: NcclOptions;

  /**
   * How the command becomes one process per GPU: `AUTO` wraps a Python module or script in
   * torchrun and checks a launcher the command names; `AS_WRITTEN` runs the command as it is,
   * for a program that starts its own processes from the environment.
   * @default TrainerLauncher.AUTO
   */
  readonly launcher?: TrainerLauncher;
}

/**
 * The runtime shape of what `GpuTrainerProps` adds to `GpuServiceOptions` (test/props-shapes.test.ts
 * holds it to the interface).
 */
export const GPU_TRAINER_SHAPE: Record<string, Schema> = {
  dataDir: z.optional(z.string()),
  shmSize: z.optional(z.string()),
  nodes: z.optional(z.number()),
  gpusPerNode: z.optional(z.number()),
  // the enums hold strings, checked by hand for a message that lists the values
  distributedRuntime: z.optional(z.string()),
  kueueQueueName: z.optional(z.string()),
  nccl: z.optional(z.strictObject({
    debug: z.optional(z.string()),
    socketInterface: z.optional(z.string()),
    rdmaResource: z.optional(z.string()),
    rdmaResourceCount: z.optional(z.number()),
    portRange: z.optional(z.string()),
  })),
  launcher: z.optional(z.string()),
};

/** The props that make a trainer distributed: with none of them it runs its command once, as before. */
const DISTRIBUTED_PROPS = [
  'nodes', 'gpusPerNode', 'distributedRuntime', 'kueueQueueName', 'nccl', 'launcher',
] as const satisfies ReadonlyArray<keyof GpuTrainerProps>;

/** Where checkpoints are written inside the container (a named volume). */
export const CHECKPOINT_DIR = '/checkpoints';
/** Where the data directory is mounted (read-only). */
export const DATA_DIR = '/data';
/** Stack size of trainer processes (64 MiB), as NVIDIA recommends for deep learning containers. */
const STACK_BYTES = 67108864;
/** A trainer's shared memory (`/dev/shm`) unless `shmSize` says otherwise. */
const DEFAULT_SHM_SIZE = gib(8);
/** The largest `shmSize` (1 TiB). */
const MAX_SHM_BYTES = 1024 ** 4;
/** A trainer's limits unless its props say otherwise. */
const TRAINER_DEFAULTS = { memory: gib(16), cpus: 8, pids: 8192 };

/** What a trainer resolved. */
interface Trainer {
  /** The project-relative data directory mounted read-only at `/data`. */
  readonly dataDir: string;
  readonly shm: Size;
  /** The named volume holding checkpoints. */
  readonly checkpointVolume: string;
  /** The sizes and settings of a distributed trainer, and the command its launcher runs. */
  readonly distributed?: { readonly spec: DistributedSpec; readonly plan: LaunchPlan };
}

/**
 * The kind of a `GpuTrainer`: a GPU job with its data mounted read-only, its checkpoints on a
 * named volume, healthy while it runs (a heartbeat check only with `heartbeat`), and in compose
 * the `train` profile, shared memory, memlock/stack ulimits and every GPU unless
 * `gpuCount`/`gpuDeviceIds` say otherwise.
 */
export const GPU_TRAINER = gpuKind<GpuTrainerProps, Trainer>({
  title: 'GPU trainer',
  sample: SampleKind.TRAINER,
  workload: 'job',
  defaults: TRAINER_DEFAULTS,
  defaultGpuCount: 'all',
  shape: GPU_TRAINER_SHAPE,
  gpuCountOf: (props) => (isDistributedTrainer(props) && props.gpuCount === undefined
    && props.gpuDeviceIds === undefined && Number.isInteger(props.gpusPerNode) && props.gpusPerNode! >= 1
    ? props.gpusPerNode : undefined),
  resolve: (problems, props, ctx) => {
    // a size with a problem is refused by `check`
    const shm = props.shmSize === undefined
      ? DEFAULT_SHM_SIZE : parseSize(props.shmSize, MAX_SHM_BYTES) ?? DEFAULT_SHM_SIZE;
    return {
      dataDir: props.dataDir ?? 'data',
      shm,
      checkpointVolume: `${ctx.id}-checkpoints`,
      distributed: isDistributedTrainer(props) ? resolveTrainerLaunch(problems, props, shm) : undefined,
    };
  },
  check: checkTrainer,
  image: () => ({
    env: [['MLDOCKER_DATA_DIR', DATA_DIR], ['MLDOCKER_CHECKPOINT_DIR', CHECKPOINT_DIR]],
    steps: [{ kind: 'checkpoint-dir', path: CHECKPOINT_DIR }],
  }),
  container: (spec, trainer) => ({
    ...spec,
    ...distributedContainer(spec, trainer.distributed),
    shmSize: trainer.shm,
    ulimits: { memlock: -1, stack: STACK_BYTES },
    // `docker compose up` starts the servers; training starts with --profile train.
    profiles: ['train'],
    volumes: [
      ...spec.volumes,
      { source: `./${trainer.dataDir}`, target: DATA_DIR, readOnly: true, named: false },
      { source: trainer.checkpointVolume, target: CHECKPOINT_DIR, readOnly: false, named: true },
    ],
  }),
});

/** Whether the props ask for the launcher: any distributed prop is set. */
function isDistributedTrainer(props: GpuTrainerProps): boolean {
  return DISTRIBUTED_PROPS.some((key) => props[key] !== undefined);
}

/**
 * Variables the launcher and the manifests set for a distributed trainer (its sizes, the
 * rendezvous, NCCL's settings): the user's `environment` may not, so one value holds everywhere.
 */
const LAUNCH_ENV = new RegExp('^(PET_.*|NNODES|NPROC_PER_NODE|NODE_RANK|MASTER_ADDR|MASTER_PORT'
  + '|NCCL_DEBUG|NCCL_SOCKET_IFNAME|NCCL_IB_DISABLE)$');

/** The distributed sizes and settings, checked, and the command the launcher makes of `command`. */
function resolveTrainerLaunch(problems: Problems, props: GpuTrainerProps, shm: Size): Trainer['distributed'] {
  const spec = resolveDistributed(problems, {
    nodes: props.nodes,
    gpusPerNode: props.gpusPerNode,
    gpuCount: props.gpuCount,
    gpuDeviceIds: props.gpuDeviceIds,
    distributedRuntime: props.distributedRuntime,
    kueueQueueName: props.kueueQueueName,
    nccl: props.nccl,
    shmSize: shm,
  });
  const launchers = Object.values(TrainerLauncher) as string[];
  const launcher = props.launcher ?? TrainerLauncher.AUTO;
  if (!launchers.includes(launcher)) {
    problems.add('launcher', props.launcher,
      `one of: ${oneOf(launchers)} (TrainerLauncher.AUTO, AS_WRITTEN)`);
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (!LAUNCH_ENV.test(name)) continue;
    problems.add(`environment.${name} is set by the launcher of a distributed trainer`, name,
      'a name of your own: the launcher and the manifests set the sizes, the rendezvous and NCCL\'s '
      + 'settings from nodes, gpusPerNode and nccl');
  }
  const plan = planLaunch(problems, props.command, spec,
    launchers.includes(launcher) ? launcher : TrainerLauncher.AUTO);
  return { spec, plan };
}

/**
 * What a distributed trainer changes in its container: the launcher's command when it wrapped
 * the user's (the image keeps the user's as its CMD, one image for every size), the sizes and
 * NCCL's settings in the environment, and the spec the renderers read.
 */
function distributedContainer(spec: ContainerSpec, d: Trainer['distributed']): Partial<ContainerSpec> {
  if (!d) return {};
  return {
    ...(d.plan.wrapped ? { command: d.plan.command } : {}),
    environment: { ...spec.environment, ...launchEnvironment(d.spec) },
    distributed: d.spec,
  };
}

/** The shared memory fits the memory limit; the data folder is clean and holds no code or credentials. */
function checkTrainer(problems: Problems, props: GpuTrainerProps, ctx: KindContext): void {
  const shm = props.shmSize === undefined
    ? DEFAULT_SHM_SIZE : checkSize(problems, 'shmSize', props.shmSize, MAX_SHM_BYTES);
  // /dev/shm is memory: a limit below it kills DataLoader workers as soon as they fill it.
  // (A memoryLimit with a problem of its own is reported by the shared limit checks.)
  const memory = props.memoryLimit === undefined
    ? TRAINER_DEFAULTS.memory : parseSize(props.memoryLimit, undefined, MIN_MEMORY_BYTES);
  if (shm !== undefined && memory !== undefined && sizeBytes(memory) < sizeBytes(shm)) {
    problems.add('memoryLimit is below shmSize', composeSize(memory),
      `at least the shm size "${composeSize(shm)}" (shared memory counts against the limit)`);
  }
  if (props.dataDir !== undefined) {
    const before = problems.count;
    checkRelativeDir(problems, 'dataDir', props.dataDir);
    checkNoOverlap(problems, 'dataDir', props.dataDir,
      [['sourceDir', ctx.sourceDir], ['services/common', SHARED_CODE_DIR], ['docker/', 'docker']]);
    if (problems.count === before) checkMountSecrets(problems, 'dataDir', props.dataDir);
  }
}

/**
 * A GPU training job: PyTorch's CUDA wheels (or an nvidia/cuda base), the minimum host driver
 * checked at start-up, data mounted read-only, checkpoints on a named volume, healthy while it
 * runs (a heartbeat check only with `heartbeat`, and no probe on Kubernetes that could end a
 * long step), and in compose the `train` profile, `shm_size`, memlock/stack ulimits and a
 * GPU reservation (every GPU unless `gpuCount`/`gpuDeviceIds` say otherwise).
 */
export class GpuTrainer extends GpuService {
  /** The project-relative data directory mounted read-only at `/data`. */
  public readonly dataDir: string;
  /** The container's shared memory size. */
  public readonly shmSize: string;
  /** The named volume holding checkpoints. */
  public readonly checkpointVolume: string;

  constructor(project: Project, id: string, props: GpuTrainerProps) {
    super(project, id, { ...props, ...ofKind(GPU_TRAINER) });
    const trainer = this._resolvedBy(GPU_TRAINER).part;
    this.dataDir = trainer.dataDir;
    this.shmSize = composeSize(trainer.shm);
    this.checkpointVolume = trainer.checkpointVolume;
  }
}
