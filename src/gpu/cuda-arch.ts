/**
 * The GPU architectures CUDA extensions are compiled for (`TORCH_CUDA_ARCH_LIST`): the
 * default derived from the CUDA release, and the check of a user's list, both from
 * `data/cuda-compute-capabilities.json`.
 */
import { compareCudaVersions } from './cuda';
import { loadData } from '../core/data';
import { Problems, oneOf } from '../core/problems';

interface CapabilityData {
  readonly embedded: readonly string[];
  readonly releases: Record<string, readonly string[]>;
}

/** The compute capabilities nvcc of a CUDA major.minor compiles for (empty when the data lacks it). */
export function supportedCapabilities(cuda: string): string[] {
  return [...(loadData<CapabilityData>('cuda-compute-capabilities.json').releases[cuda] ?? [])];
}

/**
 * The default `TORCH_CUDA_ARCH_LIST` of a CUDA release: every non-embedded capability from 7.0
 * (from 7.5 where the release dropped Volta) up, the newest one with `+PTX` so later GPUs
 * JIT-compile it. Undefined when the data has no row for the release.
 */
export function defaultArchList(cuda: string): string | undefined {
  const data = loadData<CapabilityData>('cuda-compute-capabilities.json');
  const list = (data.releases[cuda] ?? []).filter((c) => !data.embedded.includes(c) && compareCudaVersions(c, '7.0') >= 0);
  if (list.length === 0) return undefined;
  return [...list.slice(0, -1), `${list[list.length - 1]}+PTX`].join(';');
}

/**
 * Checks a user's `TORCH_CUDA_ARCH_LIST` (`"8.0;8.6+PTX"`, spaces also separate) against the CUDA release.
 */
export function checkArchList(problems: Problems, field: string, value: string, cuda: string): void {
  const supported = supportedCapabilities(cuda);
  if (supported.length === 0) return;
  const entries = value.split(/[;\s]+/).filter((e) => e !== '');
  if (entries.length === 0) {
    problems.add(field, value, `compute capabilities separated by ";", e.g. "${defaultArchList(cuda)}"`);
    return;
  }
  for (const entry of entries) {
    const m = /^([0-9]+\.[0-9]+)(\+PTX)?$/.exec(entry);
    if (!m) {
      problems.add(`${field} has an entry that is no compute capability`, entry, `"X.Y" or "X.Y+PTX" separated by ";", e.g. "${defaultArchList(cuda)}"`);
    } else if (!supported.includes(m[1])) {
      problems.add(`${field} names compute capability ${m[1]}, which nvcc of CUDA ${cuda} does not support`, entry, `capabilities of CUDA ${cuda}: ${oneOf(supported)}`);
    }
  }
}
