/**
 * The requirement lists of a setup.py, read as text and never run: `install_requires=` and
 * `extras_require=` of its `setup(...)` call, when each is a literal (a list or tuple of strings, a
 * dict of such lists) or the name of a module-level assignment of one. Anything else (a
 * comprehension, a function call, a concatenation, an f-string) is not read, and the reason says
 * which argument, so the adoption reports it instead of guessing.
 */

/** One requirement string of the file, with its line. */
export interface SetupPyRequirement {
  readonly text: string;
  readonly line: number;
}

export interface SetupPyLists {
  /** `install_requires`, when the call gives it as a literal. */
  readonly installRequires?: readonly SetupPyRequirement[];
  /** `extras_require` by extra, when the call gives it as a literal. */
  readonly extrasRequire?: Readonly<Record<string, readonly SetupPyRequirement[]>>;
  /** Why an argument the call has could not be read as a literal. */
  readonly unread: readonly string[];
}

type Token =
  | { readonly kind: 'str'; readonly value: string; readonly line: number; readonly col: number }
  | {
    readonly kind: 'name' | 'op' | 'other';
    readonly value: string;
    readonly line: number;
    readonly col: number;
  };

/** Python's tokens, as far as literals need them; comments and line breaks dropped. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c) || c === '\\') {
      i++;
      continue;
    }
    const col = i - lineStart;
    const prefix = /^([rRuUbBfF]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (prefix) {
      const raw = /[rR]/.test(prefix[1]);
      const literal = !/[fFbB]/.test(prefix[1]);
      const quote = prefix[2];
      const triple = text.startsWith(quote.repeat(3), i + prefix[1].length);
      const end = triple ? quote.repeat(3) : quote;
      let j = i + prefix[1].length + end.length;
      let value = '';
      const startLine = line;
      while (j < text.length && !text.startsWith(end, j)) {
        if (text[j] === '\n') {
          if (!triple) break;
          line++;
          lineStart = j + 1;
        }
        if (text[j] === '\\' && !raw && j + 1 < text.length) {
          const next = text[j + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === '\n' ? '' : next;
          if (next === '\n') {
            line++;
            lineStart = j + 2;
          }
          j += 2;
          continue;
        }
        value += text[j];
        j++;
      }
      j += end.length;
      // an f-string or bytes is an expression or another type: never a requirement string
      out.push(literal ? { kind: 'str', value, line: startLine, col }
        : { kind: 'other', value: 'string', line: startLine, col });
      i = j;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
    if (name) {
      out.push({ kind: 'name', value: name[0], line, col });
      i += name[0].length;
      continue;
    }
    out.push({ kind: /[[\](){},:=]/.test(c) ? 'op' : 'other', value: c, line, col });
    i++;
  }
  return out;
}

type Literal = SetupPyRequirement[] | Map<string, SetupPyRequirement[]>;

/** A literal from `at`: its value and the index after it, or undefined when it is not one. */
function literalAt(tokens: readonly Token[], at: number): { value: Literal; next: number } | undefined {
  const open = tokens[at];
  if (open?.kind !== 'op') return undefined;
  if (open.value === '[' || open.value === '(') {
    const close = open.value === '[' ? ']' : ')';
    const items: SetupPyRequirement[] = [];
    let i = at + 1;
    while (tokens[i] && !(tokens[i].kind === 'op' && tokens[i].value === close)) {
      const s = stringAt(tokens, i);
      if (!s) return undefined;
      items.push(s.value);
      i = s.next;
      if (tokens[i]?.kind === 'op' && tokens[i].value === ',') i++;
      else if (!(tokens[i]?.kind === 'op' && tokens[i].value === close)) return undefined;
    }
    return tokens[i] ? { value: items, next: i + 1 } : undefined;
  }
  if (open.value === '{') {
    const map = new Map<string, SetupPyRequirement[]>();
    let i = at + 1;
    while (tokens[i] && !(tokens[i].kind === 'op' && tokens[i].value === '}')) {
      const key = stringAt(tokens, i);
      if (!key || tokens[key.next]?.value !== ':') return undefined;
      const list = literalAt(tokens, key.next + 1);
      if (!list || !Array.isArray(list.value)) return undefined;
      map.set(key.value.text, list.value);
      i = list.next;
      if (tokens[i]?.kind === 'op' && tokens[i].value === ',') i++;
      else if (!(tokens[i]?.kind === 'op' && tokens[i].value === '}')) return undefined;
    }
    return tokens[i] ? { value: map, next: i + 1 } : undefined;
  }
  return undefined;
}

/** A string, adjacent literals joined as Python joins them. */
function stringAt(
  tokens: readonly Token[], at: number,
): { value: SetupPyRequirement; next: number } | undefined {
  const first = tokens[at];
  if (first?.kind !== 'str') return undefined;
  let text = first.value;
  let i = at + 1;
  while (tokens[i]?.kind === 'str') text += tokens[i++].value;
  return { value: { text, line: first.line }, next: i };
}

/** The token after a balanced expression from `at` (to the next `,` or `)` at its depth). */
function skipExpression(tokens: readonly Token[], at: number): number {
  let depth = 0;
  let i = at;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'op') continue;
    if ('([{'.includes(t.value)) {
      depth++;
    } else if (')]}'.includes(t.value)) {
      if (depth === 0) return i;
      depth--;
    } else if (t.value === ',' && depth === 0) {
      return i;
    }
  }
  return i;
}

const ARGUMENTS = ['install_requires', 'extras_require'] as const;

/** Reads the requirement lists of a setup.py's `setup(...)` call (see the file's header). */
export function readSetupPyLists(text: string, file = 'setup.py'): SetupPyLists {
  const tokens = tokenize(text);
  // module-level assignments `NAME = <literal>` (at column 0); a later one replaces an earlier one
  const assigned = new Map<string, Literal | undefined>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'name' && t.col === 0 && tokens[i + 1].value === '=' && tokens[i + 1].kind === 'op') {
      const value = literalAt(tokens, i + 2);
      const next = value ? value.next : skipExpression(tokens, i + 2);
      // `NAME = [...] + other` is not a literal
      const whole = value && !(tokens[next]?.kind === 'other' || tokens[next]?.kind === 'str');
      assigned.set(t.value, whole ? value!.value : undefined);
    }
  }
  const call = tokens.findIndex((t, i) => t.kind === 'name' && t.value === 'setup'
    && tokens[i + 1]?.value === '(' && tokens[i - 1]?.value !== 'def' && tokens[i - 1]?.value !== '.');
  if (call < 0) return { unread: [] };
  const found: Partial<Record<(typeof ARGUMENTS)[number], Literal>> = {};
  const unread: string[] = [];
  let i = call + 2;
  while (i < tokens.length && tokens[i].value !== ')') {
    const keyword = tokens[i].kind === 'name' && tokens[i + 1]?.value === '=' ? tokens[i].value : undefined;
    const start = keyword ? i + 2 : i;
    const end = skipExpression(tokens, start);
    const argument = ARGUMENTS.find((a) => a === keyword);
    if (argument) {
      const literal = literalAt(tokens, start);
      const named = end === start + 1 && tokens[start].kind === 'name';
      const byName = named ? assigned.get(tokens[start].value) : undefined;
      const value = literal && literal.next === end ? literal.value : byName;
      const shape = argument === 'install_requires' ? Array.isArray(value) : value instanceof Map;
      if (value !== undefined && shape) {
        found[argument] = value;
      } else {
        unread.push(`${file}:${tokens[i].line}: ${argument} is not a literal ${
          argument === 'install_requires' ? 'list of strings' : 'dict of lists of strings'}`);
      }
    }
    i = tokens[end]?.value === ',' ? end + 1 : end;
  }
  const extras = found.extras_require as Map<string, SetupPyRequirement[]> | undefined;
  return {
    ...(found.install_requires ? { installRequires: found.install_requires as SetupPyRequirement[] } : {}),
    ...(extras ? { extrasRequire: Object.fromEntries(extras) } : {}),
    unread,
  };
}
