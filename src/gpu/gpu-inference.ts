import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKind } from './gpu-kind';
import { GpuService } from './gpu-service';
import { GpuServiceOptions } from './gpu-service-options';
import { Schema } from '../core/problems';
import { gib } from '../core/sizes';
import { MODEL_DIR, checkModelDir } from '../service/model-dir';
import { ModelWeights, checkModels, checkModelsBesideFolder } from '../service/model-weights';
import { SampleKind } from '../service/sample-kind';
import { ofKind } from '../service/service-kind';

/** Props of a `GpuInference` service. */
export interface GpuInferenceProps extends GpuServiceOptions {
  /**
   * The model directory, relative to the project root; mounted read-only at `/models`
   * (`MLDOCKER_MODEL_DIR`), or copied into the image with `bakeModel`.
   * @default "models" (none when `models` is given)
   */
  readonly modelDir?: string;

  /**
   * Copy the model directory into the image instead of mounting it. Its ignore file then
   * lets exactly that directory's weights through, and `HF_HUB_OFFLINE=1` is set.
   * @default false
   */
  readonly bakeModel?: boolean;

  /**
   * Model weights as a locked input: files of a Hugging Face model at a commit
   * (`ModelWeights.huggingFace`), a file behind a URL (`ModelWeights.url`) or a folder of the
   * repository (`ModelWeights.path`), each landing in its folder under `/models`.
   * `npx projen models:lock` records every file's size and sha256 in `models.lock`; the image
   * fetches them at build in a stage of their own and checks every file against the lock before
   * the server starts. Not with `modelDir`, which is mounted at `/models` too.
   * @default - no model weights
   */
  readonly models?: ModelWeights[];
}

export { MODEL_DIR };

/**
 * The runtime shape of what `GpuInferenceProps` adds to `GpuServiceOptions`
 * (test/props-shapes.test.ts holds it to the interface).
 */
export const GPU_INFERENCE_SHAPE: Record<string, Schema> = {
  modelDir: z.optional(z.string()),
  bakeModel: z.optional(z.boolean()),
  models: z.optional(z.array(z.any())),
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
  // the weights of `models` land under /models: no model folder is mounted there then
  models: (props) => ({
    dir: props.modelDir ?? (props.models === undefined ? 'models' : undefined), bake: props.bakeModel ?? false,
  }),
  weights: (problems, props) => (props.models === undefined ? undefined
    : checkModels(problems, props.models)),
  check: (problems, props, ctx) => {
    if (props.port === undefined) {
      problems.add('port is required for a GpuInference service', props.port,
        'the port the server listens on, e.g. 8080 (the health check probes it)');
    }
    if (props.modelDir !== undefined) {
      checkModelDir(problems, props.modelDir, props.bakeModel ?? false, [['sourceDir', ctx.sourceDir]]);
    }
    checkModelsBesideFolder(problems, props.models, props.modelDir);
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
  /** The project-relative model directory (none when the service has `models`). */
  public readonly modelDir?: string;
  /** Whether the model is copied into the image. */
  public readonly bakeModel: boolean;

  constructor(project: Project, id: string, props: GpuInferenceProps) {
    super(project, id, { ...props, ...ofKind(GPU_INFERENCE) });
    const models = this._resolvedBy(GPU_INFERENCE).models!;
    this.modelDir = models.dir;
    this.bakeModel = models.bake;
  }
}
