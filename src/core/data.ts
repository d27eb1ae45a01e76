import { readFileSync } from 'fs';
import { join } from 'path';

/** The package root (this file lives in lib/core/ once compiled, src/core/ in tests). */
export const PACKAGE_ROOT = join(__dirname, '..', '..');

const cache = new Map<string, unknown>();

/**
 * Reads one of the vendored reference tables under `data/` (each traced to its source in
 * `data/SOURCES.json`). Every table is parsed at most once per process.
 */
export function loadData<T>(file: string): T {
  let value = cache.get(file);
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'data', file), 'utf-8'));
    cache.set(file, value);
  }
  return value as T;
}

/** Reads a text asset shipped in the package (templates, runtime helpers). */
export function readAsset(...parts: string[]): string {
  const key = `asset:${parts.join('/')}`;
  let value = cache.get(key);
  if (value === undefined) {
    value = readFileSync(join(PACKAGE_ROOT, ...parts), 'utf-8');
    cache.set(key, value);
  }
  return value as string;
}
