/**
 * Text read from a repository written into `.projenrc.ts`: as a string literal that means
 * exactly that text and nothing else, or as a comment that cannot end early. Pure.
 *
 * A Dockerfile's `CMD`, a compose command or a README line can hold anything: quotes,
 * backslashes, backticks, `${`, `*\/`, line breaks of every kind (including U+2028 and U+2029,
 * which end a line in JavaScript source), bidirectional controls that make code read
 * differently than it runs. None of it may become code.
 */

/** Characters written as escapes in a literal and replaced in a comment: they break lines or hide text. */
const UNSAFE = new RegExp([
  // C0 and C1 controls, soft hyphen, Arabic letter mark, Mongolian vowel separator, zero widths, marks
  '[\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f',
  // line and paragraph separators, bidirectional embeddings and isolates, invisible operators, BOM, specials
  '\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]',
  // lone surrogates
  '|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
].join(''), 'g');

/** A TypeScript string literal (single-quoted) whose value is exactly `text`. */
export function tsString(text: string): string {
  const body = text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(UNSAFE, (c) => {
      switch (c) {
        case '\n':
          return '\\n';
        case '\r':
          return '\\r';
        case '\t':
          return '\\t';
        default:
          return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      }
    });
  return `'${body}'`;
}

/** A list of strings as a TypeScript array literal. */
export function tsStringList(items: readonly string[]): string {
  return `[${items.map(tsString).join(', ')}]`;
}

/** A property key: bare when it is an identifier, else quoted. */
export function tsKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}

/** How long one value may run in a comment before it is cut. */
const COMMENT_VALUE_MAX = 160;

/**
 * Text from a repository made safe inside a `//` comment: one line (every kind of line break
 * and control becomes a space, so nothing after it can become code), invisible and
 * bidirectional characters shown as `\uXXXX`, cut at a readable length.
 */
export function commentText(text: string, max = COMMENT_VALUE_MAX): string {
  const one = text
    .replace(/\r\n|[\n\r\u0085\u2028\u2029\u000b\u000c]/g, ' ')
    .replace(UNSAFE, (c) => (c === '\t' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** Comment lines (`// ...`) wrapped at a width, each made safe. */
export function commentLines(text: string, indent = '', width = 104): string[] {
  const words = commentText(text, 4000)
    .split(' ')
    .filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent.length + 3 + line.length + 1 + word.length > width) {
      lines.push(`${indent}// ${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(`${indent}// ${line}`);
  return lines;
}
