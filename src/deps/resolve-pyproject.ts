import { LockFileKind, PyprojectDependenciesOptions } from './dependencies';
import { readPoetryLock, readPylock, readUvLock } from './locks';
import { PyprojectContent, PyprojectReader, RootDependency } from './pyproject';
import { fromCompiledLock } from './resolve-compiled-lock';
import { fromGraph } from './resolve-lock-graph';
import { addDirect } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { ResolvedPackage, TIER_NAMES, TierName } from './resolved';
import { expandSelfExtras } from './self-extras';
import { DeclaredSources, PackageSource, readDeclaredSources } from './sources';
import { parseToml } from './toml';
import { normalizePackageName } from '../core/names';
import { oneOf } from '../core/problems';
import {
  combineRequirements, exactPin, Requirement, requirementLine, satisfiesClauses,
} from '../core/requirement-grammar';
import { RequirementTier, TORCH_PACKAGES } from '../core/requirements';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';

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
  const text = run.files.read(`${run.field}.path`, path, 'toml');
  if (text === undefined) return;
  const doc = parseToml(run.problems, path, text);
  if (!doc) return;
  const declared = new PyprojectReader(
    run.problems, path, text, run.target, options.allowDirectReferences === true,
  ).read(doc);
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
  const sources = readDeclaredSources(run.problems, path, text, doc, run.target);
  run.defaultIndex = sources.defaultIndex;
  run.declaredIndexes = sources.indexes;
  const lock = findLock(run, path, options);
  if (!checkSources(run, roots, sources, lock === undefined)) return;
  if (lock === undefined) {
    if (sources.defaultIndex) {
      run.warnings.push(`[${run.ctx.path}] ${path}: the project installs from ${sources.defaultIndex} instead of PyPI; without a lock `
        + `nothing holds the image to that index's packages: build with --build-arg PIP_INDEX_URL=${sources.defaultIndex}, or lock the project`);
    }
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
  const lockText = run.files.read(`${run.field}.lockFile`, lock.path, 'toml');
  if (lockText === undefined) return;
  const lockDoc = parseToml(run.problems, lock.path, lockText);
  if (!lockDoc) return;
  const before = run.problems.count;
  const graph = lock.kind === LockFileKind.UV ? readUvLock(run.problems, lock.path, lockDoc)
    : lock.kind === LockFileKind.POETRY ? readPoetryLock(run.problems, lock.path, lockDoc)
      : readPylock(run.problems, lock.path, lockDoc);
  if (!graph || run.problems.count > before) return;
  fromGraph(run, lock.path, graph, roots, project.requiresPython?.alternatives);
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
  // packages of a group or an extra taken into the core tier on their own (a server's web stack in a dev
  // group)
  const declared = [
    ...project.main, ...[...project.groups.values()].flat(), ...[...project.extras.values()].flat(),
  ];
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

/**
 * The lock to read: given, or the one beside the pyproject.toml. Null after a problem, undefined for none.
 */
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

/**
 * Without a lock, each tier takes its roots as declared; the declarations of one package are
 * read together as pip reads them (`combineRequirements`): in the earliest tier that names it,
 * a range beside a pin is the pin, extras united; a real conflict is one error naming both.
 */
function unlockedRoots(run: ResolveRun, roots: Record<TierName, RootDependency[]>, strict: boolean): void {
  const seen = new Map<string, {
    tier: TierName; at: string; req: Requirement; pkg: ResolvedPackage; decls: RootDependency[];
  }>();
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
      const there = seen.get(dep.key);
      if (!there) {
        const pkg: ResolvedPackage = {
          name: dep.name,
          key: dep.key,
          version: exactPin(req),
          requirement: requirementLine(req),
          hashes: [],
          from: dep.at,
          ...dep.index ? { index: dep.index } : {},
        };
        seen.set(dep.key, { tier, at: dep.at, req, pkg, decls: [dep] });
        run.place(tier, pkg);
        continue;
      }
      const combined = combineRequirements(there.req, req);
      if ('conflict' in combined) {
        const where = `${there.at}${there.tier !== tier ? ` (${there.tier} tier)` : ''}`;
        run.problems.add(`${dep.at} asks for ${dep.name} differently than ${where}`, dep.text,
          `one version of a package that every declaration admits (${there.at} has "${there.pkg.requirement}")`);
        continue;
      }
      const line = requirementLine(combined.requirement);
      const pkg: ResolvedPackage = {
        ...there.pkg,
        name: combined.requirement.name,
        version: exactPin(combined.requirement),
        requirement: line,
        from: line === there.pkg.requirement ? there.pkg.from : `${there.pkg.from}, ${dep.at}`,
      };
      run.replace(there.pkg, pkg);
      seen.set(dep.key, { ...there, req: combined.requirement, pkg, decls: [...there.decls, dep] });
    }
  }
  for (const { pkg, decls } of seen.values()) {
    if (pkg.version !== undefined) continue;
    for (const dep of decls) {
      if (strict) {
        run.problems.add(`${dep.at} is not pinned to one version`, dep.text, 'an exact "==" pin (strictPins is on), or a lock file beside the pyproject.toml');
      } else {
        run.warnings.push(`[${run.ctx.path}] ${dep.at}: ${JSON.stringify(dep.text)} is not pinned to one version; `
          + 'the image build resolves it (lock the project: uv lock, poetry lock)');
      }
    }
  }
}

/** Sources of a locked project's roots no lock records (path, workspace): refused. False after a problem. */
function checkLockedSources(
  run: ResolveRun, roots: Record<TierName, RootDependency[]>, sources: DeclaredSources,
): boolean {
  const before = run.problems.count;
  for (const dep of new Set(TIER_NAMES.flatMap((t) => roots[t]))) {
    const source = sources.byPackage.get(dep.key);
    const recorded = source?.kind === 'index' || source?.kind === 'url' || source?.kind === 'git';
    if (source && !recorded) refuseSource(run, dep, source, false);
  }
  return run.problems.count === before;
}

/**
 * The roots a pyproject.toml binds to a source other than the default index. Never installed
 * from the default index, where anyone can register the name: torch, torchvision and
 * torchaudio from a PyTorch wheel index are the torch tier's (installed from that index); a
 * url or git source is a direct reference (with allowDirectReferences, without a lock; a lock
 * records the archive and its hash); any other is refused with the reason. False after a problem.
 */
function checkSources(
  run: ResolveRun, roots: Record<TierName, RootDependency[]>, sources: DeclaredSources, unlocked: boolean,
): boolean {
  // an index binding of a locked project is the lock's record of the index (see lockedFiles)
  if (!unlocked) return checkLockedSources(run, roots, sources);
  const before = run.problems.count;
  // one root may stand in several tiers (a dependency and an extra): read once
  const done = new Map<string, RootDependency>();
  for (const tier of TIER_NAMES) {
    roots[tier] = roots[tier].map((dep) => {
      const source = sources.byPackage.get(dep.key);
      if (!source) return dep;
      const id = `${dep.key}\0${dep.at}`;
      if (!done.has(id)) done.set(id, refuseSource(run, dep, source, unlocked) ?? dep);
      return done.get(id)!;
    });
  }
  return run.problems.count === before;
}

/**
 * A root bound to a source, as the image honours it: bound to its index (installed from it alone),
 * or a direct reference; the problem when it cannot.
 */
function refuseSource(
  run: ResolveRun, dep: RootDependency, source: PackageSource, unlocked: boolean,
): RootDependency | undefined {
  switch (source.kind) {
    case 'index':
      // the torch tier installs these from TORCH_INDEX_URL (PyTorch's index of the service's variant, or a
      // mirror)
      if (TORCH_PACKAGES.includes(dep.key)) return undefined;
      {
        const credential = urlCredentialKind(source.location);
        if (credential) {
          const what = `${source.at} binds ${dep.name} to an index whose url has ${credential}`;
          run.problems.addRaw(what, '(value hidden)', URL_CREDENTIALS_EXPECTED);
          return undefined;
        }
      }
      // installed from that index alone, through a build arg of its own (a lock records it too)
      return { ...dep, index: { name: source.name ?? source.location, url: source.location } };
    case 'url':
    case 'git':
      if (!unlocked) return undefined; // the lock records the archive or commit; its reader decides
      if (run.allowDirect && /^https:\/\//.test(source.location)) {
        return { ...dep, alternatives: [[]], url: source.kind === 'git' ? `git+${source.location}` : source.location };
      }
      run.problems.add(`${source.at} binds ${dep.name} to a ${source.kind} source`, source.location,
        'a package from the index; a direct reference bypasses the index and the hashes (set allowDirectReferences for https sources, or lock the project)');
      return undefined;
    default:
      run.problems.add(`${source.at} binds ${dep.name} to a ${source.kind === 'path' ? 'local path' : 'workspace member'}`, source.location,
        'a package from the index; a package of this repository is installed as the project\'s own with sources and installProject, '
        + 'never from the index under its name');
      return undefined;
  }
}
