import { Project } from 'projen';
import {
  CUDA_IMAGE_OS, CudaChoice, GpuBase, GpuPlatform, checkDriverVersion, resolveCuda,
} from './cuda';
import { checkArchList, defaultArchList } from './cuda-arch';
import { checkDebian12Toolkit, renderDebian12Toolkit } from './cuda-debian12';
import { resolveCudaWithoutTorch } from './cuda-without-torch';
import { ContainerSpec, GpuSpec } from '../core/container-spec';
import { loadData } from '../core/data';
import { dockerQuote } from '../core/names';
import { Problems, oneOf } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { TIER_ORDER } from '../core/requirements';
import { Schema, z } from '../core/shape';
import { PythonImage } from '../service/python-image';
import { SampleKind } from '../service/samples';
import { GpuSummary, ImagePlan, MlService, ServiceKindSpec, ServiceOptions, checkRelativeDir } from '../service/service';
import { torchRows } from '../service/torch';
import { TorchPackage, resolveTorchPackages } from '../service/torch-packages';

/** Options every GPU service (trainer, inference) shares. */
export interface GpuServiceOptions extends ServiceOptions {
  /**
   * The torch version, e.g. `2.5.1`. torch (and the `torchPackages` companions) of that
   * release and its CUDA variant come from the vendored wheel matrix (`requirements-torch.txt`,
   * installed alone with `--index-url` of the PyTorch index for that variant).
   * @default - no torch: then `cudaVersion` is required, and the CUDA runtime comes from the
   * nvidia/cuda `gpuBase`, or on python-slim from NVIDIA's CUDA wheels the requirements pull
   * (e.g. `jax[cuda12]`); the driver rule, label and start-up check are the same
   */
  readonly torchVersion?: string;

  /**
   * Which packages of the PyTorch release the torch tier installs: torch always, plus
   * torchvision and torchaudio when listed, each at the version the wheel matrix pairs with
   * `torchVersion` (they cannot go in `requirements`).
   * @default [TorchPackage.TORCH]
   */
  readonly torchPackages?: TorchPackage[];

  /**
   * The CUDA variant of the torch wheels (`12.4`), checked against the wheel matrix, the
   * Python version, the base image data and `hostDriverVersion`.
   * @default - the highest CUDA variant with wheels for this torch and Python whose minimum
   * driver (under `gpuBase`) is at most `hostDriverVersion`
   */
  readonly cudaVersion?: string;

  /**
   * Where the image's CUDA libraries come from; decides the minimum host driver.
   * @default GpuBase.PYTHON_SLIM
   */
  readonly gpuBase?: GpuBase;

  /**
   * An exact `nvidia/cuda` tag for the runtime base (`12.6.3-cudnn-runtime-ubuntu24.04`),
   * instead of the newest one of the CUDA version. Must be listed in the reference tag data,
   * match `gpuBase` and be an ubuntu24.04 tag. Only for nvidia/cuda bases.
   * @default - the newest ubuntu24.04 tag of the gpuBase flavor for the CUDA version
   */
  readonly cudaImageTag?: string;

  /**
   * The oldest NVIDIA driver of the hosts this service runs on.
   * @default - the project's `hostDriverVersion` ("535.104.05" unless set)
   */
  readonly hostDriverVersion?: string;

  /**
   * Directories (relative to the project root) of Python packages with CUDA extensions
   * (e.g. built with `torch.utils.cpp_extension`), compiled in the builder stage with
   * `pip install --no-build-isolation` against the installed torch; pin their build
   * requirements (setuptools, ninja, ...) in the `ml` tier. The builder gets `nvcc` and the
   * headers of the torch wheels' CUDA major.minor: on `python-slim` (the default) from NVIDIA's
   * Debian 12 repository (same bookworm glibc as the runtime; pin `cudaKeyringSha256`), on an
   * nvidia/cuda `gpuBase` from the devel image of the runtime's release. Compiling needs no
   * driver: `hostDriverVersion` limits only the runtime. `prod` only copies the virtualenv.
   * @default - no CUDA extensions, no CUDA toolkit in any stage
   */
  readonly cudaExtensions?: string[];

  /**
   * The sha256 of NVIDIA's `cuda-keyring` package (`cuda-keyring_1.1-1_all.deb` of the Debian 12
   * x86_64 CUDA repository), which the python-slim CUDA extension builder downloads to trust
   * that repository: the build installs it only if the checksum matches. Only with
   * `cudaExtensions` on `gpuBase` python-slim.
   * @default - none in the Dockerfile: the build stops until
   * `--build-arg CUDA_KEYRING_SHA256=<sha256>` is given
   */
  readonly cudaKeyringSha256?: string;

  /**
   * Start without the entrypoint's host driver check. Opt-out for hosts you know better
   * (e.g. datacenter drivers with CUDA forward compatibility); the driver minimum stays in
   * the image label and the docs. At run time, `MLDOCKER_SKIP_DRIVER_CHECK=1` does the same.
   * @default false
   */
  readonly skipDriverCheck?: boolean;

  /**
   * How many GPUs compose reserves. Exclusive with `gpuDeviceIds`.
   * @default - all GPUs for a trainer, 1 for inference
   */
  readonly gpuCount?: number;

  /**
   * The GPUs compose reserves, by index (`"0"`) or UUID (`"GPU-..."`). Exclusive with `gpuCount`.
   * @default - a number of GPUs (see gpuCount)
   */
  readonly gpuDeviceIds?: string[];

  /**
   * The platform the image is built and run for.
   * @default GpuPlatform.LINUX_AMD64
   */
  readonly platform?: GpuPlatform;

  /**
   * Allow `platform: GpuPlatform.LINUX_ARM64`. The wheel matrix and the driver tables describe
   * x86_64; check that PyTorch publishes aarch64 CUDA wheels of your torch/CUDA pair first.
   * @default false
   */
  readonly allowArm64?: boolean;

  /**
   * The official Python image through a mirror or pinned by digest, e.g.
   * `registry.example/python:3.11.16-slim-bookworm@sha256:...`. It must be the
   * `<X.Y.Z>-slim-bookworm` variant of the service's Python: PyTorch's wheels are manylinux
   * (glibc), so alpine (musl) is refused.
   * @default - "python:<X.Y.Z>-slim-bookworm" from the reference tag data
   */
  readonly pythonImage?: string;
}

/** What a GPU service type adds to the shared GPU machinery. Internal. */
export interface GpuKindSpec {
  readonly kindTitle: string;
  readonly sample: SampleKind;
  readonly workload: 'server' | 'job';
  readonly defaults: { readonly memory: string; readonly cpus: number; readonly pids: number };
  readonly defaultGpuCount: number | 'all';
  readonly extraShape: Record<string, Schema>;
  readonly check: (problems: Problems) => void;
}

interface GpuState {
  choice?: CudaChoice;
  base?: GpuBase;
  hostDriver?: string;
  hostField?: string;
  settingsChecked?: boolean;
  torchPackages?: TorchPackage[];
}

/** The variables NVIDIA's own images set (nvidia-cuda-tags.json `defaultContainerEnv`). */
function nvidiaEnvironment(): Array<[string, string]> {
  const env = loadData<{ defaultContainerEnv: Record<string, string> }>('nvidia-cuda-tags.json').defaultContainerEnv;
  return [['NVIDIA_VISIBLE_DEVICES', env.NVIDIA_VISIBLE_DEVICES], ['NVIDIA_DRIVER_CAPABILITIES', env.NVIDIA_DRIVER_CAPABILITIES]];
}

/**
 * Variables the GPU machinery sets itself; the user's `environment` may not (every
 * `MLDOCKER_*` name is refused for every service, by the shared environment check).
 */
const RESERVED_ENV = ['NVIDIA_VISIBLE_DEVICES', 'NVIDIA_DRIVER_CAPABILITIES', 'NVIDIA_REQUIRE_CUDA', 'NVIDIA_DISABLE_REQUIRE'];
const DEVICE_ID = /^([0-9]{1,3}|GPU-[0-9a-fA-F-]{8,}|MIG-[0-9A-Za-z/-]{4,})$/;
const ENUM_VALUES = <T extends Record<string, string>>(e: T): string[] => Object.values(e);

/** The runtime shape of what `GpuServiceOptions` adds to `ServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const GPU_SERVICE_SHAPE: Record<string, Schema> = {
  torchVersion: z.string().optional(),
  torchPackages: z.array(z.enum(Object.values(TorchPackage))).optional(),
  cudaVersion: z.string().optional(),
  gpuBase: z.string().optional(),
  cudaImageTag: z.string().optional(),
  hostDriverVersion: z.string().optional(),
  cudaExtensions: z.array(z.string()).optional(),
  cudaKeyringSha256: z.string().optional(),
  skipDriverCheck: z.boolean().optional(),
  gpuCount: z.number().optional(),
  gpuDeviceIds: z.array(z.string()).optional(),
  platform: z.string().optional(),
  allowArm64: z.boolean().optional(),
  pythonImage: z.string().optional(),
};

/**
 * The GPU machinery `GpuTrainer` and `GpuInference` share: the CUDA choice, the base images,
 * the driver minimum (image label, entrypoint check, docs) and the GPU reservation.
 */
export abstract class GpuService extends MlService {
  /** Where the image's CUDA libraries come from. */
  public readonly gpuBase: GpuBase;
  /** The CUDA variant of the torch wheels (`12.4`). */
  public readonly cudaVersion: string;
  /** The minimum host driver of this image (`525.60.13`). */
  public readonly minDriverVersion: string;
  /** Why `minDriverVersion` is what it is. */
  public readonly driverRule: string;
  /** The host driver the CUDA choice was fitted to. */
  public readonly hostDriverVersion: string;
  /** The nvidia/cuda runtime base image, for nvidia/cuda bases. */
  public readonly cudaImage?: string;
  /** The nvidia/cuda devel image of the builder, when CUDA extensions are compiled. */
  public readonly cudaDevelImage?: string;
  /** The platform of the image and container. */
  public readonly platform: GpuPlatform;
  /** Whether the entrypoint checks the host driver before starting the command. */
  public readonly driverCheck: boolean;

  private readonly extensionDirs: string[];
  private readonly cudaKeyringSha256?: string;
  private readonly gpu: GpuSpec;
  private readonly torchPackageList: TorchPackage[];

  protected constructor(project: Project, id: string, props: GpuServiceOptions) {
    super(project, id, props);
    const state = this._spec.resolved as GpuState;
    const choice = state.choice!;
    this.gpuBase = state.base!;
    this.cudaVersion = choice.cuda;
    this.minDriverVersion = choice.driver.minimum;
    this.driverRule = choice.driver.rule;
    this.hostDriverVersion = state.hostDriver!;
    this.cudaImage = choice.runtimeImage;
    this.cudaDevelImage = choice.develImage;
    this.platform = props.platform ?? GpuPlatform.LINUX_AMD64;
    this.driverCheck = !(props.skipDriverCheck ?? false);
    this.extensionDirs = [...(props.cudaExtensions ?? [])];
    this.cudaKeyringSha256 = props.cudaKeyringSha256;
    this.torchPackageList = [...state.torchPackages!];
    this.gpu = props.gpuDeviceIds ? { deviceIds: [...props.gpuDeviceIds] } : { count: props.gpuCount ?? this._gpuKindSpec(props).defaultGpuCount };
  }

  /** The GPUs compose reserves: a count (or "all") or device ids. */
  public get gpuReservation(): string {
    return this.gpu.deviceIds ? `device ids ${this.gpu.deviceIds.join(', ')}` : `${this.gpu.count === 'all' ? 'all' : this.gpu.count} gpu(s)`;
  }

  /**
   * What the trainer or inference type adds. Called from the base constructor, before the
   * subclass's own fields exist.
   * @internal
   */
  protected abstract _gpuKindSpec(props: GpuServiceOptions): GpuKindSpec;

  /** @internal */
  protected _kindSpec(props: GpuServiceOptions): ServiceKindSpec {
    refuseCpuPlatforms(this, props);
    const state: GpuState = {};
    const kind = this._gpuKindSpec(props);
    const projectSettings = ProjectSettings.of(this.project);
    const settings = (problems: Problems): void => {
      if (state.settingsChecked) return;
      state.settingsChecked = true;
      if (props.gpuBase === undefined) state.base = GpuBase.PYTHON_SLIM;
      else if (ENUM_VALUES(GpuBase).includes(props.gpuBase)) state.base = props.gpuBase;
      else problems.add('gpuBase', props.gpuBase, `one of: ${oneOf(ENUM_VALUES(GpuBase))} (GpuBase.PYTHON_SLIM, CUDA_BASE, CUDA_RUNTIME, CUDNN_RUNTIME)`);
      state.hostField = props.hostDriverVersion !== undefined ? 'hostDriverVersion' : 'hostDriverVersion (from the project)';
      state.hostDriver = checkDriverVersion(problems, state.hostField, props.hostDriverVersion ?? projectSettings.hostDriverVersion);
    };
    return {
      resolved: state,
      kindTitle: kind.kindTitle,
      extraShape: { ...GPU_SERVICE_SHAPE, ...kind.extraShape },
      // The torch samples import torch: a service without it gets the plain HTTP or worker sample.
      sample: props.torchVersion === undefined ? undefined : kind.sample,
      workload: kind.workload,
      defaults: { ...kind.defaults, tmp: '2g' },
      pythonImage: (problems, python) => checkPythonImage(problems, props.pythonImage, python),
      resolveTorch: (problems, pythonMinor) => {
        settings(problems);
        if (!state.base || !state.hostDriver) return undefined;
        if (props.torchVersion === undefined) {
          state.choice = resolveCudaWithoutTorch(problems, {
            cudaVersion: props.cudaVersion,
            base: state.base,
            hostDriver: state.hostDriver,
            hostDriverField: state.hostField!,
            devel: (props.cudaExtensions ?? []).length > 0,
            cudaImageTag: props.cudaImageTag,
            requirements: TIER_ORDER.flatMap((t) => props.requirements?.[t] ?? []),
          });
          return undefined;
        }
        state.choice = resolveCuda(problems, {
          torchVersion: props.torchVersion,
          cudaVersion: props.cudaVersion,
          pythonMinor,
          base: state.base,
          hostDriver: state.hostDriver,
          hostDriverField: state.hostField!,
          devel: (props.cudaExtensions ?? []).length > 0,
          cudaImageTag: props.cudaImageTag,
        });
        return state.choice?.wheels;
      },
      check: (problems) => {
        settings(problems);
        state.torchPackages = resolveTorchPackages(problems, 'torchPackages', props.torchPackages);
        if (props.torchVersion === undefined && props.torchPackages !== undefined) {
          problems.add('torchPackages is set without torchVersion', props.torchPackages, 'a torchVersion to install them at, or no torchPackages');
        }
        if (props.torchVersion === undefined && (props.cudaExtensions ?? []).length > 0) {
          problems.add('cudaExtensions are set without torchVersion (they compile against the installed torch)', props.cudaExtensions,
            'a torchVersion, or no cudaExtensions (build other native code with buildPackages and buildSteps)');
        }
        checkGpuProps(problems, props, this.sourceDir);
        checkExtensionToolkit(problems, props, state.base, state.choice);
        const archList = Object.entries(props.buildEnv ?? {}).find(([k]) => k.toUpperCase() === 'TORCH_CUDA_ARCH_LIST');
        if (archList && state.choice) checkArchList(problems, `buildEnv.${archList[0]}`, archList[1], state.choice.cuda);
        kind.check(problems);
      },
    };
  }

  /** @internal */
  protected _torchPackages(): TorchPackage[] {
    return [...this.torchPackageList];
  }

  /** @internal */
  protected _imagePlan(): ImagePlan {
    const notes = [
      this.torch
        ? `GPU: torch ${this.torch.torch} (CUDA ${this.cudaVersion} wheels from ${this.torch.indexUrl}), gpuBase "${this.gpuBase}".`
        : `GPU: CUDA ${this.cudaVersion} without torch, from ${this.gpuBase === GpuBase.PYTHON_SLIM ? 'NVIDIA\'s CUDA wheels in the requirements' : 'the nvidia/cuda image'}, gpuBase "${this.gpuBase}".`,
      `Host driver >= ${this.minDriverVersion}: ${this.driverRule}.`,
      this.driverCheck
        ? 'The entrypoint checks it at start-up (MLDOCKER_SKIP_DRIVER_CHECK=1 skips the check).'
        : 'The start-up driver check is off (skipDriverCheck); the minimum is in the image label.',
    ];
    if (this.gpuBase === GpuBase.PYTHON_SLIM) {
      const toolkit = this.extensionDirs.length > 0 ? [renderDebian12Toolkit(this.cudaVersion, this.cudaKeyringSha256)] : [];
      return { ...super._imagePlan(), headerNotes: notes, builderSetup: toolkit };
    }
    const packages = loadData<{ packages: string[] }>('ubuntu-python-runtime.json').packages;
    const args: Array<[string, string]> = [['PYTHON_IMAGE', this.pythonImage], ['CUDA_IMAGE', this.cudaImage!]];
    if (this.cudaDevelImage) args.push(['CUDA_DEVEL_IMAGE', this.cudaDevelImage]);
    return {
      baseArgs: args,
      runtimeArg: 'CUDA_IMAGE',
      runtimeImage: this.cudaImage!,
      headerNotes: [
        ...notes,
        `Python ${this.pythonVersion} is the official build: /usr/local of ${this.pythonImage} (Debian bookworm,`,
        `glibc 2.36) copied into the ${CUDA_IMAGE_OS} nvidia/cuda image (glibc 2.39), with the libraries it links.`,
      ],
      copyPython: {
        stage: [
          `# ---- python: the official build of Python ${this.pythonVersion}, copied into the nvidia/cuda stages below`,
          `# (every stage runs this exact interpreter; ${CUDA_IMAGE_OS}'s glibc 2.39 runs what bookworm's 2.36 built)`,
          'FROM ${PYTHON_IMAGE} AS python',
        ],
        packages,
      },
      devel: this.cudaDevelImage ? {
        arg: 'CUDA_DEVEL_IMAGE',
        comment: [
          '# ---- deps-ml: the CUDA devel image (nvcc, headers) with the same Python, so builder can compile',
          '# the CUDA extensions; a virtualenv in /opt/venv with the heavy tiers, one cached layer per tier.',
          '# prod never starts from it or from builder: it copies only builder\'s /opt/venv.',
        ],
        // nvcc needs a host C++ compiler; installed only if the devel image lacks it.
        packages: ['g++'],
      } : undefined,
    };
  }

  /** @internal */
  protected _runtimeEnv(): Array<[string, string]> {
    return [
      ...nvidiaEnvironment(),
      // Caches on the writable /tmp tmpfs (the root filesystem is read-only).
      ['HF_HOME', '/tmp/.cache/huggingface'],
      ['TORCH_HOME', '/tmp/.cache/torch'],
      ['TRITON_CACHE_DIR', '/tmp/.cache/triton'],
      ['MLDOCKER_MIN_DRIVER', this.minDriverVersion],
      ['MLDOCKER_DRIVER_RULE', this.driverRule],
    ];
  }

  /** @internal */
  protected _extraLabels(): Array<[string, string]> {
    return [
      ['dev.projen-ml-docker.min-driver', this.minDriverVersion],
      ['dev.projen-ml-docker.driver-rule', this.driverRule],
      ['dev.projen-ml-docker.gpu-base', this.gpuBase],
      ...(this.torch ? [['dev.projen-ml-docker.torch', this.torch.torch] as [string, string]] : []),
      ['dev.projen-ml-docker.cuda', this.cudaVersion],
    ];
  }

  /** @internal */
  protected _entrypoint(): string[] {
    const tini = super._entrypoint();
    return this.driverCheck ? [...tini, 'python', '-m', 'mldocker_runtime.driver_check'] : tini;
  }

  /** @internal */
  protected _extraContextPaths(): string[] {
    return [...this.extensionDirs];
  }

  /** @internal */
  protected _builderExtraSteps(): string[] {
    if (this.extensionDirs.length === 0) return [];
    const target = (i: number) => `/tmp/cuda-ext/${i}`;
    return [[
      `# CUDA extensions, compiled against the installed torch with ${this.gpuBase === GpuBase.PYTHON_SLIM ? 'the Debian 12 toolkit\'s nvcc' : 'the devel image\'s nvcc'}. No GPU`,
      `# is visible during a build: the architectures come from TORCH_CUDA_ARCH_LIST (default: CUDA ${this.cudaVersion}'s`,
      '# data-center and desktop GPUs from Volta on; set buildEnv.TORCH_CUDA_ARCH_LIST for yours).',
      `ARG TORCH_CUDA_ARCH_LIST=${dockerQuote(defaultArchList(this.cudaVersion) ?? '')}`,
      'RUN --mount=type=cache,target=/root/.cache/pip \\',
      ...this.extensionDirs.map((d, i) => `    --mount=type=bind,source=${d},target=${target(i)},rw \\`),
      `    pip install --no-build-isolation --no-deps ${this.extensionDirs.map((_, i) => target(i)).join(' ')}`,
    ].join('\n')];
  }

  /** @internal */
  protected _imagePlatform(): 'linux/amd64' | 'linux/arm64' {
    return this.platform;
  }

  /** @internal */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    const env: Record<string, string> = { ...spec.environment };
    // Match the reservation: compose's device request picks the GPUs; a fixed "all" here
    // must not widen a reservation of device ids (a count leaves it to the request).
    if (this.gpu.deviceIds) env.NVIDIA_VISIBLE_DEVICES = this.gpu.deviceIds.join(',');
    else if (this.gpu.count === 'all') env.NVIDIA_VISIBLE_DEVICES = 'all';
    env.NVIDIA_DRIVER_CAPABILITIES = Object.fromEntries(nvidiaEnvironment()).NVIDIA_DRIVER_CAPABILITIES;
    return { ...spec, environment: env, gpu: { ...this.gpu }, platform: this.platform };
  }

  /** @internal */
  public _gpuSummary(): GpuSummary {
    return {
      base: this.gpuBase,
      torch: this.torch?.torch ?? 'none',
      cuda: this.cudaVersion,
      minDriver: this.minDriverVersion,
      rule: this.driverRule,
      images: this.cudaImage ? [this.pythonImage, this.cudaImage, ...(this.cudaDevelImage ? [this.cudaDevelImage] : [])] : [this.pythonImage],
      driverCheck: this.driverCheck,
    };
  }
}

/** A replacement Python image reference: the same `<X.Y.Z>-slim-bookworm` tag, never alpine. */
function checkPythonImage(problems: Problems, value: string | undefined, python: PythonImage): string | undefined {
  if (value === undefined) return undefined;
  const tag = `${python.full}-slim-bookworm`;
  const expected = `"python:${tag}" or a mirror of it ("<registry>/<path>/python:${tag}", optionally "@sha256:<64 hex>")`;
  if (/alpine/i.test(value)) {
    problems.add('pythonImage is an alpine (musl) image, which has no manylinux torch wheels', value, expected);
    return undefined;
  }
  const m = /^((?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?\/)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*)?python:([A-Za-z0-9_.-]+)(@sha256:[0-9a-f]{64})?$/.exec(value);
  if (!m || m[4] !== tag) {
    problems.add(`pythonImage is not the ${tag} image of the service's python`, value, expected);
    return undefined;
  }
  return value;
}

/**
 * `platforms` (several CPU platforms) is a prop of CPU services: a GPU image is built for the
 * one platform whose CUDA wheels and driver tables it was checked against (`platform`).
 * Refused by name, before the generic unknown-property check, so the message says what to use.
 */
function refuseCpuPlatforms(service: GpuService, props: GpuServiceOptions): void {
  const given = (props as { platforms?: unknown } | undefined)?.platforms;
  if (given === undefined) return;
  const problems = new Problems(`${service.project.name}/${service.node.id}`);
  problems.add('platforms is for cpu services (PythonService); a gpu service is built for one platform', given,
    'platform: GpuPlatform.LINUX_AMD64 (the default) or GpuPlatform.LINUX_ARM64 with allowArm64: true, and no platforms');
  problems.throwIfAny();
}

/**
 * The CUDA toolkit of a python-slim builder: Debian 12 packages of the wheels' CUDA must exist
 * (checked once the CUDA choice is made; the host driver is never part of it), and the keyring
 * checksum belongs to that builder alone.
 */
function checkExtensionToolkit(problems: Problems, props: GpuServiceOptions, base: GpuBase | undefined, choice: CudaChoice | undefined): void {
  const slimBuilder = (props.cudaExtensions ?? []).length > 0 && base === GpuBase.PYTHON_SLIM;
  if (props.cudaKeyringSha256 !== undefined && !slimBuilder) {
    problems.add('cudaKeyringSha256 is set but no python-slim cuda extension builder downloads the keyring', props.cudaKeyringSha256,
      'cudaExtensions with gpuBase "python-slim", or no cudaKeyringSha256');
  }
  // Without torch, cudaExtensions are refused on their own (they compile against torch).
  if (slimBuilder && choice && props.torchVersion !== undefined) {
    const platform = props.platform ?? GpuPlatform.LINUX_AMD64;
    // torch is valid here (a choice was made): its rows only list the CUDA variants to suggest.
    const rows = torchRows(new Problems(''), 'torchVersion', props.torchVersion) ?? [];
    const offered = [...new Set(rows.map((r) => r.cuda).filter((c): c is string => c !== undefined))];
    checkDebian12Toolkit(problems, {
      cuda: choice.cuda, platform, keyringSha256: props.cudaKeyringSha256, offered, torchVersion: String(props.torchVersion),
    });
  }
}

/** Checks the GPU props the CUDA resolution does not. */
function checkGpuProps(problems: Problems, props: GpuServiceOptions, sourceDir: string): void {
  if (props.gpuCount !== undefined && props.gpuDeviceIds !== undefined) {
    problems.add('gpuCount and gpuDeviceIds are both set', { gpuCount: props.gpuCount, gpuDeviceIds: props.gpuDeviceIds },
      'one of them (compose refuses count together with device_ids)');
  } else if (props.gpuCount !== undefined && !(Number.isInteger(props.gpuCount) && props.gpuCount >= 1 && props.gpuCount <= 64)) {
    problems.add('gpuCount', props.gpuCount, 'an integer from 1 to 64 (leave it unset for every gpu of a trainer)');
  }
  if (props.gpuDeviceIds !== undefined) {
    if (props.gpuDeviceIds.length === 0) problems.add('gpuDeviceIds', props.gpuDeviceIds, 'at least one device id, or no gpuDeviceIds');
    props.gpuDeviceIds.forEach((d, i) => {
      if (!DEVICE_ID.test(d)) problems.add(`gpuDeviceIds[${i}]`, d, 'a gpu index such as "0" or a uuid such as "GPU-8f2c...", as nvidia-smi -L prints');
    });
    const dup = props.gpuDeviceIds.find((d, i) => props.gpuDeviceIds!.indexOf(d) !== i);
    if (dup) problems.add('gpuDeviceIds lists a device twice', dup, 'each device once');
  }
  if (props.platform !== undefined && !ENUM_VALUES(GpuPlatform).includes(props.platform)) {
    problems.add('platform', props.platform, `one of: ${oneOf(ENUM_VALUES(GpuPlatform))}`);
  } else if (props.platform === GpuPlatform.LINUX_ARM64 && props.allowArm64 !== true) {
    problems.add('platform is linux/arm64 for a gpu service without the opt-in', props.platform,
      `"${GpuPlatform.LINUX_AMD64}", or allowArm64: true once PyTorch publishes aarch64 CUDA wheels for this torch/CUDA pair`);
  }
  const extensions = props.cudaExtensions ?? [];
  extensions.forEach((dir, i) => checkRelativeDir(problems, `cudaExtensions[${i}]`, dir));
  const dupExt = extensions.find((d, i) => extensions.indexOf(d) !== i);
  if (dupExt) problems.add('cudaExtensions lists a directory twice', dupExt, 'each directory once');
  if (extensions.includes(sourceDir)) problems.add('cudaExtensions lists the service\'s sourceDir', sourceDir, 'a separate package directory for the compiled extension');
  for (const name of Object.keys(props.environment ?? {})) {
    if (RESERVED_ENV.includes(name.toUpperCase())) {
      problems.add(`environment.${name} is set by the gpu machinery`, name, 'gpuCount or gpuDeviceIds to choose gpus (the image and compose set the NVIDIA_* and MLDOCKER_* variables)');
    }
  }
}
