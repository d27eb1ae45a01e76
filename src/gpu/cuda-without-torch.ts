/**
 * The CUDA side of a GPU service without torch (JAX, ONNX Runtime, TensorRT, llama.cpp):
 * the CUDA runtime comes from the nvidia/cuda base (runtime, cudnn-runtime, base tags of the
 * reference data) or, on python-slim, from NVIDIA's CUDA pip wheels the requirements pull
 * (`jax[cuda12]`, `nvidia-cuda-runtime-cu12`; for CUDA 13 also `cuda-toolkit[cudart]==13.0.3`
 * and the unsuffixed `nvidia-cuda-runtime==13.0.96`, see core/cuda-wheels.ts). The driver rule
 * is the same as with torch.
 */
import {
  CUDA_IMAGE_OS, CUDA_IMAGE_REPOSITORY, CudaChoice, CudaImageTag, GpuBase, checkCudaImageTag,
  compareCudaVersions, compareDriverVersions, cudaVersionsWithTag, develFlavor, newestTag, tagOf,
} from './cuda';
import { cudaWheelUse } from '../core/cuda-wheels';
import { loadData } from '../core/data';
import { Problems, oneOf } from '../core/problems';

interface DriverTable {
  readonly minorVersionCompatibility: Record<string, { readonly minExact: string | null }>;
  readonly toolkits: ReadonlyArray<{
    readonly cuda: string; readonly release: string; readonly toolkitDriverMin: string;
  }>;
}

/** What a GPU service without torch asks for. */
export interface CudaRuntimeRequest {
  readonly cudaVersion: unknown;
  readonly base: GpuBase;
  readonly hostDriver: string;
  readonly hostDriverField: string;
  readonly devel: boolean;
  readonly cudaImageTag?: string;
  /** Every requirement line of every tier, as given. */
  readonly requirements: readonly string[];
  /**
   * The service has dependency files: when the typed lines pull no CUDA wheels, the files may
   * (checked at synth, once they are read: `cudaWheelRequirement` over their lines).
   */
  readonly dependencyFiles?: boolean;
}

const CUDA = /^[0-9]+\.[0-9]+$/;

/** CUDA major.minor releases of the driver table (their GA rows). */
export function knownCudaReleases(): string[] {
  const table = loadData<DriverTable>('cuda-driver-min.json');
  return [...new Set(table.toolkits.filter((t) => t.release === `${t.cuda} GA`).map((t) => t.cuda))].sort(compareCudaVersions);
}

/**
 * The requirement that brings NVIDIA's CUDA library wheels of a CUDA major, if any: a package
 * `nvidia-<lib>-cu<major>` (e.g. `nvidia-cuda-runtime-cu12`, `nvidia-cudnn-cu13`), an extra
 * the package's metadata makes pull them (`data/cuda-wheel-extras.json`: `jax[cuda12]`,
 * `tensorflow[and-cuda]`; `jax[cuda12-local]` pulls none, it expects the system's CUDA), the
 * `cuda-toolkit` metapackage with an extra at that major (`cuda-toolkit[cudart]==13.0.3`) or an
 * unsuffixed CUDA 13 wheel versioned like CUDA (`nvidia-cuda-runtime==13.0.96`).
 * `onnxruntime-gpu[cuda,cudnn]` names no major, and `cuda-bindings` alone is not counted: they
 * need an nvidia/cuda base or the wheels listed.
 */
export function cudaWheelRequirement(requirements: readonly string[], major: string): string | undefined {
  return requirements.find((line) => {
    const use = cudaWheelUse(line);
    return use !== undefined && use.major === major && use.kind === 'libraries';
  });
}

/** Resolves the CUDA runtime of a GPU service without torch, or reports why none fits. */
export function resolveCudaWithoutTorch(problems: Problems, req: CudaRuntimeRequest): CudaChoice | undefined {
  const releases = knownCudaReleases();
  if (req.cudaVersion === undefined) {
    problems.add('torchVersion is required without cudaVersion', undefined,
      'a torchVersion such as "2.5.1" (the CUDA variant is then chosen for you), or a cudaVersion such as "12.6" for a gpu service without torch');
    return undefined;
  }
  const cuda = req.cudaVersion;
  if (typeof cuda !== 'string' || !CUDA.test(cuda) || !releases.includes(cuda)) {
    problems.add('cudaVersion is not a cuda release of the reference data', cuda, `one of: ${oneOf(releases)}`);
    return undefined;
  }
  const table = loadData<DriverTable>('cuda-driver-min.json');
  const major = cuda.split('.')[0];
  let minimum: string | undefined;
  let rule: string;
  let runtime: CudaImageTag | undefined;
  let devel: CudaImageTag | undefined;
  if (req.base === GpuBase.PYTHON_SLIM) {
    const pulled = cudaWheelRequirement(req.requirements, major);
    if (!pulled && !req.dependencyFiles) {
      problems.add(`gpuBase "python-slim" without torch has no cuda runtime: no requirement pulls nvidia's cuda ${major} wheels`, cuda,
        `a requirement that does (e.g. "jax[cuda${major}]==<version>" or ${Number(major) < 13 ? `"nvidia-cuda-runtime-cu${major}==<version>"` : `"cuda-toolkit[cudart]==<${major}.x version>"`}), or gpuBase one of: ${oneOf([GpuBase.CUDA_BASE, GpuBase.CUDA_RUNTIME, GpuBase.CUDNN_RUNTIME])}`);
      return undefined;
    }
    const family = table.minorVersionCompatibility[`${major}.x`];
    minimum = family ? family.minExact ?? table.toolkits.find((t) => t.release === `${major}.0 GA`)?.toolkitDriverMin : undefined;
    rule = pulled
      ? `CUDA ${major}.x minor-version compatibility; NVIDIA's CUDA ${major} wheels (${pulled.trim()}) carry their own CUDA runtime`
      // the files are read at synth; the Dockerfile must not change with their pins
      : `CUDA ${major}.x minor-version compatibility; NVIDIA's CUDA ${major} wheels of the dependency files carry their own CUDA runtime`;
  } else {
    if (req.cudaImageTag !== undefined) {
      runtime = checkCudaImageTag(problems, req);
      if (!runtime) return undefined;
      if (!runtime.version.startsWith(`${cuda}.`)) {
        problems.add(`cudaImageTag is not a CUDA ${cuda} tag`, req.cudaImageTag, `a ${CUDA_IMAGE_OS} ${req.base} tag of CUDA ${cuda}`);
        return undefined;
      }
    } else {
      runtime = newestTag(req.base, cuda);
    }
    if (!runtime) {
      problems.add(`cudaVersion has no ${CUDA_IMAGE_OS} nvidia/cuda ${req.base} tag in the reference data`, cuda,
        `a cudaVersion with one: ${oneOf(cudaVersionsWithTag(req.base))}, or gpuBase "${GpuBase.PYTHON_SLIM}" with nvidia's cuda wheels in the requirements`);
      return undefined;
    }
    if (req.devel) {
      devel = tagOf(runtime.version, develFlavor(req.base));
      if (!devel) {
        problems.add(`cudaExtensions need a ${CUDA_IMAGE_OS} nvidia/cuda ${develFlavor(req.base)} tag for ${runtime.version}, which the reference data does not list`,
          cuda, `a cudaVersion with one: ${oneOf(cudaVersionsWithTag(develFlavor(req.base)))}`);
        return undefined;
      }
    }
    minimum = table.toolkits.find((t) => t.release === `${cuda} GA`)?.toolkitDriverMin;
    rule = `toolkit driver of CUDA ${cuda}; the nvidia/cuda image's NVIDIA_REQUIRE_CUDA refuses older drivers`;
  }
  if (minimum === undefined) {
    problems.add(`cudaVersion has no driver minimum in the reference data for gpuBase "${req.base}"`, cuda, `one of: ${oneOf(releases)}`);
    return undefined;
  }
  if (compareDriverVersions(minimum, req.hostDriver) > 0) {
    problems.add(`cudaVersion ${cuda} needs a host driver >= ${minimum} (${rule}), above ${req.hostDriverField}`, req.hostDriver,
      `a ${req.hostDriverField} >= ${minimum} if every gpu host has it, or an older cudaVersion`);
    return undefined;
  }
  return {
    cuda,
    driver: { minimum, rule },
    runtimeImage: runtime && `${CUDA_IMAGE_REPOSITORY}:${runtime.tag}`,
    develImage: devel && `${CUDA_IMAGE_REPOSITORY}:${devel.tag}`,
  };
}
