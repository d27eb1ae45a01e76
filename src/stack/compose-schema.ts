import { loadData } from '../core/data';

/**
 * Our own rules for compose documents (`data/compose-rules.json`): the top-level and service
 * keys the generator writes or `addOverride` may set, each with the value shapes the Compose
 * Specification allows for it, in a small vocabulary of our own. Stricter than the official
 * schema where it is simpler to be (no `x-` extensions, no long-form ports or volumes,
 * unique lists); test/compose-rules.test.ts proves that whatever these rules accept, the
 * official schema accepts too, on generated and hostile documents.
 */
type Rule = string | { oneOf: Rule[] } | { keys: Record<string, Rule>; required?: string[] }
  | { map: Rule; keyPattern?: string };

interface ComposeRules {
  readonly shapes: Record<string, Rule>;
  readonly document: Rule;
  readonly service: Rule;
}

let shapes: Record<string, Rule> | undefined;

function shapesOf(): Record<string, Rule> {
  if (!shapes) {
    const rules = loadData<ComposeRules>('compose-rules.json');
    shapes = { ...rules.shapes, service: rules.service, document: rules.document };
  }
  return shapes;
}

const SCALARS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  null: (v) => v === null,
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Problems of one value against one rule (`path` is a JSON pointer). Empty when it holds. */
function check(rule: Rule, value: unknown, path: string): string[] {
  if (typeof rule === 'string') {
    const list = /^(list|set)<(.+)>$/.exec(rule);
    if (list) {
      if (!Array.isArray(value)) return [`${path} must be a list, got ${kindOf(value)}`];
      const problems = value.flatMap((item, i) => check(list[2], item, `${path}/${i}`));
      if (list[1] === 'set' && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) problems.push(`${path} must not list an item twice`);
      return problems;
    }
    const map = /^map<(.+)>$/.exec(rule);
    if (map) return check({ map: map[1] }, value, path);
    if (rule.startsWith('enum:')) {
      const allowed = rule.slice(5).split('|');
      return typeof value === 'string' && allowed.includes(value) ? [] : [`${path} must be one of ${allowed.join(', ')}, got ${kindOf(value)}`];
    }
    const named = shapesOf()[rule];
    if (named) return check(named, value, path);
    const types = rule.split('|');
    return types.some((t) => SCALARS[t]?.(value)) ? [] : [`${path} must be ${types.join(' or ')}, got ${kindOf(value)}`];
  }
  if ('oneOf' in rule) {
    const results = rule.oneOf.map((r) => check(r, value, path));
    if (results.some((r) => r.length === 0)) return [];
    // The alternative that got furthest (fewest problems) explains best what is wrong.
    return results.sort((a, b) => a.length - b.length)[0];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path} must be an object, got ${kindOf(value)}`];
  const record = value as Record<string, unknown>;
  if ('map' in rule) {
    const pattern = new RegExp(rule.keyPattern ?? '^.+$');
    return Object.entries(record).filter(([, v]) => v !== undefined).flatMap(([k, v]) => (pattern.test(k) ? check(rule.map, v, `${path}/${k}`) : [`${path} has a key compose does not allow: ${JSON.stringify(k)}`]));
  }
  const problems: string[] = [];
  for (const key of rule.required ?? []) if (!(key in record)) problems.push(`${path} must have ${key}`);
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue; // not written to YAML
    const inner = rule.keys[k];
    if (inner === undefined) problems.push(`${path}/${k} is not a key our compose rules allow (${Object.keys(rule.keys).join(', ')})`);
    else problems.push(...check(inner, v, `${path}/${k}`));
  }
  return problems;
}

/**
 * Checks a compose document with our own rules (no schema file of another project is read
 * at synth). Empty when the document holds.
 */
export function validateComposeSchema(doc: unknown): string[] {
  return check('document', doc, '');
}
