import { Project } from 'projen';
import * as z from 'zod/mini';
import { checkModelDir } from './model-dir';
import { ModelWeights, checkModels, checkModelsBesideFolder } from './model-weights';
import { MlService } from './service';
import { KindResolution, ServiceKind, ofKind } from './service-kind';
import { ServiceOptions } from './service-options';
import { resolveCpuTorch } from './torch';
import { ALL_TORCH_PACKAGES, TorchPackage, packagesWithWheels, resolveTorchPackages } from './torch-packages';
import { Platform, checkPlatforms } from '../core/platform';
import { Schema } from '../core/problems';

/** Props of a CPU Python service (API, worker). */
export interface PythonServiceProps extends ServiceOptions {
  /**
   * Install CPU-only torch at this version, with the `torchPackages` companions (by default
   * torchvision, and torchaudio where the wheel matrix pairs one: torch 2.11 and older), from
   * PyTorch's CPU wheel index (`requirements-torch.txt`, its own layer, `--index-url` only).
   * Without it, torch must not appear in any tier: PyPI's default torch wheels bundle CUDA
   * (gigabytes).
   * @default - no torch
   */
  readonly torchVersion?: string;

  /**
   * Which packages of the PyTorch release the torch tier installs: torch always, plus
   * torchvision and torchaudio when listed, each at the version the wheel matrix pairs with
   * `torchVersion` (they cannot go in `requirements`). `[TorchPackage.TORCH]` installs torch alone,
   * as GPU services do by default. The matrix pairs no torchaudio with torch 2.12 and later, so
   * listing it there is refused.
   * @default - torch, torchaudio (where the matrix pairs one) and torchvision
   */
  readonly torchPackages?: TorchPackage[];

  /**
   * A model folder, relative to the project root: mounted read-only at `/models`
   * (`MLDOCKER_MODEL_DIR`), or copied into the image with `bakeModel`. As `GpuInference` does.
   * @default - no model folder
   */
  readonly modelDir?: string;

  /**
   * Copy `modelDir` into the image instead of mounting it: its ignore file then lets exactly
   * that folder's weights through (its config and tokenizer files always are), and
   * `HF_HUB_OFFLINE=1` is set.
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

  /**
   * The platforms the image is built for, each once; the first is the one compose builds and
   * runs locally (`platform`), all of them are listed in compose `build.platforms` when there
   * are several, the CI workflow builds every one (QEMU for the foreign ones) and
   * `docker/build.sh` passes them as `--platform`. Dependency files resolve for each and the
   * tier files hold the wheels (hashes) of all; Kubernetes pins the node architecture only
   * when there is exactly one.
   * @default - linux/amd64 only, with no `platform` key written
   */
  readonly platforms?: Platform[];
}

/**
 * The runtime shape of what `PythonServiceProps` adds to `ServiceOptions` (test/props-shapes.test.ts holds it
 * to the interface).
 */
export const PYTHON_SERVICE_SHAPE: Record<string, Schema> = {
  torchVersion: z.optional(z.string()),
  torchPackages: z.optional(z.array(z.enum(Object.values(TorchPackage)))),
  modelDir: z.optional(z.string()),
  bakeModel: z.optional(z.boolean()),
  platforms: z.optional(z.array(z.string())),
  models: z.optional(z.array(z.any())),
};

/** What a CPU service resolved besides what every kind does. */
interface PythonServiceResolution extends KindResolution {
  /** The platforms chosen with `platforms` (empty: the default, linux/amd64 without a `platform` key). */
  readonly chosenPlatforms: readonly Platform[];
}

/**
 * The kind of a `PythonService`: CPU-only torch wheels when asked for, a model folder (wired as
 * every kind's is), and images built for one or several CPU platforms.
 */
export const PYTHON_SERVICE: ServiceKind<PythonServiceProps, PythonServiceResolution> = {
  title: 'CPU Python service',
  workload: 'server',
  gpu: false,
  defaults: {},
  shape: PYTHON_SERVICE_SHAPE,
  sample: () => undefined,
  resolve(problems, props, ctx) {
    // The platforms first: torch's wheels must exist for each of them.
    const chosen = props.platforms === undefined
      ? [] : checkPlatforms(problems, 'platforms', props.platforms) ?? [];
    const torch = props.torchVersion !== undefined && ctx.python
      ? resolveCpuTorch(problems, props.torchVersion, ctx.python.minor,
        props.platforms === undefined ? [Platform.LINUX_AMD64] : chosen)
      : undefined;
    return {
      torch,
      torchPackages: props.torchPackages === undefined ? packagesWithWheels(ALL_TORCH_PACKAGES, torch)
        : resolveTorchPackages(problems, 'torchPackages', props.torchPackages, torch),
      chosenPlatforms: chosen,
      platforms: chosen.length > 0 ? chosen.map((p) => p as 'linux/amd64' | 'linux/arm64') : ['linux/amd64'],
      models: {
        dir: props.modelDir,
        bake: props.bakeModel ?? false,
      },
      ...props.models ? { weights: checkModels(problems, props.models) } : {},
    };
  },
  check(problems, props, _resolved, ctx) {
    if (props.torchVersion === undefined && props.torchPackages !== undefined) {
      problems.add('torchPackages is set without torchVersion', props.torchPackages,
        'a torchVersion to install them at, or no torchPackages');
    }
    if (props.modelDir !== undefined) {
      checkModelDir(problems, props.modelDir, props.bakeModel ?? false, ctx.code);
    } else if (props.bakeModel) {
      problems.add('bakeModel is set without a modelDir', props.bakeModel,
        'a modelDir to copy into the image, e.g. "models/classifier"');
    }
    checkModelsBesideFolder(problems, props.models, props.modelDir);
  },
  container: (spec, r) => (r.chosenPlatforms.length === 0 ? spec
    : { ...spec, platform: r.chosenPlatforms[0], platforms: [...r.chosenPlatforms] }),
};

/**
 * A CPU Python service: an API or a worker, built from a multi-stage Dockerfile with
 * `dev`, `test` and `prod` targets and tiered, cached requirement layers.
 */
export class PythonService extends MlService {
  /** The project-relative model folder, if any. */
  public readonly modelDir?: string;
  /** Whether the model folder is copied into the image. */
  public readonly bakeModel: boolean;

  /** The platforms chosen with `platforms` (empty: the default, linux/amd64 without a `platform` key). */
  public readonly platforms: Platform[];

  constructor(project: Project, id: string, props: PythonServiceProps) {
    super(project, id, { ...props, ...ofKind(PYTHON_SERVICE) });
    const resolved = this._resolvedBy(PYTHON_SERVICE);
    this.platforms = [...resolved.chosenPlatforms];
    this.modelDir = resolved.models?.dir;
    this.bakeModel = resolved.models?.bake ?? false;
  }
}
