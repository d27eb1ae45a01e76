import { Problems } from './problems';

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^([1-9][0-9]{0,5})([kmg])$/;

/**
 * The smallest memory limit Docker Engine accepts (6 MiB; `docker run -m` and compose
 * refuse anything lower with "Minimum memory limit allowed is 6MB").
 */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

/** A size in the one canonical form we accept (`512m`, `8g`), or undefined after a problem. */
export function checkSize(problems: Problems, field: string, value: unknown, maxBytes = 4 * 1024 ** 4, minBytes = 1): number | undefined {
  const problem = sizeProblem(value, maxBytes, minBytes);
  if (problem) {
    problems.add(field, value, problem);
    return undefined;
  }
  return sizeBytes(value as string);
}

/**
 * What is wrong with a size (the "expected" part of a message), or undefined when it is a
 * canonical size within the bounds.
 */
export function sizeProblem(value: unknown, maxBytes = 4 * 1024 ** 4, minBytes = 1): string | undefined {
  const m = typeof value === 'string' ? SIZE.exec(value) : null;
  const bytes = m ? Number(m[1]) * UNITS[m[2]] : NaN;
  if (!m || bytes > maxBytes) {
    return `a size as an integer and a unit k, m or g, e.g. "512m" or "8g" (lowercase, no space, no "b"; at most ${maxBytes / 1024 ** 3}g)`;
  }
  if (bytes < minBytes) {
    return `at least ${formatSize(minBytes)} (the smallest ${minBytes === MIN_MEMORY_BYTES ? 'memory limit docker accepts' : 'size allowed'}), e.g. "512m"`;
  }
  return undefined;
}

/** Bytes of a size already checked by `checkSize`. */
export function sizeBytes(value: string): number {
  const m = SIZE.exec(value)!;
  return Number(m[1]) * UNITS[m[2]];
}

function formatSize(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `"${bytes / 1024 ** 3}g"`;
  if (bytes % 1024 ** 2 === 0) return `"${bytes / 1024 ** 2}m"`;
  return `"${Math.ceil(bytes / 1024)}k"`;
}
