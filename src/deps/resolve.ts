import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Dependencies } from './dependencies';
import { resolveOne } from './resolve-one';
import { resolveForPlatforms } from './resolve-platforms';
import { ResolveContext, ResolvedDependencies } from './resolved';
import { Problems } from '../core/problems';

export { packageEntry, packageLines } from './resolved';
export type {
  PackageIndex, ResolveContext, ResolvedDependencies, ResolvedPackage, ResolvedTorch, TierName,
} from './resolved';
export { resolveForPlatforms } from './resolve-platforms';

/** Bump when the result's shape or meaning changes: older cache entries are then ignored. */
const CACHE_FORMAT = 2;

/**
 * What a cached result depends on beyond the options: the content and location of each file read, the absence
 * of each probed one.
 */
function fingerprint(root: string, result: ResolvedDependencies): string {
  const hash = createHash('sha256');
  for (const file of result.inputs) {
    const full = join(root, file);
    hash.update(`${file}\0${realpathSync(full)}\0`).update(readFileSync(full)).update('\0');
  }
  for (const file of result.probed) hash.update(`${file}\0${existsSync(join(root, file))}\0`);
  return hash.digest('hex');
}

/**
 * Resolves dependencies for one image: reads the files (never the network), checks them,
 * and returns each tier's requirement-file lines. Throws `MlDockerValidationError` with
 * every problem found.
 */
export function resolveDependencies(deps: Dependencies, ctx: ResolveContext): ResolvedDependencies {
  const { result, store } = resolveWithCache(deps, ctx);
  store?.();
  return result;
}

/**
 * `resolveDependencies` with the cache write left to the caller: `store` (set on a cache miss
 * with a `cacheDir`) writes the entry. A synth calls it once every file is known good, so a
 * failing synth leaves nothing behind in the project.
 */
export function resolveWithCache(
  deps: Dependencies, ctx: ResolveContext,
): { readonly result: ResolvedDependencies; readonly store?: () => void } {
  if (!existsSync(ctx.projectRoot)) {
    const problems = new Problems(ctx.path);
    problems.add('project root does not exist', ctx.projectRoot, 'an existing directory');
    problems.throwIfAny();
  }
  const spec = deps instanceof Dependencies ? deps._spec : undefined;
  const resolve = (): ResolvedDependencies => (ctx.platforms !== undefined && new Set(ctx.platforms).size > 1
    ? resolveForPlatforms(deps, ctx, ctx.platforms)
    : resolveOne(deps, ctx));
  if (ctx.cacheDir === undefined || spec === undefined) return { result: resolve() };
  const { cacheDir, ...rest } = ctx;
  const key = createHash('sha256').update(JSON.stringify({ CACHE_FORMAT, spec, ctx: { ...rest, projectRoot: realpathSync(ctx.projectRoot) } })).digest('hex');
  const entryFile = join(cacheDir, `deps-${key.slice(0, 40)}.json`);
  try {
    const entry = JSON.parse(readFileSync(entryFile, 'utf-8')) as { fingerprint: string; result: ResolvedDependencies };
    if (entry.fingerprint === fingerprint(ctx.projectRoot, entry.result)) return { result: entry.result };
  } catch {
    // no entry, an unreadable one, or a file it lists is gone: resolve again
  }
  const result = resolve();
  const store = (): void => {
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${entryFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ fingerprint: fingerprint(ctx.projectRoot, result), result }));
      renameSync(tmp, entryFile);
    } catch {
      // a cache that cannot be written only costs time
    }
  };
  return { result, store };
}
