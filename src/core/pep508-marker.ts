import * as pep440 from '@renovatebot/pep440';
// PEP 503 name normalization, for `extra` and the set-valued variables (PEP 685)
import { normalizePackageName } from './names';

/**
 * PEP 508 environment markers: a parser for the grammar of the specification (section
 * "Environment Markers") and an evaluator with the comparison rules of pip's `packaging`
 * library (version comparison for version-valued variables, string comparison otherwise).
 *
 * Grammar, in the specification's words:
 *
 *   marker_op   = version_cmp | 'in' | 'not' wsp+ 'in'
 *   version_cmp = '<=' | '<' | '!=' | '==' | '>=' | '>' | '~=' | '==='
 *   marker_var  = env_var | python_str
 *   marker_expr = marker_var marker_op marker_var | '(' marker ')'
 *   marker_and  = marker_expr 'and' marker_expr | marker_expr
 *   marker_or   = marker_and 'or' marker_and | marker_and
 *
 * where whitespace (space or tab) may stand between any two tokens.
 */

/** The comparison operators of a marker. */
export type MarkerOperator = '===' | '==' | '!=' | '<=' | '<' | '>=' | '>' | '~=' | 'in' | 'not in';

/** One side of a comparison: an environment variable or a quoted string. */
export type MarkerValue =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string };

/** A parsed marker. */
export type MarkerNode =
  | { readonly kind: 'compare'; readonly left: MarkerValue; readonly op: MarkerOperator; readonly right: MarkerValue }
  | { readonly kind: 'and' | 'or'; readonly left: MarkerNode; readonly right: MarkerNode };

/**
 * The values of the marker variables for one target. Set-valued variables (`extras`,
 * `dependency_groups` of lock files) are lists.
 */
export type MarkerEnvironment = Readonly<Record<string, string | readonly string[]>>;

/** The variables PEP 508 defines, in its order. */
export const PEP508_VARIABLES: readonly string[] = [
  'python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system',
  'platform_version', 'platform_machine', 'platform_python_implementation', 'implementation_name',
  'implementation_version', 'extra',
];

/** Variables added after PEP 508 by lock files (PEP 751); their values are sets of names. */
export const SET_VARIABLES: readonly string[] = ['extras', 'dependency_groups'];

/** Variables whose values are versions: `packaging` compares them as PEP 440 versions. */
export const VERSION_VARIABLES: readonly string[] = ['python_version', 'python_full_version', 'platform_release', 'implementation_version'];

/** Dotted names of the pre-PEP 508 era; current pip refuses them. */
const LEGACY_NAMES: Readonly<Record<string, string>> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  'python_implementation': 'platform_python_implementation',
};

/** A marker that does not follow the grammar; `position` is the offset of the fault in the text. */
export class MarkerSyntaxError extends Error {
  constructor(message: string, public readonly position: number) {
    super(message);
    this.name = 'MarkerSyntaxError';
  }
}

/** A marker that cannot be evaluated (a variable missing from the environment, an undefined comparison). */
export class MarkerEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarkerEvaluationError';
  }
}

type Token =
  | { kind: 'string'; value: string; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: '(' | ')' | 'end'; at: number };

// python_str_c of PEP 508: the characters a quoted marker string may hold besides the other quote.
const STRING_CHAR = /[ \tA-Za-z0-9().{}\-_*#:;,/?[\]!~`@$%^&=+|<>]/;
const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_.]/;
const OPERATORS = ['===', '==', '~=', '!=', '<=', '>=', '<', '>'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"' || c === '\'') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new MarkerSyntaxError(`unterminated string starting at offset ${i}`, i);
      const value = text.slice(i + 1, end);
      for (let j = 0; j < value.length; j++) {
        const ch = value[j];
        if (!STRING_CHAR.test(ch) && ch !== (c === '"' ? '\'' : '"')) {
          throw new MarkerSyntaxError(`character ${JSON.stringify(ch)} is not allowed in a marker string`, i + 1 + j);
        }
      }
      tokens.push({ kind: 'string', value, at: i });
      i = end + 1;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j])) j++;
      tokens.push({ kind: 'word', value: text.slice(i, j), at: i });
      i = j;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) throw new MarkerSyntaxError(`unexpected character ${JSON.stringify(c)} at offset ${i}`, i);
      tokens.push({ kind: 'op', value: op, at: i });
      i += op.length;
    }
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  public parse(): MarkerNode {
    if (this.peek().kind === 'end') throw new MarkerSyntaxError('the marker is empty', 0);
    const node = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') throw new MarkerSyntaxError(`expected "and", "or" or the end of the marker at offset ${rest.at}`, rest.at);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private isWord(value: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.value === value;
  }

  private or(): MarkerNode {
    let left = this.and();
    while (this.isWord('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): MarkerNode {
    let left = this.expr();
    while (this.isWord('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.expr() };
    }
    return left;
  }

  private expr(): MarkerNode {
    const t = this.peek();
    if (t.kind === '(') {
      this.pos++;
      const inner = this.or();
      const close = this.peek();
      if (close.kind !== ')') throw new MarkerSyntaxError(`expected ")" at offset ${close.at}`, close.at);
      this.pos++;
      return inner;
    }
    const left = this.value();
    const op = this.operator();
    const right = this.value();
    if (left.kind === right.kind) {
      throw new MarkerSyntaxError(left.kind === 'variable'
        ? `a comparison needs one quoted string, got two variables at offset ${t.at}`
        : `a comparison needs one marker variable, got two strings at offset ${t.at}`, t.at);
    }
    return { kind: 'compare', left, op, right };
  }

  private value(): MarkerValue {
    const t = this.peek();
    if (t.kind === 'string') {
      this.pos++;
      return { kind: 'string', value: t.value };
    }
    if (t.kind === 'word') {
      if (PEP508_VARIABLES.includes(t.value) || SET_VARIABLES.includes(t.value)) {
        this.pos++;
        return { kind: 'variable', name: t.value };
      }
      const modern = LEGACY_NAMES[t.value];
      if (modern) throw new MarkerSyntaxError(`"${t.value}" is a legacy marker name that pip no longer accepts, use "${modern}"`, t.at);
      throw new MarkerSyntaxError(`unknown marker variable "${t.value}" at offset ${t.at}`, t.at);
    }
    if (t.kind === 'end') throw new MarkerSyntaxError('the marker ends where a variable or a quoted string is expected', t.at);
    throw new MarkerSyntaxError(`expected a marker variable or a quoted string at offset ${t.at}`, t.at);
  }

  private operator(): MarkerOperator {
    const t = this.peek();
    if (t.kind === 'op') {
      this.pos++;
      return t.value as MarkerOperator;
    }
    if (this.isWord('in')) {
      this.pos++;
      return 'in';
    }
    if (this.isWord('not')) {
      this.pos++;
      if (!this.isWord('in')) throw new MarkerSyntaxError(`expected "in" after "not" at offset ${this.peek().at}`, this.peek().at);
      this.pos++;
      return 'not in';
    }
    if (t.kind === 'end') throw new MarkerSyntaxError('the marker ends where a comparison operator is expected', t.at);
    throw new MarkerSyntaxError(`expected a comparison operator (==, !=, <, <=, >, >=, ~=, ===, in, not in) at offset ${t.at}`, t.at);
  }
}

/**
 * Parses a PEP 508 marker (the text after `;` of a requirement). Throws `MarkerSyntaxError`
 * with the offset of the fault when the text does not follow the grammar.
 */
export function parseMarker(text: string): MarkerNode {
  return new Parser(tokenize(text)).parse();
}


/** True when `op + rhs` is a valid PEP 440 version specifier. */
function validSpecifier(op: MarkerOperator, rhs: string): boolean {
  if (op === 'in' || op === 'not in') return false;
  if (op === '===') return /^[^\s;)]+$/.test(rhs);
  const wildcard = rhs.endsWith('.*');
  const version = wildcard ? rhs.slice(0, -2) : rhs;
  if (!pep440.valid(version) || version.trim() !== version) return false;
  if (wildcard) return (op === '==' || op === '!=') && !/[+]/.test(version);
  if (op === '~=') return !/[+]/.test(version) && (pep440.parse(version)?.release.length ?? 0) >= 2;
  if (op !== '==' && op !== '!=' && /[+]/.test(version)) return false;
  return true;
}

/** The epoch and release of a version, trailing zeros dropped (so 3.11 and 3.11.0 agree). */
function base(v: NonNullable<ReturnType<typeof pep440.parse>>): string {
  const release = [...v.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  return `${v.epoch}!${release.join('.')}`;
}

function compareVersions(lhs: string, op: MarkerOperator, rhs: string): boolean {
  if (op === '===') return lhs.toLowerCase() === rhs.toLowerCase();
  const have = pep440.parse(lhs);
  if (!have) return false;
  if (op === '<' || op === '>') {
    // PEP 440's exclusive comparisons: "<V" takes no pre-release of V, ">V" no post-release
    // or local version of V, unless V is one itself.
    const spec = pep440.parse(rhs)!;
    const order = pep440.compare(lhs, rhs);
    if (op === '<') return order < 0 && !(!spec.pre && !spec.dev && (have.pre || have.dev) && base(have) === base(spec));
    return order > 0 && !(!spec.post && have.post && base(have) === base(spec))
      && !(have.local && base(have) === base(spec));
  }
  return pep440.satisfies(lhs, `${op}${rhs}`, { prereleases: true });
}

function lookup(env: MarkerEnvironment, name: string): string | readonly string[] {
  const value = env[name];
  if (value === undefined) throw new MarkerEvaluationError(`marker variable "${name}" has no value in the environment`);
  return value;
}

function compare(node: Extract<MarkerNode, { kind: 'compare' }>, env: MarkerEnvironment): boolean {
  const variable = node.left.kind === 'variable' ? node.left.name : (node.right as { name: string }).name;
  const raw = lookup(env, variable);
  const literal = node.left.kind === 'string' ? node.left.value : (node.right as { value: string }).value;
  const op = node.op;
  if (typeof raw !== 'string') {
    // A set-valued variable: only membership of a name makes sense.
    if (node.left.kind !== 'string' || (op !== 'in' && op !== 'not in')) {
      throw new MarkerEvaluationError(`"${variable}" is a set of names: only '"name" in ${variable}' and 'not in' compare with it`);
    }
    const found = raw.map(normalizePackageName).includes(normalizePackageName(literal));
    return op === 'in' ? found : !found;
  }
  let lhs = node.left.kind === 'variable' ? raw : literal;
  let rhs = node.left.kind === 'variable' ? literal : raw;
  if (variable === 'extra') {
    lhs = normalizePackageName(lhs);
    rhs = normalizePackageName(rhs);
  }
  if (VERSION_VARIABLES.includes(variable) && validSpecifier(op, rhs)) return compareVersions(lhs, op, rhs);
  switch (op) {
    case 'in': return rhs.includes(lhs);
    case 'not in': return !rhs.includes(lhs);
    case '==': case '<=': case '>=': return lhs === rhs;
    case '!=': return lhs !== rhs;
    case '<': case '>': return false;
    default: throw new MarkerEvaluationError(`"${op}" is undefined between ${JSON.stringify(lhs)} and ${JSON.stringify(rhs)}`);
  }
}

/**
 * Evaluates a parsed marker in an environment with pip's rules: version-valued variables
 * compare as PEP 440 versions (pre-releases included) when the other side is a valid
 * version; everything else compares as strings, where `<` and `>` are never true and `<=`,
 * `>=` mean equality. `~=` and `===` between strings, and variables missing from the
 * environment, throw `MarkerEvaluationError`.
 */
export function evaluateMarker(node: MarkerNode, env: MarkerEnvironment): boolean {
  switch (node.kind) {
    case 'and': return evaluateMarker(node.left, env) && evaluateMarker(node.right, env);
    case 'or': return evaluateMarker(node.left, env) || evaluateMarker(node.right, env);
    default: return compare(node, env);
  }
}

/**
 * Problems a marker has in a requirement line that pip still parses: comparisons pip cannot
 * evaluate (it stops the install) or that never hold. Empty when the marker is sound.
 */
export function markerLint(node: MarkerNode): string[] {
  if (node.kind !== 'compare') return [...markerLint(node.left), ...markerLint(node.right)];
  const variable = node.left.kind === 'variable' ? node.left.name : (node.right as { name: string }).name;
  const literal = node.left.kind === 'string' ? node.left.value : (node.right as { value: string }).value;
  // With the variable on the right, pip reads the environment's value as the specifier's version.
  const versioned = VERSION_VARIABLES.includes(variable) && (node.left.kind === 'string' || validSpecifier(node.op, literal));
  if (variable === 'extra' || SET_VARIABLES.includes(variable)) {
    return [`"${variable}" has no value in a requirements file (pip would never install the line)`];
  }
  if (versioned || node.op === 'in' || node.op === 'not in' || node.op === '==' || node.op === '!=') return [];
  if (node.op === '~=' || node.op === '===') {
    return [`${variable} ${node.op} ${JSON.stringify(literal)} is not a version comparison pip can evaluate (it stops the install)`];
  }
  return [`${variable} ${node.op} ${JSON.stringify(literal)} compares strings, where pip treats < and > as never true and <= and >= as ==`];
}
