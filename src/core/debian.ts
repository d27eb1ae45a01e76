import { Problems } from './problems';

/** A Debian package name as `apt-get install` takes it, without a version or options. */
export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Checks a list of Debian package names (`aptPackages`, `buildPackages`): each a plain
 * package name, each once. Returns the list without duplicates, in the given order.
 */
export function checkDebianPackages(
  problems: Problems, field: string, packages: readonly string[],
): string[] {
  packages.forEach((pkg, i) => {
    if (!DEBIAN_PACKAGE.test(pkg)) problems.add(`${field}[${i}]`, pkg, 'a debian package name (lowercase letters, digits, "+", "-", "."), without a version or options');
  });
  const dup = packages.find((p, i) => packages.indexOf(p) !== i);
  if (dup) problems.add(`${field} lists a package twice`, dup, 'each package once');
  return packages.filter((p, i) => packages.indexOf(p) === i);
}
