import { LockFileKind, RequirementsFilesOptions } from './dependencies';
import { FileRequirement, RequirementFileReader } from './requirements-file';
import { ResolveRun } from './resolve-run';
import { ResolvedPackage, TIER_NAMES, TierName } from './resolved';
import { exactPin, extrasKey, markerLint, Requirement, requirementLine, sameRequirement, sameVersion, satisfiesClauses } from '../core/requirement-grammar';

/**
 * Requirement files (pip's grammar) resolved into tiers: each line that applies to the image,
 * hash-checked as a whole once one line has a hash, one version of a package in the image, and
 * the direct references the options allow. `addFileRequirement` also serves a pip-compile
 * file read as the lock of a pyproject.toml, `addDirect` the direct references of a pyproject.
 */

export function fromRequirementFiles(run: ResolveRun, options: RequirementsFilesOptions): void {
  const reader = new RequirementFileReader(run.files, run.problems, options.allowDirectReferences === true, run.target.pythonVersion);
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
export function placeFileRequirements(run: ResolveRun, lines: Record<TierName, FileRequirement[]>, allConstraints: FileRequirement[],
  strictPins: boolean): void {
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
  for (const tier of TIER_NAMES) {
    for (const r of byTier[tier]) addFileRequirement(run, tier, r, seen, strictPins || run.ctx.strictPins === true);
  }
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

/** The packages placed so far, by normalized name: their tier, what was placed and the requirement read. */
export type SeenPackages = Map<string, { tier: TierName; pkg: ResolvedPackage; req?: Requirement }>;

export function addFileRequirement(run: ResolveRun, tier: TierName, r: FileRequirement, seen: SeenPackages, strict: boolean): void {
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
  const pkg: ResolvedPackage = { name: r.req.name, key: r.req.key, version: pin, requirement, hashes: [...new Set(r.hashes)].sort(), from: at };
  const there = seen.get(r.req.key);
  if (there) {
    // pip takes a repeat of the same requirement, in any spelling of the name, as one
    const samePin = pin !== undefined && there.pkg.version !== undefined && sameVersion(pin, there.pkg.version);
    if (run.locked ? samePin : there.req !== undefined && sameRequirement(there.req, r.req)) return;
    const where = `${there.pkg.from}${there.tier !== tier ? ` (${there.tier} tier)` : ''}`;
    if (!run.locked && samePin && there.req !== undefined && extrasKey(there.req) !== extrasKey(r.req)) {
      run.problems.add(`${at} lists ${r.req.name} again with other extras than ${where}`, r.text,
        `one line for the package with every extra it needs, e.g. "${r.req.name}[${[...new Set([...there.req.extras, ...r.req.extras])].join(',')}]==${pin}" (${there.pkg.from} has "${there.pkg.requirement}")`);
      return;
    }
    if (there.tier !== tier || run.locked || (pin !== undefined && there.pkg.version !== undefined)) {
      run.problems.add(`${at} pins ${r.req.name} differently than ${where}`, r.text,
        `one version of a package in the image (${there.pkg.from} has "${there.pkg.requirement}")`);
      return;
    }
  } else {
    seen.set(r.req.key, { tier, pkg, req: r.req });
  }
  if (!run.locked && pin === undefined) {
    if (strict) {
      run.problems.add(`${at} is not pinned to one version`, r.text, 'an exact "name==version" pin (strictPins is on), or a lock file with hashes');
      return;
    }
    run.warnings.push(`[${run.ctx.path}] ${at}: ${JSON.stringify(r.text)} is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`);
  }
  run.place(tier, pkg);
}

/** A direct reference the options allow: a warning; with a lock, an archive with its hashes only. */
export function addDirect(run: ResolveRun, tier: TierName, req: Requirement, hashes: string[], at: string, text: string): void {
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
  const requirement = requirementLine({ ...req, markerText: undefined, extras: run.locked ? [] : req.extras });
  run.place(tier, { name: req.name, key: req.key, requirement, hashes: [...new Set(hashes)].sort(), from: at });
}
