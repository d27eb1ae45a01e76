import { Project } from 'projen';
import * as z from 'zod/mini';
import { gpuKindSpec } from './gpu-kind';
import { GpuService, GpuServiceOptions } from './gpu-service';
import { ContainerSpec } from '../core/container-spec';
import { moduleName } from '../core/names';
import { Problems, Schema } from '../core/problems';
import { gib } from '../core/sizes';
import { ImageModel, addRuntime } from '../service/image-model';
import { MODEL_DIR, bakedModelIgnoreLines, bakedModelStep, checkModelDir, modelVolume } from '../service/model-dir';
import { SampleKind } from '../service/samples';
import { ServiceKindSpec } from '../service/service';

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

/** The runtime shape of what `GpuInferenceProps` adds to `GpuServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const GPU_INFERENCE_SHAPE: Record<string, Schema> = { modelDir: z.optional(z.string()), bakeModel: z.optional(z.boolean()) };

/**
 * A GPU inference server: a runtime-only image with PyTorch's CUDA wheels (or an nvidia/cuda
 * base), the minimum host driver checked at start-up, an HTTP health check, the model
 * directory mounted read-only (or baked in), writable caches under /tmp, and one GPU
 * reserved in compose unless `gpuCount`/`gpuDeviceIds` say otherwise.
 */
export class GpuInference extends GpuService {
  /**
   * What a GPU inference server adds to the GPU machinery: a pure function of its props, called by the
   * base constructor before the service has any state.
   * @internal
   */
  public static _kindSpec(project: Project, id: string, props: GpuInferenceProps): ServiceKindSpec {
    return gpuKindSpec(project, id, props, {
      kindTitle: 'GPU inference server',
      sample: SampleKind.INFERENCE,
      workload: 'server',
      defaults: { memory: gib(8), cpus: 4, pids: 2048 },
      defaultGpuCount: 1,
      extraShape: GPU_INFERENCE_SHAPE,
      check: (problems: Problems) => {
        if (props.port === undefined) {
          problems.add('port is required for a GpuInference service', props.port, 'the port the server listens on, e.g. 8080 (the health check probes it)');
        }
        if (props.modelDir !== undefined) {
          checkModelDir(problems, props.modelDir, props.bakeModel ?? false, [['sourceDir', props.sourceDir ?? `services/${moduleName(id)}`]]);
        }
      },
    });
  }

  /** The project-relative model directory. */
  public readonly modelDir: string;
  /** Whether the model is copied into the image. */
  public readonly bakeModel: boolean;

  constructor(project: Project, id: string, props: GpuInferenceProps) {
    super(project, id, props);
    this.modelDir = props.modelDir ?? 'models';
    this.bakeModel = props.bakeModel ?? false;
  }

  /** @internal */
  public _extendImage(model: ImageModel): ImageModel {
    return addRuntime(super._extendImage(model), {
      // A baked model is complete: never reach for the Hugging Face Hub at run time.
      env: [['MLDOCKER_MODEL_DIR', MODEL_DIR], ...this.bakeModel ? [['HF_HUB_OFFLINE', '1'] as const] : []],
      steps: this.bakeModel ? [bakedModelStep(this.modelDir)] : [],
      contextPaths: this.bakeModel ? [this.modelDir] : [],
    });
  }

  /** @internal */
  public _artefactFolders(): string[] {
    return [...super._artefactFolders(), ...this.bakeModel ? [this.modelDir] : []];
  }

  /** @internal */
  public _ignoreExtraLines(): string[] {
    const baked = this.bakeModel ? bakedModelIgnoreLines(this.serviceId, this.modelDir) : [];
    return [...super._ignoreExtraLines(), ...baked];
  }

  /** @internal */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    const gpu = super._extendContainer(spec);
    if (this.bakeModel) return gpu;
    return { ...gpu, volumes: [...gpu.volumes, modelVolume(this.modelDir)] };
  }
}
