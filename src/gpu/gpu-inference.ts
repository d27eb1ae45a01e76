import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKind } from './gpu-kind';
import { GpuService } from './gpu-service';
import { GpuServiceOptions } from './gpu-service-options';
import { Schema } from '../core/problems';
import { gib } from '../core/sizes';
import { MODEL_DIR, checkModelDir } from '../service/model-dir';
import { SampleKind } from '../service/sample-kind';
import { ofKind } from '../service/service-kind';

/** Props of a `GpuInference` service. */
export interface GpuInferenceProps extends GpuServiceOptions {
  /**
   * The model directory, relative to the project root; mounted read-only at `/models`
   * (`MLDOCKER_MODEL_DIR`), or copied into the image with `bakeModel`.
   * @default "models"
   */
  readonly modelDir?: string;

  /**
   * Copy the model directory into the image instead of mounting it. Its ignore file then
   * lets exactly that directory's weights through, and `HF_HUB_OFFLINE=1` is set.
   * @default false
   */
  readonly bakeModel?: boolean;
}

export { MODEL_DIR };

/**
 * The runtime shape of what `GpuInferenceProps` adds to `GpuServiceOptions`
 * (test/props-shapes.test.ts holds it to the interface).
 */
export const GPU_INFERENCE_SHAPE: Record<string, Schema> = {
  modelDir: z.optional(z.string()),
  bakeModel: z.optional(z.boolean()),
};

/**
 * The kind of a `GpuInference` server: a GPU server with a port (its HTTP health check probes
 * it), its model folder mounted read-only or baked in (wired as every kind's model folder is),
 * and one GPU unless `gpuCount`/`gpuDeviceIds` say otherwise.
 */
export const GPU_INFERENCE = gpuKind<GpuInferenceProps, undefined>({
  title: 'GPU inference server',
  sample: SampleKind.INFERENCE,
  workload: 'server',
  defaults: { memory: gib(8), cpus: 4, pids: 2048 },
  defaultGpuCount: 1,
  shape: GPU_INFERENCE_SHAPE,
  resolve: () => undefined,
  models: (props) => ({ dir: props.modelDir ?? 'models', bake: props.bakeModel ?? false }),
  check: (problems, props, ctx) => {
    if (props.port === undefined) {
      problems.add('port is required for a GpuInference service', props.port,
        'the port the server listens on, e.g. 8080 (the health check probes it)');
    }
    if (props.modelDir !== undefined) {
      checkModelDir(problems, props.modelDir, props.bakeModel ?? false, [['sourceDir', ctx.sourceDir]]);
    }
  },
  image: () => ({}),
  container: (spec) => spec,
});

/**
 * A GPU inference server: a runtime-only image with PyTorch's CUDA wheels (or an nvidia/cuda
 * base), the minimum host driver checked at start-up, an HTTP health check, the model
 * directory mounted read-only (or baked in), writable caches under /tmp, and one GPU
 * reserved in compose unless `gpuCount`/`gpuDeviceIds` say otherwise.
 */
export class GpuInference extends GpuService {
  /** The project-relative model directory. */
  public readonly modelDir: string;
  /** Whether the model is copied into the image. */
  public readonly bakeModel: boolean;

  constructor(project: Project, id: string, props: GpuInferenceProps) {
    super(project, id, { ...props, ...ofKind(GPU_INFERENCE) });
    const models = this._resolvedBy(GPU_INFERENCE).models!;
    this.modelDir = models.dir!;
    this.bakeModel = models.bake;
  }
}
