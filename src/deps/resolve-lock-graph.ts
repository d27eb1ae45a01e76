import { LockFileKind } from './dependencies';
import { LockGraph, LockPackage } from './locks';
import { RootDependency } from './pyproject';
import { ResolveRun } from './resolve-run';
import { TIER_NAMES, TierName } from './resolved';
import { isSdist } from './target';
import { normalizePackageName } from '../core/names';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';

/**
 * A lock read as a dependency graph (uv.lock, poetry.lock, pylock.toml; the readers are in
 * `locks.ts`) resolved for the image: walked from the roots of each tier, each package picked
 * by its markers and python range, transitive packages in the tier of the first root needing
 * them, and each package's files for the image, hash-checked.
 */

/** The package an edge names: undefined when the lock lacks it, 'skip' when it does not apply to the image. */
function pickPackage(run: ResolveRun, graph: LockGraph, key: string, version: string | undefined): LockPackage | 'skip' | undefined {
  const list = (graph.packages.get(key) ?? []).filter((p) => version === undefined || p.version === version);
  if (list.length === 0) return undefined;
  return list.find((p) => packageApplies(run, p)) ?? 'skip';
}

function packageApplies(run: ResolveRun, p: LockPackage): boolean {
  if (p.requiresPython && !run.admitsPython(p.requiresPython)) return false;
  return run.applies(p.marker, `package ${p.name}`, p.version);
}

export function fromGraph(run: ResolveRun, lockPath: string, graph: LockGraph, roots: Record<TierName, RootDependency[]>): void {
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
    const queue: Array<{ key: string; extras: string[]; version?: string; root?: RootDependency }> =
      roots[tier].map((d) => ({ key: d.key, extras: d.extras, root: d }));
    while (queue.length) {
      const item = queue.shift()!;
      const picked = pickPackage(run, graph, item.key, item.version);
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
            queue.push({ key: edge.key, extras: edge.extras, version: edge.version });
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
  for (const { tier, pkg } of [...assigned.values()]) lockedPackage(run, lockPath, tier, pkg, tool);
}

/** A package a lock takes from an archive url (uv's `source = { url }`), allowed by the options: installed from it, hash-checked. */
function lockedDirect(run: ResolveRun, lockPath: string, tier: TierName, pkg: LockPackage): void {
  const hashes = [...new Set(pkg.artifacts.map((a) => a.sha256).filter((h): h is string => h !== undefined))].sort();
  if (hashes.length === 0) {
    run.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} from ${pkg.directUrl}`, pkg.direct, 'a lock with the hash of the archive');
    return;
  }
  run.warnings.push(`[${run.ctx.path}] ${lockPath}: ${pkg.name} is installed from ${pkg.directUrl}, not from the index (allowDirectReferences)`);
  run.place(tier, { name: pkg.name, key: pkg.key, version: pkg.version, requirement: `${pkg.name} @ ${pkg.directUrl}`, hashes, from: lockPath });
}

function lockedPackage(run: ResolveRun, lockPath: string, tier: TierName, pkg: LockPackage, tool: string): void {
  if (pkg.isProject) return;
  const credential = pkg.direct ? urlCredentialKind(`${pkg.direct} ${pkg.directUrl ?? ''}`) : undefined;
  if (credential) {
    run.problems.addRaw(`${lockPath} installs ${pkg.name} from a source with ${credential}`, '(value hidden)', URL_CREDENTIALS_EXPECTED);
    return;
  }
  if (pkg.direct && run.allowDirect && pkg.directUrl) {
    lockedDirect(run, lockPath, tier, pkg);
    return;
  }
  if (pkg.direct) {
    run.problems.add(`${lockPath} installs ${pkg.name} from a direct reference`, pkg.direct, run.allowDirect
      ? 'packages from an index or from an https archive with a hash (pip cannot hash-check a git checkout or a local path)'
      : 'packages from an index; direct references (git, url, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences for https archives)');
    return;
  }
  const applicable = pkg.artifacts.filter((a) => {
    const wheel = run.tags.applies(a.file);
    return wheel === true || (wheel === undefined && isSdist(a.file));
  });
  if (applicable.length === 0) {
    run.problems.add(`${lockPath} has no wheel or sdist of ${pkg.name} ${pkg.version} for linux/${run.target.arch} with python ${run.target.pythonVersion}`,
      pkg.artifacts.map((a) => a.file).join(', ') || 'no files', `a wheel for cpython ${run.target.pythonVersion.split('.').slice(0, 2).join('.')} on manylinux/${run.target.arch}, or an sdist (run ${tool} for this platform)`);
    return;
  }
  const unhashed = applicable.filter((a) => a.sha256 === undefined);
  if (unhashed.length) {
    run.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} ${pkg.version}`, unhashed.map((a) => a.file).join(', '),
      `a lock with a sha256 hash for every file (run ${tool})`);
    return;
  }
  if (!applicable.some((a) => a.file.endsWith('.whl'))) {
    run.warnings.push(`[${run.ctx.path}] ${lockPath}: ${pkg.name} ${pkg.version} has no wheel for linux/${run.target.arch} with python ${run.target.pythonVersion}; the image build compiles it from its sdist`);
  }
  const hashes = [...new Set(applicable.map((a) => a.sha256!))].sort();
  run.place(tier, { name: pkg.name, key: pkg.key, version: pkg.version, requirement: `${pkg.name}==${pkg.version}`, hashes, from: lockPath });
}
