import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKindSpec } from './gpu-kind';
import { GpuService, GpuServiceOptions } from './gpu-service';
import { ContainerSpec } from '../core/container-spec';
import { moduleName } from '../core/names';
import { Problems, Schema } from '../core/problems';
import { MIN_MEMORY_BYTES, Size, checkSize, composeSize, gib, parseSize, sizeBytes } from '../core/sizes';
import { ImageModel, addRuntime } from '../service/image-model';
import { checkMountSecrets, checkNoOverlap } from '../service/model-dir';
import { SampleKind } from '../service/samples';
import { ServiceKindSpec, checkRelativeDir } from '../service/service';
import { SHARED_CODE_DIR } from '../service/shared-files';

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

/** The runtime shape of what `GpuTrainerProps` adds to `GpuServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const GPU_TRAINER_SHAPE: Record<string, Schema> = { dataDir: z.optional(z.string()), shmSize: z.optional(z.string()) };

/**
 * A GPU training job: PyTorch's CUDA wheels (or an nvidia/cuda base), the minimum host driver
 * checked at start-up, data mounted read-only, checkpoints on a named volume, a heartbeat
 * health check, and in compose the `train` profile, `shm_size`, memlock/stack ulimits and a
 * GPU reservation (every GPU unless `gpuCount`/`gpuDeviceIds` say otherwise).
 */
export class GpuTrainer extends GpuService {
  /**
   * What a trainer adds to the GPU machinery: a pure function of its props, called by the
   * base constructor before the service has any state.
   * @internal
   */
  public static _kindSpec(project: Project, id: string, props: GpuTrainerProps): ServiceKindSpec {
    return gpuKindSpec(project, id, props, {
      kindTitle: 'GPU trainer',
      sample: SampleKind.TRAINER,
      workload: 'job',
      defaults: TRAINER_DEFAULTS,
      defaultGpuCount: 'all',
      extraShape: GPU_TRAINER_SHAPE,
      check: (problems: Problems) => {
        const shm = props.shmSize === undefined ? DEFAULT_SHM_SIZE : checkSize(problems, 'shmSize', props.shmSize, MAX_SHM_BYTES);
        // /dev/shm is memory: a limit below it kills DataLoader workers as soon as they fill it.
        // (A memoryLimit with a problem of its own is reported by the shared limit checks.)
        const memory = props.memoryLimit === undefined ? TRAINER_DEFAULTS.memory : parseSize(props.memoryLimit, undefined, MIN_MEMORY_BYTES);
        if (shm !== undefined && memory !== undefined && sizeBytes(memory) < sizeBytes(shm)) {
          problems.add('memoryLimit is below shmSize', composeSize(memory), `at least the shm size "${composeSize(shm)}" (shared memory counts against the limit)`);
        }
        if (props.dataDir !== undefined) {
          const before = problems.count;
          checkRelativeDir(problems, 'dataDir', props.dataDir);
          checkNoOverlap(problems, 'dataDir', props.dataDir, [['sourceDir', props.sourceDir ?? `services/${moduleName(id)}`], ['services/common', SHARED_CODE_DIR], ['docker/', 'docker']]);
          if (problems.count === before) checkMountSecrets(problems, 'dataDir', props.dataDir);
        }
      },
    });
  }

  /** The project-relative data directory mounted read-only at `/data`. */
  public readonly dataDir: string;
  /** The container's shared memory size. */
  public readonly shmSize: string;
  /** The named volume holding checkpoints. */
  public readonly checkpointVolume: string;
  /** `shmSize` as the container spec carries it. */
  private readonly shm: Size;

  constructor(project: Project, id: string, props: GpuTrainerProps) {
    super(project, id, props);
    this.dataDir = props.dataDir ?? 'data';
    // The base constructor threw unless the kind's check accepted props.shmSize.
    this.shm = props.shmSize === undefined ? DEFAULT_SHM_SIZE : parseSize(props.shmSize, MAX_SHM_BYTES)!;
    this.shmSize = composeSize(this.shm);
    this.checkpointVolume = `${id}-checkpoints`;
  }

  /** @internal */
  public _extendImage(model: ImageModel): ImageModel {
    return addRuntime(super._extendImage(model), {
      env: [['MLDOCKER_DATA_DIR', DATA_DIR], ['MLDOCKER_CHECKPOINT_DIR', CHECKPOINT_DIR]],
      steps: [{ kind: 'checkpoint-dir', path: CHECKPOINT_DIR }],
    });
  }

  /** @internal */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    const gpu = super._extendContainer(spec);
    return {
      ...gpu,
      shmSize: this.shm,
      ulimits: { memlock: -1, stack: STACK_BYTES },
      // `docker compose up` starts the servers; training starts with --profile train.
      profiles: ['train'],
      volumes: [
        ...gpu.volumes,
        { source: `./${this.dataDir}`, target: DATA_DIR, readOnly: true, named: false },
        { source: this.checkpointVolume, target: CHECKPOINT_DIR, readOnly: false, named: true },
      ],
    };
  }
}

export { checkMountSecrets, checkNoOverlap };
