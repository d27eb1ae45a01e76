import { Problems } from '../core/problems';

/** smol-toml's error: what went wrong, where (1-based line and column). */
interface TomlErrorLike extends Error {
  readonly line: number;
  readonly column: number;
}

// smol-toml is an ES module with a CommonJS build; its types describe the ES module only, so
// the CommonJS build is required with the two members used here typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const smolToml = require('smol-toml') as { TomlError: new (...args: never[]) => TomlErrorLike; parse(text: string): unknown };

/** A parsed TOML table. */
export type Table = Record<string, unknown>;

/** Parses a TOML file; undefined (after a problem naming line and column) when it is not TOML. */
export function parseToml(problems: Problems, file: string, text: string): Table | undefined {
  try {
    return smolToml.parse(text) as Table;
  } catch (e) {
    if (!(e instanceof smolToml.TomlError)) throw e;
    const first = e.message.split('\n')[0].replace(/^Invalid TOML document:\s*/i, '').trim();
    const lineText = text.split(/\r?\n/)[e.line - 1] ?? '';
    problems.add(`${file}:${e.line}:${e.column} is not valid toml (${first.charAt(0).toLowerCase()}${first.slice(1)})`, lineText.trim(),
      'a toml document (https://toml.io/en/v1.0.0)');
    return undefined;
  }
}

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The table at a dotted path (`tool.poetry`), when every step is a table. */
export function tableAt(root: Table, ...keys: string[]): Table | undefined {
  let cur: unknown = root;
  for (const key of keys) {
    if (!isTable(cur)) return undefined;
    cur = cur[key];
  }
  return isTable(cur) ? cur : undefined;
}

/**
 * The 1-based line where a value is written, for messages: the first line after `after` (a
 * table header's text, when given) that holds `needle`. 0 when not found.
 */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split(/\r?\n/);
  let start = 0;
  if (after !== undefined) {
    const at = lines.findIndex((l) => l.trim() === after);
    if (at >= 0) start = at;
  }
  for (let i = start; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  return 0;
}
