import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as pep440 from '@renovatebot/pep440';
import { Dependencies, DependencySpec, LockFileKind, PYPROJECT_SHAPE, PyprojectDependenciesOptions, REQUIREMENTS_FILES_SHAPE, RequirementsFilesOptions } from './dependencies';
import { ProjectFiles } from './files';
import { LockGraph, LockPackage, readPoetryLock, readPylock, readUvLock } from './locks';
import { PyprojectContent, PyprojectReader, RootDependency } from './pyproject';
import { exactPin, Requirement, requirementLine, satisfiesClauses } from './requirement';
import { FileRequirement, RequirementFileReader } from './requirements-file';
import { isSdist, markerEnvironment, Target, TargetArch, WheelTags } from './target';
import { parseToml } from './toml';
import { normalizePackageName } from '../core/names';
import { evaluateMarker, markerLint, MarkerEvaluationError, MarkerNode } from '../core/pep508-marker';
import { PLATFORM_MACHINES } from '../core/platform';
import { checkShape, oneOf, Problems } from '../core/problems';
import { RequirementTier, TORCH_PACKAGES } from '../core/requirements';
import { z } from '../core/shape';

/** Where and for what the dependencies are resolved. */
export interface ResolveContext {
  /** The project root: every path of the options is relative to it. */
  readonly projectRoot: string;
  /** The image's exact CPython version, `3.11.9`. */
  readonly pythonVersion: string;
  /** The image's platform, as Docker names it. */
  readonly platform: 'linux/amd64' | 'linux/arm64';
  /**
   * Every platform of an image built for several (`platform` is then the first): with two or
   * more, `resolveWithCache` resolves for each and merges them (`resolveForPlatforms`).
   * Default: `platform` alone.
   */
  readonly platforms?: ReadonlyArray<'linux/amd64' | 'linux/arm64'>;
  /** The construct path, for messages (`vision/api`). */
  readonly path: string;
  /** The image's glibc (`2.35` for Ubuntu 22.04 CUDA images, `2.36` for Debian 12). Default 2.35. */
  readonly glibcVersion?: string;
  /** The prop name the dependencies were given as, for messages. Default `dependencies`. */
  readonly field?: string;
  /**
   * A directory for resolved results (e.g. `node_modules/.cache/projen-ml-docker`): a result
   * is reused while every file it read has the same content and every lock name it probed
   * is still absent, so a re-synth does not parse an unchanged lock again. Default: no cache.
   */
  readonly cacheDir?: string;
  /**
   * Turns every unpinned requirement into an error, whatever the options say (the project's
   * `strictPins`). Default false.
   */
  readonly strictPins?: boolean;
}

/** One installed package of a tier. */
export interface ResolvedPackage {
  readonly name: string;
  /** PEP 503 normalized name. */
  readonly key: string;
  /** The exact version, when pinned (always from a lock). */
  readonly version?: string;
  /** The requirement as written to the tier file's first line: `numpy==2.1.3` or `fastapi>=0.110`. */
  readonly requirement: string;
  /** sha256 hashes (lowercase hex), sorted; empty when not locked. */
  readonly hashes: string[];
  /** Where it comes from: `requirements.txt:4`, or the lock file. */
  readonly from: string;
  /**
   * Set by `resolveForPlatforms` when the package is only for some of the platforms:
   * `platform_machine == "x86_64"`. Written after the requirement, before the hashes.
   */
  readonly marker?: string;
}

/** The torch packages of the dependencies, kept out of the tiers. */
export interface ResolvedTorch {
  /** torch's (or, without torch, the first torch package's) version without its local label, `2.5.1`. */
  readonly version?: string;
  /** The local label of the locked versions: `cu124`, `cpu`, or undefined for a plain version. */
  readonly local?: string;
  /** torch, torchvision, torchaudio as found, with their hashes when locked. */
  readonly packages: ResolvedPackage[];
}

export type TierName = 'ml' | 'core' | 'dev';

/** The result of `resolveDependencies`. */
export interface ResolvedDependencies {
  /** Lines of each tier's requirement file, ready to write (joined with "\n", plus a final newline). */
  readonly tiers: Record<TierName, string[]>;
  /** The same packages, structured. */
  readonly packages: Record<TierName, ResolvedPackage[]>;
  /** Constraint lines (`-c` files of unlocked requirement files), for a constraints file. */
  readonly constraints: string[];
  /** True when every tier is exact pins with hashes: install with `--require-hashes --no-deps`. */
  readonly locked: boolean;
  /** The lock file read, relative to the project root. */
  readonly lockFile?: string;
  readonly lockKind?: LockFileKind;
  /** One line per unpinned requirement (file and line) and per package built from source. */
  readonly warnings: string[];
  /** Every file read, relative to the project root, sorted: re-synthesize when one changes. */
  readonly inputs: string[];
  /** Lock file names looked for beside pyproject.toml that were absent (a new one changes the result). */
  readonly probed: string[];
  readonly torch?: ResolvedTorch;
}

const TIER_NAMES: readonly TierName[] = ['ml', 'core', 'dev'];
const LOCK_NAMES = ['uv.lock', 'poetry.lock', 'pylock.toml'];

function lockKindOf(path: string): LockFileKind {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'uv.lock') return LockFileKind.UV;
  if (base === 'poetry.lock') return LockFileKind.POETRY;
  if (/^pylock(\.[^.]+)?\.toml$/.test(base)) return LockFileKind.PYLOCK;
  return LockFileKind.PIP_COMPILE;
}

/** The requirement-file lines of one package: the requirement (with its marker), then one `--hash` per line. */
export function packageLines(p: ResolvedPackage): string[] {
  const first = p.marker ? `${p.requirement} ; ${p.marker}` : p.requirement;
  if (p.hashes.length === 0) return [first];
  return [`${first} \\`, ...p.hashes.map((h, i) => `    --hash=sha256:${h}${i < p.hashes.length - 1 ? ' \\' : ''}`)];
}

function byKey(a: ResolvedPackage, b: ResolvedPackage): number {
  const x = `${a.key}\0${a.requirement}\0${a.marker ?? ''}`;
  const y = `${b.key}\0${b.requirement}\0${b.marker ?? ''}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

class Resolver {
  private readonly problems: Problems;
  private readonly target: Target;
  private readonly tags: WheelTags;
  private readonly warnings: string[] = [];
  private readonly files: ProjectFiles;
  private readonly field: string;
  private readonly packages: Record<TierName, ResolvedPackage[]> = { ml: [], core: [], dev: [] };
  private readonly torch: ResolvedPackage[] = [];
  private readonly constraints: string[] = [];
  private readonly probed: string[] = [];
  private locked = false;
  /** Extras and groups asked for, by tier and in all (PEP 751 selects pylock packages with them). */
  private selection = { extras: [] as string[], groups: [] as string[] };
  private readonly tierSelection: Record<TierName, { extras: string[]; groups: string[] }> = {
    ml: { extras: [], groups: [] }, core: { extras: [], groups: [] }, dev: { extras: [], groups: [] },
  };
  private projectTier: TierName = 'core';
  private allowDirect = false;
  private lockFile?: string;
  private lockKind?: LockFileKind;

  constructor(private readonly ctx: ResolveContext) {
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

  public run(deps: Dependencies): ResolvedDependencies {
    const spec = (deps as unknown as { _spec?: DependencySpec })?._spec;
    if (!(deps instanceof Dependencies) || !spec) {
      this.problems.add(`${this.field} has the wrong type`, deps, 'Dependencies.fromRequirementsFiles(...) or Dependencies.fromPyproject(...)');
    } else {
      // checked under the prop's name, so that problems read "dependencies.core[0] ..."
      const shape = spec.kind === 'requirements-files' ? REQUIREMENTS_FILES_SHAPE : PYPROJECT_SHAPE;
      if (checkShape(this.problems, z.strictObject({ [this.field]: shape }), { [this.field]: spec.options })) {
        if (spec.kind === 'requirements-files') this.fromRequirementFiles(spec.options);
        else this.fromPyproject(spec.options);
      }
    }
    this.problems.throwIfAny();
    return this.result();
  }

  private result(): ResolvedDependencies {
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
      const mismatch = this.torch.find((p) => p.version !== undefined && p.version.split('+')[1] !== local);
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
    };
  }

  private applies(marker: MarkerNode | undefined, where: string, text: string, extra = '',
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

  // ---------------------------------------------------------------- requirement files

  private fromRequirementFiles(options: RequirementsFilesOptions): void {
    const reader = new RequirementFileReader(this.files, this.problems, options.allowDirectReferences === true);
    const byTier: Record<TierName, FileRequirement[]> = { ml: [], core: [], dev: [] };
    const constraints: FileRequirement[] = [];
    for (const tier of TIER_NAMES) {
      (options[tier] ?? []).forEach((path, i) => {
        const content = reader.read(`${this.field}.${tier}[${i}]`, path);
        byTier[tier].push(...content.requirements.filter((r) => this.fileLineApplies(r)));
        constraints.push(...content.constraints.filter((r) => this.fileLineApplies(r)));
      });
    }
    const all = TIER_NAMES.flatMap((t) => byTier[t]);
    const hashed = all.filter((r) => r.hashes.length > 0);
    this.locked = hashed.length > 0;
    if (this.locked) {
      this.lockKind = LockFileKind.PIP_COMPILE;
      for (const r of all.filter((x) => x.hashes.length === 0)) {
        this.problems.add(`${r.file}:${r.line} has no --hash`, r.text,
          `a --hash=sha256:... for every requirement once one has a hash (pip's hash-checking mode; ${hashed[0].file}:${hashed[0].line} has hashes)`);
      }
    }
    const seen = new Map<string, { tier: TierName; pkg: ResolvedPackage }>();
    for (const tier of TIER_NAMES) {
      for (const r of byTier[tier]) this.addFileRequirement(tier, r, seen, options.strictPins === true || this.ctx.strictPins === true);
    }
    for (const c of constraints) {
      const there = seen.get(c.req.key);
      if (this.locked) {
        if (there?.pkg.version && !satisfiesClauses(there.pkg.version, c.req.clauses)) {
          this.problems.add(`${c.file}:${c.line} constrains ${c.req.name} to another version than the pin of ${there.pkg.from}`, c.text,
            `a constraint that admits ${there.pkg.name}==${there.pkg.version}`);
        }
      } else {
        this.constraints.push(requirementLine({ ...c.req, markerText: undefined, extras: [] }));
      }
    }
  }

  private fileLineApplies(r: FileRequirement): boolean {
    if (r.req.marker) {
      const lint = markerLint(r.req.marker);
      if (lint.length) {
        this.problems.add(`${r.file}:${r.line} has a marker pip reads differently (${lint.join('; ')})`, r.text, 'a marker on the python version, platform or implementation');
        return false;
      }
    }
    return this.applies(r.req.marker, `${r.file}:${r.line}`, r.text);
  }

  private addFileRequirement(tier: TierName, r: FileRequirement, seen: Map<string, { tier: TierName; pkg: ResolvedPackage }>, strict: boolean): void {
    const at = `${r.file}:${r.line}`;
    if (r.req.url !== undefined) {
      this.addDirect(tier, r.req, r.hashes, at, r.text);
      return;
    }
    const pin = exactPin(r.req);
    if (this.locked && r.hashes.length > 0 && pin === undefined) {
      this.problems.add(`${at} has hashes but is not pinned with ==`, r.text, 'an exact "name==version" pin beside --hash options (pip refuses anything else in hash-checking mode)');
      return;
    }
    const requirement = this.locked ? `${r.req.name}==${pin}` : requirementLine({ ...r.req, markerText: undefined });
    const pkg: ResolvedPackage = { name: r.req.name, key: r.req.key, version: pin, requirement, hashes: [...new Set(r.hashes)].sort(), from: at };
    const there = seen.get(r.req.key);
    if (there) {
      const same = this.locked ? there.pkg.version === pin : there.pkg.requirement === requirement;
      if (same) return;
      if (there.tier !== tier || this.locked || (pin !== undefined && there.pkg.version !== undefined)) {
        this.problems.add(`${at} pins ${r.req.name} differently than ${there.pkg.from}${there.tier !== tier ? ` (${there.tier} tier)` : ''}`, r.text,
          `one version of a package in the image (${there.pkg.from} has "${there.pkg.requirement}")`);
        return;
      }
    } else {
      seen.set(r.req.key, { tier, pkg });
    }
    if (!this.locked && pin === undefined) {
      if (strict) {
        this.problems.add(`${at} is not pinned to one version`, r.text, 'an exact "name==version" pin (strictPins is on), or a lock file with hashes');
        return;
      }
      this.warnings.push(`[${this.ctx.path}] ${at}: ${JSON.stringify(r.text)} is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`);
    }
    this.place(tier, pkg);
  }

  /** A direct reference the options allow: a warning; with a lock, an archive with its hashes only. */
  private addDirect(tier: TierName, req: Requirement, hashes: string[], at: string, text: string): void {
    const url = req.url!;
    if (this.locked && /^[a-z]+\+/.test(url)) {
      this.problems.add(`${at} is a vcs reference, which pip cannot hash-check`, text, 'an archive url with --hash=sha256:... (or a package from the index)');
      return;
    }
    if (this.locked && hashes.length === 0) {
      this.problems.add(`${at} has no --hash`, text, 'a --hash=sha256:... for the archive of a direct reference in a locked install');
      return;
    }
    this.warnings.push(`[${this.ctx.path}] ${at}: ${req.name} is installed from ${url}, not from the index (allowDirectReferences)`);
    const requirement = requirementLine({ ...req, markerText: undefined, extras: this.locked ? [] : req.extras });
    this.place(tier, { name: req.name, key: req.key, requirement, hashes: [...new Set(hashes)].sort(), from: at });
  }

  private place(tier: TierName, pkg: ResolvedPackage): void {
    if (TORCH_PACKAGES.includes(pkg.key)) this.torch.push(pkg);
    else this.packages[tier].push(pkg);
  }

  // ---------------------------------------------------------------- pyproject and locks

  private fromPyproject(options: PyprojectDependenciesOptions): void {
    this.allowDirect = options.allowDirectReferences === true;
    const path = this.files.checkPath(`${this.field}.path`, options.path ?? 'pyproject.toml');
    if (path === undefined) return;
    const text = this.files.read(`${this.field}.path`, path);
    if (text === undefined) return;
    const doc = parseToml(this.problems, path, text);
    if (!doc) return;
    const project = new PyprojectReader(this.problems, path, text, this.target, options.allowDirectReferences === true).read(doc);
    if (!project) return;
    const python = project.requiresPython;
    if (python && !python.alternatives.some((alt) => satisfiesClauses(this.target.pythonVersion, alt))) {
      this.problems.add(`${python.at} does not admit the image's python ${this.target.pythonVersion}`, python.text,
        'a python version of the service that the project supports (change pythonVersion, or the project\'s requires-python)');
      return;
    }
    const roots = this.roots(project, options);
    if (!roots) return;
    const lock = this.findLock(path, options);
    if (lock === undefined) {
      this.unlockedRoots(roots, options.strictPins === true || this.ctx.strictPins === true);
      return;
    }
    if (lock === null) return;
    this.lockFile = lock.path;
    this.lockKind = lock.kind;
    this.locked = true;
    if (lock.kind === LockFileKind.PIP_COMPILE) {
      this.fromCompiledLock(lock.path, roots, options);
      return;
    }
    const lockText = this.files.read(`${this.field}.lockFile`, lock.path);
    if (lockText === undefined) return;
    const lockDoc = parseToml(this.problems, lock.path, lockText);
    if (!lockDoc) return;
    const before = this.problems.count;
    const graph = lock.kind === LockFileKind.UV ? readUvLock(this.problems, lock.path, lockDoc)
      : lock.kind === LockFileKind.POETRY ? readPoetryLock(this.problems, lock.path, lockDoc)
        : readPylock(this.problems, lock.path, lockDoc);
    if (!graph || this.problems.count > before) return;
    this.fromGraph(lock.path, graph, roots);
  }

  /** The roots of each tier, from the options' mapping of extras, groups and packages. */
  private roots(project: PyprojectContent, options: PyprojectDependenciesOptions): Record<TierName, RootDependency[]> | undefined {
    const before = this.problems.count;
    const out: Record<TierName, RootDependency[]> = { ml: [], core: [], dev: [] };
    const projectTier = (options.projectTier ?? RequirementTier.CORE) as TierName;
    const mlPackages = (options.mlPackages ?? []).map(normalizePackageName);
    for (const name of options.mlPackages ?? []) {
      if (!project.main.some((d) => d.key === normalizePackageName(name))) {
        this.problems.add(`${this.field}.mlPackages names a package the project does not depend on`, name,
          `one of the project's dependencies: ${project.main.map((d) => d.name).join(', ') || 'none'}`);
      }
    }
    for (const dep of project.main) out[mlPackages.includes(dep.key) ? 'ml' : projectTier].push(dep);
    const owner = new Map<string, string>();
    const pick = (kind: 'Extras' | 'Groups', tier: TierName, given: string[] | undefined, table: Map<string, RootDependency[]>) => {
      const field = `${this.field}.${tier}${kind}`;
      for (const name of given ?? []) {
        const key = normalizePackageName(name);
        const list = table.get(key);
        if (!list) {
          this.problems.add(`${field} names an unknown ${kind === 'Extras' ? 'extra' : 'dependency group'}`, name,
            table.size ? `one of: ${oneOf([...table.keys()])}` : `none: the pyproject.toml declares no ${kind === 'Extras' ? 'extras' : 'dependency groups'}`);
          continue;
        }
        const first = owner.get(`${kind}:${key}`);
        if (first) {
          this.problems.add(`${field} names ${JSON.stringify(name)}, already given in ${first}`, name, `each ${kind === 'Extras' ? 'extra' : 'group'} in one tier`);
          continue;
        }
        owner.set(`${kind}:${key}`, field);
        out[tier].push(...list);
        const sets = this.tierSelection[tier];
        (kind === 'Extras' ? sets.extras : sets.groups).push(key);
      }
    };
    for (const tier of TIER_NAMES) {
      pick('Extras', tier, options[`${tier}Extras`], project.extras);
      const groups = options[`${tier}Groups`] ?? (tier === 'dev' && project.groups.has('dev') ? ['dev'] : undefined);
      pick('Groups', tier, groups, project.groups);
    }
    this.projectTier = projectTier;
    this.selection = {
      extras: TIER_NAMES.flatMap((t) => this.tierSelection[t].extras),
      groups: TIER_NAMES.flatMap((t) => this.tierSelection[t].groups),
    };
    return this.problems.count > before ? undefined : out;
  }

  /** The lock to read: given, or the one beside the pyproject.toml. Null after a problem, undefined for none. */
  private findLock(pyproject: string, options: PyprojectDependenciesOptions): { path: string; kind: LockFileKind } | null | undefined {
    if (options.lockFile !== undefined) {
      const path = this.files.checkPath(`${this.field}.lockFile`, options.lockFile);
      if (path === undefined) return null;
      if (!this.files.has(path)) {
        this.problems.add(`${this.field}.lockFile does not exist`, options.lockFile, 'a lock file of the project (paths are relative to the project root)');
        return null;
      }
      return { path, kind: options.lockFileKind ?? lockKindOf(path) };
    }
    const dir = pyproject.includes('/') ? pyproject.slice(0, pyproject.lastIndexOf('/') + 1) : '';
    const found: string[] = [];
    for (const name of LOCK_NAMES) {
      const candidate = `${dir}${name}`;
      if (this.files.has(candidate)) found.push(candidate);
      else this.probed.push(candidate);
    }
    if (found.length > 1) {
      this.problems.add(`${this.field} finds more than one lock file beside ${pyproject}`, found.join(', '), 'the lockFile option naming the one to install');
      return null;
    }
    if (found.length === 0) return undefined;
    return { path: found[0], kind: options.lockFileKind ?? lockKindOf(found[0]) };
  }

  private unlockedRoots(roots: Record<TierName, RootDependency[]>, strict: boolean): void {
    const seen = new Map<string, { tier: TierName; line: string; at: string }>();
    for (const tier of TIER_NAMES) {
      for (const dep of roots[tier]) {
        if (dep.alternatives.length > 1) {
          this.problems.add(`${dep.at} has a constraint with "||" that pip cannot express`, dep.text, 'one range, or a lock file (poetry.lock)');
          continue;
        }
        const clauses = dep.alternatives[0];
        const req: Requirement = { name: dep.name, key: dep.key, extras: dep.extras, clauses, url: dep.url };
        if (req.url !== undefined) {
          this.addDirect(tier, req, [], dep.at, dep.text);
          continue;
        }
        const pin = exactPin(req);
        const line = requirementLine(req);
        if (pin === undefined) {
          if (strict) {
            this.problems.add(`${dep.at} is not pinned to one version`, dep.text, 'an exact "==" pin (strictPins is on), or a lock file beside the pyproject.toml');
            continue;
          }
          this.warnings.push(`[${this.ctx.path}] ${dep.at}: ${JSON.stringify(dep.text)} is not pinned to one version; the image build resolves it (lock the project: uv lock, poetry lock)`);
        }
        const there = seen.get(dep.key);
        if (there) {
          if (there.line === line) continue;
          if (there.tier !== tier) {
            this.problems.add(`${dep.at} asks for ${dep.name} differently than ${there.at} (${there.tier} tier)`, dep.text,
              `the same requirement in every tier (${there.at} has "${there.line}")`);
            continue;
          }
        } else {
          seen.set(dep.key, { tier, line, at: dep.at });
        }
        this.place(tier, { name: dep.name, key: dep.key, version: pin, requirement: line, hashes: [], from: dep.at });
      }
    }
  }

  private checkRoot(lockPath: string, dep: RootDependency, version: string | undefined, tool: string): boolean {
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

  private toolFor(kind: LockFileKind): string {
    return { 'uv': 'uv lock', 'poetry': 'poetry lock', 'pylock': 'the locker again', 'pip-compile': 'pip-compile --generate-hashes' }[kind];
  }

  /** A pip-compile file as the lock of a pyproject.toml: roots to their tiers, the rest to the project's tier. */
  private fromCompiledLock(lockPath: string, roots: Record<TierName, RootDependency[]>, options: PyprojectDependenciesOptions): void {
    const content = new RequirementFileReader(this.files, this.problems, options.allowDirectReferences === true).read(`${this.field}.lockFile`, lockPath);
    const lines = content.requirements.filter((r) => this.fileLineApplies(r));
    const lineOf = new Map(lines.map((r) => [r.req.key, r]));
    const tierOf = new Map<string, TierName>();
    for (const tier of TIER_NAMES) {
      for (const dep of roots[tier]) {
        const line = lineOf.get(dep.key);
        if (!this.checkRoot(lockPath, dep, line ? exactPin(line.req) ?? '' : undefined, this.toolFor(LockFileKind.PIP_COMPILE))) continue;
        if (!tierOf.has(dep.key)) tierOf.set(dep.key, tier);
      }
    }
    this.locked = true;
    const seen = new Map<string, { tier: TierName; pkg: ResolvedPackage }>();
    for (const r of lines) {
      if (r.hashes.length === 0) {
        this.problems.add(`${r.file}:${r.line} has no --hash`, r.text, 'a lock with --hash=sha256:... on every requirement (pip-compile --generate-hashes)');
        continue;
      }
      this.addFileRequirement(tierOf.get(r.req.key) ?? (options.projectTier ?? RequirementTier.CORE) as TierName, r, seen, true);
    }
  }

  /** The package an edge names: undefined when the lock lacks it, 'skip' when it does not apply to the image. */
  private pickPackage(graph: LockGraph, key: string, version: string | undefined): LockPackage | 'skip' | undefined {
    const list = (graph.packages.get(key) ?? []).filter((p) => version === undefined || p.version === version);
    if (list.length === 0) return undefined;
    return list.find((p) => this.packageApplies(p)) ?? 'skip';
  }

  private packageApplies(p: LockPackage): boolean {
    if (p.requiresPython && !pep440.satisfies(this.target.pythonVersion, p.requiresPython.replace(/\s+/g, ''), { prereleases: true })) return false;
    return this.applies(p.marker, `package ${p.name}`, p.version);
  }

  private fromGraph(lockPath: string, graph: LockGraph, roots: Record<TierName, RootDependency[]>): void {
    const tool = this.toolFor(this.lockKind!);
    if (graph.requiresPython && !pep440.satisfies(this.target.pythonVersion, graph.requiresPython.replace(/\s+/g, ''), { prereleases: true })) {
      this.problems.add(`${lockPath} does not cover python ${this.target.pythonVersion}`, graph.requiresPython, `a lock whose requires-python admits the image's python (run ${tool})`);
      return;
    }
    if (graph.environments?.length && !graph.environments.some((m) => this.applies(m, `${lockPath} environments`, ''))) {
      this.problems.add(`${lockPath} does not cover linux/${this.target.arch} with python ${this.target.pythonVersion}`, 'environments',
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
        const picked = this.pickPackage(graph, item.key, item.version);
        if (picked === 'skip' && item.root) {
          this.problems.add(`${lockPath} is out of date: it locks ${item.root.name} (${item.root.at}) for other platforms only`, item.root.text,
            `a lock for linux/${this.target.arch} with python ${this.target.pythonVersion} (run ${tool})`);
          continue;
        }
        if (picked === 'skip') continue;
        const pkg = picked;
        if (item.root) {
          if (!this.checkRoot(lockPath, item.root, pkg?.version, tool)) continue;
        } else if (!pkg) {
          this.problems.add(`${lockPath} is inconsistent: a dependency is not in it`, item.key, `a complete lock (run ${tool})`);
          continue;
        }
        const there = assigned.get(pkg!.key);
        if (there && there.pkg.version !== pkg!.version) {
          this.problems.add(`${lockPath} pins ${pkg!.name} at two versions for this image`, `${there.pkg.version} and ${pkg!.version}`,
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
            if (this.lockKind !== LockFileKind.PYLOCK) {
              this.problems.add(`${lockPath} is out of date: ${pkg!.name} has no extra ${JSON.stringify(extra)}`, extra, `a lock made with the extras the project asks for (run ${tool})`);
            }
            continue;
          }
          for (const edge of edges) {
            if (this.applies(edge.marker, `${lockPath} package ${pkg!.name}`, edge.key, extra)) {
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
        const pkg = list.find((p) => this.packageApplies(p));
        if (!pkg) continue;
        const text = JSON.stringify(pkg.marker ?? {});
        const selective = text.includes('"dependency_groups"') || text.includes('"extras"');
        const tier = !selective ? this.projectTier
          : TIER_NAMES.find((t) => this.applies(pkg.marker, `package ${pkg.name}`, pkg.version, '', this.tierSelection[t])) ?? this.projectTier;
        assigned.set(key, { tier, pkg });
      }
    }
    for (const { tier, pkg } of [...assigned.values()]) this.lockedPackage(lockPath, tier, pkg, tool);
  }

  /** A package a lock takes from an archive url (uv's `source = { url }`), allowed by the options: installed from it, hash-checked. */
  private lockedDirect(lockPath: string, tier: TierName, pkg: LockPackage): void {
    const hashes = [...new Set(pkg.artifacts.map((a) => a.sha256).filter((h): h is string => h !== undefined))].sort();
    if (hashes.length === 0) {
      this.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} from ${pkg.directUrl}`, pkg.direct, 'a lock with the hash of the archive');
      return;
    }
    this.warnings.push(`[${this.ctx.path}] ${lockPath}: ${pkg.name} is installed from ${pkg.directUrl}, not from the index (allowDirectReferences)`);
    this.place(tier, { name: pkg.name, key: pkg.key, version: pkg.version, requirement: `${pkg.name} @ ${pkg.directUrl}`, hashes, from: lockPath });
  }

  private lockedPackage(lockPath: string, tier: TierName, pkg: LockPackage, tool: string): void {
    if (pkg.isProject) return;
    if (pkg.direct && this.allowDirect && pkg.directUrl) {
      this.lockedDirect(lockPath, tier, pkg);
      return;
    }
    if (pkg.direct) {
      this.problems.add(`${lockPath} installs ${pkg.name} from a direct reference`, pkg.direct, this.allowDirect
        ? 'packages from an index or from an https archive with a hash (pip cannot hash-check a git checkout or a local path)'
        : 'packages from an index; direct references (git, url, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences for https archives)');
      return;
    }
    const applicable = pkg.artifacts.filter((a) => {
      const wheel = this.tags.applies(a.file);
      return wheel === true || (wheel === undefined && isSdist(a.file));
    });
    if (applicable.length === 0) {
      this.problems.add(`${lockPath} has no wheel or sdist of ${pkg.name} ${pkg.version} for linux/${this.target.arch} with python ${this.target.pythonVersion}`,
        pkg.artifacts.map((a) => a.file).join(', ') || 'no files', `a wheel for cpython ${this.target.pythonVersion.split('.').slice(0, 2).join('.')} on manylinux/${this.target.arch}, or an sdist (run ${tool} for this platform)`);
      return;
    }
    const unhashed = applicable.filter((a) => a.sha256 === undefined);
    if (unhashed.length) {
      this.problems.add(`${lockPath} has no sha256 hash for ${pkg.name} ${pkg.version}`, unhashed.map((a) => a.file).join(', '),
        `a lock with a sha256 hash for every file (run ${tool})`);
      return;
    }
    if (!applicable.some((a) => a.file.endsWith('.whl'))) {
      this.warnings.push(`[${this.ctx.path}] ${lockPath}: ${pkg.name} ${pkg.version} has no wheel for linux/${this.target.arch} with python ${this.target.pythonVersion}; the image build compiles it from its sdist`);
    }
    const hashes = [...new Set(applicable.map((a) => a.sha256!))].sort();
    this.place(tier, { name: pkg.name, key: pkg.key, version: pkg.version, requirement: `${pkg.name}==${pkg.version}`, hashes, from: lockPath });
  }
}

/** Bump when the result's shape or meaning changes: older cache entries are then ignored. */
const CACHE_FORMAT = 1;

/** What a cached result depends on beyond the options: the content and location of each file read, the absence of each probed one. */
function fingerprint(root: string, result: ResolvedDependencies): string {
  const hash = createHash('sha256');
  for (const file of result.inputs) {
    const full = join(root, file);
    hash.update(`${file}\0${realpathSync(full)}\0`).update(readFileSync(full)).update('\0');
  }
  for (const file of result.probed) hash.update(`${file}\0${existsSync(join(root, file))}\0`);
  return hash.digest('hex');
}

/**
 * Resolves dependencies for one image: reads the files (never the network), checks them,
 * and returns each tier's requirement-file lines. Throws `MlDockerValidationError` with
 * every problem found.
 */
export function resolveDependencies(deps: Dependencies, ctx: ResolveContext): ResolvedDependencies {
  const { result, store } = resolveWithCache(deps, ctx);
  store?.();
  return result;
}

/**
 * `resolveDependencies` with the cache write left to the caller: `store` (set on a cache miss
 * with a `cacheDir`) writes the entry. A synth calls it once every file is known good, so a
 * failing synth leaves nothing behind in the project.
 */
export function resolveWithCache(deps: Dependencies, ctx: ResolveContext): { readonly result: ResolvedDependencies; readonly store?: () => void } {
  if (!existsSync(ctx.projectRoot)) {
    const problems = new Problems(ctx.path);
    problems.add('project root does not exist', ctx.projectRoot, 'an existing directory');
    problems.throwIfAny();
  }
  const spec = deps instanceof Dependencies ? deps._spec : undefined;
  const resolve = (): ResolvedDependencies => (ctx.platforms !== undefined && new Set(ctx.platforms).size > 1
    ? resolveForPlatforms(deps, ctx, ctx.platforms)
    : new Resolver(ctx).run(deps));
  if (ctx.cacheDir === undefined || spec === undefined) return { result: resolve() };
  const { cacheDir, ...rest } = ctx;
  const key = createHash('sha256').update(JSON.stringify({ CACHE_FORMAT, spec, ctx: { ...rest, projectRoot: realpathSync(ctx.projectRoot) } })).digest('hex');
  const entryFile = join(cacheDir, `deps-${key.slice(0, 40)}.json`);
  try {
    const entry = JSON.parse(readFileSync(entryFile, 'utf-8')) as { fingerprint: string; result: ResolvedDependencies };
    if (entry.fingerprint === fingerprint(ctx.projectRoot, entry.result)) return { result: entry.result };
  } catch {
    // no entry, an unreadable one, or a file it lists is gone: resolve again
  }
  const result = resolve();
  const store = (): void => {
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${entryFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ fingerprint: fingerprint(ctx.projectRoot, result), result }));
      renameSync(tmp, entryFile);
    } catch {
      // a cache that cannot be written only costs time
    }
  };
  return { result, store };
}

const MACHINES = PLATFORM_MACHINES;

/**
 * Resolves for an image built for several platforms (`linux/amd64` and `linux/arm64`): one
 * set of tier files valid on each. A package every platform installs keeps no marker and
 * gets the hashes of the files of all of them; a package (or version) only some install gets
 * a `platform_machine` marker, so pip skips it elsewhere.
 */
export function resolveForPlatforms(deps: Dependencies, ctx: ResolveContext, platforms: ReadonlyArray<ResolveContext['platform']>): ResolvedDependencies {
  const list = [...new Set(platforms)];
  if (list.length === 0) return new Resolver({ ...ctx, platforms: undefined }).run(deps);
  // Resolved here, never cached one by one: only the merged result is (by resolveWithCache,
  // after every check of the synth passed), so a platform that fails leaves no cache entry.
  const results = list.map((platform) => new Resolver({ ...ctx, platform, platforms: undefined }).run(deps));
  if (results.length === 1) return results[0];
  const markerFor = (which: number[]): string | undefined => (which.length === list.length ? undefined
    : which.map((i) => `platform_machine == "${MACHINES[list[i]]}"`).join(' or '));
  const merge = (get: (r: ResolvedDependencies) => ResolvedPackage[]): ResolvedPackage[] => {
    const seen = new Map<string, { pkg: ResolvedPackage; hashes: Set<string>; which: number[] }>();
    results.forEach((r, i) => {
      for (const pkg of get(r)) {
        const id = `${pkg.key}\0${pkg.requirement}`;
        const entry = seen.get(id) ?? { pkg, hashes: new Set<string>(), which: [] };
        pkg.hashes.forEach((h) => entry.hashes.add(h));
        entry.which.push(i);
        seen.set(id, entry);
      }
    });
    return [...seen.values()].map(({ pkg, hashes, which }) => ({ ...pkg, hashes: [...hashes].sort(), marker: markerFor(which) })).sort(byKey);
  };
  const packages = { ml: merge((r) => r.packages.ml), core: merge((r) => r.packages.core), dev: merge((r) => r.packages.dev) };
  const first = results[0];
  const torchPackages = merge((r) => r.torch?.packages ?? []);
  return {
    ...first,
    packages,
    tiers: { ml: packages.ml.flatMap(packageLines), core: packages.core.flatMap(packageLines), dev: packages.dev.flatMap(packageLines) },
    constraints: [...new Set(results.flatMap((r) => r.constraints))].sort(),
    warnings: [...new Set(results.flatMap((r) => r.warnings))],
    inputs: [...new Set(results.flatMap((r) => r.inputs))].sort(),
    probed: [...new Set(results.flatMap((r) => r.probed))],
    torch: first.torch ? { ...first.torch, packages: torchPackages } : undefined,
  };
}
