import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Dependencies, resolveDependencies, ResolvedDependencies } from '../../src/deps';
import { SHARED_DATA } from '../support/shared-data';
import { validationError } from '../util';

/** The real locks of ../shared/data/realworld/deps (read in place, never copied into the repository). */
export const REALWORLD = join(SHARED_DATA, 'realworld', 'deps');

/** The construct path of every resolution in these tests. */
export const PATH = 'vision/api';

/** Resolves for linux/amd64 and CPython 3.11.9 (the default service Python of these tests). */
export function resolveIn(root: string, deps: Dependencies, extra: { pythonVersion?: string; platform?: 'linux/amd64' | 'linux/arm64' } = {}): ResolvedDependencies {
  return resolveDependencies(deps, {
    projectRoot: root, pythonVersion: extra.pythonVersion ?? '3.11.9', platform: extra.platform ?? 'linux/amd64', path: PATH,
  });
}

/** A temp project with these files (path -> content). */
export function projectWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mld-deps-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A temp copy of a directory (to swap a lock for its bumped version). */
export function copyOf(dir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'mld-deps-'));
  cpSync(dir, root, { recursive: true });
  return root;
}

/** The problems of a resolution that must fail (fails the test when it does not, or throws another type). */
export function problemsOf(fn: () => unknown): string[] {
  return validationError(fn).problems;
}

/** (name, version, hash) triples of every tier, as sorted strings. */
export function triples(r: ResolvedDependencies): string[] {
  return (['ml', 'core', 'dev'] as const).flatMap((t) => r.packages[t].flatMap((p) => p.hashes.map((h) => `${p.key} ${p.version} ${h}`))).sort();
}
