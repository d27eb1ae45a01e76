/**
 * Shell command lines as adoption reads them (a shell-form `CMD`, a line of an entrypoint
 * script, a README command): split into words the way `sh` would, with variables expanded
 * from the defaults the files give. Anything beyond plain words (pipes, `&&`, `$(...)`,
 * redirections, a variable without a known value) makes the line unreadable rather than
 * guessed. Pure.
 */

/** A line split into words. */
export interface ShellLine {
  /** `NAME=value` words before the command (an environment for it). */
  readonly env: Readonly<Record<string, string>>;
  /** The command and its arguments, `exec` dropped. */
  readonly words: string[];
}

/** Why a line could not be read. */
export interface ShellUnreadable {
  readonly unreadable: string;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * Splits one command line. `vars` gives the values of variables (the defaults of the script or
 * the Dockerfile's `ENV`/`ARG`); a variable without one makes the line unreadable.
 */
export function shellWords(
  line: string,
  vars: Readonly<Record<string, string>> = {},
): ShellLine | ShellUnreadable {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const text = line.replace(/\\\r?\n/g, ' ');
  const expand = (quoted: boolean): string | ShellUnreadable => {
    // text[i] is "$"
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}/.exec(text.slice(i));
    const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    const m = braced ?? plain;
    if (!m) {
      if (text[i + 1] === '(' || text[i + 1] === '{') {
        return {
          unreadable: 'a command or parameter '
        + 'substitution',
        };
      }
      i++;
      return '$';
    }
    i += m[0].length;
    const known = Object.prototype.hasOwnProperty.call(vars, m[1]) ? vars[m[1]] : undefined;
    if (braced && braced[2] !== undefined) {
      const useDefault = known === undefined || (braced[2].startsWith(':') && known === '');
      if (!useDefault) return known!;
      const inner = shellWords(braced[3], vars);
      if ('unreadable' in inner) return inner;
      return inner.words.join(' ');
    }
    if (known === undefined) {
      // an environment word before the command (`PYTHONPATH=./:$PYTHONPATH python ...`) may name
      // variables of the caller's shell: they matter to that word only
      if (ASSIGNMENT.test(word) && words.every((w) => ASSIGNMENT.test(w))) return '';
      return { unreadable: `the variable ${m[1]} has no value the files give` };
    }
    void quoted;
    return known;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { unreadable: 'an unclosed quote' };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '$`"\\'.includes(text[i + 1])) {
          word += text[i + 1];
          i += 2;
        } else if (d === '$') {
          const v = expand(true);
          if (typeof v !== 'string') return v;
          word += v;
        } else if (d === '`') {
          return { unreadable: 'a command substitution' };
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) return { unreadable: 'an unclosed quote' };
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === '$') {
      const v = expand(false);
      if (typeof v !== 'string') return v;
      // an unquoted expansion splits into words
      const parts = v.split(/[ \t]+/);
      word += parts[0];
      inWord = inWord || parts[0] !== '' || parts.length > 1;
      for (const p of parts.slice(1)) {
        if (inWord) words.push(word);
        word = p;
        inWord = p !== '';
      }
    } else if ('|&;<>()`'.includes(c) || (c === '#' && !inWord)) {
      if (c === '#') break;
      return { unreadable: `the shell operator ${JSON.stringify(c)}` };
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  const env: Record<string, string> = {};
  while (words.length > 0 && ASSIGNMENT.test(words[0])) {
    const m = ASSIGNMENT.exec(words[0])!;
    env[m[1]] = words.shift()!.slice(m[0].length);
  }
  while (words[0] === 'exec' || words[0] === 'command' || words[0] === 'nohup') words.shift();
  return { env, words };
}

/** Logical lines of a script or a block: continuations joined, each with its first line number (1-based). */
export function logicalLines(text: string): Array<{ readonly line: number; readonly text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let joined = raw[i];
    while (/\\$/.test(joined) && i + 1 < raw.length) {
      joined = `${joined.slice(0, -1)} ${raw[++i]}`;
    }
    out.push({ line: start + 1, text: joined });
  }
  return out;
}

/**
 * The defaults a script gives its variables before its command: `X=${X:-v}`, `X=v`,
 * `export X=v`, `: "${X:=v}"`. Later lines win, as in the shell.
 */
export function scriptDefaults(
  text: string,
  vars: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...vars };
  for (const { text: line } of logicalLines(text)) {
    const trimmed = line.trim().replace(/^export\s+/, '');
    const colon = /^:\s+"?\$\{([A-Za-z_][A-Za-z0-9_]*):?=([^}]*)\}"?\s*$/.exec(trimmed);
    if (colon) {
      if (out[colon[1]] === undefined || out[colon[1]] === '') out[colon[1]] = colon[2];
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$/.exec(trimmed);
    if (!m) continue;
    const value = shellWords(m[2], out);
    if (!('unreadable' in value) && value.words.length <= 1) out[m[1]] = value.words[0] ?? '';
  }
  return out;
}
