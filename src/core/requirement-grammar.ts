import * as pep440 from '@renovatebot/pep440';
import { normalizePackageName } from './names';
import {
  MarkerEnvironment, MarkerEvaluationError, markerLint, MarkerNode, MarkerSyntaxError, evaluateMarker,
  parseMarker,
} from './pep508-marker';

/**
 * The one grammar of a requirement line, shared by the typed lists, every dependency-file reader
 * and the entry check's import-name lookup: PEP 508 names, extras, version specifiers (PEP 440)
 * and markers, the sha256 hashes of pip's `--hash` option, and the rules by which pip reads a
 * line of a requirement file (its `req_file` module: line breaks, `\` continuations, comments,
 * `${VAR}` expansion, options). No other module of `src/` parses requirement text or versions:
 * the dependency rules (`.dependency-cruiser.js`) keep the PEP 440 library and the marker parser
 * inside `core/`, and the other rooms reach them through this module.
 */

export { MarkerEvaluationError, MarkerSyntaxError, evaluateMarker, markerLint, parseMarker };
export type { MarkerEnvironment, MarkerNode };

/** PEP 508's name (and extra name) pattern, from the specification's section "Names". */
export const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/**
 * Every character Python's `str.splitlines` splits at, which is how pip reads a requirement
 * file: a line feed, a carriage return, the vertical tab and form feed, the file, group and
 * record separators (U+001C-U+001E), NEXT LINE (U+0085), and the line and paragraph
 * separators (U+2028, U+2029).
 */
export const LINE_BREAK = /[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

/** `LINE_BREAK` as a splitter, with `\r\n` as one break. */
export const LINE_BREAKS = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

/**
 * The text of an arbitrary-equality version (`===`): printable ASCII, one word. packaging reads
 * it as `[^\s;)]*` (Unicode whitespace); a comma would start another clause, a backslash join
 * lines; anything outside ASCII could be a line break or a space to one reader and not another.
 */
const ARBITRARY = /^[!-~]+$/;
const ARBITRARY_FORBIDDEN = /[;),\\]/;

/** A sha256 digest as pip's `--hash=sha256:` takes it (we write it lowercase). */
export const SHA256 = /^[0-9a-f]{64}$/;

/** One PEP 508 requirement: name, extras, version specifier, marker, or a direct reference. */
export interface Requirement {
  /** The name as written. */
  readonly name: string;
  /** PEP 503 normalized name, the identity of a package. */
  readonly key: string;
  readonly extras: string[];
  /** Specifier clauses such as `>=1.2` and `<2`, without spaces; empty when unconstrained. */
  readonly clauses: string[];
  /** The marker text after `;`, trimmed, when there is one. */
  readonly markerText?: string;
  readonly marker?: MarkerNode;
  /** The URL of `name @ url`. */
  readonly url?: string;
}

const CLAUSE = /^(===|==|~=|!=|<=|>=|<|>)\s*(\S+)$/;

/** Thrown by `parseRequirementText`; the message is lowercase and names the fault. */
export class RequirementSyntaxError extends Error {}

/** Whether a text is a PEP 440 version, as written (no space anywhere in it). */
export function isVersion(text: string): boolean {
  return pep440.valid(text) !== null && /^[!-~]+$/.test(text);
}

/** PEP 440 order of two versions (for sorting). */
export function compareVersions(a: string, b: string): number {
  return pep440.compare(a, b);
}

/** Whether two versions are the same release under PEP 440 (`1.5` and `1.5.0`). */
export function sameVersion(a: string, b: string): boolean {
  return pep440.eq(a, b);
}

/** The release numbers of a version (`2.5.1` -> [2, 5, 1]), undefined when it is not one. */
export function releaseOf(version: string): number[] | undefined {
  const parsed = pep440.parse(version);
  return parsed ? [...parsed.release] : undefined;
}

/** Checks one specifier clause such as `>=1.2`, `==1.*`, `===foo`; returns the clause without spaces. */
export function checkClause(text: string): string {
  const m = CLAUSE.exec(text.trim());
  if (!m) {
    throw new RequirementSyntaxError(`"${text.trim()}" is not a version specifier (an operator such as >= followed by a version)`);
  }
  const [, op, version] = m;
  if (op === '===') {
    if (!ARBITRARY.test(version) || ARBITRARY_FORBIDDEN.test(version)) {
      throw new RequirementSyntaxError(`"===${version}" is not one word of printable ascii text `
        + '(=== takes a version as text, without spaces, line breaks, control characters, ";", ")", "," or "\\")');
    }
    return `${op}${version}`;
  }
  const wildcard = version.endsWith('.*');
  const plain = wildcard ? version.slice(0, -2) : version;
  if (!isVersion(plain)) throw new RequirementSyntaxError(`"${version}" is not a pep 440 version`);
  if (wildcard && op !== '==' && op !== '!=') {
    throw new RequirementSyntaxError(`"${op}${version}": only == and != take a ".*" version`);
  }
  if (op === '~=' && (pep440.parse(plain)?.release.length ?? 0) < 2) {
    throw new RequirementSyntaxError(`"~=${version}" needs at least two release numbers`);
  }
  return `${op}${version}`;
}

/** Splits a specifier (`>=1,<2`, `(>=1,<2)`) into checked clauses. */
export function parseSpecifier(text: string): string[] {
  let spec = text.trim();
  const paren = /^\((.*)\)$/.exec(spec);
  if (paren) spec = paren[1].trim();
  if (spec === '') return [];
  return spec.split(',').map(checkClause);
}

/**
 * Parses a PEP 508 requirement. Throws `RequirementSyntaxError` for text that is not one
 * (the caller adds the file and line).
 */
export function parseRequirementText(text: string): Requirement {
  const trimmed = text.trim();
  if (LINE_BREAK.test(trimmed)) throw new RequirementSyntaxError('it has a line break');
  const odd = /[^\t\x20-\x7e]/.exec(trimmed);
  if (odd) {
    const code = `U+${odd[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new RequirementSyntaxError(`it has the character ${code} at column ${odd.index + 1}, `
      + 'outside printable ascii (names, versions and markers are ascii; pip splits and compares them as such)');
  }
  let body = trimmed;
  let markerText: string | undefined;
  let url: string | undefined;
  const at = /^([^@;]*)@(.*)$/.exec(trimmed);
  if (at) {
    body = at[1];
    // in `name @ url ; marker` the marker follows whitespace and a semicolon
    const rest = at[2].trim();
    const semi = /\s;/.exec(rest);
    url = (semi ? rest.slice(0, semi.index) : rest).trim();
    if (semi) markerText = rest.slice(semi.index + 2).trim();
  } else {
    const semi = trimmed.indexOf(';');
    if (semi >= 0) {
      body = trimmed.slice(0, semi);
      markerText = trimmed.slice(semi + 1).trim();
    }
  }
  const m = /^\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?\s*(.*?)\s*$/.exec(body);
  if (!m || !NAME.test(m[1])) throw new RequirementSyntaxError('it does not start with a package name');
  const [, name, extrasRaw, rest] = m;
  const extras = extrasRaw === undefined || extrasRaw.trim() === '' ? [] : extrasRaw.split(',').map((e) => e.trim());
  const badExtra = extras.find((e) => !NAME.test(e));
  if (badExtra !== undefined) throw new RequirementSyntaxError(`"${badExtra}" is not a valid extra name`);
  if (url !== undefined && rest !== '') throw new RequirementSyntaxError('a direct reference takes no version specifier');
  if (url !== undefined && url === '') throw new RequirementSyntaxError('"@" is not followed by a url');
  const clauses = url === undefined ? parseSpecifier(rest) : [];
  let marker: MarkerNode | undefined;
  if (markerText !== undefined) {
    try {
      marker = parseMarker(markerText);
    } catch (e) {
      if (e instanceof MarkerSyntaxError) throw new RequirementSyntaxError(`invalid environment marker (${e.message})`);
      throw e;
    }
  }
  return { name, key: normalizePackageName(name), extras, clauses, markerText, marker, url };
}

/** The exact version of a requirement pinned with one `==V` (no wildcard) or `===V` clause. */
export function exactPin(req: Pick<Requirement, 'clauses'>): string | undefined {
  if (req.clauses.length !== 1) return undefined;
  const m = /^(===|==)(.+)$/.exec(req.clauses[0]);
  if (!m || m[2].endsWith('.*')) return undefined;
  return m[2];
}

/**
 * Whether two requirements ask for the same thing under any spelling (`Scikit_Learn==1.5.2`
 * and `scikit-learn==1.5.2`): the same package, url and extras (names normalized), and the same
 * versions (exact pins compared as pep 440 versions, `1.5` and `1.5.0` alike; other
 * specifiers as the same set of clauses). pip takes such a repeat as one requirement.
 */
export function sameRequirement(a: Requirement, b: Requirement): boolean {
  if (a.key !== b.key || a.url !== b.url || extrasKey(a) !== extrasKey(b)) return false;
  const pinA = exactPin(a);
  const pinB = exactPin(b);
  if (pinA !== undefined && pinB !== undefined) {
    const arbitrary = a.clauses[0].startsWith('===');
    if (arbitrary !== b.clauses[0].startsWith('===')) return false;
    return arbitrary ? pinA.toLowerCase() === pinB.toLowerCase() : pep440.eq(pinA, pinB);
  }
  return [...new Set(a.clauses)].sort().join(',') === [...new Set(b.clauses)].sort().join(',');
}

/** A requirement's extras as one comparable key: normalized, sorted, each once. */
export function extrasKey(req: Pick<Requirement, 'extras'>): string {
  return [...new Set(req.extras.map(normalizePackageName))].sort().join(',');
}

/** True when `version` satisfies every clause (pre-releases admitted: a lock may pin one). */
export function satisfiesClauses(version: string, clauses: readonly string[]): boolean {
  return clauses.every((clause) => {
    if (clause.startsWith('===')) return clause.slice(3).toLowerCase() === version.toLowerCase();
    // a text that is no version satisfies no range (the library would throw on it)
    return pep440.valid(version) !== null && pep440.satisfies(version, clause, { prereleases: true });
  });
}

/** True when `version` lies in a range written as one specifier text (`>=3.10, <4`). */
export function satisfiesRange(version: string, range: string): boolean {
  return pep440.valid(version) !== null && pep440.satisfies(version, range.replace(/\s+/g, ''), { prereleases: true });
}

/** The requirement as one canonical line: `name[extras]clauses; marker`. */
export function requirementLine(req: Requirement): string {
  const extras = req.extras.length ? `[${req.extras.join(',')}]` : '';
  const marker = req.markerText !== undefined ? `; ${req.markerText}` : '';
  if (req.url !== undefined) return `${req.name}${extras} @ ${req.url}${marker ? ` ${marker}` : ''}`;
  return `${req.name}${extras}${req.clauses.join(',')}${marker}`;
}

/**
 * What pip does to a requirement-file line before it reads the requirement (its `req_file`
 * module): a line break starts another line, a trailing backslash joins the next line, `#`
 * after whitespace starts a comment, `${NAME}` is replaced by an environment variable, and the
 * first space-separated word starting with `-` starts the line's options (`--hash`, `-e`,
 * `--index-url`...). Returns why a text would not be read as written, or undefined.
 */
export function pipLineProblem(text: string): string | undefined {
  if (LINE_BREAK.test(text)) return 'has a line break (pip reads each line of the file as its own requirement)';
  if (text.includes('\\')) return 'has a backslash (pip joins a line ending in "\\" with the next one)';
  if (/[\x00-\x1f\x7f]/.test(text)) return 'has a tab or another control character (pip splits a line at spaces only)';
  if (/[^\x20-\x7e]/.test(text)) return 'has a non-ascii character (pep 508 names, versions and markers are ascii)';
  if (/(^|\s)#/.test(text)) return 'has a comment (pip drops everything from a "#" after whitespace)';
  if (/\$\{[A-Z0-9_]+\}/.test(text)) return 'has a ${VARIABLE} (pip replaces it with the environment variable of that name)';
  if (text.split(' ').some((token) => token.startsWith('-'))) {
    return 'has a pip option (pip reads a word starting with "-" and everything after it as install options, '
      + 'not as part of the requirement)';
  }
  return undefined;
}

/** A requirement reduced to what the entry check and the CUDA-runtime rule need. */
export interface RequirementName {
  /** The PEP 503-normalized distribution name. */
  readonly name: string;
  /** The extras it names, normalized, sorted. */
  readonly extras: readonly string[];
}

const NAME_AND_EXTRAS = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?/;

/**
 * The distribution name and extras of one line of a requirement file, as written or generated
 * (`torch==2.5.1`, `uvicorn[standard]>=0.30; python_version>"3.9"`, `numpy==2.1.3 \`);
 * undefined for lines that name no distribution (comments, options, `--hash` continuations,
 * URLs without `name @`).
 */
export function requirementName(line: string): RequirementName | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  if (text === '' || text.startsWith('-')) return undefined;
  const match = NAME_AND_EXTRAS.exec(text);
  if (!match) return undefined;
  const rest = text.slice(match[0].length).trimStart();
  if (/^[:/]/.test(rest)) return undefined; // a bare URL or path such as https://... or ./pkg
  const extras = (match[2] ?? '').split(',').map((e) => normalizePackageName(e.trim())).filter((e) => e !== '');
  return { name: normalizePackageName(match[1]), extras: [...new Set(extras)].sort() };
}

/** Two requirements of one package read together: the requirement pip installs, or why none can be. */
export type Combined = { readonly requirement: Requirement } | { readonly conflict: 'versions' | 'range' | 'reference' };

/**
 * How pip reads two requirements of one package in one install (its resolver intersects their
 * specifiers and unites their extras): a bare or ranged requirement beside a pin is the pin, when
 * the pin lies in the range; two ranges are both ranges at once; two pins must name the same
 * version; a direct reference only meets itself. Markers are the caller's (evaluated before).
 * The pin's spelling of the name is kept, else the first one's.
 */
export function combineRequirements(a: Requirement, b: Requirement): Combined {
  const extras = [
    ...a.extras,
    ...b.extras.filter((e) => !a.extras.map(normalizePackageName).includes(normalizePackageName(e))),
  ];
  if (a.url !== undefined || b.url !== undefined) {
    return a.url === b.url ? { requirement: { ...a, extras } } : { conflict: 'reference' };
  }
  const pinA = exactPin(a);
  const pinB = exactPin(b);
  if (pinA !== undefined && pinB !== undefined) {
    return sameRequirement({ ...a, extras: [] }, { ...b, extras: [] }) ? { requirement: { ...a, extras } } : { conflict: 'versions' };
  }
  if (pinA !== undefined || pinB !== undefined) {
    const [pinned, ranged] = pinA !== undefined ? [a, b] : [b, a];
    const pin = (pinA ?? pinB)!;
    return satisfiesClauses(pin, ranged.clauses) ? { requirement: { ...pinned, extras } } : { conflict: 'range' };
  }
  return { requirement: { ...a, extras, clauses: [...new Set([...a.clauses, ...b.clauses])] } };
}
