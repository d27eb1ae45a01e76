import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKind } from './gpu-kind';
import { GpuService } from './gpu-service';
import { GpuServiceOptions } from './gpu-service-options';
import { Problems, Schema } from '../core/problems';
import { MIN_MEMORY_BYTES, Size, checkSize, composeSize, gib, parseSize, sizeBytes } from '../core/sizes';
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
}

/**
 * The runtime shape of what `GpuTrainerProps` adds to `GpuServiceOptions` (test/props-shapes.test.ts
 * holds it to the interface).
 */
export const GPU_TRAINER_SHAPE: Record<string, Schema> = {
  dataDir: z.optional(z.string()),
  shmSize: z.optional(z.string()),
};

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
}

/**
 * The kind of a `GpuTrainer`: a GPU job with its data mounted read-only, its checkpoints on a
 * named volume, a heartbeat health check, and in compose the `train` profile, shared memory,
 * memlock/stack ulimits and every GPU unless `gpuCount`/`gpuDeviceIds` say otherwise.
 */
export const GPU_TRAINER = gpuKind<GpuTrainerProps, Trainer>({
  title: 'GPU trainer',
  sample: SampleKind.TRAINER,
  workload: 'job',
  defaults: TRAINER_DEFAULTS,
  defaultGpuCount: 'all',
  shape: GPU_TRAINER_SHAPE,
  resolve: (props, ctx) => ({
    dataDir: props.dataDir ?? 'data',
    // a size with a problem is refused by `check`
    shm: props.shmSize === undefined
      ? DEFAULT_SHM_SIZE : parseSize(props.shmSize, MAX_SHM_BYTES) ?? DEFAULT_SHM_SIZE,
    checkpointVolume: `${ctx.id}-checkpoints`,
  }),
  check: checkTrainer,
  image: () => ({
    env: [['MLDOCKER_DATA_DIR', DATA_DIR], ['MLDOCKER_CHECKPOINT_DIR', CHECKPOINT_DIR]],
    steps: [{ kind: 'checkpoint-dir', path: CHECKPOINT_DIR }],
  }),
  container: (spec, trainer) => ({
    ...spec,
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
 * checked at start-up, data mounted read-only, checkpoints on a named volume, a heartbeat
 * health check, and in compose the `train` profile, `shm_size`, memlock/stack ulimits and a
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
