import { existsSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import {
  CUDA_IMAGE_OS, CudaChoice, GpuBase, GpuPlatform, checkDriverVersion, resolveCuda,
} from './cuda';
import { checkArchList, defaultArchList } from './cuda-arch';
import { checkDebian12Toolkit, debian12ToolkitModel } from './cuda-debian12';
import { cudaWheelRequirement, resolveCudaWithoutTorch } from './cuda-without-torch';
import {
  FleetArchList, FleetGpu, checkArchListFleet, checkToolkitFleet, chooseFleetCuda, fleetArchList,
  fleetCapabilities, fleetText, gpuLabel, resolveFleet,
} from './gpu-fleet';
import { GPU_SERVICE_SHAPE, GpuServiceOptions } from './gpu-service-options';
import { ContainerSpec, GpuSpec } from '../core/container-spec';
import { checkTorchCudaMajor } from '../core/cuda-wheels';
import { loadData } from '../core/data';
import { Problems, Schema, oneOf } from '../core/problems';
import { TIER_ORDER } from '../core/requirements';
import { Size, gib } from '../core/sizes';
import { readPackageSettings } from '../entry/package-metadata';
import { ImageAdditions, RuntimeAdditions } from '../image/image-model';
import { RUNTIME_PACKAGE } from '../image/image-paths';
import type { ModelFolder } from '../service/model-dir';
import type { ModelSpec } from '../service/model-weights';
import { installedBy } from '../service/project-install';
import { PythonImage } from '../service/python-image';
import { SampleKind } from '../service/sample-kind';
import {
  AnyServiceKind, KindContext, KindResolution, RequiredFromFiles, ServiceKind,
} from '../service/service-kind';
import { checkRelativeDir } from '../service/sources';
import { torchRows } from '../service/torch';
import { resolveTorchPackages, torchPackagesOf } from '../service/torch-packages';

/**
 * The GPU kinds: what every GPU service adds to the shared machinery (the CUDA choice against the
 * wheel matrix and driver tables, the base images, the driver minimum in the image label, the
 * entrypoint's check and the docs, the GPU reservation), composed with what its own part adds
 * (`GPU_TRAINER` in gpu-trainer.ts, `GPU_INFERENCE` in gpu-inference.ts). Pure.
 */

/** What a GPU kind's own part adds on top of the GPU machinery (a trainer's data, a server's model). */
export interface GpuPart<P extends GpuServiceOptions, T> {
  readonly title: string;
  /** The starter code of a new service with torch (without torch: the HTTP or worker sample). */
  readonly sample: SampleKind;
  readonly workload: 'server' | 'job';
  readonly defaults: { readonly memory: Size; readonly cpus: number; readonly pids: number };
  /** The GPUs compose reserves unless `gpuCount`/`gpuDeviceIds` say otherwise. */
  readonly defaultGpuCount: number | 'all';
  /** The props the part adds to `GpuServiceOptions`, with their shapes. */
  readonly shape: Readonly<Record<string, Schema>>;
  /**
   * The GPUs the part's own props ask for (a trainer's `gpusPerNode`), reserved instead of
   * `defaultGpuCount` when `gpuCount`/`gpuDeviceIds` say nothing; undefined: none asked.
   */
  gpuCountOf?(props: P): number | undefined;
  /**
   * What the part decides from its props, with the problems it finds while deciding (its
   * other refusals are `check`'s).
   */
  resolve(problems: Problems, props: P, ctx: KindContext): T;
  /** The part's model folder, wired as every kind's is. */
  models?(props: P): ModelFolder | undefined;
  /** The part's model weights (`models`), checked. */
  weights?(problems: Problems, props: P): ModelSpec[] | undefined;
  /** The part's refusals. */
  check(problems: Problems, props: P, ctx: KindContext): void;
  /** What the part adds to the image's runtime, after the GPU machinery's. */
  image(part: T): RuntimeAdditions;
  /** What the part adds to the container, after the GPU machinery's. */
  container(spec: ContainerSpec, part: T): ContainerSpec;
}

/** What the GPU machinery resolved: complete once the service's checks passed. */
export interface GpuSettings {
  readonly base?: GpuBase;
  /** The host driver the CUDA choice was fitted to. */
  readonly hostDriver?: string;
  readonly choice?: CudaChoice;
  readonly platform: GpuPlatform;
  readonly driverCheck: boolean;
  /** The GPUs compose reserves: a count (or "all") or device ids. */
  readonly reservation: GpuSpec;
  /** Directories of CUDA extensions compiled in the builder. */
  readonly extensionDirs: readonly string[];
  /** The cuda-keyring checksum of a python-slim extension builder. */
  readonly keyringSha256?: string;
  /** NVIDIA's CUDA wheels the dependency files must pull (without torch, on python-slim, none typed). */
  readonly fromFiles?: RequiredFromFiles;
  /** What the GPU fleet decided, when the service has one (`gpuFleet`). */
  readonly fleet?: FleetSettings;
}

/** The image's side of a GPU fleet: the capabilities it serves and how. */
export interface FleetSettings {
  /** The fleet as one line: `"T4" (7.5), "H100" (9.0)`. */
  readonly text: string;
  /** The fleet's distinct compute capabilities, oldest first. */
  readonly capabilities: readonly string[];
  /** How the image reaches each GPU, one line each (docs). */
  readonly served: readonly string[];
  /** `TORCH_CUDA_ARCH_LIST` of what the image compiles for the fleet, when it compiles CUDA code. */
  readonly archList?: string;
  /** The fleet's GPUs as resolved, for the checks that read them after the choice. */
  readonly gpus: readonly FleetGpu[];
  /** The prop the fleet came from, for messages: `gpuFleet` or `gpuFleet (from the project)`. */
  readonly field: string;
}

/** What a GPU kind resolved: the GPU machinery's settings and its part's. */
export interface GpuResolution<T> extends KindResolution {
  readonly settings: GpuSettings;
  readonly part: T;
}

/** A GPU kind, as `GpuService` reads it. */
export type GpuKind<P extends GpuServiceOptions, T> =
  ServiceKind<P, GpuResolution<T>> & { readonly gpuPart: GpuPart<P, T> };

/** A kind of a GPU service: the GPU machinery composed with the part of a trainer or an inference server. */
export function gpuKind<P extends GpuServiceOptions, T>(part: GpuPart<P, T>): GpuKind<P, T> {
  return {
    gpuPart: part,
    title: part.title,
    workload: part.workload,
    gpu: true,
    defaults: { ...part.defaults, tmp: gib(2) },
    shape: { ...GPU_SERVICE_SHAPE, ...part.shape },
    refuse: refuseCpuPlatforms,
    // The torch samples import torch: a service without it gets the plain HTTP or worker sample.
    sample: (props) => (props.torchVersion === undefined ? undefined : part.sample),
    pythonImage: (problems, props, python) => checkPythonImage(problems, props.pythonImage, python),
    resolve(problems, props, ctx) {
      const settings = resolveGpu(problems, props, ctx, part.gpuCountOf?.(props) ?? part.defaultGpuCount);
      const choice = settings.choice;
      const cudaImages = [choice?.runtimeImage, choice?.develImage]
        .filter((i): i is string => i !== undefined);
      const own = part.resolve(problems, props, ctx);
      return {
        settings,
        part: own,
        torch: choice?.wheels,
        torchPackages: torchPackagesOf(props.torchPackages),
        platforms: [settings.platform],
        // once the choice is made (else the service has a problem and no image)
        image: choice && gpuImage(settings, part.image(own)),
        fromDependencyFiles: settings.fromFiles,
        models: part.models?.(props),
        weights: part.weights?.(problems, props),
        gpuSummary: choice && {
          base: settings.base!,
          torch: choice.wheels?.torch ?? 'none',
          cuda: choice.cuda,
          minDriver: choice.driver.minimum,
          rule: choice.driver.rule,
          images: [ctx.pythonImage, ...cudaImages],
          driverCheck: settings.driverCheck,
          ...settings.fleet ? { fleet: settings.fleet } : {},
        },
      };
    },
    check(problems, props, r, ctx) {
      checkGpuProps(problems, props, r.settings, ctx);
      part.check(problems, props, ctx);
    },
    container: (spec, r) => part.container(gpuContainer(spec, r.settings), r.part),
  };
}

/** The GPU kind the props were handed with (`GpuService` reads its settings with it). */
export function gpuKindOf(kind: AnyServiceKind | undefined): GpuKind<GpuServiceOptions, unknown> {
  if (!kind || !('gpuPart' in kind)) throw new Error('a gpu service is made by GpuTrainer or GpuInference');
  return kind as GpuKind<GpuServiceOptions, unknown>;
}

/**
 * The GPU settings of the props and the CUDA choice: the base, the host driver, the CUDA variant
 * (from the wheel matrix with torch, from the base or NVIDIA's wheels without; none without a
 * valid Python).
 */
function resolveGpu(problems: Problems, props: GpuServiceOptions, ctx: KindContext,
  defaultGpuCount: number | 'all'): GpuSettings {
  const fixed = {
    platform: props.platform ?? GpuPlatform.LINUX_AMD64,
    driverCheck: !(props.skipDriverCheck ?? false),
    reservation: props.gpuDeviceIds
      ? { deviceIds: [...props.gpuDeviceIds] } : { count: props.gpuCount ?? defaultGpuCount },
    extensionDirs: [...props.cudaExtensions ?? []],
    keyringSha256: props.cudaKeyringSha256,
  };
  let base: GpuBase | undefined;
  if (props.gpuBase === undefined) {
    base = GpuBase.PYTHON_SLIM;
  } else if (ENUM_VALUES(GpuBase).includes(props.gpuBase)) {
    base = props.gpuBase;
  } else {
    problems.add('gpuBase', props.gpuBase,
      `one of: ${oneOf(ENUM_VALUES(GpuBase))} (GpuBase.PYTHON_SLIM, CUDA_BASE, CUDA_RUNTIME, CUDNN_RUNTIME)`);
  }
  const hostField = props.hostDriverVersion !== undefined
    ? 'hostDriverVersion' : 'hostDriverVersion (from the project)';
  const hostDriver = checkDriverVersion(problems, hostField,
    props.hostDriverVersion ?? ctx.hostDriverVersion);
  if (!base || !hostDriver || !ctx.python) return { ...fixed, base, hostDriver };
  const request = {
    cudaVersion: props.cudaVersion,
    base,
    hostDriver,
    hostDriverField: hostField,
    devel: fixed.extensionDirs.length > 0,
    cudaImageTag: props.cudaImageTag,
  };
  const fleetField = props.gpuFleet !== undefined ? 'gpuFleet' : 'gpuFleet (from the project)';
  const givenFleet = props.gpuFleet ?? ctx.gpuFleet;
  const fleet = givenFleet === undefined ? undefined : resolveFleet(problems, fleetField, givenFleet);
  if (givenFleet !== undefined && !fleet) return { ...fixed, base, hostDriver };
  if (props.torchVersion === undefined) {
    const typed = TIER_ORDER.flatMap((t) => props.requirements?.[t] ?? []);
    const choice = resolveCudaWithoutTorch(problems, {
      ...request, requirements: typed, dependencyFiles: ctx.dependencyFiles,
    });
    // on python-slim, NVIDIA's wheels the typed lists do not pull must come from the dependency files
    const major = choice?.cuda.split('.')[0] ?? '';
    const fromFiles = choice && base === GpuBase.PYTHON_SLIM && !cudaWheelRequirement(typed, major)
      ? { fromFiles: cudaWheelsFromFiles(major, choice.cuda) } : {};
    if (!choice || !fleet) return { ...fixed, base, hostDriver, choice, ...fromFiles };
    // no torch wheel to read: the CUDA runtime's own release must target every gpu
    const built = checkToolkitFleet(problems, { cuda: choice.cuda, hostDriver, fleet, fleetField });
    if (!built) return { ...fixed, base, hostDriver };
    const fleetSettings = toolkitFleet(fleet, built, fleetField);
    return { ...fixed, base, hostDriver, choice, fleet: fleetSettings, ...fromFiles };
  }
  const torchRequest = { ...request, torchVersion: props.torchVersion, pythonMinor: ctx.python.minor };
  const driverChoice = resolveCuda(problems, torchRequest);
  if (!driverChoice || !fleet) return { ...fixed, base, hostDriver, choice: driverChoice };
  const fleetChoice = chooseFleetCuda(problems, {
    torchVersion: String(props.torchVersion),
    cudaVersion: props.cudaVersion,
    pythonMinor: ctx.python.minor,
    base,
    hostDriver,
    hostDriverField: hostField,
    fleetField,
    fleet,
    // a variant the driver rule alone refuses for this base (no nvidia/cuda tag, no devel tag)
    variantProblem: (cuda) => firstProblem((p) => resolveCuda(p, { ...torchRequest, cudaVersion: cuda })),
  });
  if (!fleetChoice) return { ...fixed, base, hostDriver };
  const choice = fleetChoice.cuda === driverChoice.cuda
    ? driverChoice : resolveCuda(problems, { ...torchRequest, cudaVersion: fleetChoice.cuda });
  if (!choice) return { ...fixed, base, hostDriver };
  const archList = fixed.extensionDirs.length === 0 ? undefined
    : fleetArchList(problems, { cuda: choice.cuda, hostDriver, fleet, fleetField });
  if (fixed.extensionDirs.length > 0 && !archList) return { ...fixed, base, hostDriver };
  return {
    ...fixed,
    base,
    hostDriver,
    choice,
    fleet: {
      text: fleetText(fleet),
      capabilities: fleetChoice.capabilities,
      served: fleetChoice.served.map((s) => s.note),
      archList: archList?.archList,
      gpus: fleet,
      field: fleetField,
    },
  };
}

/** The fleet side of a service without torch: what nvcc of its CUDA release builds for each gpu. */
function toolkitFleet(fleet: readonly FleetGpu[], built: FleetArchList, field: string): FleetSettings {
  return {
    text: fleetText(fleet),
    capabilities: fleetCapabilities(fleet),
    served: built.entries.map((e) => `${gpuLabel(e.gpu)}: cuda ${built.cuda} targets ${e.entry}`),
    archList: built.archList,
    gpus: fleet,
    field,
  };
}

/** The first problem a check reports, without its construct path; undefined when it reports none. */
function firstProblem(check: (problems: Problems) => unknown): string | undefined {
  const scratch = new Problems('');
  check(scratch);
  try {
    scratch.throwIfAny();
  } catch (e) {
    return (e as { problems: string[] }).problems[0].replace(/^\[\] /, '');
  }
  return undefined;
}

/** The variables NVIDIA's own images set (nvidia-cuda-tags.json `defaultContainerEnv`). */
export function nvidiaEnvironment(): Array<[string, string]> {
  const tags = loadData<{ defaultContainerEnv: Record<string, string> }>('nvidia-cuda-tags.json');
  const env = tags.defaultContainerEnv;
  return [
    ['NVIDIA_VISIBLE_DEVICES', env.NVIDIA_VISIBLE_DEVICES],
    ['NVIDIA_DRIVER_CAPABILITIES', env.NVIDIA_DRIVER_CAPABILITIES],
  ];
}

/**
 * What a GPU service adds to the CPU image, with its part's runtime additions after the GPU
 * machinery's: the header's GPU notes, the driver minimum (environment, labels, the entrypoint's
 * check), caches on /tmp, the CUDA extensions and their compiler (a Debian 12 toolkit on
 * python-slim, the devel image on nvidia/cuda), and on nvidia/cuda bases the official Python
 * copied in.
 */
export function gpuImage(
  gpu: Pick<GpuSettings, 'base' | 'choice' | 'driverCheck' | 'extensionDirs' | 'keyringSha256' | 'fleet'>,
  part: RuntimeAdditions = {},
): ImageAdditions {
  const choice = gpu.choice!;
  const torch = choice.wheels;
  const slim = gpu.base === GpuBase.PYTHON_SLIM;
  const dirs = gpu.extensionDirs;
  const runtime = { arg: 'CUDA_IMAGE', image: choice.runtimeImage! };
  const capabilities = gpu.fleet?.capabilities.join(' ');
  return {
    gpu: {
      base: gpu.base!,
      cuda: choice.cuda,
      torch: torch?.torch,
      torchIndexUrl: torch?.indexUrl,
      pythonSlim: slim,
      minDriver: choice.driver.minimum,
      driverRule: choice.driver.rule,
      driverCheck: gpu.driverCheck,
    },
    entrypoint: gpu.driverCheck ? ['python', '-m', `${RUNTIME_PACKAGE}.driver_check`] : [],
    cudaExtensions: dirs.length === 0 ? undefined : {
      compiler: slim ? 'debian12' : 'devel',
      cuda: choice.cuda,
      archList: gpu.fleet?.archList ?? defaultArchList(choice.cuda) ?? '',
      ...gpu.fleet?.archList ? { fromFleet: true } : {},
      dirs,
    },
    ...slim ? {
      cudaToolkit: dirs.length > 0 ? debian12ToolkitModel(choice.cuda, gpu.keyringSha256) : undefined,
    } : {
      bases: [runtime, ...choice.develImage ? [{ arg: 'CUDA_DEVEL_IMAGE', image: choice.develImage }] : []],
      runtimeBase: runtime,
      copyPython: {
        os: CUDA_IMAGE_OS,
        packages: loadData<{ packages: string[] }>('ubuntu-python-runtime.json').packages,
      },
      // nvcc needs a host C++ compiler; installed only if the devel image lacks it.
      devel: choice.develImage ? { arg: 'CUDA_DEVEL_IMAGE', packages: ['g++'] } : undefined,
    },
    env: [
      ...nvidiaEnvironment(),
      // Caches on the writable /tmp tmpfs (the root filesystem is read-only).
      ['HF_HOME', '/tmp/.cache/huggingface'],
      ['TORCH_HOME', '/tmp/.cache/torch'],
      ['TRITON_CACHE_DIR', '/tmp/.cache/triton'],
      ['MLDOCKER_MIN_DRIVER', choice.driver.minimum],
      ['MLDOCKER_DRIVER_RULE', choice.driver.rule],
      // the start-up check stops on a gpu outside this list (driver_check.py)
      ...capabilities ? [['MLDOCKER_GPU_CAPABILITIES', capabilities] as const] : [],
      ...part.env ?? [],
    ],
    steps: part.steps,
    labels: [
      ['dev.projen-ml-docker.min-driver', choice.driver.minimum],
      ['dev.projen-ml-docker.driver-rule', choice.driver.rule],
      ['dev.projen-ml-docker.gpu-base', gpu.base!],
      ...torch ? [['dev.projen-ml-docker.torch', torch.torch] as const] : [],
      ['dev.projen-ml-docker.cuda', choice.cuda],
      ...capabilities ? [['dev.projen-ml-docker.gpu-capabilities', capabilities] as const] : [],
      ...part.labels ?? [],
    ],
    contextPaths: [...dirs, ...part.contextPaths ?? []],
  };
}

/** The GPU reservation of the container, the NVIDIA runtime's variables to match it, the platform. */
function gpuContainer(spec: ContainerSpec, gpu: GpuSettings): ContainerSpec {
  const env: Record<string, string> = { ...spec.environment };
  const { reservation } = gpu;
  // Match the reservation: compose's device request picks the GPUs; a fixed "all" here
  // must not widen a reservation of device ids (a count leaves it to the request).
  if (reservation.deviceIds) env.NVIDIA_VISIBLE_DEVICES = reservation.deviceIds.join(',');
  else if (reservation.count === 'all') env.NVIDIA_VISIBLE_DEVICES = 'all';
  env.NVIDIA_DRIVER_CAPABILITIES = Object.fromEntries(nvidiaEnvironment()).NVIDIA_DRIVER_CAPABILITIES;
  return { ...spec, environment: env, gpu: { ...reservation }, platform: gpu.platform };
}

/**
 * Variables the GPU machinery sets itself; the user's `environment` may not (every
 * `MLDOCKER_*` name is refused for every service, by the shared environment check).
 */
const RESERVED_ENV = [
  'NVIDIA_VISIBLE_DEVICES', 'NVIDIA_DRIVER_CAPABILITIES', 'NVIDIA_REQUIRE_CUDA', 'NVIDIA_DISABLE_REQUIRE',
];
const DEVICE_ID = /^([0-9]{1,3}|GPU-[0-9a-fA-F-]{8,}|MIG-[0-9A-Za-z/-]{4,})$/;
/** `python:<tag>`, optionally behind a registry and path, optionally pinned by digest. */
const PYTHON_REFERENCE = new RegExp('^((?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?/)'
  + '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*)?'
  + 'python:([A-Za-z0-9_.-]+)(@sha256:[0-9a-f]{64})?$');
const ENUM_VALUES = <T extends Record<string, string>>(e: T): string[] => Object.values(e);

/** A replacement Python image reference: the same `<X.Y.Z>-slim-bookworm` tag, never alpine. */
function checkPythonImage(
  problems: Problems, value: string | undefined, python: PythonImage,
): string | undefined {
  if (value === undefined) return undefined;
  const tag = `${python.full}-slim-bookworm`;
  const expected = `"python:${tag}" or a mirror of it `
    + `("<registry>/<path>/python:${tag}", optionally "@sha256:<64 hex>")`;
  if (/alpine/i.test(value)) {
    problems.add('pythonImage is an alpine (musl) image, which has no manylinux torch wheels', value,
      expected);
    return undefined;
  }
  const m = PYTHON_REFERENCE.exec(value);
  if (!m || m[4] !== tag) {
    problems.add(`pythonImage is not the ${tag} image of the service's python`, value, expected);
    return undefined;
  }
  return value;
}

/**
 * `platforms` (several CPU platforms) is a prop of CPU services: a GPU image is built for the one
 * platform whose CUDA wheels and driver tables it was checked against (`platform`), so it is refused.
 */
function refuseCpuPlatforms(problems: Problems, props: GpuServiceOptions): void {
  const given = (props as { platforms?: unknown } | undefined)?.platforms;
  if (given === undefined) return;
  problems.add('platforms is for cpu services (PythonService); a gpu service is built for one platform',
    given, 'platform: GpuPlatform.LINUX_AMD64 (the default) or GpuPlatform.LINUX_ARM64 '
      + 'with allowArm64: true, and no platforms');
}

/**
 * The GPU machinery's refusals: the torch packages and what needs torch, the GPU reservation,
 * the platform, the CUDA extensions and their toolkit, the arch list, the variables it sets.
 */
function checkGpuProps(
  problems: Problems, props: GpuServiceOptions, settings: GpuSettings, ctx: KindContext,
): void {
  const wheels = settings.choice?.wheels;
  resolveTorchPackages(problems, 'torchPackages', props.torchPackages, wheels);
  if (wheels) {
    checkTorchCudaMajor(problems, 'requirements', TIER_ORDER.flatMap((t) => (props.requirements?.[t] ?? [])
      .map((text, i) => ({ text, from: `requirements.${t}[${i}]` }))), wheels);
  }
  if (props.torchVersion === undefined && props.torchPackages !== undefined) {
    problems.add('torchPackages is set without torchVersion', props.torchPackages,
      'a torchVersion to install them at, or no torchPackages');
  }
  if (props.torchVersion === undefined && (props.cudaExtensions ?? []).length > 0) {
    problems.add('cudaExtensions are set without torchVersion (they compile against the installed torch)',
      props.cudaExtensions,
      'a torchVersion, or no cudaExtensions (build other native code with buildPackages and buildSteps)');
  }
  checkReservation(problems, props);
  if (props.platform !== undefined && !ENUM_VALUES(GpuPlatform).includes(props.platform)) {
    problems.add('platform', props.platform, `one of: ${oneOf(ENUM_VALUES(GpuPlatform))}`);
  } else if (props.platform === GpuPlatform.LINUX_ARM64 && props.allowArm64 !== true) {
    problems.add('platform is linux/arm64 for a gpu service without the opt-in', props.platform,
      `"${GpuPlatform.LINUX_AMD64}", or allowArm64: true once PyTorch publishes aarch64 CUDA wheels `
        + 'for this torch/CUDA pair');
  }
  const extensions = props.cudaExtensions ?? [];
  extensions.forEach((dir, i) => checkExtensionDir(problems, `cudaExtensions[${i}]`, dir, ctx.root));
  const dupExt = extensions.find((d, i) => extensions.indexOf(d) !== i);
  if (dupExt) problems.add('cudaExtensions lists a directory twice', dupExt, 'each directory once');
  if (extensions.includes(ctx.sourceDir)) {
    problems.add('cudaExtensions lists the service\'s sourceDir', ctx.sourceDir,
      'a separate package directory for the compiled extension');
  }
  if (extensions.includes('.')) checkRootExtensionCopies(problems, ctx);
  for (const name of Object.keys(props.environment ?? {})) {
    if (RESERVED_ENV.includes(name.toUpperCase())) {
      problems.add(`environment.${name} is set by the gpu machinery`, name, 'gpuCount or gpuDeviceIds to '
        + 'choose gpus (the image and compose set the NVIDIA_* and MLDOCKER_* variables)');
    }
  }
  checkExtensionToolkit(problems, props, settings.base, settings.choice);
  const archList = Object.entries(props.buildEnv ?? {})
    .find(([k]) => k.toUpperCase() === 'TORCH_CUDA_ARCH_LIST');
  if (archList && settings.choice) {
    const field = `buildEnv.${archList[0]}`;
    const before = problems.count;
    checkArchList(problems, field, archList[1], settings.choice.cuda);
    // a list nvcc accepts must still build kernels for every gpu the image is declared to serve
    if (problems.count === before && settings.fleet && settings.hostDriver) {
      checkArchListFleet(problems, field, archList[1], {
        cuda: settings.choice.cuda,
        hostDriver: settings.hostDriver,
        fleet: settings.fleet.gpus,
        fleetField: settings.fleet.field,
      });
    }
  }
}

/**
 * A CUDA extension built from the project root installs the root's packages, compiled parts
 * included, into the virtualenv. A code folder that is one of those packages, copied into `/app`
 * too, comes first on the import path (the working directory and PYTHONPATH precede
 * site-packages), so `import pkg` would find the copy without `pkg/_C`: refused, naming the way out.
 */
function checkRootExtensionCopies(problems: Problems, ctx: KindContext): void {
  const text = (name: string): string => {
    const file = join(ctx.root, name);
    return existsSync(file) ? readFileSync(file, 'utf-8') : '';
  };
  const settings = readPackageSettings(text('pyproject.toml'), text('setup.cfg'), text('setup.py'));
  for (const [prop, path] of ctx.code) {
    if (!installedBy(ctx.root, settings, path)) continue;
    problems.add(
      `cudaExtensions "." installs ${path} with its compiled part into the virtualenv, and ${prop} also `
        + 'copies it into /app, ahead of the installed package on the import path', path,
      `${prop} without "${path}": the image imports the installed package (start the service with a `
        + 'script or module outside it, e.g. python tools/train.py)');
  }
}

/** The build files pip reads in an extension's folder. */
const EXTENSION_BUILD_FILES = ['setup.py', 'pyproject.toml'];

/**
 * A CUDA extension's folder: `.` (the project root) or a clean relative path, a folder of the
 * project holding `setup.py` or `pyproject.toml` (pip's build files), so the builder's
 * `pip install` finds a package to build.
 */
function checkExtensionDir(problems: Problems, field: string, dir: string, root: string): void {
  const before = problems.count;
  if (dir !== '.') checkRelativeDir(problems, field, dir);
  if (problems.count > before || typeof dir !== 'string') return;
  const full = dir === '.' ? root : join(root, ...dir.split('/'));
  const stat = statSync(full, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory()) {
    problems.add(`${field} is not a folder of the project`, dir,
      `a folder under ${root} holding the extension's setup.py or pyproject.toml, or "." for the project root`);
  } else if (!EXTENSION_BUILD_FILES.some((f) => existsSync(join(full, f)))) {
    problems.add(`${field} holds no setup.py or pyproject.toml, so pip finds nothing to build in ${dir}`, dir,
      'the folder of a python package whose setup.py or pyproject.toml builds the extension');
  }
}

/** `gpuCount` or `gpuDeviceIds`, never both; a count in range; device ids as nvidia-smi prints them, once. */
function checkReservation(problems: Problems, props: GpuServiceOptions): void {
  if (props.gpuCount !== undefined && props.gpuDeviceIds !== undefined) {
    problems.add('gpuCount and gpuDeviceIds are both set',
      { gpuCount: props.gpuCount, gpuDeviceIds: props.gpuDeviceIds },
      'one of them (compose refuses count together with device_ids)');
  } else if (props.gpuCount !== undefined
    && !(Number.isInteger(props.gpuCount) && props.gpuCount >= 1 && props.gpuCount <= 64)) {
    problems.add('gpuCount', props.gpuCount,
      'an integer from 1 to 64 (leave it unset for every gpu of a trainer)');
  }
  if (props.gpuDeviceIds !== undefined) {
    if (props.gpuDeviceIds.length === 0) {
      problems.add('gpuDeviceIds', props.gpuDeviceIds, 'at least one device id, or no gpuDeviceIds');
    }
    props.gpuDeviceIds.forEach((d, i) => {
      if (!DEVICE_ID.test(d)) {
        problems.add(`gpuDeviceIds[${i}]`, d,
          'a gpu index such as "0" or a uuid such as "GPU-8f2c...", as nvidia-smi -L prints');
      }
    });
    const dup = props.gpuDeviceIds.find((d, i) => props.gpuDeviceIds!.indexOf(d) !== i);
    if (dup) problems.add('gpuDeviceIds lists a device twice', dup, 'each device once');
  }
}

/**
 * The CUDA toolkit of a python-slim builder: Debian 12 packages of the wheels' CUDA must exist
 * (checked once the CUDA choice is made; the host driver is never part of it), and the keyring
 * checksum belongs to that builder alone.
 */
function checkExtensionToolkit(
  problems: Problems, props: GpuServiceOptions, base: GpuBase | undefined, choice: CudaChoice | undefined,
): void {
  const slimBuilder = (props.cudaExtensions ?? []).length > 0 && base === GpuBase.PYTHON_SLIM;
  if (props.cudaKeyringSha256 !== undefined && !slimBuilder) {
    problems.add('cudaKeyringSha256 is set but no python-slim cuda extension builder downloads the keyring',
      props.cudaKeyringSha256,
      'cudaExtensions with gpuBase "python-slim", or no cudaKeyringSha256');
  }
  // Without torch, cudaExtensions are refused on their own (they compile against torch).
  if (slimBuilder && choice && props.torchVersion !== undefined) {
    const platform = props.platform ?? GpuPlatform.LINUX_AMD64;
    // torch is valid here (a choice was made): its rows only list the CUDA variants to suggest.
    const rows = torchRows(new Problems(''), 'torchVersion', props.torchVersion) ?? [];
    const offered = [...new Set(rows.map((r) => r.cuda).filter((c): c is string => c !== undefined))];
    checkDebian12Toolkit(problems, {
      cuda: choice.cuda,
      platform,
      keyringSha256: props.cudaKeyringSha256,
      offered,
      torchVersion: String(props.torchVersion),
    });
  }
}

/** NVIDIA's CUDA runtime wheels, which the dependency files must pull when the typed lists do not. */
function cudaWheelsFromFiles(major: string, cuda: string): RequiredFromFiles {
  return {
    what: `gpuBase "python-slim" without torch has no cuda runtime: neither requirements nor the dependency files pull nvidia's cuda ${major} wheels`,
    got: cuda,
    expected: `a requirement that does in the ml or core tier (e.g. "jax[cuda${major}]", "nvidia-cuda-runtime-cu${major}"; `
      + `"jax[cuda${major}-local]" pulls none), or gpuBase one of: ${oneOf([GpuBase.CUDA_BASE, GpuBase.CUDA_RUNTIME, GpuBase.CUDNN_RUNTIME])}`,
    found: (lines) => cudaWheelRequirement(lines, major) !== undefined,
  };
}
