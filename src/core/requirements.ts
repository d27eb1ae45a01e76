import { normalizePackageName } from './names';
import { Problems, oneOf } from './problems';
import {
  isVersion, markerLint, MarkerSyntaxError, NAME, parseMarker, pipLineProblem, sameVersion,
} from './requirement-grammar';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from './secrets';
import { TierRequirement } from './tier-requirement';

export { normalizePackageName };

/**
 * A requirement tier. Each tier is its own requirement file and its own cached image
 * layer, installed in this order: ml, then core; dev only in the `dev` and `test` targets.
 */
export enum RequirementTier {
  /** Heavy ML libraries that change rarely (numpy, transformers, ...). Installed first. */
  ML = 'ml',
  /** The application's own libraries (web framework, clients). Installed after `ml`. */
  CORE = 'core',
  /** Development and test tools. Only in the `dev` and `test` targets, never in `prod`. */
  DEV = 'dev',
}

/** The tiers in install order. */
export const TIER_ORDER: readonly RequirementTier[] = [
  RequirementTier.ML, RequirementTier.CORE, RequirementTier.DEV,
];

/** Pinned requirements per tier, as PEP 508 strings with an exact `==` pin. */
export interface RequirementTiers {
  /**
   * Heavy ML libraries, e.g. `numpy==2.1.3`.
   * @default - none
   */
  readonly ml?: string[];
  /**
   * Application libraries, e.g. `fastapi==0.115.6`.
   * @default - none
   */
  readonly core?: string[];
  /**
   * Development and test tools, e.g. `pytest==8.3.4`.
   * @default - none
   */
  readonly dev?: string[];
}

/** One parsed requirement line. */
export interface ParsedRequirement {
  /** PEP 503 normalized name, the identity of a package. */
  readonly key: string;
  readonly name: string;
  /** `==` (a PEP 440 version) or `===` (arbitrary equality: any string, compared as text). */
  readonly operator: '==' | '===';
  /** The version exactly as written after the operator. */
  readonly version: string;
  /** The line as written to the requirement file: the given text without surrounding whitespace. */
  readonly line: string;
  /** The same line as a tier file's entry. */
  readonly entry: TierRequirement;
}

const PIN_EXPECTED = 'a pinned pep 508 requirement such as "numpy==2.1.3" (name, optional [extras], "==" exact version, optional "; marker")';

/**
 * Parses one requirement. Returns undefined (after adding a problem) when it is not a
 * valid, exactly pinned PEP 508 requirement that pip reads exactly as written. The line kept
 * is the given text with surrounding whitespace removed, nothing else changed.
 */
export function parseRequirement(
  problems: Problems, field: string, spec: unknown,
): ParsedRequirement | undefined {
  if (typeof spec !== 'string') {
    problems.add(`${field} has the wrong type`, spec, PIN_EXPECTED);
    return undefined;
  }
  const credential = urlCredentialKind(spec);
  if (credential) {
    problems.addRaw(`${field} has ${credential}`, '(value hidden)', `${PIN_EXPECTED}, from the index (${URL_CREDENTIALS_EXPECTED})`);
    return undefined;
  }
  const trimmed = spec.replace(/^ +| +$/g, '');
  if (trimmed === '') {
    problems.add(field, spec, PIN_EXPECTED);
    return undefined;
  }
  const lineProblem = pipLineProblem(trimmed);
  if (lineProblem) {
    problems.add(`${field} ${lineProblem}`, spec, `${PIN_EXPECTED} on one line, without comments or pip options`);
    return undefined;
  }
  const semi = trimmed.indexOf(';');
  const body = (semi >= 0 ? trimmed.slice(0, semi) : trimmed).trim();
  const markerText = semi >= 0 ? trimmed.slice(semi + 1) : undefined;
  if (body.includes('@')) {
    problems.add(`${field} is a direct url reference`, spec, `${PIN_EXPECTED}; direct urls bypass the index and its pins`);
    return undefined;
  }
  const m = /^([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\]\s*)?(.*)$/.exec(body);
  if (!m || !NAME.test(m[1])) {
    problems.add(`${field} has an invalid package name`, spec, PIN_EXPECTED);
    return undefined;
  }
  const [, name, extrasRaw, rest] = m;
  if (extrasRaw !== undefined && extrasRaw.trim() !== '' && extrasRaw.split(',').map((e) => e.trim()).some((e) => !NAME.test(e))) {
    problems.add(`${field} has invalid extras`, spec, PIN_EXPECTED);
    return undefined;
  }
  // The specifier may stand in parentheses (PEP 508's "versionspec").
  const specifier = /^\((.*)\)$/.exec(rest.trim())?.[1] ?? rest;
  if (specifier.trim() === '') {
    problems.add(`${field} is not pinned`, spec, `${PIN_EXPECTED}; unpinned requirements make builds unreproducible`);
    return undefined;
  }
  const clause = /^\s*(===|==|~=|!=|<=|>=|<|>)\s*(.*?)\s*$/.exec(specifier);
  if (!clause || /[()]/.test(specifier)) {
    problems.add(`${field} has an invalid version specifier`, spec, PIN_EXPECTED);
    return undefined;
  }
  const [, op, version] = clause;
  if (version.includes(',') || (op !== '==' && op !== '===') || version.endsWith('.*')) {
    problems.add(`${field} is not pinned to one exact version`, spec, PIN_EXPECTED);
    return undefined;
  }
  if (op === '==' && !isVersion(version)) {
    problems.add(`${field} has an invalid pep 440 version`, spec, `${PIN_EXPECTED}; "===" takes a version that is not pep 440, as text`);
    return undefined;
  }
  if (op === '===' && !/^[^\s;)]+$/.test(version)) {
    problems.add(`${field} has an invalid arbitrary version`, spec, `${PIN_EXPECTED}; "===" takes one word without spaces`);
    return undefined;
  }
  if (markerText !== undefined) {
    const markerExpected = `${PIN_EXPECTED}, e.g. 'uvloop==0.21.0; sys_platform == "linux"'`;
    let marker;
    try {
      marker = parseMarker(markerText);
    } catch (e) {
      if (!(e instanceof MarkerSyntaxError)) throw e;
      problems.add(`${field} has an invalid environment marker (${e.message})`, spec, markerExpected);
      return undefined;
    }
    const lint = markerLint(marker);
    if (lint.length) {
      problems.add(`${field} has an environment marker pip reads differently (${lint.join('; ')})`, spec, markerExpected);
      return undefined;
    }
  }
  return {
    key: normalizePackageName(name),
    name,
    operator: op,
    version,
    line: trimmed,
    entry: TierRequirement.of(trimmed),
  };
}

/** True when two pins name the same release (`==` compares pep 440 versions, `===` text). */
function samePin(a: ParsedRequirement, b: ParsedRequirement): boolean {
  if (a.operator === '==' && b.operator === '==') return sameVersion(a.version, b.version);
  return a.operator === b.operator && a.version.toLowerCase() === b.version.toLowerCase();
}

/** Packages that only come from the PyTorch wheel index, through `torchVersion`. */
export const TORCH_PACKAGES: readonly string[] = ['torch', 'torchvision', 'torchaudio'];

/**
 * A service's requirements, one list per tier. Validates each new entry against what is
 * already there (no package twice in a tier, no package at two versions across tiers).
 */
export class RequirementSet {
  private readonly tiers = new Map<RequirementTier, Map<string, ParsedRequirement>>(
    TIER_ORDER.map((t) => [t, new Map()]));

  /** Adds one requirement, reporting problems instead of adding when it conflicts. */
  public add(
    problems: Problems, tier: RequirementTier, spec: unknown, field: string,
  ): ParsedRequirement | undefined {
    const req = parseRequirement(problems, field, spec);
    if (!req) return undefined;
    if (TORCH_PACKAGES.includes(req.key)) {
      problems.add(`${field} lists ${req.name} by hand`, spec,
        'torch, torchvision and torchaudio to come from the torchVersion prop (they are installed alone from the PyTorch wheel index)');
      return undefined;
    }
    const own = this.tiers.get(tier)!;
    const same = own.get(req.key);
    if (same) {
      problems.add(`${field} lists ${req.name} twice in the ${tier} tier`, spec, `one entry per package (already "${same.line}")`);
      return undefined;
    }
    for (const [other, reqs] of this.tiers) {
      const there = reqs.get(req.key);
      if (there && !samePin(there, req)) {
        problems.add(`${field} pins ${req.name} at a different version than the ${other} tier`, spec,
          `the same version in every tier (${other} has "${there.line}")`);
        return undefined;
      }
    }
    own.set(req.key, req);
    return req;
  }

  /** The tier's requirement lines, sorted by normalized name. */
  public lines(tier: RequirementTier): string[] {
    return this.entries(tier).map((r) => r.text);
  }

  /** The tier's requirements as tier-file entries, sorted by normalized name. */
  public entries(tier: RequirementTier): TierRequirement[] {
    return [...this.tiers.get(tier)!.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => r.entry);
  }

  public has(tier: RequirementTier): boolean {
    return this.tiers.get(tier)!.size > 0;
  }

  /** True when the tier pins the package (any spelling of its name). */
  public pins(tier: RequirementTier, name: string): boolean {
    return this.tiers.get(tier)!.has(normalizePackageName(name));
  }
}

/** Parses a tier name given as a plain string (from `.projenrc.js` users). */
export function checkTier(problems: Problems, tier: unknown): RequirementTier | undefined {
  if (TIER_ORDER.includes(tier as RequirementTier)) return tier as RequirementTier;
  problems.add('requirement tier', tier, `one of: ${oneOf(TIER_ORDER)}`);
  return undefined;
}
