/**
 * The one string order of generated output: UTF-16 code units, the order of
 * `Array.prototype.sort()` without a comparator. It is the same on every machine.
 * `localeCompare` without a locale follows the process locale instead (`LC_ALL`, `LANG`):
 * Danish sorts "aa" after "z", Lithuanian puts "y" between "i" and "k", so a definition
 * would render differently on two developers' machines.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator of values by a string key, in code-unit order (`compareCodeUnits`). */
export function byCodeUnits<T>(key: (value: T) => string): (a: T, b: T) => number {
  return (a, b) => compareCodeUnits(key(a), key(b));
}
