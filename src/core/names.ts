/** The Python package name for a service id (`feature-store` -> `feature_store`). */
export function moduleName(id: string): string {
  return id.replace(/-/g, '_');
}

/** PEP 503 normalization of a distribution name: lowercase, runs of `-`, `_`, `.` as one `-`. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Levenshtein distance (insert, delete, substitute: cost 1), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
