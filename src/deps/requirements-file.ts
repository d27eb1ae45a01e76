import { isAbsolute } from 'path';
import { CompiledBy, compiledFor, fitsPython } from './compiled-header';
import { joinRelative, ProjectFiles } from './files';
import { Problems } from '../core/problems';
import { LINE_BREAKS, parseRequirementText, Requirement, RequirementSyntaxError } from '../core/requirement-grammar';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';

/** One requirement read from a pip requirement file. */
export interface FileRequirement {
  readonly req: Requirement;
  /** The sha256 hashes of its `--hash` options, lowercase hex, in the order written. */
  readonly hashes: string[];
  /** The project-relative file and the (first) line it stands on. */
  readonly file: string;
  readonly line: number;
  /** The requirement text as written (continuations joined). */
  readonly text: string;
}

/** The requirements and constraints of a requirement file and everything it includes. */
export interface RequirementFileContent {
  readonly requirements: FileRequirement[];
  readonly constraints: FileRequirement[];
}

const SOURCE_OPTIONS = ['-i', '--index-url', '--extra-index-url', '--no-index', '-f', '--find-links', '--trusted-host'];
const SUGGEST_INDEX = 'no index options in requirement files: indexes are build args (pip.conf or PIP_INDEX_URL at build), the files list packages only';
const SUGGEST_DIRECT = 'a requirement from the package index such as "name==1.2.3"; direct references bypass the index and the hashes (publish the package to an index, install it from `sources` with installProject, or set allowDirectReferences)';
const SUGGEST_NAMED = 'a requirement from the package index such as "name==1.2.3", or with allowDirectReferences a named https reference such as "name @ https://host/name-1.0.tar.gz"';

// What Python's `str.isspace` calls whitespace: pip's regular expressions and `str.strip` use it.
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
// pip's COMMENT_RE: "#" at the start of a line or after whitespace starts a comment
const COMMENT = new RegExp(`(^|${PY_SPACE}+)#.*$`);
const COMMENT_AT_START = new RegExp(`^(${PY_SPACE}+)?#`);
const STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/**
 * pip's `preprocess` of a requirement file: `str.splitlines` (every Unicode line break, see
 * LINE_BREAKS), `join_lines` (a line ending in a backslash joins the next, unless it is a
 * comment; backslashes at both ends of a joined line are dropped, as `str.strip("\\")` does),
 * then `ignore_comments` (the comment removed, the line stripped of Python's whitespace, empty
 * lines dropped). Each logical line keeps the number of its first physical line.
 */
export function logicalLines(text: string): Array<{ line: number; text: string }> {
  const lines = text.split(LINE_BREAKS);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const joined: Array<{ line: number; text: string }> = [];
  let pending: string[] = [];
  let first = 0;
  lines.forEach((raw, i) => {
    const isComment = COMMENT_AT_START.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      const line = isComment ? ` ${raw}` : raw;
      if (pending.length) {
        pending.push(line);
        joined.push({ line: first, text: pending.join('') });
        pending = [];
      } else {
        joined.push({ line: i + 1, text: line });
      }
    } else {
      if (!pending.length) first = i + 1;
      pending.push(raw.replace(/^\\+|\\+$/g, ''));
    }
  });
  if (pending.length) joined.push({ line: first, text: pending.join('') });
  return joined
    .map(({ line, text: t }) => ({ line, text: t.replace(COMMENT, '').replace(STRIP, '') }))
    .filter((l) => l.text !== '');
}

/**
 * pip's `break_args_options`: the words (split at single spaces) up to the first one starting
 * with "-" are the requirement; the rest are options, which pip splits with `shlex` (quotes
 * taken away). Undefined options when their quotes do not close.
 */
function splitArgsOptions(line: string): { args: string; options: string[] | undefined } {
  const tokens = line.split(' ');
  const at = tokens.findIndex((t) => t.startsWith('-'));
  if (at < 0) return { args: tokens.join(' '), options: [] };
  return { args: tokens.slice(0, at).join(' '), options: shlexSplit(tokens.slice(at).join(' ')) };
}

/**
 * Python's `shlex.split` (POSIX mode, no comments): words at spaces, tabs and line feeds; quotes and
 * backslashes.
 */
function shlexSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (' \t\r\n'.includes(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '\'') {
      const end = text.indexOf('\'', i + 1);
      if (end < 0) return undefined;
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let inner = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '"\\$`\n'.includes(text[j + 1] ?? '')) j++;
        inner += text[j];
      }
      if (j >= text.length) return undefined;
      word = (word ?? '') + inner;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return undefined;
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Options of a line, `--name=value` or `--name value` (or `-rfile`), as pairs. */
function optionPairs(words: string[]): Array<{ name: string; value?: string }> {
  const out: Array<{ name: string; value?: string }> = [];
  const takesValue = new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '--hash', ...SOURCE_OPTIONS.filter((o) => o !== '--no-index'),
    '--config-settings', '--global-option', '--install-option', '--no-binary', '--only-binary', '--use-feature']);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.indexOf('=');
    if (w.startsWith('--') && eq > 0) {
      out.push({ name: w.slice(0, eq), value: w.slice(eq + 1) });
    } else if (/^-[rcefi]./.test(w)) {
      out.push({ name: w.slice(0, 2), value: w.slice(2) });
    } else if (takesValue.has(w)) {
      out.push({ name: w, value: words[i + 1] });
      i++;
    } else {
      out.push({ name: w });
    }
  }
  return out;
}

/**
 * Reads pip requirement files with pip's grammar: comments, blank lines, `\` continuations,
 * `-r`/`-c` includes relative to the including file, requirements with extras, specifiers and
 * markers, per-line `--hash` options. Refuses what would make the image depend on something
 * else than the files say: index options, direct references, editable installs, environment
 * variables; anything else not understood is an error naming file, line and text.
 */
export class RequirementFileReader {
  private readonly visiting: string[] = [];

  /**
   * @param python the image's exact Python (`3.13.1`): a compiled file whose header names another
   *   Python (see `compiledFor`) is refused; unset, headers are not read
   */
  constructor(
    private readonly files: ProjectFiles,
    private readonly problems: Problems,
    private readonly allowDirect = false,
    private readonly python?: string,
  ) {}

  /** Reads one file given in the props (`field` names the prop) and its includes. */
  public read(field: string, path: string): RequirementFileContent {
    const content: RequirementFileContent = { requirements: [], constraints: [] };
    const rel = this.files.checkPath(field, path);
    if (rel !== undefined) this.readFile(field, rel, false, content);
    return content;
  }

  /**
   * Reads lines that stand in another file (a cog.yaml's `python_packages`), each one logical
   * line of `file` at its own line number; includes are relative to `file`.
   */
  public readLines(
    file: string, lines: ReadonlyArray<{ readonly line: number; readonly text: string }>,
  ): RequirementFileContent {
    const content: RequirementFileContent = { requirements: [], constraints: [] };
    for (const { line, text } of lines) {
      for (const logical of logicalLines(text)) this.readLine(file, line, logical.text, false, content);
    }
    return content;
  }

  private readFile(field: string, rel: string, asConstraint: boolean, content: RequirementFileContent): void {
    if (this.visiting.includes(rel)) {
      this.problems.add(`${field} includes itself`, [...this.visiting, rel].join(' -> '), 'requirement files that do not include each other in a cycle');
      return;
    }
    const text = this.files.read(field, rel);
    if (text === undefined) return;
    this.checkCompiledFor(field, rel, text);
    this.visiting.push(rel);
    for (const { line, text: logical } of logicalLines(text)) {
      this.readLine(rel, line, logical, asConstraint, content);
    }
    this.visiting.pop();
  }

  /**
   * A compiled file made for another Python: its markers were evaluated for that one, so it does not fit the
   * image.
   */
  private checkCompiledFor(field: string, rel: string, text: string): void {
    if (this.python === undefined) return;
    const header = compiledFor(text);
    if (header === undefined || fitsPython(header, this.python)) return;
    const [major, minor] = this.python.split('.');
    const wanted = `${major}.${minor}`;
    const again = header.tool === CompiledBy.UV
      ? `run uv pip compile again with --python-version ${wanted}${header.universal ? ' (or lower, with --universal)' : ''}`
      : `run pip-compile again under python ${wanted}`;
    this.problems.add(`${field}: ${rel} was compiled for python ${header.python}${header.universal ? ' and later' : ''} (${rel}:${header.line} "${header.text}"), `
      + `whose markers ${header.tool} evaluated for that python, but the image runs python ${this.python}`, header.python,
    `a file compiled for python ${wanted} (${again}), or pythonVersion "${header.python}" on the service or the project`);
  }

  private fail(file: string, line: number, what: string, text: string, expected: string): void {
    this.problems.add(`${file}:${line} ${what}`, text, expected);
  }

  private readLine(
    file: string, line: number, text: string, asConstraint: boolean, content: RequirementFileContent,
  ): void {
    // first: every other refusal below shows the line
    const credential = urlCredentialKind(text);
    if (credential) {
      this.problems.addRaw(`${file}:${line} has ${credential}`, '(value hidden)', URL_CREDENTIALS_EXPECTED);
      return;
    }
    if (/\$\{[A-Za-z0-9_]+\}/.test(text)) {
      this.fail(file, line, 'uses an environment variable', text, 'literal text (the files are read at synth, where build-time variables have no value)');
      return;
    }
    const { args, options } = splitArgsOptions(text);
    if (options === undefined) {
      this.fail(file, line, 'has a quote that does not close', text, 'options as pip reads them with shlex');
      return;
    }
    const pairs = optionPairs(options);
    if (args === '') {
      this.readOptionLine(file, line, text, pairs, asConstraint, content);
      return;
    }
    const hashes: string[] = [];
    for (const { name, value } of pairs) {
      if (name === '--hash') {
        const m = /^sha256:([0-9a-fA-F]{64})$/.exec(value ?? '');
        if (!m) {
          this.fail(file, line, 'has a hash that is not sha256', text, '--hash=sha256:<64 hex digits> (pip accepts other algorithms, this library checks sha256 only)');
          return;
        }
        hashes.push(m[1].toLowerCase());
      } else if (SOURCE_OPTIONS.includes(name)) {
        this.fail(file, line, `sets ${name}`, text, SUGGEST_INDEX);
        return;
      } else {
        this.fail(file, line, `has the per-requirement option ${name}, which is not supported`, text, 'a requirement followed by --hash=sha256:... options only');
        return;
      }
    }
    const looksLikePath = /^(\.{0,2}\/|file:|[A-Za-z][A-Za-z0-9+.-]*:\/\/)/.test(args) || /^[^@]*\.(whl|tar\.gz|zip)$/.test(args);
    if (looksLikePath) {
      this.fail(file, line, 'is a url or a local path, not a requirement', text, this.allowDirect ? SUGGEST_NAMED : SUGGEST_DIRECT);
      return;
    }
    let req: Requirement;
    try {
      req = parseRequirementText(args);
    } catch (e) {
      if (!(e instanceof RequirementSyntaxError)) throw e;
      this.fail(file, line, `is not a requirement pip reads the same way (${e.message})`, text,
        'a pep 508 requirement such as \'numpy>=1.26,<3; python_version >= "3.10"\'');
      return;
    }
    if (req.url !== undefined && !(this.allowDirect && /^(git\+)?https:\/\//.test(req.url))) {
      this.fail(file, line, 'is a direct reference', text, this.allowDirect ? SUGGEST_NAMED : SUGGEST_DIRECT);
      return;
    }
    // shown in messages and docs as words, one space apart
    const entry: FileRequirement = { req, hashes, file, line, text: args.split(/\s+/).filter((w) => w !== '').join(' ') };
    (asConstraint ? content.constraints : content.requirements).push(entry);
  }

  private readOptionLine(
    file: string, line: number, text: string, pairs: Array<{ name: string; value?: string }>,
    asConstraint: boolean, content: RequirementFileContent,
  ): void {
    const source = pairs.find((p) => SOURCE_OPTIONS.includes(p.name));
    if (source) {
      this.fail(file, line, `sets ${source.name}`, text, SUGGEST_INDEX);
      return;
    }
    if (pairs.length !== 1 && !pairs.every((p) => p.name === '--require-hashes')) {
      this.fail(file, line, 'has more than one option', text, 'one option per line');
      return;
    }
    const { name, value } = pairs[0];
    if (SOURCE_OPTIONS.includes(name)) {
      this.fail(file, line, `sets ${name}`, text, SUGGEST_INDEX);
      return;
    }
    if (name === '-e' || name === '--editable') {
      this.fail(file, line, 'is an editable install', text, this.allowDirect ? SUGGEST_NAMED : SUGGEST_DIRECT);
      return;
    }
    if (name === '--require-hashes') return; // locked files are always installed with it
    const include = name === '-r' || name === '--requirement' ? 'r' : name === '-c' || name === '--constraint' ? 'c' : undefined;
    if (!include) {
      this.fail(file, line, `has the option ${name}, which is not supported`, text,
        'requirements, -r/-c includes, --hash and --require-hashes (install options are set by the generated Dockerfile)');
      return;
    }
    if (value === undefined || value === '') {
      this.fail(file, line, `has ${name} without a file`, text, `${name} <file>`);
      return;
    }
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
      this.fail(file, line, 'includes a url', text, 'a file of the project (files are read at synth, never fetched)');
      return;
    }
    const target = joinRelative(file, value);
    if (isAbsolute(value) || target === '..' || target.startsWith('../')) {
      this.fail(file, line, 'includes a file outside the project', text, 'a file inside the project, relative to the including file');
      return;
    }
    this.readFile(`${file}:${line} ${name} ${value}`, target, asConstraint || include === 'c', content);
  }
}
