import { LockFileKind, PyprojectDependenciesOptions } from './dependencies';
import { readPoetryLock, readPylock, readUvLock } from './locks';
import { PyprojectContent, PyprojectReader, RootDependency } from './pyproject';
import { fromCompiledLock } from './resolve-compiled-lock';
import { fromGraph } from './resolve-lock-graph';
import { addDirect } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { TIER_NAMES, TierName } from './resolved';
import { expandSelfExtras } from './self-extras';
import { parseToml } from './toml';
import { normalizePackageName } from '../core/names';
import { oneOf } from '../core/problems';
import { exactPin, Requirement, requirementLine, sameRequirement, satisfiesClauses } from '../core/requirement-grammar';
import { RequirementTier } from '../core/requirements';

/**
 * A pyproject.toml resolved into tiers: its dependencies, extras and groups mapped to tiers by
 * the options (the roots), then the lock beside it (or the one given) read as a graph
 * (`resolve-lock-graph.ts`) or as a pip-compile file (`resolve-compiled-lock.ts`); without a
 * lock, the roots as declared.
 */

const LOCK_NAMES = ['uv.lock', 'poetry.lock', 'pylock.toml'];

function lockKindOf(path: string): LockFileKind {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'uv.lock') return LockFileKind.UV;
  if (base === 'poetry.lock') return LockFileKind.POETRY;
  if (/^pylock(\.[^.]+)?\.toml$/.test(base)) return LockFileKind.PYLOCK;
  return LockFileKind.PIP_COMPILE;
}

export function fromPyproject(run: ResolveRun, options: PyprojectDependenciesOptions): void {
  run.allowDirect = options.allowDirectReferences === true;
  const path = run.files.checkPath(`${run.field}.path`, options.path ?? 'pyproject.toml');
  if (path === undefined) return;
  const text = run.files.read(`${run.field}.path`, path);
  if (text === undefined) return;
  const doc = parseToml(run.problems, path, text);
  if (!doc) return;
  const declared = new PyprojectReader(run.problems, path, text, run.target, options.allowDirectReferences === true).read(doc);
  if (!declared) return;
  const beforeExpand = run.problems.count;
  const { closure, ...expanded } = expandSelfExtras(run.problems, path, declared.name, declared);
  if (run.problems.count > beforeExpand) return;
  const project: PyprojectContent = { ...declared, ...expanded };
  const python = project.requiresPython;
  if (python && !python.alternatives.some((alt) => satisfiesClauses(run.target.pythonVersion, alt))) {
    run.problems.add(`${python.at} does not admit the image's python ${run.target.pythonVersion}`, python.text,
      'a python version of the service that the project supports (change pythonVersion, or the project\'s requires-python)');
    return;
  }
  const roots = tierRoots(run, project, options, closure);
  if (!roots) return;
  const lock = findLock(run, path, options);
  if (lock === undefined) {
    unlockedRoots(run, roots, options.strictPins === true || run.ctx.strictPins === true);
    return;
  }
  if (lock === null) return;
  run.lockFile = lock.path;
  run.lockKind = lock.kind;
  run.locked = true;
  if (lock.kind === LockFileKind.PIP_COMPILE) {
    fromCompiledLock(run, lock.path, roots, options);
    return;
  }
  const lockText = run.files.read(`${run.field}.lockFile`, lock.path);
  if (lockText === undefined) return;
  const lockDoc = parseToml(run.problems, lock.path, lockText);
  if (!lockDoc) return;
  const before = run.problems.count;
  const graph = lock.kind === LockFileKind.UV ? readUvLock(run.problems, lock.path, lockDoc)
    : lock.kind === LockFileKind.POETRY ? readPoetryLock(run.problems, lock.path, lockDoc)
      : readPylock(run.problems, lock.path, lockDoc);
  if (!graph || run.problems.count > before) return;
  fromGraph(run, lock.path, graph, roots);
}

/** The roots of each tier, from the options' mapping of extras, groups and packages. */
function tierRoots(run: ResolveRun, project: PyprojectContent, options: PyprojectDependenciesOptions,
  closure: ReadonlyMap<string, string[]>): Record<TierName, RootDependency[]> | undefined {
  const before = run.problems.count;
  const out: Record<TierName, RootDependency[]> = { ml: [], core: [], dev: [] };
  const projectTier = (options.projectTier ?? RequirementTier.CORE) as TierName;
  const mlPackages = (options.mlPackages ?? []).map(normalizePackageName);
  for (const name of options.mlPackages ?? []) {
    if (!project.main.some((d) => d.key === normalizePackageName(name))) {
      run.problems.add(`${run.field}.mlPackages names a package the project does not depend on`, name,
        `one of the project's dependencies: ${project.main.map((d) => d.name).join(', ') || 'none'}`);
    }
  }
  for (const dep of project.main) out[mlPackages.includes(dep.key) ? 'ml' : projectTier].push(dep);
  // packages of a group or an extra taken into the core tier on their own (a server's web stack in a dev group)
  const declared = [...project.main, ...[...project.groups.values()].flat(), ...[...project.extras.values()].flat()];
  for (const name of options.corePackages ?? []) {
    const dep = declared.find((d) => d.key === normalizePackageName(name));
    if (!dep) {
      run.problems.add(`${run.field}.corePackages names a package the pyproject.toml does not declare`, name,
        'a package of the project\'s dependencies, dependency groups or extras');
    } else if (!out.core.some((d) => d.key === dep.key)) {
      out.core.push(dep);
    }
  }
  const owner = new Map<string, string>();
  const pick = (kind: 'Extras' | 'Groups', tier: TierName, given: string[] | undefined, table: Map<string, RootDependency[]>) => {
    const field = `${run.field}.${tier}${kind}`;
    for (const name of given ?? []) {
      const key = normalizePackageName(name);
      const list = table.get(key);
      if (!list) {
        run.problems.add(`${field} names an unknown ${kind === 'Extras' ? 'extra' : 'dependency group'}`, name,
          table.size ? `one of: ${oneOf([...table.keys()])}` : `none: the pyproject.toml declares no ${kind === 'Extras' ? 'extras' : 'dependency groups'}`);
        continue;
      }
      const first = owner.get(`${kind}:${key}`);
      if (first) {
        run.problems.add(`${field} names ${JSON.stringify(name)}, already given in ${first}`, name, `each ${kind === 'Extras' ? 'extra' : 'group'} in one tier`);
        continue;
      }
      owner.set(`${kind}:${key}`, field);
      out[tier].push(...list);
      const sets = run.tierSelection[tier];
      // an extra selects the extras it names of the project itself too (their markers in a lock)
      if (kind === 'Extras') sets.extras.push(...(closure.get(key) ?? [key]).filter((e) => !sets.extras.includes(e)));
      else sets.groups.push(key);
    }
  };
  for (const tier of TIER_NAMES) {
    pick('Extras', tier, options[`${tier}Extras`], project.extras);
    const groups = options[`${tier}Groups`] ?? (tier === 'dev' && project.groups.has('dev') ? ['dev'] : undefined);
    pick('Groups', tier, groups, project.groups);
  }
  run.projectTier = projectTier;
  run.selection = {
    extras: TIER_NAMES.flatMap((t) => run.tierSelection[t].extras),
    groups: TIER_NAMES.flatMap((t) => run.tierSelection[t].groups),
  };
  return run.problems.count > before ? undefined : out;
}

/** The lock to read: given, or the one beside the pyproject.toml. Null after a problem, undefined for none. */
function findLock(run: ResolveRun, pyproject: string,
  options: PyprojectDependenciesOptions): { path: string; kind: LockFileKind } | null | undefined {
  if (options.lockFile !== undefined) {
    const path = run.files.checkPath(`${run.field}.lockFile`, options.lockFile);
    if (path === undefined) return null;
    if (!run.files.has(path)) {
      run.problems.add(`${run.field}.lockFile does not exist`, options.lockFile, 'a lock file of the project (paths are relative to the project root)');
      return null;
    }
    return { path, kind: options.lockFileKind ?? lockKindOf(path) };
  }
  const dir = pyproject.includes('/') ? pyproject.slice(0, pyproject.lastIndexOf('/') + 1) : '';
  const found: string[] = [];
  for (const name of LOCK_NAMES) {
    const candidate = `${dir}${name}`;
    if (run.files.has(candidate)) found.push(candidate);
    else run.probed.push(candidate);
  }
  if (found.length > 1) {
    run.problems.add(`${run.field} finds more than one lock file beside ${pyproject}`, found.join(', '), 'the lockFile option naming the one to install');
    return null;
  }
  if (found.length === 0) return undefined;
  return { path: found[0], kind: options.lockFileKind ?? lockKindOf(found[0]) };
}

function unlockedRoots(run: ResolveRun, roots: Record<TierName, RootDependency[]>, strict: boolean): void {
  const seen = new Map<string, { tier: TierName; line: string; at: string; req: Requirement }>();
  for (const tier of TIER_NAMES) {
    for (const dep of roots[tier]) {
      if (dep.alternatives.length > 1) {
        run.problems.add(`${dep.at} has a constraint with "||" that pip cannot express`, dep.text, 'one range, or a lock file (poetry.lock)');
        continue;
      }
      const clauses = dep.alternatives[0];
      const req: Requirement = { name: dep.name, key: dep.key, extras: dep.extras, clauses, url: dep.url };
      if (req.url !== undefined) {
        addDirect(run, tier, req, [], dep.at, dep.text);
        continue;
      }
      const pin = exactPin(req);
      const line = requirementLine(req);
      if (pin === undefined) {
        if (strict) {
          run.problems.add(`${dep.at} is not pinned to one version`, dep.text, 'an exact "==" pin (strictPins is on), or a lock file beside the pyproject.toml');
          continue;
        }
        run.warnings.push(`[${run.ctx.path}] ${dep.at}: ${JSON.stringify(dep.text)} is not pinned to one version; the image build resolves it (lock the project: uv lock, poetry lock)`);
      }
      const there = seen.get(dep.key);
      if (there) {
        if (sameRequirement(there.req, req)) continue;
        if (there.tier !== tier) {
          run.problems.add(`${dep.at} asks for ${dep.name} differently than ${there.at} (${there.tier} tier)`, dep.text,
            `the same requirement in every tier (${there.at} has "${there.line}")`);
          continue;
        }
      } else {
        seen.set(dep.key, { tier, line, at: dep.at, req });
      }
      run.place(tier, { name: dep.name, key: dep.key, version: pin, requirement: line, hashes: [], from: dep.at });
    }
  }
}
