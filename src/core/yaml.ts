/**
 * The `yaml` package, preferably projen's copy: projen (our peer dependency) bundles yaml 2
 * and has already loaded it by the time this library is, so every synth saves loading a
 * second copy (about 25 ms). Our own bundled yaml is the fallback, for a projen whose copy
 * is missing or of another major version.
 */
import { readFileSync } from 'fs';
import { dirname } from 'path';
import type * as YamlModule from 'yaml';

function projenYaml(): typeof YamlModule | undefined {
  try {
    const projenDir = dirname(require.resolve('projen/package.json'));
    const pkgFile = require.resolve('yaml/package.json', { paths: [projenDir] });
    const version = String(JSON.parse(readFileSync(pkgFile, 'utf8')).version ?? '');
    if (!version.startsWith('2.')) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(dirname(pkgFile));
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const YAML: typeof YamlModule = projenYaml() ?? require('yaml');

/**
 * Plain scalars that some YAML reader resolves to something other than a string: YAML 1.1
 * (the type repository at yaml.org/type: bool, null, int, float, timestamp, merge, value),
 * YAML 1.2 (core and JSON schemas) and Go's yaml.v3 (which compose and kustomize use: it also
 * takes single-digit months and days for timestamps and underscores in numbers). Letter case
 * is ignored: quoting a string no reader would convert costs nothing.
 */
const NOT_STRING_PLAIN: readonly RegExp[] = [
  // booleans (1.1: y/n/yes/no/on/off/true/false; 1.2: true/false) and null (~, null, empty)
  /^(?:y|n|yes|no|on|off|true|false|null|~|)$/i,
  // integers: binary, octal (1.1 "017", 1.2 "0o17"), decimal, hexadecimal, underscores, sexagesimal
  /^[-+]?0b[0-1_]+$/i,
  /^[-+]?0o?[0-7_]+$/i,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?0x[0-9a-f_]+$/i,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  // floats: 1.1 ("1.", ".5", "1_0.5", exponent with a sign), 1.2 ("1e3"), inf and nan. The 1.1
  // pattern would also take "127.0.0.1", which no reader converts (PyYAML, yaml.v2 and v3 do not).
  /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:e[-+]?[0-9]+)?$/i,
  /^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?e[-+]?[0-9]+$/i,
  /^[-+]?\.(?:inf|nan)$/i,
  // timestamps (1.1 and yaml.v3: 2001-12-14, 2001-1-2, with a time and zone)
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$/,
  // the merge key and the 1.1 value key
  /^(?:<<|=)$/,
];

/** Whether a string written plain would be read back as another type by a YAML 1.1 or 1.2 reader. */
export function readsAsNonString(value: string): boolean {
  if (NOT_STRING_PLAIN.some((pattern) => pattern.test(value))) return true;
  // The yaml package's own 1.1 and 1.2 readers, as a second opinion on anything the patterns miss.
  // (It reads "." as a 1.1 float, for one.) Strings it reads as collections or trims are
  // the stringifier's business: it quotes those itself.
  if (/[\s]/.test(value)) return false;
  for (const version of ['1.1', '1.2'] as const) {
    try {
      const read: unknown = YAML.parse(value, { version });
      if (read === null || ['number', 'boolean', 'bigint'].includes(typeof read) || read instanceof Date) return true;
    } catch {
      // not a scalar of any type: the stringifier quotes it
    }
  }
  return false;
}

/** Characters that make a plain scalar a mapping, flow collection, anchor, tag or comment for some reader. */
const INDICATORS = /[:{}[\],&*#?|<>=!%@`]/;

/**
 * Renders YAML documents whose strings read back as the same strings in every YAML 1.1 and
 * 1.2 reader: any string scalar (key or value) that would resolve to a boolean, null, number,
 * timestamp or merge key, or that holds an indicator character, is written double-quoted
 * (and any string `alsoQuote` matches).
 */
export function toSafeYaml(
  value: unknown, options: YamlModule.CreateNodeOptions = {}, alsoQuote?: RegExp,
): string {
  const doc = new YAML.Document(value, options);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (INDICATORS.test(node.value) || alsoQuote?.test(node.value) || readsAsNonString(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}
