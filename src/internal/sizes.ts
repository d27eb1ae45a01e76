import { Problems } from './problems';

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^([1-9][0-9]{0,5})([kmg])$/;

/** A size in the one canonical form we accept (`512m`, `8g`), or undefined after a problem. */
export function checkSize(problems: Problems, field: string, value: unknown, maxBytes = 4 * 1024 ** 4): number | undefined {
  const m = typeof value === 'string' ? SIZE.exec(value) : null;
  const bytes = m ? Number(m[1]) * UNITS[m[2]] : NaN;
  if (!m || bytes > maxBytes) {
    problems.add(field, value, `a size as an integer and a unit k, m or g, e.g. "512m" or "8g" (lowercase, no space, no "b"; at most ${maxBytes / 1024 ** 3}g)`);
    return undefined;
  }
  return bytes;
}

/** Bytes of a size already checked by `checkSize`. */
export function sizeBytes(value: string): number {
  const m = SIZE.exec(value)!;
  return Number(m[1]) * UNITS[m[2]];
}
