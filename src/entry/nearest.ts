/** Levenshtein distance (insert, delete, substitute: cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate nearest to `wanted`, for a "did you mean" hint. A candidate sharing the last
 * part (`gateway.main` for `api.main`: the package was renamed) is preferred, whatever its
 * distance; otherwise the nearest within a third of the length (at least 2 edits). Ties go to
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
    if (!sameLeaf && score > Math.max(2, Math.floor(wanted.length / 3))) continue;
    const better = !best
      || (sameLeaf && !best.sameLeaf)
      || (sameLeaf === best.sameLeaf && (score < best.score || (score === best.score && name < best.name)));
    if (better) best = { name, score, sameLeaf };
  }
  return best?.name;
}
