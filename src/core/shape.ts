/**
 * Shape checks for construct props: the part of zod 4's API this library used (string,
 * number, boolean, any, enum, array, record, object, strictObject, `.optional()`), with
 * zod's issue codes, paths and order, so `checkShape` words every problem as before.
 *
 * Why not zod itself: loading it (95 modules) took about 40 ms of every `npx projen`, more
 * than building the whole example stack. test/shape.test.ts runs zod and this side by side
 * on generated input, through the real props schemas, and requires the same problems.
 */

/** One problem found in the input, as zod 4 reports it. */
export interface Issue {
  readonly code: 'invalid_type' | 'invalid_value' | 'invalid_key' | 'unrecognized_keys';
  readonly path: PropertyKey[];
  /** invalid_type: what was expected (`string`, `number`, `object`, `record`, ...). */
  readonly expected?: string;
  /** unrecognized_keys: the keys no schema declares. */
  readonly keys?: string[];
  /** invalid_value: the allowed values of an enum. */
  readonly values?: string[];
  /** zod's message, for codes checkShape has no words of its own for. */
  readonly message?: string;
}

export type SafeParseResult = { readonly success: true } | { readonly success: false; readonly error: { readonly issues: Issue[] } };

/** The structure of a schema (named as zod names it: `def.type`, `def.shape`, ...). */
export type SchemaDef =
  | { readonly type: 'string' | 'number' | 'boolean' | 'any' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'array'; readonly element: Schema }
  | { readonly type: 'record'; readonly keyType: Schema; readonly valueType: Schema }
  | { readonly type: 'object'; readonly shape: Readonly<Record<string, Schema>>; readonly strict: boolean }
  | { readonly type: 'optional'; readonly innerType: Schema };

export class Schema {
  constructor(public readonly def: SchemaDef) {}

  /** The same schema, also accepting `undefined`. */
  public optional(): Schema {
    return new Schema({ type: 'optional', innerType: this });
  }

  public safeParse(input: unknown): SafeParseResult {
    const issues: Issue[] = [];
    check(this, input, [], issues);
    return issues.length === 0 ? { success: true } : { success: false, error: { issues } };
  }
}

/** Not null, not an array, an object (functions are not). */
function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object literal or `Object.create(null)`; not a Date, Map or class instance. */
function isPlainObject(value: unknown): value is Record<PropertyKey, unknown> {
  if (!isObject(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const proto = (ctor as { prototype?: unknown }).prototype;
  return isObject(proto) && Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

function check(schema: Schema, input: unknown, path: PropertyKey[], issues: Issue[]): void {
  const def = schema.def;
  switch (def.type) {
    case 'any':
      return;
    case 'string':
    case 'boolean':
      if (typeof input !== def.type) issues.push({ code: 'invalid_type', expected: def.type, path });
      return;
    case 'number':
      if (typeof input !== 'number' || !Number.isFinite(input)) issues.push({ code: 'invalid_type', expected: 'number', path });
      return;
    case 'optional':
      if (input !== undefined) check(def.innerType, input, path, issues);
      return;
    case 'enum':
      if (!def.values.includes(input as string)) issues.push({ code: 'invalid_value', values: [...def.values], path });
      return;
    case 'array':
      if (!Array.isArray(input)) {
        issues.push({ code: 'invalid_type', expected: 'array', path });
        return;
      }
      for (let i = 0; i < input.length; i++) check(def.element, input[i], [...path, i], issues);
      return;
    case 'record':
      if (!isPlainObject(input)) {
        issues.push({ code: 'invalid_type', expected: 'record', path });
        return;
      }
      for (const key of Reflect.ownKeys(input)) {
        if (key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(input, key)) continue;
        if (!def.keyType.safeParse(key).success) {
          issues.push({ code: 'invalid_key', message: 'Invalid key in record', path: [...path, key] });
          continue;
        }
        check(def.valueType, input[key as string], [...path, key], issues);
      }
      return;
    case 'object': {
      if (!isObject(input)) {
        issues.push({ code: 'invalid_type', expected: 'object', path });
        return;
      }
      for (const [key, value] of Object.entries(def.shape)) check(value, input[key], [...path, key], issues);
      if (!def.strict) return;
      const unknown: string[] = [];
      // for...in, as zod: inherited enumerable keys count too
      // eslint-disable-next-line guard-for-in
      for (const key in input) {
        if (!Object.prototype.hasOwnProperty.call(def.shape, key)) unknown.push(key);
      }
      if (unknown.length > 0) issues.push({ code: 'unrecognized_keys', keys: unknown, path });
      return;
    }
  }
}

/** Schema builders, named and used as zod's `z`. */
export const z = {
  string: (): Schema => new Schema({ type: 'string' }),
  number: (): Schema => new Schema({ type: 'number' }),
  boolean: (): Schema => new Schema({ type: 'boolean' }),
  any: (): Schema => new Schema({ type: 'any' }),
  enum: (values: readonly string[]): Schema => new Schema({ type: 'enum', values: [...values] }),
  array: (element: Schema): Schema => new Schema({ type: 'array', element }),
  record: (keyType: Schema, valueType: Schema): Schema => new Schema({ type: 'record', keyType, valueType }),
  /** Unknown keys are ignored. */
  object: (shape: Record<string, Schema>): Schema => new Schema({ type: 'object', shape, strict: false }),
  /** Unknown keys are reported (by name, with the known ones). */
  strictObject: (shape: Record<string, Schema>): Schema => new Schema({ type: 'object', shape, strict: true }),
};
