import { LockFileKind } from './dependencies';
import { ProjectFiles } from './files';
import { RootDependency } from './pyproject';
import { byKey, packageEntry, packageLines, ResolveContext, ResolvedDependencies, ResolvedPackage, ResolvedTorch, TIER_NAMES, TierName } from './resolved';
import { markerEnvironment, Target, TargetArch, WheelTags } from './target';
import { oneOf, Problems } from '../core/problems';
import { evaluateMarker, MarkerEvaluationError, MarkerNode, satisfiesRange, satisfiesClauses } from '../core/requirement-grammar';
import { TORCH_PACKAGES } from '../core/requirements';

/** What a requirement must be to reach a tier file, for messages. */
export const UNREADABLE_EXPECTED = 'one pep 508 requirement on one line: a package name, extras, pep 440 versions '
  + '(or one word of printable ascii after "==="), a marker; no line break, control character, comment or option';

/**
 * One resolution of dependencies for one platform: the image it resolves for (checked once),
 * what it has found so far (packages by tier, torch, constraints, warnings, the lock read) and
 * the checks every source of dependencies shares (markers, python ranges, lock roots). The
 * readers of each source (`resolve-requirement-files.ts`, `resolve-pyproject.ts`,
 * `resolve-lock-graph.ts`, `resolve-compiled-lock.ts`) add to it; `result()` is the outcome.
 */
export class ResolveRun {
  public readonly problems: Problems;
  public readonly target: Target;
  public readonly tags: WheelTags;
  public readonly warnings: string[] = [];
  public readonly files: ProjectFiles;
  public readonly field: string;
  public readonly packages: Record<TierName, ResolvedPackage[]> = { ml: [], core: [], dev: [] };
  public readonly torch: ResolvedPackage[] = [];
  public readonly constraints: string[] = [];
  public readonly probed: string[] = [];
  public locked = false;
  /** Extras and groups asked for, by tier and in all (PEP 751 selects pylock packages with them). */
  public selection = { extras: [] as string[], groups: [] as string[] };
  public readonly tierSelection: Record<TierName, { extras: string[]; groups: string[] }> = {
    ml: { extras: [], groups: [] }, core: { extras: [], groups: [] }, dev: { extras: [], groups: [] },
  };
  public projectTier: TierName = 'core';
  public allowDirect = false;
  public lockFile?: string;
  public lockKind?: LockFileKind;
  /**
   * The index the pyproject.toml makes its default instead of PyPI (uv's default index, Poetry's primary
   * source).
   */
  public defaultIndex?: string;
  /** The indexes the pyproject.toml declares, by name: a locked package from one is installed from it. */
  public declaredIndexes: ReadonlyMap<string, string> = new Map();
  /**
   * The index a lock's packages come from by default (see `lockDefaultIndex`): the one the image must install
   * from.
   */
  public lockIndex?: string;
  /** What the lock holds of `ctx.buildRequires`, when it is a lock and they were asked for. */
  public build?: { packages: ResolvedPackage[]; missing: string[] };

  constructor(public readonly ctx: ResolveContext) {
    this.problems = new Problems(ctx.path);
    this.field = ctx.field ?? 'dependencies';
    const glibc = /^2\.(\d+)$/.exec(ctx.glibcVersion ?? '2.35');
    if (!/^3\.\d+\.\d+$/.test(ctx.pythonVersion)) this.problems.add('python version', ctx.pythonVersion, 'an exact cpython version such as "3.11.9"');
    if (!glibc) this.problems.add('glibc version', ctx.glibcVersion, 'a glibc version such as "2.35"');
    const arch: TargetArch = ctx.platform === 'linux/arm64' ? 'aarch64' : 'x86_64';
    if (ctx.platform !== 'linux/amd64' && ctx.platform !== 'linux/arm64') this.problems.add('platform', ctx.platform, oneOf(['linux/amd64', 'linux/arm64']));
    this.problems.throwIfAny();
    this.target = { pythonVersion: ctx.pythonVersion, arch, glibc: [2, Number(glibc![1])] };
    this.tags = new WheelTags(this.target);
    this.files = new ProjectFiles(ctx.projectRoot, this.problems);
  }

  /**
   * The outcome: each tier's packages sorted and written as lines, torch apart and checked for one variant.
   */
  public result(): ResolvedDependencies {
    const tiers = { ml: [] as string[], core: [] as string[], dev: [] as string[] };
    for (const tier of TIER_NAMES) {
      this.packages[tier].sort(byKey);
      tiers[tier] = this.packages[tier].flatMap(packageLines);
    }
    let torch: ResolvedTorch | undefined;
    if (this.torch.length) {
      this.torch.sort((a, b) => TORCH_PACKAGES.indexOf(a.key) - TORCH_PACKAGES.indexOf(b.key));
      const main = this.torch[0];
      const [pub, local] = main.version ? main.version.split('+') : [undefined, undefined];
      torch = { version: pub, local, packages: this.torch };
      // A companion without a local label beside a labelled torch is the lock's copy from PyPI (uv locks
      // torchvision from PyPI when only torch is bound to PyTorch's index): the service pairs it with
      // torch's build through the wheel matrix, which checks its version, and installs that build from
      // the torch index. Two different labels are two builds and stay refused.
      const mismatch = this.torch.find((p) => {
        const label = p.version?.split('+')[1];
        return p.version !== undefined && label !== local && !(label === undefined && local !== undefined);
      });
      if (mismatch) {
        this.problems.add(`${mismatch.from} pins ${mismatch.name} ${mismatch.version} for another variant than ${main.name} ${main.version}`,
          mismatch.version, `the same local label (${local ? `+${local}` : 'none'}) on torch, torchvision and torchaudio`);
        this.problems.throwIfAny();
      }
    }
    return {
      tiers,
      packages: this.packages,
      constraints: [...new Set(this.constraints)].sort(),
      locked: this.locked,
      lockFile: this.lockFile,
      lockKind: this.lockKind,
      warnings: this.warnings,
      inputs: [...this.files.inputs].sort(),
      probed: this.probed,
      torch,
      ...this.build
        ? { build: { packages: [...this.build.packages].sort(byKey), missing: this.build.missing } }
        : {},
    };
  }

  public applies(marker: MarkerNode | undefined, where: string, text: string, extra = '',
    sets: { extras: string[]; groups: string[] } = this.selection): boolean {
    if (!marker) return true;
    try {
      return evaluateMarker(marker, markerEnvironment(this.target, extra, sets.extras, sets.groups));
    } catch (e) {
      if (!(e instanceof MarkerEvaluationError)) throw e;
      this.problems.add(`${where} has a marker that cannot be evaluated (${e.message})`, text, 'a pep 508 marker pip can evaluate');
      return false;
    }
  }

  /** True when a `requires-python` range admits the image's python. */
  public admitsPython(range: string): boolean {
    return satisfiesRange(this.target.pythonVersion, range);
  }

  /**
   * Adds a package to a tier (torch packages to the torch tier), once it passed the check of
   * every tier file's entry: what a reader let through is never written unchecked.
   */
  public place(tier: TierName, pkg: ResolvedPackage): void {
    const entry = packageEntry(pkg);
    if (typeof entry === 'string') {
      this.problems.add(`${pkg.from} gives ${JSON.stringify(pkg.name)} a requirement pip would not read as written (it ${entry})`,
        pkg.requirement, UNREADABLE_EXPECTED);
      return;
    }
    if (TORCH_PACKAGES.includes(pkg.key)) this.torch.push(pkg);
    else this.packages[tier].push(pkg);
  }


  /** Puts `next` where `previous` was placed (a package read again, combined with its earlier lines). */
  public replace(previous: ResolvedPackage, next: ResolvedPackage): void {
    for (const list of [...TIER_NAMES.map((t) => this.packages[t]), this.torch]) {
      const at = list.indexOf(previous);
      if (at >= 0) list[at] = next;
    }
  }

  public checkRoot(
    lockPath: string, dep: RootDependency, version: string | undefined, tool: string,
  ): boolean {
    if (version === undefined) {
      this.problems.add(`${lockPath} is out of date: ${dep.name} (${dep.at}) is not in it`, dep.text, `a lock that has every dependency of the pyproject.toml (run ${tool})`);
      return false;
    }
    if (!dep.alternatives.some((alt) => satisfiesClauses(version, alt))) {
      this.problems.add(`${lockPath} is out of date: it locks ${dep.name} ${version}, outside what ${dep.at} allows`, dep.text, `a lock within the declared range (run ${tool})`);
      return false;
    }
    return true;
  }

  public toolFor(kind: LockFileKind): string {
    return { 'uv': 'uv lock', 'poetry': 'poetry lock', 'pylock': 'the locker again', 'pip-compile': 'pip-compile --generate-hashes' }[kind];
  }

}
