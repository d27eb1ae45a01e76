import type { ZodMiniType } from 'zod/mini';
import { MlDockerValidationError } from './errors';
import { editDistance } from './names';

/** A props schema (zod's mini build: the smallest to load at every `npx projen`). Internal. */
export type Schema = ZodMiniType;

const MAX_SHOWN = 80;

/** Renders a user-supplied value for an error message, never throwing. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  // JSON escapes C0 controls only: line and paragraph separators, C1 controls (NEXT LINE),
  // invisible and bidirectional format characters are escaped too, so a message shows every
  // character a value holds and no value can break or reorder the message's line
  text = text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

const INVISIBLE = /[\u007f-\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufff9-\ufffb]/g;

/** What `oneOf` says of an empty list, so no message ends in "one of: " and nothing. */
export const NONE_ALLOWED = 'nothing (there are none)';

/**
 * Lists allowed values for a message: `"a", "b", "c"`. An empty list reads
 * `nothing (there are none)`; where the reason is known, `oneOfOrNone` says it.
 */
export function oneOf(values: readonly string[]): string {
  return values.length ? values.map((v) => JSON.stringify(v)).join(', ') : NONE_ALLOWED;
}

/**
 * The expectation of a message naming one of a list that may be empty:
 * `one of: "a", "b"`, or `none: <why>` when there is nothing to choose
 * (`none: the manifests have no volume claims`).
 */
export function oneOfOrNone(values: readonly string[], why: string): string {
  return values.length ? `one of: ${oneOf(values)}` : `none: ${why}`;
}

/**
 * Collects every problem of one construct, then throws them together.
 * Messages are `[path] what: got X; expected Y`, lowercase, one line each.
 */
export class Problems {
  private readonly list: string[] = [];

  constructor(public readonly path: string) {}

  public add(what: string, got: unknown, expected: string): void {
    this.list.push(`[${this.path}] ${what}: got ${show(got)}; expected ${expected}`);
  }

  /** Adds a problem that belongs to another construct (found by a stack-wide check). */
  public addAt(path: string, what: string, got: unknown, expected: string): void {
    this.list.push(`[${path}] ${what}: got ${show(got)}; expected ${expected}`);
  }

  /** Adds a problem whose "got" part is already rendered text. */
  public addRaw(what: string, got: string, expected: string): void {
    this.list.push(`[${this.path}] ${what}: got ${got}; expected ${expected}`);
  }

  public get count(): number {
    return this.list.length;
  }

  public throwIfAny(): void {
    if (this.list.length > 0) {
      throw new MlDockerValidationError(this.list);
    }
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'props';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: any = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[key as any];
  }
  return cur;
}

/** The schema a value at `path` is checked with (optional wrappers removed), if the path leads to one. */
function schemaAt(schema: Schema, path: readonly PropertyKey[]): any {
  let cur: any = schema;
  for (const key of path) {
    while (cur?.def?.innerType) cur = cur.def.innerType;
    if (cur?.def?.type === 'object') cur = cur.def.shape[key as any];
    else if (cur?.def?.type === 'array') cur = cur.def.element;
    else if (cur?.def?.type === 'record') cur = cur.def.valueType;
    else return undefined;
  }
  while (cur?.def?.innerType) cur = cur.def.innerType;
  return cur;
}

function knownKeys(schema: Schema, path: readonly PropertyKey[]): string[] {
  const at = schemaAt(schema, path);
  return at?.def?.type === 'object' ? Object.keys(at.def.shape) : [];
}

function describeExpected(issue: any, schema: Schema, path: readonly PropertyKey[]): string {
  switch (issue.expected) {
    case 'array': return 'a list';
    case 'object': return 'an object';
    // a map of names to strings (environment, labels) says so; other maps (nested options) are objects
    case 'record': return schemaAt(schema, path)?.def?.valueType?.def?.type === 'string' ? 'an object of string values' : 'an object';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'int': return 'an integer';
    case 'boolean': return 'true or false';
    default: return String(issue.expected);
  }
}

/**
 * Checks the shape of props with a strict zod schema and reports each issue in our own words
 * (zod's own messages are never shown). Returns true when the shape is valid.
 */
export function checkShape(problems: Problems, schema: Schema, input: unknown): boolean {
  const result = schema.safeParse(input);
  if (result.success) return true;
  for (const issue of result.error.issues as any[]) {
    const path: PropertyKey[] = issue.path ?? [];
    const field = fieldName(path);
    const got = valueAt(input, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys as string[]) {
          const known = knownKeys(schema, path);
          const near = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2
            || k.toLowerCase() === key.toLowerCase());
          const where = path.length ? `${field}.${key}` : key;
          problems.addRaw(`unknown property "${where}"`, show((got as any)?.[key]),
            near.length ? `did you mean ${oneOf(near)}? known: ${known.join(', ')}` : `one of: ${known.join(', ')}`);
        }
        break;
      case 'invalid_type':
        if (got === undefined) {
          problems.add(`${field} is required`, got, describeExpected(issue, schema, path));
        } else if (issue.expected === 'number' && typeof got === 'number') {
          problems.add(field, got, 'a finite number');
        } else {
          problems.add(`${field} has the wrong type`, got, describeExpected(issue, schema, path));
        }
        break;
      case 'invalid_value':
        problems.add(field, got, `one of: ${oneOf((issue.values ?? []).map(String))}`);
        break;
      case 'invalid_key':
        // a symbol key in a map of names (environment, labels)
        problems.add(field, got, 'invalid key in record');
        break;
      case 'too_small':
        problems.add(field, got, issue.origin === 'array' || issue.origin === 'string'
          ? `at least ${issue.minimum} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
          : `a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`);
        break;
      case 'too_big':
        problems.add(field, got, issue.origin === 'array' || issue.origin === 'string'
          ? `at most ${issue.maximum} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
          : `a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`);
        break;
      default:
        problems.add(field, got, 'a valid value');
    }
  }
  return false;
}
