import { editDistance } from '../core/names';

/**
 * The candidate nearest to `wanted`, for a "did you mean" hint. A candidate sharing the last
 * part (`gateway.main` for `api.main`: the package was renamed) is preferred, whatever its
 * distance; otherwise the nearest within a third of the length (at least 2 edits, and fewer
 * edits than the name has characters). Ties go to
 * the smaller name in code-unit order, so the hint is deterministic.
 */
export function nearest(wanted: string, candidates: Iterable<string>, separator = '.'): string | undefined {
  const leaf = (name: string): string => name.slice(name.lastIndexOf(separator) + 1);
  const wantedLeaf = leaf(wanted);
  let best: { name: string; score: number; sameLeaf: boolean } | undefined;
  for (const name of new Set(candidates)) {
    if (name === wanted) continue;
    const sameLeaf = name.includes(separator) && wanted.includes(separator) && leaf(name) === wantedLeaf;
    const score = editDistance(wanted, name);
    // a candidate as far away as the name is long shares nothing with it ("x" is not near "hf")
    if (!sameLeaf && (score > Math.max(2, Math.floor(wanted.length / 3)) || score >= wanted.length)) continue;
    const better = !best
      || (sameLeaf && !best.sameLeaf)
      || (sameLeaf === best.sameLeaf && (score < best.score || (score === best.score && name < best.name)));
    if (better) best = { name, score, sameLeaf };
  }
  return best?.name;
}
