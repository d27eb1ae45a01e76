/**
 * NVIDIA's CUDA libraries as Python requirements, per CUDA major (data/cuda-wheels.json):
 * CUDA 12 wheels carry a `-cu12` suffix on every library; CUDA 13 keeps the suffix only on
 * some (`nvidia-cudnn-cu13`, `nvidia-nccl-cu13`) and otherwise ships unsuffixed wheels, usually
 * pulled through the `cuda-toolkit[...]` metapackage, plus the `cuda-bindings` Python bindings.
 */
import { loadData } from './data';
import { Problems } from './problems';
import { requirementName } from './requirement-grammar';

interface CudaWheelTable {
  readonly metapackage: { readonly name: string };
  readonly versionIsCudaVersion: readonly string[];
  readonly bindings: { readonly names: readonly string[] };
}

/**
 * One row of `data/cuda-wheel-extras.json`: an extra and whether the package's metadata makes it pull the
 * wheels.
 */
interface CudaWheelExtra {
  readonly package: string;
  readonly extra: string;
  readonly cudaMajor: string;
  readonly pullsNvidiaWheels: boolean;
}

/** What a requirement says about NVIDIA's CUDA wheels. */
export interface CudaWheelUse {
  /** The CUDA major (`12`, `13`). */
  readonly major: string;
  /**
   * `libraries`: it installs CUDA libraries of that major (a suffixed wheel, a `cuda-toolkit`
   * extra, an unsuffixed wheel versioned like CUDA, an extra such as `jax[cuda13]`);
   * `bindings`: only NVIDIA's Python bindings of that major (`cuda-bindings`).
   */
  readonly kind: 'libraries' | 'bindings';
}

const REQUIREMENT = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$/;
/** The first version of a `==`, `===`, `~=` or `>=` clause: its major is the one asked for. */
const LOWER_BOUND = /(?:^|,)\s*(?:===?|~=|>=)\s*v?([0-9]+)(?:[.*][0-9.*]*)?/;

function majorOf(clauses: string): string | undefined {
  return LOWER_BOUND.exec(clauses.replace(/;.*$/, ''))?.[1];
}

/**
 * The CUDA major of NVIDIA's wheels a requirement line pulls, if any: `nvidia-<lib>-cu13`,
 * `cuda-toolkit[cudart]==13.0.3`, `nvidia-cuda-runtime==13.0.96`, `jax[cuda13]==...`
 * (libraries), or `cuda-bindings==13.0.3` (bindings). An extra counts when the package's
 * metadata makes it pull the wheels (`data/cuda-wheel-extras.json`: `jax[cuda12]`,
 * `tensorflow[and-cuda]`), not by its name: `jax[cuda12-local]` expects the system's CUDA.
 * Unpinned metapackages and unsuffixed libraries whose version is not a CUDA version say nothing.
 */
export function cudaWheelUse(line: string): CudaWheelUse | undefined {
  const m = REQUIREMENT.exec(line);
  const req = requirementName(line);
  if (!m || !req) return undefined;
  const table = loadData<CudaWheelTable>('cuda-wheels.json');
  const { name, extras } = req;
  const clauses = m[3] ?? '';
  const suffixed = /^nvidia-[a-z0-9-]+-cu([0-9]+)$/.exec(name);
  if (suffixed) return { major: suffixed[1], kind: 'libraries' };
  const pulling = loadData<{ extras: readonly CudaWheelExtra[] }>('cuda-wheel-extras.json').extras
    .find((e) => e.pullsNvidiaWheels && e.package === name && extras.includes(e.extra));
  if (pulling) return { major: pulling.cudaMajor, kind: 'libraries' };
  const major = majorOf(clauses);
  if (major === undefined) return undefined;
  if (name === table.metapackage.name) return extras.length > 0 ? { major, kind: 'libraries' } : undefined;
  if (table.versionIsCudaVersion.includes(name)) return { major, kind: 'libraries' };
  if (table.bindings.names.includes(name)) return { major, kind: 'bindings' };
  return undefined;
}

/** One requirement a service installs, and where it was written. */
export interface PlacedRequirement {
  readonly text: string;
  /** `requirements.ml[0]`, or the file and line (`uv.lock`, `requirements.txt:4`). */
  readonly from: string;
}

/**
 * A torch service's requirements may bring NVIDIA's CUDA wheels only of the CUDA major of its
 * torch build: a lock made against PyPI's default torch (torch 2.14.1 there is a CUDA 13.0
 * build) carries `cuda-toolkit`, `nvidia-*-cu13` and `cuda-bindings` 13, which need a CUDA 13 driver
 * (>= 580) the fitted host driver may not have, next to the CUDA 12 libraries torch brings.
 * CPU torch is not checked: its image gets no GPU, so such wheels are unused there.
 */
export function checkTorchCudaMajor(
  problems: Problems, field: string, requirements: readonly PlacedRequirement[],
  torch: { readonly torch: string; readonly cuda?: string },
): void {
  if (torch.cuda === undefined) return;
  const major = torch.cuda.split('.')[0];
  const byMajor = new Map<string, PlacedRequirement[]>();
  for (const r of requirements) {
    const use = cudaWheelUse(r.text);
    if (use && use.major !== major) byMajor.set(use.major, [...(byMajor.get(use.major) ?? []), r]);
  }
  for (const [other, found] of byMajor) {
    const who = found.length === 1 ? 'a requirement pulls' : `${found.length} requirements pull`;
    const where = found.map((r) => `${nameOf(r.text)} at ${r.from}`).join(', ');
    problems.add(`${field}: ${who} nvidia's cuda ${other} wheels (${where}), but torch ${torch.torch} is a cuda ${torch.cuda} build `
      + `that brings its own cuda ${major} libraries`, found[0].text.trim(),
    `nvidia's cuda ${major} wheels only (a lock resolved against the PyTorch index of the chosen variant, not PyPI's default torch), `
      + `or a cudaVersion of cuda ${other} with a hostDriverVersion that runs it`);
  }
}

function nameOf(text: string): string {
  return REQUIREMENT.exec(text)?.[1] ?? text.trim();
}
