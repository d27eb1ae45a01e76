import { loadData } from '../core/data';
import { Problems, oneOf } from '../core/problems';
import { compareVersions } from '../core/requirement-grammar';
import { TorchWheels, publicVersion, torchMatrix, torchRows } from '../service/torch';

/**
 * Where a GPU image gets its CUDA libraries from. Each choice has one rule for the minimum
 * host driver, shared by the image label, the start-up driver check and the docs.
 */
export enum GpuBase {
  /**
   * The official `python:<X.Y.Z>-slim-bookworm` image plus PyTorch's CUDA wheels, which carry
   * the CUDA runtime, cuDNN, cuBLAS and NCCL themselves: the exact Python, the same base
   * layers as CPU services, the smallest image. Minimum driver: CUDA minor-version
   * compatibility of the wheels' CUDA major (e.g. 525.60.13 for 12.x).
   */
  PYTHON_SLIM = 'python-slim',
  /**
   * `nvidia/cuda:<version>-base-ubuntu24.04` (CUDA runtime only) with the exact Python copied
   * in. Minimum driver: the toolkit driver of that CUDA release (the image's
   * `NVIDIA_REQUIRE_CUDA` makes the NVIDIA runtime refuse older drivers).
   */
  CUDA_BASE = 'base',
  /**
   * `nvidia/cuda:<version>-runtime-ubuntu24.04` (CUDA math libraries and NCCL), for libraries
   * built against system CUDA. Minimum driver: the toolkit driver of that CUDA release.
   */
  CUDA_RUNTIME = 'runtime',
  /**
   * `nvidia/cuda:<version>-cudnn-runtime-ubuntu24.04` (runtime plus cuDNN), e.g. for
   * onnxruntime-gpu or TensorRT. Minimum driver: the toolkit driver of that CUDA release.
   */
  CUDNN_RUNTIME = 'cudnn-runtime',
}

/** The CPU architecture a GPU image is built and run for. */
export enum GpuPlatform {
  /** x86_64: what the wheel matrix and the driver tables describe. */
  LINUX_AMD64 = 'linux/amd64',
  /** arm64 (e.g. Grace Hopper servers); needs `allowArm64: true`. */
  LINUX_ARM64 = 'linux/arm64',
}

/**
 * The default oldest host driver of the user's fleet: the R535 production branch driver of
 * CUDA 12.2 Update 2, still the default on many cloud GPU images. It runs every PyTorch
 * CUDA 12.x wheel through minor-version compatibility, and nothing that needs R580 (13.x).
 */
export const DEFAULT_HOST_DRIVER_VERSION = '535.104.05';

/** The only nvidia/cuda OS we use: its glibc (2.39) runs the official bookworm Python (2.36). */
export const CUDA_IMAGE_OS = 'ubuntu24.04';
/** The nvidia/cuda repository on Docker Hub. */
export const CUDA_IMAGE_REPOSITORY = 'nvidia/cuda';

const DRIVER = /^[0-9]{3}\.[0-9]{1,3}(\.[0-9]{1,3})?$/;
const DRIVER_EXPECTED = 'an nvidia driver version such as "535.104.05" or "570.26" (the oldest driver of your gpu hosts; `nvidia-smi --query-gpu=driver_version --format=csv,noheader` prints it)';

/** Checks a driver version string (`535.104.05`). */
export function checkDriverVersion(problems: Problems, field: string, value: unknown): string | undefined {
  if (typeof value === 'string' && DRIVER.test(value)) return value;
  problems.add(field, value, DRIVER_EXPECTED);
  return undefined;
}

/** Compares two driver versions numerically, part by part (`570.26` < `570.124.06`). */
export function compareDriverVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Compares two CUDA versions (`12.10` > `12.9`). */
export function compareCudaVersions(a: string, b: string): number {
  return compareDriverVersions(a, b);
}

interface DriverTable {
  readonly minorVersionCompatibility: Record<string, { readonly minExact: string | null }>;
  readonly toolkits: ReadonlyArray<{
    readonly cuda: string; readonly release: string; readonly toolkitDriverMin: string;
  }>;
}

/** The minimum host driver of one (base, CUDA) pair, and the rule it comes from. */
export interface DriverRule {
  /** The minimum driver version, e.g. `525.60.13`. */
  readonly minimum: string;
  /** One line saying why, for labels, docs and the start-up check's message. */
  readonly rule: string;
}

function gaToolkitDriver(table: DriverTable, cuda: string): string | undefined {
  return table.toolkits.find((t) => t.cuda === cuda && t.release === `${cuda} GA`)?.toolkitDriverMin;
}

/**
 * THE driver rule (DESIGN §3), from `data/cuda-driver-min.json`:
 * - `PYTHON_SLIM`: the wheels bring their own CUDA runtime, so CUDA minor-version
 *   compatibility of that major applies: its exact minimum (`minExact`), or where the data has
 *   only a branch (13.x: ">= 580"), the toolkit driver of the major's first release (13.0 GA);
 * - nvidia/cuda bases: the toolkit driver of that CUDA release (the GA row of the minor),
 *   which the image's `NVIDIA_REQUIRE_CUDA` enforces.
 * Undefined when the data has no row (e.g. CUDA 10.2).
 */
export function driverRule(base: GpuBase, cuda: string): DriverRule | undefined {
  const table = loadData<DriverTable>('cuda-driver-min.json');
  if (base === GpuBase.PYTHON_SLIM) {
    const major = cuda.split('.')[0];
    const family = table.minorVersionCompatibility[`${major}.x`];
    if (!family) return undefined;
    const minimum = family.minExact ?? gaToolkitDriver(table, `${major}.0`);
    return minimum === undefined ? undefined : {
      minimum,
      rule: `CUDA ${major}.x minor-version compatibility; PyTorch's CUDA ${cuda} wheels carry their own CUDA runtime`,
    };
  }
  const minimum = gaToolkitDriver(table, cuda);
  return minimum === undefined ? undefined : {
    minimum,
    rule: `toolkit driver of CUDA ${cuda}; the nvidia/cuda image's NVIDIA_REQUIRE_CUDA refuses older drivers`,
  };
}

/** One nvidia/cuda tag of the reference data. */
export interface CudaImageTag {
  /** `12.6.3-cudnn-runtime-ubuntu24.04` */
  readonly tag: string;
  /** `12.6.3` */
  readonly version: string;
  /** `base`, `runtime`, `devel`, `cudnn-runtime`, `cudnn-devel`, `cudnn8-devel`, ... */
  readonly flavor: string;
  /** `ubuntu24.04` */
  readonly os: string;
}

interface MainTags { readonly versions: Record<string, { readonly ubuntuTags?: string[] }> }
interface ExtraTags {
  readonly versions: Record<string, {
    readonly os: Record<string, { readonly images: ReadonlyArray<{ readonly tag: string }> }>;
  }>;
}
/** Our table of cuDNN devel tags, derived from cog's CUDA image list (see its `source`). */
interface CudnnDevelTags { readonly tags: readonly string[] }

const TAG = /^(\d+\.\d+\.\d+)-(.+)-(ubuntu\d+\.\d+)$/;
let tagIndex: CudaImageTag[] | undefined;

function parseTag(tag: string): CudaImageTag | undefined {
  const m = TAG.exec(tag);
  return m ? { tag, version: m[1], flavor: m[2], os: m[3] } : undefined;
}

/**
 * Every nvidia/cuda tag the reference data lists: NVIDIA's supported-tags list
 * (`nvidia-cuda-tags.json`), the 12.9/13.0 Dockerfiles (`nvidia-cuda-tags-extra.json`), and
 * the cuDNN devel tags of cog's Docker Hub snapshot (`cuda-cudnn-devel-tags.json`, the sole
 * source for 13.0.1 and later). Nothing else is ever emitted.
 */
export function knownCudaImageTags(): readonly CudaImageTag[] {
  if (!tagIndex) {
    const tags = new Set<string>();
    for (const v of Object.values(loadData<MainTags>('nvidia-cuda-tags.json').versions)) (v.ubuntuTags ?? []).forEach((t) => tags.add(t));
    for (const v of Object.values(loadData<ExtraTags>('nvidia-cuda-tags-extra.json').versions)) {
      for (const os of Object.values(v.os)) os.images.forEach((i) => tags.add(i.tag));
    }
    loadData<CudnnDevelTags>('cuda-cudnn-devel-tags.json').tags.forEach((t) => tags.add(t));
    tagIndex = [...tags].map(parseTag).filter((t): t is CudaImageTag => t !== undefined)
      .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }
  return tagIndex;
}

/** The devel flavor matching a runtime flavor (same libraries plus nvcc and headers). */
export function develFlavor(base: GpuBase): string {
  return base === GpuBase.CUDNN_RUNTIME ? 'cudnn-devel' : 'devel';
}

/** The newest ubuntu24.04 tag of a flavor for a CUDA minor, if the data lists one. */
export function newestTag(flavor: string, cuda: string): CudaImageTag | undefined {
  return knownCudaImageTags()
    .filter((t) => t.os === CUDA_IMAGE_OS && t.flavor === flavor && t.version.startsWith(`${cuda}.`))
    .sort((a, b) => compareCudaVersions(b.version, a.version))[0];
}

export function tagOf(version: string, flavor: string): CudaImageTag | undefined {
  return knownCudaImageTags()
    .find((t) => t.os === CUDA_IMAGE_OS && t.version === version && t.flavor === flavor);
}

/** What a GPU service asks for. */
export interface CudaRequest {
  readonly torchVersion: unknown;
  readonly cudaVersion?: string;
  readonly pythonMinor: string;
  readonly base: GpuBase;
  /** The host driver to fit, and the field it came from (for messages). */
  readonly hostDriver: string;
  readonly hostDriverField: string;
  /** Whether a CUDA devel builder is needed (CUDA extensions are compiled). */
  readonly devel: boolean;
  /** An exact nvidia/cuda tag to use instead of the newest one. */
  readonly cudaImageTag?: string;
}

/** The resolved CUDA side of a GPU service. */
export interface CudaChoice {
  /** The torch wheels; undefined for a GPU service without torch. */
  readonly wheels?: TorchWheels;
  /** CUDA major.minor of the wheels (`12.4`). */
  readonly cuda: string;
  readonly driver: DriverRule;
  /** `nvidia/cuda:<tag>` of the runtime base (nvidia/cuda bases only). */
  readonly runtimeImage?: string;
  /** `nvidia/cuda:<tag>` of the devel builder (CUDA extensions only). */
  readonly develImage?: string;
}

interface Candidate {
  readonly wheels: TorchWheels;
  readonly cuda: string;
  readonly driver?: DriverRule;
  readonly runtime?: CudaImageTag;
  readonly devel?: CudaImageTag;
  /** Why this variant does not fit; empty when it does. */
  readonly reasons: string[];
}

function evaluate(req: CudaRequest, wheels: TorchWheels, runtimeTag?: CudaImageTag): Candidate {
  const cuda = wheels.cuda!;
  const reasons: string[] = [];
  if (!wheels.pythons.includes(req.pythonMinor)) reasons.push(`no wheels for python ${req.pythonMinor} (only ${wheels.pythons.join(', ')})`);
  const driver = driverRule(req.base, cuda);
  if (!driver) reasons.push('no driver minimum in the reference data');
  else if (compareDriverVersions(driver.minimum, req.hostDriver) > 0) reasons.push(`needs driver >= ${driver.minimum}`);
  let runtime: CudaImageTag | undefined;
  let devel: CudaImageTag | undefined;
  if (req.base !== GpuBase.PYTHON_SLIM) {
    runtime = runtimeTag ?? newestTag(req.base, cuda);
    if (!runtime) {reasons.push(`no ${CUDA_IMAGE_OS} nvidia/cuda ${req.base} tag`);} else if (req.devel) {
      devel = tagOf(runtime.version, develFlavor(req.base));
      if (!devel) reasons.push(`no ${CUDA_IMAGE_OS} nvidia/cuda ${develFlavor(req.base)} tag for ${runtime.version}`);
    }
  }
  return { wheels, cuda, driver, runtime, devel, reasons };
}

function choiceOf(c: Candidate): CudaChoice {
  return {
    wheels: c.wheels,
    cuda: c.cuda,
    driver: c.driver!,
    runtimeImage: c.runtime && `${CUDA_IMAGE_REPOSITORY}:${c.runtime.tag}`,
    develImage: c.devel && `${CUDA_IMAGE_REPOSITORY}:${c.devel.tag}`,
  };
}

/**
 * Resolves torch version, CUDA variant, nvidia/cuda tags and the driver minimum of a GPU
 * service, reporting every mismatch with the supported alternatives.
 *
 * Without `cudaVersion`: the highest CUDA with wheels for (torch, python) whose minimum
 * driver under the base is <= the host driver, and (for nvidia/cuda bases) with the image
 * tags in the reference data. With `cudaVersion`: the same checks on that variant.
 */
export function resolveCuda(problems: Problems, req: CudaRequest): CudaChoice | undefined {
  const rows = torchRows(problems, 'torchVersion', req.torchVersion);
  if (!rows) return undefined;
  const gpuRows = rows.filter((r) => r.cuda !== undefined)
    .sort((a, b) => compareCudaVersions(a.cuda!, b.cuda!));
  const version = String(req.torchVersion);
  if (gpuRows.length === 0) {
    problems.add('torchVersion has no cuda wheels', req.torchVersion, `a torch version with cuda wheels, e.g. ${oneOf(cudaTorchVersions().slice(-4))}`);
    return undefined;
  }

  let pinned: CudaImageTag | undefined;
  if (req.cudaImageTag !== undefined) {
    pinned = checkCudaImageTag(problems, req);
    if (!pinned) return undefined;
  }

  const candidates = gpuRows.map((w) => evaluate(req, w, pinned && pinned.version.startsWith(`${w.cuda}.`) ? pinned : undefined));
  const fits = candidates.filter((c) => c.reasons.length === 0).map((c) => c.cuda);

  if (req.cudaVersion !== undefined) {
    const chosen = candidates.find((c) => c.cuda === req.cudaVersion);
    if (!chosen) {
      problems.add(`cudaVersion has no torch ${version} wheels`, req.cudaVersion, `one of: ${oneOf(gpuRows.map((r) => r.cuda!))}`);
      return undefined;
    }
    if (pinned && !pinned.version.startsWith(`${chosen.cuda}.`)) {
      problems.add(`cudaImageTag is not a CUDA ${chosen.cuda} tag`, req.cudaImageTag, `a ${CUDA_IMAGE_OS} ${req.base} tag of CUDA ${chosen.cuda}: ${oneOf(tagsFor(req.base, chosen.cuda))}`);
      return undefined;
    }
    reportUnfit(problems, req, version, chosen, fits);
    return chosen.reasons.length === 0 ? choiceOf(chosen) : undefined;
  }

  const usable = candidates.filter((c) => c.reasons.length === 0 && (!pinned || pinned.version.startsWith(`${c.cuda}.`)));
  if (usable.length === 0) {
    const why = candidates.map((c) => `cuda ${c.cuda}: ${c.reasons.join(', ') || (pinned ? `cudaImageTag is CUDA ${pinned.version}` : 'fits')}`).join('; ');
    problems.add(`no cuda variant of torch ${version} fits python ${req.pythonMinor}, gpuBase "${req.base}" and ${req.hostDriverField} ${req.hostDriver}`,
      req.torchVersion, `a torch version, python, gpuBase or ${req.hostDriverField} with a fitting variant (${why})`);
    return undefined;
  }
  return choiceOf(usable[usable.length - 1]);
}

/** The problem for an explicitly chosen CUDA variant that does not fit, naming those that do. */
function reportUnfit(
  problems: Problems, req: CudaRequest, version: string, c: Candidate, fits: string[],
): void {
  const others = fits.length ? `cudaVersion one of: ${oneOf(fits)}` : 'another torch version';
  if (!c.wheels.pythons.includes(req.pythonMinor)) {
    problems.add(`torch ${version} with CUDA ${c.cuda} has no wheels for python ${req.pythonMinor}`, req.pythonMinor,
      `a python version with wheels for it: ${oneOf(c.wheels.pythons)}, or ${others}`);
  }
  if (!c.driver) {
    problems.add(`cudaVersion has no driver minimum in the reference data for gpuBase "${req.base}"`, req.cudaVersion, others);
  } else if (compareDriverVersions(c.driver.minimum, req.hostDriver) > 0) {
    problems.add(`cudaVersion ${c.cuda} needs a host driver >= ${c.driver.minimum} (${c.driver.rule}), above ${req.hostDriverField}`, req.hostDriver,
      `a ${req.hostDriverField} >= ${c.driver.minimum} if every gpu host has it, or ${others}`);
  }
  if (req.base !== GpuBase.PYTHON_SLIM && !c.runtime) {
    problems.add(`cudaVersion has no ${CUDA_IMAGE_OS} nvidia/cuda ${req.base} tag in the reference data`, req.cudaVersion,
      `a cudaVersion with one: ${oneOf(cudaVersionsWithTag(req.base))}, or gpuBase "${GpuBase.PYTHON_SLIM}"${fits.length ? `, or ${others}` : ''}`);
  } else if (req.devel && c.runtime && !c.devel) {
    problems.add(`cudaExtensions need a ${CUDA_IMAGE_OS} nvidia/cuda ${develFlavor(req.base)} tag for ${c.runtime.version}, which the reference data does not list`,
      req.cudaVersion, `a cudaVersion with one: ${oneOf(cudaVersionsWithTag(develFlavor(req.base)))}`);
  }
}

/** Checks a user-chosen nvidia/cuda tag against the reference data and the base flavor. */
export function checkCudaImageTag(problems: Problems, req: Pick<CudaRequest, 'base' | 'cudaImageTag'>): CudaImageTag | undefined {
  if (req.base === GpuBase.PYTHON_SLIM) {
    problems.add('cudaImageTag is set for gpuBase "python-slim", which uses no nvidia/cuda image', req.cudaImageTag,
      `no cudaImageTag, or gpuBase one of: ${oneOf([GpuBase.CUDA_BASE, GpuBase.CUDA_RUNTIME, GpuBase.CUDNN_RUNTIME])}`);
    return undefined;
  }
  const raw = String(req.cudaImageTag).replace(/^(docker\.io\/)?nvidia\/cuda:/, '');
  const known = knownCudaImageTags().find((t) => t.tag === raw);
  const allowed = knownCudaImageTags().filter((t) => t.os === CUDA_IMAGE_OS && t.flavor === req.base)
    .map((t) => t.tag);
  if (!known) {
    problems.add('cudaImageTag is not in the reference nvidia/cuda tag data', req.cudaImageTag, `one of: ${oneOf(allowed)}`);
    return undefined;
  }
  if (known.os !== CUDA_IMAGE_OS || known.flavor !== req.base) {
    problems.add(`cudaImageTag is not a ${CUDA_IMAGE_OS} ${req.base} tag (gpuBase "${req.base}"; the exact Python needs ubuntu24.04's glibc)`, req.cudaImageTag, `one of: ${oneOf(allowed)}`);
    return undefined;
  }
  return known;
}

function tagsFor(flavor: string, cuda: string): string[] {
  return knownCudaImageTags().filter((t) => t.os === CUDA_IMAGE_OS && t.flavor === flavor && t.version.startsWith(`${cuda}.`)).map((t) => t.tag);
}

/** CUDA minors with a ubuntu24.04 tag of a flavor in the reference data. */
export function cudaVersionsWithTag(flavor: string): string[] {
  const minors = knownCudaImageTags().filter((t) => t.os === CUDA_IMAGE_OS && t.flavor === flavor).map((t) => t.version.split('.').slice(0, 2).join('.'));
  return [...new Set(minors)].sort(compareCudaVersions);
}

/** Torch versions with CUDA wheels, oldest first. */
export function cudaTorchVersions(): string[] {
  return [...new Set(torchMatrix().filter((r) => r.cuda !== undefined).map((r) => publicVersion(r.torch)))]
    .sort(compareVersions);
}
