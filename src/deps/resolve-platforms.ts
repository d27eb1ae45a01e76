import { Dependencies } from './dependencies';
import { resolveOne } from './resolve-one';
import { byKey, packageLines, ResolveContext, ResolvedDependencies, ResolvedPackage } from './resolved';
import { PLATFORM_MACHINES } from '../core/platform';

const MACHINES = PLATFORM_MACHINES;

/**
 * Resolves for an image built for several platforms (`linux/amd64` and `linux/arm64`): one
 * set of tier files valid on each. A package every platform installs keeps no marker and
 * gets the hashes of the files of all of them; a package (or version) only some install gets
 * a `platform_machine` marker, so pip skips it elsewhere.
 */
export function resolveForPlatforms(deps: Dependencies, ctx: ResolveContext, platforms: ReadonlyArray<ResolveContext['platform']>): ResolvedDependencies {
  const list = [...new Set(platforms)];
  if (list.length === 0) return resolveOne(deps, { ...ctx, platforms: undefined });
  // Resolved here, never cached one by one: only the merged result is (by resolveWithCache,
  // after every check of the synth passed), so a platform that fails leaves no cache entry.
  const results = list.map((platform) => resolveOne(deps, { ...ctx, platform, platforms: undefined }));
  if (results.length === 1) return results[0];
  const markerFor = (which: number[]): string | undefined => (which.length === list.length ? undefined
    : which.map((i) => `platform_machine == "${MACHINES[list[i]]}"`).join(' or '));
  const merge = (get: (r: ResolvedDependencies) => ResolvedPackage[]): ResolvedPackage[] => {
    const seen = new Map<string, { pkg: ResolvedPackage; hashes: Set<string>; which: number[] }>();
    results.forEach((r, i) => {
      for (const pkg of get(r)) {
        const id = `${pkg.key}\0${pkg.requirement}`;
        const entry = seen.get(id) ?? { pkg, hashes: new Set<string>(), which: [] };
        pkg.hashes.forEach((h) => entry.hashes.add(h));
        entry.which.push(i);
        seen.set(id, entry);
      }
    });
    return [...seen.values()]
      .map(({ pkg, hashes, which }) => ({ ...pkg, hashes: [...hashes].sort(), marker: markerFor(which) }))
      .sort(byKey);
  };
  const packages = {
    ml: merge((r) => r.packages.ml), core: merge((r) => r.packages.core), dev: merge((r) => r.packages.dev),
  };
  const first = results[0];
  const torchPackages = merge((r) => r.torch?.packages ?? []);
  return {
    ...first,
    packages,
    tiers: {
      ml: packages.ml.flatMap(packageLines),
      core: packages.core.flatMap(packageLines),
      dev: packages.dev.flatMap(packageLines),
    },
    constraints: [...new Set(results.flatMap((r) => r.constraints))].sort(),
    warnings: [...new Set(results.flatMap((r) => r.warnings))],
    inputs: [...new Set(results.flatMap((r) => r.inputs))].sort(),
    probed: [...new Set(results.flatMap((r) => r.probed))],
    torch: first.torch ? { ...first.torch, packages: torchPackages } : undefined,
  };
}
