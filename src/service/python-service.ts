import { Project } from 'projen';
import { ImageModel, addRuntime } from './image-model';
import { CACHE_DIR, CACHE_ENV, MODEL_DIR, bakedModelIgnoreLines, bakedModelStep, cacheDirStep, checkModelDir, modelVolume } from './model-dir';
import { MlService, ServiceKindSpec } from './service';
import { ServiceOptions } from './service-options';
import { resolveCpuTorch } from './torch';
import { ALL_TORCH_PACKAGES, TorchPackage, resolveTorchPackages } from './torch-packages';
import { ContainerSpec } from '../core/container-spec';
import { moduleName } from '../core/names';
import { Platform, checkPlatforms } from '../core/platform';
import { Problems } from '../core/problems';
import { Schema, z } from '../core/shape';

/** Props of a CPU Python service (API, worker). */
export interface PythonServiceProps extends ServiceOptions {
  /**
   * Install CPU-only torch at this version, with the `torchPackages` companions (by default
   * torchvision and torchaudio), from PyTorch's CPU wheel index (`requirements-torch.txt`, its
   * own layer, `--index-url` only). Without it,
   * torch must not appear in any tier: PyPI's default torch wheels bundle CUDA (gigabytes).
   * @default - no torch
   */
  readonly torchVersion?: string;

  /**
   * Which packages of the PyTorch release the torch tier installs: torch always, plus
   * torchvision and torchaudio when listed, each at the version the wheel matrix pairs with
   * `torchVersion` (they cannot go in `requirements`). `[TorchPackage.TORCH]` installs torch alone,
   * as GPU services do by default.
   * @default [TorchPackage.TORCH, TorchPackage.TORCHAUDIO, TorchPackage.TORCHVISION]
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
   * A writable named volume `<id>-cache` at `/cache`, owned by the app user, for model hubs'
   * downloads (`HF_HOME=/cache/huggingface`, `TORCH_HOME=/cache/torch`), kept across restarts.
   * @default false (caches live in the /tmp tmpfs)
   */
  readonly cacheVolume?: boolean;

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

/** The runtime shape of what `PythonServiceProps` adds to `ServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const PYTHON_SERVICE_SHAPE: Record<string, Schema> = {
  torchVersion: z.string().optional(),
  torchPackages: z.array(z.enum(Object.values(TorchPackage))).optional(),
  modelDir: z.string().optional(),
  bakeModel: z.boolean().optional(),
  cacheVolume: z.boolean().optional(),
  platforms: z.array(z.string()).optional(),
};

/** What a CPU service's kind resolved: the platforms chosen (undefined when unset or refused), the torch packages. */
interface PythonFacts {
  readonly platforms?: Platform[];
  readonly torchPackages?: TorchPackage[];
}

/**
 * A CPU Python service: an API or a worker, built from a multi-stage Dockerfile with
 * `dev`, `test` and `prod` targets and tiered, cached requirement layers.
 */
export class PythonService extends MlService {
  /**
   * What a CPU service adds to the shared machinery: a pure function of its props, called by
   * the base constructor before the service has any state.
   * @internal
   */
  public static _kindSpec(_project: Project, id: string, props: PythonServiceProps): ServiceKindSpec {
    const checkChosen = (problems: Problems): PythonFacts =>
      ({ platforms: props.platforms === undefined ? undefined : checkPlatforms(problems, 'platforms', props.platforms) });
    return {
      kindTitle: 'CPU Python service',
      extraShape: PYTHON_SERVICE_SHAPE,
      resolveTorch: props.torchVersion === undefined ? undefined : (problems, python) => {
        const facts = checkChosen(problems);
        const platforms = props.platforms === undefined ? [Platform.LINUX_AMD64] : facts.platforms ?? [];
        return { facts, torch: resolveCpuTorch(problems, props.torchVersion, python.minor, platforms) };
      },
      check: (problems, resolved) => {
        const chosen = resolved?.facts as PythonFacts | undefined ?? checkChosen(problems);
        const facts: PythonFacts = props.torchPackages === undefined ? chosen
          : { ...chosen, torchPackages: resolveTorchPackages(problems, 'torchPackages', props.torchPackages) };
        if (props.torchVersion === undefined && props.torchPackages !== undefined) {
          problems.add('torchPackages is set without torchVersion', props.torchPackages, 'a torchVersion to install them at, or no torchPackages');
        }
        if (props.modelDir !== undefined) {
          const code: Array<[string, string]> = props.sources !== undefined
            ? props.sources.map((p) => ['sources', p]) : [['sourceDir', props.sourceDir ?? `services/${moduleName(id)}`]];
          checkModelDir(problems, props.modelDir, props.bakeModel ?? false, code);
        } else if (props.bakeModel) {
          problems.add('bakeModel is set without a modelDir', props.bakeModel, 'a modelDir to copy into the image, e.g. "models/classifier"');
        }
        return { ...resolved, facts };
      },
    };
  }

  /** The project-relative model folder, if any. */
  public readonly modelDir?: string;
  /** Whether the model folder is copied into the image. */
  public readonly bakeModel: boolean;
  /** The named cache volume (`<id>-cache`), if any. */
  public readonly cacheVolume?: string;

  /** The platforms chosen with `platforms` (empty: the default, linux/amd64 without a `platform` key). */
  public readonly platforms: Platform[];

  private readonly torchPackageList: TorchPackage[];

  constructor(project: Project, id: string, props: PythonServiceProps) {
    super(project, id, props);
    const facts = this._kind.facts as PythonFacts | undefined;
    this.platforms = [...facts?.platforms ?? []];
    this.torchPackageList = [...facts?.torchPackages ?? ALL_TORCH_PACKAGES];
    this.modelDir = props.modelDir;
    this.bakeModel = props.bakeModel ?? false;
    this.cacheVolume = props.cacheVolume ? `${id}-cache` : undefined;
  }

  /** @internal */
  public _extendImage(model: ImageModel): ImageModel {
    const baked = this.bakeModel && this.modelDir !== undefined;
    return addRuntime(super._extendImage(model), {
      env: [
        ...this.modelDir !== undefined ? [['MLDOCKER_MODEL_DIR', MODEL_DIR] as const] : [],
        ...this.bakeModel ? [['HF_HUB_OFFLINE', '1'] as const] : [],
        ...this.cacheVolume ? CACHE_ENV : [],
      ],
      steps: [...this.cacheVolume ? [cacheDirStep()] : [], ...baked ? [bakedModelStep(this.modelDir!)] : []],
      contextPaths: baked ? [this.modelDir!] : [],
    });
  }

  /** @internal */
  protected _torchPackages(): TorchPackage[] {
    return [...this.torchPackageList];
  }

  /** @internal */
  public _artefactFolders(): string[] {
    return this.bakeModel && this.modelDir !== undefined ? [this.modelDir] : [];
  }

  /** @internal */
  public _ignoreExtraLines(): string[] {
    return this.bakeModel && this.modelDir !== undefined ? bakedModelIgnoreLines(this.serviceId, this.modelDir) : [];
  }

  /** @internal */
  public _imagePlatforms(): Array<'linux/amd64' | 'linux/arm64'> {
    const chosen = this.platforms;
    return chosen.length > 0 ? chosen.map((p) => p as 'linux/amd64' | 'linux/arm64') : [Platform.LINUX_AMD64 as 'linux/amd64'];
  }

  /** @internal */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    const volumes = [...spec.volumes];
    if (this.modelDir !== undefined && !this.bakeModel) volumes.push(modelVolume(this.modelDir));
    if (this.cacheVolume) volumes.push({ source: this.cacheVolume, target: CACHE_DIR, readOnly: false, named: true });
    if (this.platforms.length === 0) return { ...spec, volumes };
    return { ...spec, volumes, platform: this.platforms[0], platforms: [...this.platforms] };
  }
}
