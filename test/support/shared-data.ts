/**
 * Other projects' files (the official compose schema, the GitHub workflow schema, cog's CUDA
 * image list) are not part of this repository or package: tests read them from the shared
 * reference data beside the repository (`<repo>/../shared/data/`).
 */
import { readFileSync } from 'fs';
import { join } from 'path';

/** `<repo>/../shared/data`, from test/support/. */
export const SHARED_DATA = join(__dirname, '..', '..', '..', 'shared', 'data');

/** Parses one JSON file of the shared reference data. */
export function readSharedJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(SHARED_DATA, file), 'utf-8')) as T;
}
