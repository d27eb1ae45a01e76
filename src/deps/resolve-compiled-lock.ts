import { LockFileKind, PyprojectDependenciesOptions } from './dependencies';
import { RootDependency } from './pyproject';
import { RequirementFileReader } from './requirements-file';
import { addFileRequirement, fileLineApplies, SeenPackages } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { TIER_NAMES, TierName } from './resolved';
import { exactPin } from '../core/requirement-grammar';
import { RequirementTier } from '../core/requirements';

/**
 * A pip-compile file as the lock of a pyproject.toml: roots to their tiers, the rest to the project's tier.
 */
export function fromCompiledLock(run: ResolveRun, lockPath: string, roots: Record<TierName, RootDependency[]>,
  options: PyprojectDependenciesOptions): void {
  const content = new RequirementFileReader(run.files, run.problems, options.allowDirectReferences === true, run.target.pythonVersion).read(`${run.field}.lockFile`, lockPath);
  const lines = content.requirements.filter((r) => fileLineApplies(run, r));
  const lineOf = new Map(lines.map((r) => [r.req.key, r]));
  const tierOf = new Map<string, TierName>();
  for (const tier of TIER_NAMES) {
    for (const dep of roots[tier]) {
      const line = lineOf.get(dep.key);
      if (!run.checkRoot(lockPath, dep, line ? exactPin(line.req) ?? '' : undefined, run.toolFor(LockFileKind.PIP_COMPILE))) continue;
      if (!tierOf.has(dep.key)) tierOf.set(dep.key, tier);
    }
  }
  run.locked = true;
  const seen: SeenPackages = new Map();
  for (const r of lines) {
    if (r.hashes.length === 0) {
      run.problems.add(`${r.file}:${r.line} has no --hash`, r.text, 'a lock with --hash=sha256:... on every requirement (pip-compile --generate-hashes)');
      continue;
    }
    addFileRequirement(
      run, tierOf.get(r.req.key) ?? (options.projectTier ?? RequirementTier.CORE) as TierName, r, seen,
    );
  }
}
