/**
 * A project name from a folder name, as `projen new` takes it (`MyRepo`, `FastChat`,
 * `Café ML`, `2024 experiments`, `...`): lowercase letters, digits and `-`, so it is a valid npm
 * package name, image repository, compose project and Kubernetes namespace. Pure.
 */

/** The longest name made from a folder (a Kubernetes namespace, made from it, has at most 63). */
const MAX = 50;

/** What a folder name made of nothing usable becomes. */
export const FALLBACK_PROJECT_NAME = 'project';

/** The folder name made valid; `FALLBACK_PROJECT_NAME` when nothing of it is left. */
export function projectNameFromFolder(folder: string): string {
  const ascii = String(folder)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let name = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (name.length > MAX) name = name.slice(0, MAX).replace(/-+$/, '');
  return name === '' ? FALLBACK_PROJECT_NAME : name;
}
