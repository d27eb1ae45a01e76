/**
 * Scanning a program's arguments the way its own option parser would: which options take a
 * value, where the first positional is, and every positional when options and positionals
 * mix. Shared by the parsers of every launcher family.
 */

export interface OptionSpec {
  /** Options that take a value (names as written, e.g. `--port`, `-b`). */
  readonly valued?: readonly string[];
  /** Options that take none. */
  readonly flags?: readonly string[];
  /** Whether an option in neither list takes a value. */
  readonly unknownTakesValue: boolean;
  /** Compare long names with `-` and `_` as one (`--nproc-per-node` = `--nproc_per_node`). */
  readonly dashUnderscore?: boolean;
  /** A value ending in `.py` after an unknown option is the script, the option a flag. */
  readonly scriptGuard?: boolean;
}

export interface ScannedOption {
  readonly name: string;
  readonly value?: string;
}

export interface Scan {
  readonly options: ScannedOption[];
  /** Index (in the args) of the first positional, or args.length. */
  readonly positional: number;
}

export function optionKey(name: string, spec: OptionSpec): string {
  return spec.dashUnderscore && name.startsWith('--') ? `--${name.slice(2).replace(/-/g, '_')}` : name;
}

/** Reads options up to the first positional (or `--`, whose next argument is the positional). */
export function scanOptions(args: readonly string[], spec: OptionSpec, start = 0): Scan {
  const valued = new Set((spec.valued ?? []).map((n) => optionKey(n, spec)));
  const flags = new Set((spec.flags ?? []).map((n) => optionKey(n, spec)));
  const options: ScannedOption[] = [];
  let i = start;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '--') return { options, positional: i + 1 };
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      options.push({ name: optionKey(arg.slice(0, eq), spec), value: arg.slice(eq + 1) });
      i += 1;
      continue;
    }
    if (!arg.startsWith('--') && arg.length > 2) {
      // a short option with its value attached: -w4, -Aproj
      const name = arg.slice(0, 2);
      if (valued.has(name) || (!flags.has(name) && spec.unknownTakesValue)) {
        options.push({ name, value: arg.slice(2) });
        i += 1;
        continue;
      }
    }
    const name = optionKey(arg, spec);
    const takesValue = valued.has(name) || (!flags.has(name) && spec.unknownTakesValue);
    const next = args[i + 1];
    if (takesValue && next !== undefined) {
      if (spec.scriptGuard && !valued.has(name) && next.endsWith('.py')) {
        options.push({ name });
        i += 1;
      } else {
        options.push({ name, value: next });
        i += 2;
      }
    } else {
      options.push({ name });
      i += 1;
    }
  }
  return { options, positional: i };
}

export function lastValue(scan: Scan, ...names: string[]): string | undefined {
  let value: string | undefined;
  for (const option of scan.options) if (names.includes(option.name)) value = option.value;
  return value;
}

export function hasOption(scan: Scan, ...names: string[]): boolean {
  return scan.options.some((o) => names.includes(o.name));
}

/** Every option and every positional, options and positionals mixed (after `--`, only positionals). */
export function collect(args: readonly string[], spec: OptionSpec): { scan: Scan; positionals: string[] } {
  const options: ScannedOption[] = [];
  const positionals: string[] = [];
  let i = 0;
  while (i < args.length) {
    if (args[i] === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (args[i].startsWith('-') && args[i] !== '-') {
      const more = scanOptions(args, spec, i);
      options.push(...more.options);
      if (more.positional === i) i += 1;
      else i = more.positional;
      if (args[more.positional - 1] === '--') {
        positionals.push(...args.slice(more.positional));
        break;
      }
    } else {
      positionals.push(args[i]);
      i += 1;
    }
  }
  return { scan: { options, positional: 0 }, positionals };
}
