import * as pep440 from '@renovatebot/pep440';
import { parse as parseSpecifier } from '@renovatebot/pep440/lib/specifier';
import { Problems, oneOf } from './internal/problems';

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
export const TIER_ORDER: readonly RequirementTier[] = [RequirementTier.ML, RequirementTier.CORE, RequirementTier.DEV];

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
  readonly version: string;
  /** The line as written to the requirement file (normalized spacing). */
  readonly line: string;
}

// PEP 508 name and extras, the grammar's own regular expressions (section "Names").
const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/** PEP 503 normalization: runs of `-`, `_`, `.` become one `-`, lowercase. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

const PIN_EXPECTED = 'a pinned pep 508 requirement such as "numpy==2.1.3" (name, optional [extras], "==" exact version, optional "; marker")';

/**
 * Parses one requirement. Returns undefined (after adding a problem) when it is not a
 * valid, exactly pinned PEP 508 requirement.
 */
export function parseRequirement(problems: Problems, field: string, spec: unknown): ParsedRequirement | undefined {
  if (typeof spec !== 'string') {
    problems.add(`${field} has the wrong type`, spec, PIN_EXPECTED);
    return undefined;
  }
  const trimmed = spec.trim();
  if (trimmed === '' || /[\r\n#]/.test(trimmed)) {
    problems.add(field, spec, PIN_EXPECTED);
    return undefined;
  }
  const semi = trimmed.indexOf(';');
  const body = (semi >= 0 ? trimmed.slice(0, semi) : trimmed).trim();
  const marker = semi >= 0 ? trimmed.slice(semi + 1).trim() : undefined;
  if (body.includes(' @ ') || /^[^=<>!~]*@/.test(body)) {
    problems.add(`${field} is a direct url reference`, spec, `${PIN_EXPECTED}; direct urls bypass the index and its pins`);
    return undefined;
  }
  const m = /^([^\[\s=<>!~;]+)\s*(\[[^\]]*\])?\s*(.*)$/.exec(body);
  if (!m || !NAME.test(m[1])) {
    problems.add(`${field} has an invalid package name`, spec, PIN_EXPECTED);
    return undefined;
  }
  const [, name, extrasRaw, specifier] = m;
  let extras: string[] = [];
  if (extrasRaw) {
    extras = extrasRaw.slice(1, -1).split(',').map((e) => e.trim());
    if (extras.some((e) => !NAME.test(e))) {
      problems.add(`${field} has invalid extras`, spec, PIN_EXPECTED);
      return undefined;
    }
  }
  if (specifier === '') {
    problems.add(`${field} is not pinned`, spec, `${PIN_EXPECTED}; unpinned requirements make builds unreproducible`);
    return undefined;
  }
  const parsed = parseSpecifier(specifier.replace(/\s+/g, ''));
  if (!parsed) {
    problems.add(`${field} has an invalid version specifier`, spec, PIN_EXPECTED);
    return undefined;
  }
  if (parsed.length !== 1 || (parsed[0].operator !== '==' && parsed[0].operator !== '===') || (parsed[0] as any).prefix) {
    problems.add(`${field} is not pinned to one exact version`, spec, PIN_EXPECTED);
    return undefined;
  }
  const version = parsed[0].version;
  if (parsed[0].operator === '==' && !pep440.valid(version)) {
    problems.add(`${field} has an invalid pep 440 version`, spec, PIN_EXPECTED);
    return undefined;
  }
  if (marker !== undefined && !/^[A-Za-z_]/.test(marker)) {
    problems.add(`${field} has an invalid environment marker`, spec, `${PIN_EXPECTED}, e.g. 'uvloop==0.21.0; sys_platform == "linux"'`);
    return undefined;
  }
  const extrasText = extras.length ? `[${[...extras].sort().join(',')}]` : '';
  const line = `${name}${extrasText}${parsed[0].operator}${version}${marker ? `; ${marker}` : ''}`;
  return { key: normalizePackageName(name), name, version, line };
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
  public add(problems: Problems, tier: RequirementTier, spec: unknown, field: string): ParsedRequirement | undefined {
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
      if (there && there.version !== req.version) {
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
    return [...this.tiers.get(tier)!.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => r.line);
  }

  public has(tier: RequirementTier): boolean {
    return this.tiers.get(tier)!.size > 0;
  }
}

/** Parses a tier name given as a plain string (from `.projenrc.js` users). */
export function checkTier(problems: Problems, tier: unknown): RequirementTier | undefined {
  if (TIER_ORDER.includes(tier as RequirementTier)) return tier as RequirementTier;
  problems.add('requirement tier', tier, `one of: ${oneOf(TIER_ORDER)}`);
  return undefined;
}
