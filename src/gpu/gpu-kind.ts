import { Project } from 'projen';
import { CudaChoice, GpuBase, GpuPlatform, checkDriverVersion, resolveCuda } from './cuda';
import { checkArchList } from './cuda-arch';
import { checkDebian12Toolkit } from './cuda-debian12';
import { cudaWheelRequirement, resolveCudaWithoutTorch } from './cuda-without-torch';
import { GPU_SERVICE_SHAPE, GpuFacts, GpuServiceOptions } from './gpu-service';
import { moduleName } from '../core/names';
import { Problems, oneOf } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { TIER_ORDER } from '../core/requirements';
import { Schema } from '../core/shape';
import { Size, gib } from '../core/sizes';
import { PythonImage } from '../service/python-image';
import { SampleKind } from '../service/samples';
import { ServiceKindSpec, checkRelativeDir } from '../service/service';
import { RequiredFromFiles } from '../service/service-kind';
import { torchRows } from '../service/torch';
import { resolveTorchPackages } from '../service/torch-packages';

/** What a GPU service type adds to the shared GPU machinery. Internal. */
export interface GpuKindSpec {
  readonly kindTitle: string;
  readonly sample: SampleKind;
  readonly workload: 'server' | 'job';
  readonly defaults: { readonly memory: Size; readonly cpus: number; readonly pids: number };
  readonly defaultGpuCount: number | 'all';
  readonly extraShape: Record<string, Schema>;
  readonly check: (problems: Problems) => void;
}

/**
 * The kind spec of a GPU service (`GpuTrainer._kindSpec`, `GpuInference._kindSpec`): a pure
 * function of the props and the trainer's or inference's own part. Its resolution returns the
 * GPU facts (base, host driver, CUDA choice, torch packages) that `GpuService` keeps.
 */
export function gpuKindSpec(project: Project, id: string, props: GpuServiceOptions, kind: GpuKindSpec): ServiceKindSpec {
  refuseCpuPlatforms(project, id, props);
  const hostDefault = ProjectSettings.of(project).hostDriverVersion;
  const settings = (problems: Problems): GpuFacts => {
    let base: GpuBase | undefined;
    if (props.gpuBase === undefined) base = GpuBase.PYTHON_SLIM;
    else if (ENUM_VALUES(GpuBase).includes(props.gpuBase)) base = props.gpuBase;
    else problems.add('gpuBase', props.gpuBase, `one of: ${oneOf(ENUM_VALUES(GpuBase))} (GpuBase.PYTHON_SLIM, CUDA_BASE, CUDA_RUNTIME, CUDNN_RUNTIME)`);
    const hostField = props.hostDriverVersion !== undefined ? 'hostDriverVersion' : 'hostDriverVersion (from the project)';
    const hostDriver = checkDriverVersion(problems, hostField, props.hostDriverVersion ?? hostDefault);
    return { base, hostField, hostDriver, torchPackages: [], defaultGpuCount: kind.defaultGpuCount };
  };
  return {
    kindTitle: kind.kindTitle,
    extraShape: { ...GPU_SERVICE_SHAPE, ...kind.extraShape },
    // The torch samples import torch: a service without it gets the plain HTTP or worker sample.
    sample: props.torchVersion === undefined ? undefined : kind.sample,
    workload: kind.workload,
    gpu: true,
    defaults: { ...kind.defaults, tmp: gib(2) },
    pythonImage: (problems, python) => checkPythonImage(problems, props.pythonImage, python),
    resolveTorch: (problems, python) => {
      const facts = settings(problems);
      if (!facts.base || !facts.hostDriver) return { facts };
      const request = {
        cudaVersion: props.cudaVersion,
        base: facts.base,
        hostDriver: facts.hostDriver,
        hostDriverField: facts.hostField,
        devel: (props.cudaExtensions ?? []).length > 0,
        cudaImageTag: props.cudaImageTag,
      };
      if (props.torchVersion === undefined) {
        const typed = TIER_ORDER.flatMap((t) => props.requirements?.[t] ?? []);
        const dependencyFiles = (props.dependencies ?? ProjectSettings.of(project).dependencies) !== undefined;
        const choice = resolveCudaWithoutTorch(problems, { ...request, requirements: typed, dependencyFiles });
        const major = typeof props.cudaVersion === 'string' ? props.cudaVersion.split('.')[0] : '';
        const fromFiles = choice && facts.base === GpuBase.PYTHON_SLIM && !cudaWheelRequirement(typed, major);
        return { facts: { ...facts, choice }, fromDependencyFiles: fromFiles ? cudaWheelsFromFiles(major, props.cudaVersion as string) : undefined };
      }
      const choice = resolveCuda(problems, { ...request, torchVersion: props.torchVersion, pythonMinor: python.minor });
      return { torch: choice?.wheels, facts: { ...facts, choice } };
    },
    check: (problems, resolved) => {
      const facts = resolved?.facts as GpuFacts | undefined ?? settings(problems);
      const torchPackages = resolveTorchPackages(problems, 'torchPackages', props.torchPackages);
      if (props.torchVersion === undefined && props.torchPackages !== undefined) {
        problems.add('torchPackages is set without torchVersion', props.torchPackages, 'a torchVersion to install them at, or no torchPackages');
      }
      if (props.torchVersion === undefined && (props.cudaExtensions ?? []).length > 0) {
        problems.add('cudaExtensions are set without torchVersion (they compile against the installed torch)', props.cudaExtensions,
          'a torchVersion, or no cudaExtensions (build other native code with buildPackages and buildSteps)');
      }
      checkGpuProps(problems, props, props.sourceDir ?? `services/${moduleName(id)}`);
      checkExtensionToolkit(problems, props, facts.base, facts.choice);
      const archList = Object.entries(props.buildEnv ?? {}).find(([k]) => k.toUpperCase() === 'TORCH_CUDA_ARCH_LIST');
      if (archList && facts.choice) checkArchList(problems, `buildEnv.${archList[0]}`, archList[1], facts.choice.cuda);
      kind.check(problems);
      return { ...resolved, facts: { ...facts, torchPackages } };
    },
  };
}

/**
 * Variables the GPU machinery sets itself; the user's `environment` may not (every
 * `MLDOCKER_*` name is refused for every service, by the shared environment check).
 */
const RESERVED_ENV = ['NVIDIA_VISIBLE_DEVICES', 'NVIDIA_DRIVER_CAPABILITIES', 'NVIDIA_REQUIRE_CUDA', 'NVIDIA_DISABLE_REQUIRE'];
const DEVICE_ID = /^([0-9]{1,3}|GPU-[0-9a-fA-F-]{8,}|MIG-[0-9A-Za-z/-]{4,})$/;
const ENUM_VALUES = <T extends Record<string, string>>(e: T): string[] => Object.values(e);

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
function refuseCpuPlatforms(project: Project, id: string, props: GpuServiceOptions): void {
  const given = (props as { platforms?: unknown } | undefined)?.platforms;
  if (given === undefined) return;
  const problems = new Problems(`${project.name}/${id}`);
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
