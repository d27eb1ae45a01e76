import * as pep440 from '@renovatebot/pep440';
import { normalizePackageName } from '../core/names';
import { MarkerNode, MarkerSyntaxError, parseMarker } from '../core/pep508-marker';

/**
 * One PEP 508 requirement as pip reads it from a requirement file or as pyproject.toml
 * lists it: name, extras, version specifier, marker, or a direct reference (`name @ url`),
 * which callers refuse.
 */
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

const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
const CLAUSE = /^(===|==|~=|!=|<=|>=|<|>)\s*(\S+)$/;


/** Thrown by `parseRequirementText`; the message is lowercase and names the fault. */
export class RequirementSyntaxError extends Error {}

/** Checks one specifier clause such as `>=1.2`, `==1.*`, `===foo`; returns the clause without spaces. */
export function checkClause(text: string): string {
  const m = CLAUSE.exec(text.trim());
  if (!m) throw new RequirementSyntaxError(`"${text.trim()}" is not a version specifier (an operator such as >= followed by a version)`);
  const [, op, version] = m;
  if (op === '===') return `${op}${version}`;
  const wildcard = version.endsWith('.*');
  const plain = wildcard ? version.slice(0, -2) : version;
  if (!pep440.valid(plain)) throw new RequirementSyntaxError(`"${version}" is not a pep 440 version`);
  if (wildcard && op !== '==' && op !== '!=') throw new RequirementSyntaxError(`"${op}${version}": only == and != take a ".*" version`);
  if (op === '~=' && (pep440.parse(plain)?.release.length ?? 0) < 2) throw new RequirementSyntaxError(`"~=${version}" needs at least two release numbers`);
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
export function exactPin(req: Requirement): string | undefined {
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
    return pep440.satisfies(version, clause, { prereleases: true });
  });
}

/** The requirement as one canonical line: `name[extras]clauses; marker`. */
export function requirementLine(req: Requirement): string {
  const extras = req.extras.length ? `[${req.extras.join(',')}]` : '';
  const marker = req.markerText !== undefined ? `; ${req.markerText}` : '';
  if (req.url !== undefined) return `${req.name}${extras} @ ${req.url}${marker ? ` ${marker}` : ''}`;
  return `${req.name}${extras}${req.clauses.join(',')}${marker}`;
}
