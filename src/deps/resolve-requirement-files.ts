import { LockFileKind, RequirementsFilesOptions } from './dependencies';
import { FileRequirement, RequirementFileReader } from './requirements-file';
import { ResolveRun } from './resolve-run';
import { ResolvedPackage, TIER_NAMES, TierName } from './resolved';
import {
  combineRequirements, exactPin, markerLint, Requirement, requirementLine, sameVersion, satisfiesClauses,
} from '../core/requirement-grammar';

/**
 * Requirement files (pip's grammar) resolved into tiers: each line that applies to the image,
 * hash-checked as a whole once one line has a hash, one version of a package in the image, and
 * the direct references the options allow. `addFileRequirement` also serves a pip-compile
 * file read as the lock of a pyproject.toml, `addDirect` the direct references of a pyproject.
 */

export function fromRequirementFiles(run: ResolveRun, options: RequirementsFilesOptions): void {
  const reader = new RequirementFileReader(run.files, run.problems, options.allowDirectReferences === true,
    run.target.pythonVersion);
  const byTier: Record<TierName, FileRequirement[]> = { ml: [], core: [], dev: [] };
  const constraints: FileRequirement[] = [];
  for (const tier of TIER_NAMES) {
    (options[tier] ?? []).forEach((path, i) => {
      const content = reader.read(`${run.field}.${tier}[${i}]`, path);
      byTier[tier].push(...content.requirements);
      constraints.push(...content.constraints);
    });
  }
  placeFileRequirements(run, byTier, constraints, options.strictPins === true);
}

/**
 * Places requirement-file lines into their tiers, as pip installs them: the lines whose markers
 * apply to the image, hash-checked as a whole once one line has a hash, one version of a
 * package; constraints checked against a lock's pins or kept for a constraints file.
 */
export function placeFileRequirements(
  run: ResolveRun, lines: Record<TierName, FileRequirement[]>, allConstraints: FileRequirement[],
  strictPins: boolean,
): void {
  const byTier: Record<TierName, FileRequirement[]> = { ml: [], core: [], dev: [] };
  for (const tier of TIER_NAMES) byTier[tier] = lines[tier].filter((r) => fileLineApplies(run, r));
  const constraints = allConstraints.filter((r) => fileLineApplies(run, r));
  const all = TIER_NAMES.flatMap((t) => byTier[t]);
  const hashed = all.filter((r) => r.hashes.length > 0);
  run.locked = hashed.length > 0;
  if (run.locked) {
    run.lockKind = LockFileKind.PIP_COMPILE;
    for (const r of all.filter((x) => x.hashes.length === 0)) {
      run.problems.add(`${r.file}:${r.line} has no --hash`, r.text,
        `a --hash=sha256:... for every requirement once one has a hash (pip's hash-checking mode; ${hashed[0].file}:${hashed[0].line} has hashes)`);
    }
  }
  const seen: SeenPackages = new Map();
  const strict = strictPins || run.ctx.strictPins === true;
  for (const tier of TIER_NAMES) {
    for (const r of byTier[tier]) addFileRequirement(run, tier, r, seen);
  }
  reportUnpinned(run, seen, strict);
  for (const c of constraints) {
    const there = seen.get(c.req.key);
    if (run.locked) {
      if (there?.pkg.version && !satisfiesClauses(there.pkg.version, c.req.clauses)) {
        run.problems.add(`${c.file}:${c.line} constrains ${c.req.name} to another version than the pin of ${there.pkg.from}`, c.text,
          `a constraint that admits ${there.pkg.name}==${there.pkg.version}`);
      }
    } else {
      run.constraints.push(requirementLine({ ...c.req, markerText: undefined, extras: [] }));
    }
  }
}

export function fileLineApplies(run: ResolveRun, r: FileRequirement): boolean {
  if (r.req.marker) {
    const lint = markerLint(r.req.marker);
    if (lint.length) {
      run.problems.add(`${r.file}:${r.line} has a marker pip reads differently (${lint.join('; ')})`, r.text, 'a marker on the python version, platform or implementation');
      return false;
    }
  }
  return run.applies(r.req.marker, `${r.file}:${r.line}`, r.text);
}

/**
 * The packages placed so far, by normalized name: their tier, what was placed, the requirement read and the
 * lines it came from.
 */
export type SeenPackages = Map<string, {
  tier: TierName; pkg: ResolvedPackage; req?: Requirement; lines: Array<{ at: string; text: string }>;
}>;

/**
 * Adds one requirement-file line. Locked, every line is an exact pin with hashes, a package
 * once (a repeat at the same version is the same line). Unlocked, lines of one package are
 * read together as pip reads them (`combineRequirements`): a bare or ranged line beside a pin
 * is the pin, extras united, in the earliest tier that names the package; a pin outside a
 * range, or two pins, is one error naming both places.
 */
export function addFileRequirement(
  run: ResolveRun, tier: TierName, r: FileRequirement, seen: SeenPackages,
): void {
  const at = `${r.file}:${r.line}`;
  if (r.req.url !== undefined) {
    addDirect(run, tier, r.req, r.hashes, at, r.text);
    return;
  }
  const pin = exactPin(r.req);
  if (run.locked && r.hashes.length > 0 && pin === undefined) {
    run.problems.add(`${at} has hashes but is not pinned with ==`, r.text, 'an exact "name==version" pin beside --hash options (pip refuses anything else in hash-checking mode)');
    return;
  }
  const requirement = run.locked ? `${r.req.name}==${pin}` : requirementLine({ ...r.req, markerText: undefined });
  const pkg: ResolvedPackage = {
    name: r.req.name,
    key: r.req.key,
    version: pin,
    requirement,
    hashes: [...new Set(r.hashes)].sort(),
    from: at,
  };
  const there = seen.get(r.req.key);
  if (!there) {
    seen.set(r.req.key, { tier, pkg, req: r.req, lines: [{ at, text: r.text }] });
    run.place(tier, pkg);
    return;
  }
  const where = `${there.pkg.from}${there.tier !== tier ? ` (${there.tier} tier)` : ''}`;
  if (run.locked) {
    // pip takes a repeat of the same pin, in any spelling of the name, as one
    if (pin !== undefined && there.pkg.version !== undefined && sameVersion(pin, there.pkg.version)) return;
    run.problems.add(`${at} pins ${r.req.name} differently than ${where}`, r.text,
      `one version of a package in the image (${there.pkg.from} has "${there.pkg.requirement}")`);
    return;
  }
  const combined = combineRequirements(there.req!, r.req);
  if ('conflict' in combined) {
    if (combined.conflict === 'range') {
      run.problems.add(`${at} asks for ${r.req.name} outside what ${where} allows`, r.text,
        `one version of a package that every line admits (${there.pkg.from} has "${there.pkg.requirement}"; pip installs one for both)`);
    } else {
      run.problems.add(`${at} pins ${r.req.name} differently than ${where}`, r.text,
        `one version of a package in the image (${there.pkg.from} has "${there.pkg.requirement}")`);
    }
    return;
  }
  const req = combined.requirement;
  const merged: ResolvedPackage = {
    ...there.pkg,
    name: req.name,
    version: exactPin(req),
    requirement: requirementLine({ ...req, markerText: undefined }),
    from: there.pkg.requirement === requirementLine({ ...req, markerText: undefined }) ? there.pkg.from : `${there.pkg.from}, ${at}`,
  };
  run.replace(there.pkg, merged);
  // a file included twice (-r from two tiers) gives the same line twice: one line still
  const lines = there.lines.some((l) => l.at === at) ? there.lines : [...there.lines, { at, text: r.text }];
  seen.set(r.req.key, { tier: there.tier, pkg: merged, req, lines });
}

/**
 * Each package that stays unpinned once every line is read: a warning per line it came from, or (strictPins)
 * an error.
 */
export function reportUnpinned(run: ResolveRun, seen: SeenPackages, strict: boolean): void {
  if (run.locked) return;
  for (const { pkg, lines } of seen.values()) {
    if (pkg.version !== undefined) continue;
    for (const { at, text } of lines) {
      if (strict) {
        run.problems.add(`${at} is not pinned to one version`, text, 'an exact "name==version" pin (strictPins is on), or a lock file with hashes');
      } else {
        run.warnings.push(`[${run.ctx.path}] ${at}: ${JSON.stringify(text)} is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`);
      }
    }
  }
}

/** A direct reference the options allow: a warning; with a lock, an archive with its hashes only. */
export function addDirect(
  run: ResolveRun, tier: TierName, req: Requirement, hashes: string[], at: string, text: string,
): void {
  const url = req.url!;
  if (run.locked && /^[a-z]+\+/.test(url)) {
    run.problems.add(`${at} is a vcs reference, which pip cannot hash-check`, text, 'an archive url with --hash=sha256:... (or a package from the index)');
    return;
  }
  if (run.locked && hashes.length === 0) {
    run.problems.add(`${at} has no --hash`, text, 'a --hash=sha256:... for the archive of a direct reference in a locked install');
    return;
  }
  run.warnings.push(`[${run.ctx.path}] ${at}: ${req.name} is installed from ${url}, not from the index (allowDirectReferences)`);
  const requirement = requirementLine({
    ...req, markerText: undefined, extras: run.locked ? [] : req.extras,
  });
  run.place(tier, {
    name: req.name, key: req.key, requirement, hashes: [...new Set(hashes)].sort(), from: at,
  });
}
