import { Problems } from './problems';

/** The binary units of a size: KiB, MiB and GiB (compose and Docker read `k`, `m`, `g` so). */
export type SizeUnit = 'k' | 'm' | 'g';

/**
 * A size as the container spec carries it: a whole number of binary units. Read once from the
 * canonical text users write (`parseSize`, `checkSize`); each renderer formats it its own way
 * (`composeSize` here, a Kubernetes quantity in the stack).
 */
export interface Size {
  readonly amount: number;
  readonly unit: SizeUnit;
}

const UNITS: Record<SizeUnit, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^([1-9][0-9]{0,5})([kmg])$/;
const MAX_BYTES = 4 * 1024 ** 4;

/**
 * The smallest memory limit Docker Engine accepts (6 MiB; `docker run -m` and compose
 * refuse anything lower with "Minimum memory limit allowed is 6MB").
 */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

/** `amount` MiB. */
export function mib(amount: number): Size {
  return { amount, unit: 'm' };
}

/** `amount` GiB. */
export function gib(amount: number): Size {
  return { amount, unit: 'g' };
}

/** A size in the one canonical form we accept (`512m`, `8g`), or undefined after a problem. */
export function checkSize(
  problems: Problems, field: string, value: unknown, maxBytes = MAX_BYTES, minBytes = 1,
): Size | undefined {
  const problem = sizeProblem(value, maxBytes, minBytes);
  if (problem) {
    problems.add(field, value, problem);
    return undefined;
  }
  return canonicalSize(value);
}

/** A canonical size within the bounds as a `Size`, or undefined (`sizeProblem` says why). */
export function parseSize(value: unknown, maxBytes = MAX_BYTES, minBytes = 1): Size | undefined {
  return sizeProblem(value, maxBytes, minBytes) === undefined ? canonicalSize(value) : undefined;
}

/**
 * What is wrong with a size (the "expected" part of a message), or undefined when it is a
 * canonical size within the bounds.
 */
export function sizeProblem(value: unknown, maxBytes = MAX_BYTES, minBytes = 1): string | undefined {
  const size = canonicalSize(value);
  const bytes = size ? sizeBytes(size) : NaN;
  if (!size || bytes > maxBytes) {
    return `a size as an integer and a unit k, m or g, e.g. "512m" or "8g" (lowercase, no space, no "b"; at most ${maxBytes / 1024 ** 3}g)`;
  }
  if (bytes < minBytes) {
    return `at least ${formatSize(minBytes)} (the smallest ${minBytes === MIN_MEMORY_BYTES ? 'memory limit docker accepts' : 'size allowed'}), e.g. "512m"`;
  }
  return undefined;
}

/** The bytes of a size. */
export function sizeBytes(size: Size): number {
  return size.amount * UNITS[size.unit];
}

/** A size as compose and Docker write it (`512m`, `8g`): the canonical text it was read from. */
export function composeSize(size: Size): string {
  return `${size.amount}${size.unit}`;
}

/** Digits and a unit, without bounds. */
function canonicalSize(value: unknown): Size | undefined {
  const m = typeof value === 'string' ? SIZE.exec(value) : null;
  return m ? { amount: Number(m[1]), unit: m[2] as SizeUnit } : undefined;
}

function formatSize(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `"${bytes / 1024 ** 3}g"`;
  if (bytes % 1024 ** 2 === 0) return `"${bytes / 1024 ** 2}m"`;
  return `"${Math.ceil(bytes / 1024)}k"`;
}
