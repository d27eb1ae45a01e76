import { LockFileKind } from './dependencies';
import { LockGraph, LockPackage } from './locks';
import { RootDependency } from './pyproject';
import { ResolveRun } from './resolve-run';
import { ResolvedPackage, TIER_NAMES, TierName } from './resolved';
import { isPypi } from './sources';
import { isSdist } from './target';
import { normalizePackageName } from '../core/names';
import { compareVersions, satisfiesClauses } from '../core/requirement-grammar';
import { TORCH_PACKAGES } from '../core/requirements';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';

/**
 * A lock read as a dependency graph (uv.lock, poetry.lock, pylock.toml; the readers are in
 * `locks.ts`) resolved for the image: walked from the roots of each tier, each package picked
 * by its markers and python range, transitive packages in the tier of the first root needing
 * them, and each package's files for the image, hash-checked.
 */

/** What an edge (or a root) asks of the package it names. */
interface Wanted {
  /** The exact version (uv names it when a package has several). */
  readonly version?: string;
  /** The versions allowed, as clause lists (any of them): a root's range, a poetry edge's constraint. */
  readonly alternatives?: readonly string[][];
  /**
   * Poetry before lock-version 2.1: the Python ranges (each as clause lists) a root is declared
   * for, the project's and its own; poetry's walker takes only an entry whose python-versions
   * admit all of them (`allows_all`), never one that fits the image's Python alone.
   */
  readonly pythonRanges?: ReadonlyArray<readonly string[][]>;
}

/**
 * The package an edge names, as the lock's own tool picks it: among the entries of that name
 * whose markers and Python range take the image (uv's `resolution-markers`, pylock's `marker`
 * and `requires-python`, poetry's `python-versions` and, from lock-version 2.1, its groups and
 * markers), those the edge allows, the highest version first (poetry's exporter prefers it).
 * Undefined when the lock lacks the name, 'skip' when no entry applies to the image. When no
 * applicable entry fits the edge, the highest applicable one is returned: the caller reports
 * the lock as out of date.
 */
function pickPackage(
  run: ResolveRun, graph: LockGraph, key: string, wanted: Wanted,
): LockPackage | 'skip' | undefined {
  const list = (graph.packages.get(key) ?? [])
    .filter((p) => wanted.version === undefined || p.version === wanted.version);
  if (list.length === 0) return undefined;
  const applicable = list.filter((p) => packageApplies(run, p));
  if (applicable.length === 0) return 'skip';
  const fitting = applicable.filter((p) => wanted.alternatives === undefined
    || wanted.alternatives.some((alt) => satisfiesClauses(p.version, alt)));
  const forAll = fitting.filter((p) => wanted.pythonRanges === undefined || p.pythonAlternatives === undefined
    || allowsAll(p.pythonAlternatives, wanted.pythonRanges));
  const pool = forAll.length > 0 ? forAll : fitting.length > 0 ? fitting : applicable;
  return [...pool].sort((a, b) => compareVersions(b.version, a.version))[0];
}

function fits(p: LockPackage, wanted: Wanted): boolean {
  return (wanted.version === undefined || wanted.version === p.version)
    && (wanted.alternatives === undefined
      || wanted.alternatives.some((alt) => satisfiesClauses(p.version, alt)));
}

function packageApplies(run: ResolveRun, p: LockPackage): boolean {
  if (p.requiresPython && !run.admitsPython(p.requiresPython)) return false;
  if (p.pythonAlternatives
    && !p.pythonAlternatives.some((alt) => satisfiesClauses(run.target.pythonVersion, alt))) return false;
  if (p.groups) return poetryGroupsApply(run, p);
  return run.applies(p.marker, `package ${p.name}`, p.version);
}

/**
 * Poetry's own selection from a lock-version 2.1 (`Locker.locked_packages`): a package is
 * installed when one of its groups is installed (main, and the groups the options name) and
 * that group's marker holds, `extra` standing for each extra asked for.
 */
function poetryGroupsApply(run: ResolveRun, p: LockPackage): boolean {
  const extras = run.selection.extras.length ? run.selection.extras : [''];
  for (const [group, marker] of p.groups!) {
    if (group !== 'main' && !run.selection.groups.includes(group)) continue;
    if (extras.some((extra) => run.applies(marker, `package ${p.name}`, p.version, extra))) return true;
  }
  return false;
}

export function fromGraph(
  run: ResolveRun, lockPath: string, graph: LockGraph, roots: Record<TierName, RootDependency[]>,
  projectPython?: string[][],
): void {
  // poetry's exporter walks a lock before 2.1 from the roots with their Python ranges (see Wanted)
  const poetryWalk = run.lockKind === LockFileKind.POETRY && !graph.groupsAndMarkers;
  const tool = run.toolFor(run.lockKind!);
  if (graph.requiresPython && !run.admitsPython(graph.requiresPython)) {
    run.problems.add(`${lockPath} does not cover python ${run.target.pythonVersion}`, graph.requiresPython, `a lock whose requires-python admits the image's python (run ${tool})`);
    return;
  }
  if (graph.environments?.length && !graph.environments.some((m) => run.applies(m, `${lockPath} environments`, ''))) {
    run.problems.add(`${lockPath} does not cover linux/${run.target.arch} with python ${run.target.pythonVersion}`, 'environments',
      'a lock whose environments include the image');
    return;
  }
  const assigned = new Map<string, { tier: TierName; pkg: LockPackage }>();
  const activated = new Set<string>();
  for (const tier of TIER_NAMES) {
    type Item = { key: string; extras: string[]; wanted: Wanted; root?: RootDependency };
    const queue: Item[] = roots[tier].map((d) => ({
      key: d.key,
      extras: d.extras,
      wanted: {
        alternatives: d.alternatives,
        ...poetryWalk ? { pythonRanges: [projectPython ?? [[]], d.python ?? [[]]] } : {},
      },
      root: d,
    }));
    while (queue.length) {
      const item = queue.shift()!;
      // a package already chosen that this edge also allows stays chosen (one version per image)
      const chosen = assigned.get(item.key)?.pkg;
      const picked = chosen && fits(chosen, item.wanted)
        ? chosen : pickPackage(run, graph, item.key, item.wanted);
      if (picked === 'skip' && item.root) {
        run.problems.add(`${lockPath} is out of date: it locks ${item.root.name} (${item.root.at}) for other platforms only`, item.root.text,
          `a lock for linux/${run.target.arch} with python ${run.target.pythonVersion} (run ${tool})`);
        continue;
      }
      if (picked === 'skip') continue;
      const pkg = picked;
      if (item.root) {
        if (!run.checkRoot(lockPath, item.root, pkg?.version, tool)) continue;
      } else if (!pkg) {
        run.problems.add(`${lockPath} is inconsistent: a dependency is not in it`, item.key, `a complete lock (run ${tool})`);
        continue;
      }
      const there = assigned.get(pkg!.key);
      if (there && there.pkg.version !== pkg!.version) {
        run.problems.add(`${lockPath} pins ${pkg!.name} at two versions for this image`, `${there.pkg.version} and ${pkg!.version}`,
          'one version of a package in the image');
        continue;
      }
      if (!there) assigned.set(pkg!.key, { tier, pkg: pkg! });
      for (const extra of ['', ...item.extras.map(normalizePackageName)]) {
        const id = `${pkg!.key}@${pkg!.version}[${extra}]`;
        if (activated.has(id)) continue;
        activated.add(id);
        const edges = extra === '' ? pkg!.deps : pkg!.extraDeps.get(extra);
        if (edges === undefined) {
          if (run.lockKind !== LockFileKind.PYLOCK) {
            run.problems.add(`${lockPath} is out of date: ${pkg!.name} has no extra ${JSON.stringify(extra)}`, extra, `a lock made with the extras the project asks for (run ${tool})`);
          }
          continue;
        }
        for (const edge of edges) {
          if (run.applies(edge.marker, `${lockPath} package ${pkg!.name}`, edge.key, extra)) {
            queue.push({
              key: edge.key,
              extras: edge.extras,
              wanted: { version: edge.version, alternatives: edge.constraint },
            });
          }
        }
      }
    }
  }
  if (!graph.hasGraph) {
    // A pylock.toml without dependency edges: a selected package beyond the roots goes to the
    // first tier whose extras or groups select it, or to the project's tier when its marker
    // names neither.
    for (const [key, list] of graph.packages) {
      if (assigned.has(key)) continue;
      const pkg = list.find((p) => packageApplies(run, p));
      if (!pkg) continue;
      const text = JSON.stringify(pkg.marker ?? {});
      const selective = text.includes('"dependency_groups"') || text.includes('"extras"');
      const tier = !selective ? run.projectTier
        : TIER_NAMES.find((t) => run.applies(pkg.marker, `package ${pkg.name}`, pkg.version, '', run.tierSelection[t])) ?? run.projectTier;
      assigned.set(key, { tier, pkg });
    }
  }
  run.lockIndex = lockDefaultIndex(run, [...assigned.values()].map(({ pkg }) => pkg));
  for (const { tier, pkg } of [...assigned.values()]) lockedPackage(run, lockPath, tier, pkg, tool);
  const own = run.lockIndex;
  if (own !== undefined && !isPypi(own)
    && [...assigned.values()].some(({ pkg }) => sameIndex(indexOf(pkg), own))) {
    run.warnings.push(`[${run.ctx.path}] ${lockPath}: packages come from ${own} instead of PyPI: `
      + `build with --build-arg PIP_INDEX_URL=${own} (the hashes hold each package to the lock's files)`);
  }
  if (run.ctx.buildRequires?.length) buildClosure(run, lockPath, graph, run.ctx.buildRequires, tool);
}

/**
 * The build requirements a lock holds, with everything they need for the image (the lock's
 * edges, without extras), each pinned with the hashes of its files: what the project stage
 * installs with --require-hashes --no-deps. Names the lock lacks are `missing`.
 */
function buildClosure(
  run: ResolveRun, lockPath: string, graph: LockGraph, names: readonly string[], tool: string,
): void {
  const missing = names.filter((n) => !graph.packages.has(n));
  if (missing.length) {
    run.build = { packages: [], missing };
    return;
  }
  const chosen = new Map<string, LockPackage>();
  const queue: Array<{ key: string; wanted: Wanted }> = names.map((key) => ({ key, wanted: {} }));
  while (queue.length) {
    const { key, wanted } = queue.shift()!;
    if (chosen.has(key)) continue;
    const pkg = pickPackage(run, graph, key, wanted);
    if (pkg === undefined || pkg === 'skip') continue;
    chosen.set(key, pkg);
    for (const edge of pkg.deps) {
      if (run.applies(edge.marker, `${lockPath} package ${pkg.name}`, edge.key)) queue.push({ key: edge.key, wanted: { version: edge.version, alternatives: edge.constraint } });
    }
  }
  const packages: ResolvedPackage[] = [];
  for (const pkg of chosen.values()) {
    const files = lockedFiles(run, lockPath, pkg, tool);
    if (files) packages.push(files);
  }
  run.build = { packages, missing: [] };
}

/**
 * A package a lock takes from an archive url (uv's `source = { url }`), allowed by the options: installed
 * from it, hash-checked.
 */
function lockedDirect(run: ResolveRun, lockPath: string, tier: TierName, pkg: LockPackage): void {
  const hashes = [
    ...new Set(pkg.artifacts.map((a) => a.sha256).filter((h): h is string => h !== undefined)),
  ].sort();
  if (hashes.length === 0) {
    run.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} from ${pkg.directUrl}`, pkg.direct, 'a lock with the hash of the archive');
    return;
  }
  run.warnings.push(`[${run.ctx.path}] ${lockPath}: ${pkg.name} is installed from ${pkg.directUrl}, not from the index (allowDirectReferences)`);
  run.place(tier, { name: pkg.name, key: pkg.key, version: pkg.version, requirement: `${pkg.name} @ ${pkg.directUrl}`, hashes, from: lockPath });
}

function lockedPackage(
  run: ResolveRun, lockPath: string, tier: TierName, pkg: LockPackage, tool: string,
): void {
  if (pkg.isProject) return;
  if (pkg.direct && run.allowDirect && pkg.directUrl) {
    const credential = urlCredentialKind(`${pkg.direct} ${pkg.directUrl}`);
    if (!credential) {
      lockedDirect(run, lockPath, tier, pkg);
      return;
    }
  }
  const resolved = lockedFiles(run, lockPath, pkg, tool);
  if (resolved) run.place(tier, resolved);
}

/** A locked package from an index, with the hashes of its files for the image; undefined after a problem. */
function lockedFiles(
  run: ResolveRun, lockPath: string, pkg: LockPackage, tool: string,
): ResolvedPackage | undefined {
  const credential = pkg.direct ? urlCredentialKind(`${pkg.direct} ${pkg.directUrl ?? ''}`) : undefined;
  if (credential) {
    run.problems.addRaw(`${lockPath} installs ${pkg.name} from a source with ${credential}`, '(value hidden)', URL_CREDENTIALS_EXPECTED);
    return undefined;
  }
  if (pkg.direct) {
    run.problems.add(`${lockPath} installs ${pkg.name} from a direct reference`, pkg.direct, run.allowDirect
      ? 'packages from an index or from an https archive with a hash (pip cannot hash-check a git checkout or a local path)'
      : 'packages from an index; direct references (git, url, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences for https archives)');
    return undefined;
  }
  // torch, torchvision and torchaudio are the torch tier's, installed from TORCH_INDEX_URL whatever index
  // locked them
  let index: { name: string; url: string } | undefined;
  if (!pkg.direct && !sameIndex(indexOf(pkg), run.lockIndex) && !TORCH_PACKAGES.includes(pkg.key)) {
    const declared = [...run.declaredIndexes].find(([, url]) => sameIndex(indexOf(pkg), url));
    if (!declared) {
      const what = `${lockPath} installs ${pkg.name} ${pkg.version} from the index ${indexOf(pkg)}, `
        + 'which the pyproject.toml does not declare';
      run.problems.add(what, indexOf(pkg), 'packages from the index the image installs from (PIP_INDEX_URL), '
        + 'or from an index the project declares ([[tool.uv.index]], [[tool.poetry.source]]), '
        + 'installed from it alone: '
        + 'never taken from the default one');
      return undefined;
    }
    index = { name: declared[0], url: declared[1] };
  }
  const applicable = pkg.artifacts.filter((a) => {
    const wheel = run.tags.applies(a.file);
    return wheel === true || (wheel === undefined && isSdist(a.file));
  });
  if (applicable.length === 0) {
    run.problems.add(`${lockPath} has no wheel or sdist of ${pkg.name} ${pkg.version} for linux/${run.target.arch} with python ${run.target.pythonVersion}`,
      pkg.artifacts.map((a) => a.file).join(', ') || 'no files', `a wheel for cpython ${run.target.pythonVersion.split('.').slice(0, 2).join('.')} on manylinux/${run.target.arch}, or an sdist (run ${tool} for this platform)`);
    return undefined;
  }
  const unhashed = applicable.filter((a) => a.sha256 === undefined);
  if (unhashed.length) {
    run.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} ${pkg.version}`, unhashed.map((a) => a.file).join(', '),
      `a lock with a sha256 hash for every file (run ${tool})`);
    return undefined;
  }
  if (!applicable.some((a) => a.file.endsWith('.whl'))) {
    run.warnings.push(`[${run.ctx.path}] ${lockPath}: ${pkg.name} ${pkg.version} has no wheel for linux/${run.target.arch} with python ${run.target.pythonVersion}; the image build compiles it from its sdist`);
  }
  const hashes = [...new Set(applicable.map((a) => a.sha256!))].sort();
  return {
    name: pkg.name,
    key: pkg.key,
    version: pkg.version,
    requirement: `${pkg.name}==${pkg.version}`,
    hashes,
    from: lockPath,
    ...index ? { index } : {},
  };
}

/**
 * The index a lock's packages come from by default: the project's declared default, else the
 * one index every package (torch's own from a PyTorch index aside) was locked from (a lock made
 * against a mirror names the mirror for all), else PyPI. Packages locked from any other index
 * are bound to it and refused (see `lockedFiles`).
 */
function lockDefaultIndex(run: ResolveRun, packages: readonly LockPackage[]): string {
  if (run.defaultIndex !== undefined) return run.defaultIndex;
  const indexes = [...new Set(packages
    .filter((p) => !p.direct && !p.isProject && !TORCH_PACKAGES.includes(p.key))
    .map(indexOf))];
  if (indexes.length === 1) return indexes[0];
  return indexes.find(isPypi) ?? PYPI_INDEX;
}

const PYPI_INDEX = 'https://pypi.org/simple';

/** The index a locked package came from: poetry.lock and pylock.toml name only other indexes than PyPI. */
function indexOf(p: LockPackage): string {
  return p.index ?? PYPI_INDEX;
}

function sameIndex(a: string, b: string | undefined): boolean {
  const norm = (url: string) => url.replace(/\/+$/, '');
  return b !== undefined && (norm(a) === norm(b) || (isPypi(a) && isPypi(b)));
}

/**
 * Whether Python ranges (clause lists, any of them) admit every Python that all the `ranges`
 * admit together: poetry's `allows_all`, decided on the versions where ranges can differ (each
 * 3.x.0 and the boundaries the clauses name, with their neighbours).
 */
function allowsAll(candidate: readonly string[][], ranges: ReadonlyArray<readonly string[][]>): boolean {
  const admits = (alts: readonly string[][], v: string) => alts.some((alt) => satisfiesClauses(v, alt));
  const named = [candidate, ...ranges].flat(2).map((c) => /(\d+)\.(\d+)(?:\.(\d+))?/.exec(c)).filter((m): m is RegExpExecArray => m !== null);
  const grid = new Set<string>();
  for (let minor = 0; minor <= 30; minor++) grid.add(`3.${minor}.0`);
  for (const [, major, minor, patch] of named) {
    const p = Number(patch ?? 0);
    for (const q of [p - 1, p, p + 1]) if (q >= 0) grid.add(`${major}.${minor}.${q}`);
  }
  return [...grid].every((v) => !ranges.every((r) => admits(r, v)) || admits(candidate, v));
}
