import { join } from 'path';
import { Component } from 'projen';
import { FileDependencyReport, MergedTiers, checkFileTorch, mergeTiers } from './merged-tiers';
import { ProjectBuild, ProjectBuildOrigin } from './project-install';
import { RequiredFromFiles } from './service-kind';
import { TorchWheels } from './torch';
import {
  ALL_TORCH_PACKAGES, TorchBuild, TorchPackage, packagesWithWheels, torchFamily, variantLabel,
} from './torch-packages';
import { checkTorchCudaMajor } from '../core/cuda-wheels';
import { Problems } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { RequirementSet, RequirementTier, TIER_ORDER } from '../core/requirements';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';
import { TORCH_TIER } from '../core/tier-files';
import { TierRequirement } from '../core/tier-requirement';
import {
  Dependencies, ResolvedDependencies, ResolvedPackage, UNREADABLE_EXPECTED, packageEntry, resolveWithCache,
} from '../deps';
import {
  BUILD_TIER, TIER_TITLES, constraintsFilePath, indexedTierPath, indexSlug, tierFilePath,
} from '../image/image-model';

/** A requirement file besides the tiers (the project's build requirements), as written. */
export interface ExtraRequirements {
  readonly entries: readonly TierRequirement[];
  /** Every entry carries hashes: installed with `--require-hashes --no-deps`. */
  readonly locked: boolean;
  /** Where they come from, for the file's and the Dockerfile's comments. */
  readonly from: string;
}

/** The dependency files resolved for an image and merged with the typed lists. */
export interface ResolvedTiers {
  readonly tiers: MergedTiers;
  readonly report: FileDependencyReport;
  /** torch, torchvision and torchaudio as the dependency files name them (installed by the torch tier). */
  readonly torch: readonly ResolvedPackage[];
  /** The project's build requirements, when they come from the lock. */
  readonly build?: ExtraRequirements;
}

/** What a service's requirement files need to know of it. */
export interface RequirementFilesOwner {
  /** The service construct the files belong to. */
  readonly scope: Component;
  readonly serviceId: string;
  /** The construct path used in messages. */
  readonly path: string;
  readonly pythonVersion: string;
  readonly torch?: TorchWheels;
  /**
   * The dependency files given (the prop, else the project's default), the prop's name for messages, notes on
   * them.
   */
  readonly fileDeps?: { readonly deps: unknown; readonly field: string; readonly notes?: readonly string[] };
  /** The build requirements of the project's wheel (`installProject`), when not in a runtime tier. */
  readonly projectBuild?: ProjectBuild;
  /**
   * What the service's kind needs the dependency files to hold (in a runtime tier), checked once they are
   * read.
   */
  readonly fromDependencyFiles?: RequiredFromFiles;
  /** The packages of the torch tier, read when the file is written. */
  torchPackages(): TorchPackage[];
  /** Every platform the image is built for, the first being the one compose builds. */
  platforms(): Array<'linux/amd64' | 'linux/arm64'>;
}

/** The name of an index a project binds packages to, as written into comments of generated files. */
const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const INDEX_NAME_EXPECTED = 'a name of letters, digits, spaces, ".", "_" and "-", at most 64 characters, '
  + 'starting with a letter or digit';
/** The url of such an index, the default of a Dockerfile build arg: no quote, space, `$` or backslash. */
const INDEX_URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%+\/-]*)?$/;
const INDEX_URL_EXPECTED = 'an http or https url of a host, an optional port and a path of letters, digits '
  + 'and "._~%+/-"';

/**
 * A service's requirement files: one per tier (typed requirements, and the lines its dependency
 * files resolve to for its exact Python and platforms), the torch tier and the constraints. The
 * dependency files are read once per synth, lazily: `addRequirement` may still change a tier.
 * A file's text depends on its tier and lines only, never on the service: BuildKit keys a bound
 * file by its content, so services with the same tiers (a trainer and an inference server on one
 * torch release) build each shared tier once and reuse it.
 */
export class RequirementFiles {
  private readonly files = new Map<RequirementTier, RenderedFile>();
  private constraintsFile?: RenderedFile;
  private merged?: ResolvedTiers;
  /** Writes the resolve cache entry of a fresh resolution, once the synth writes files. */
  private storeResolution?: () => void;

  constructor(private readonly owner: RequirementFilesOwner, private readonly typed: RequirementSet) {
    for (const tier of TIER_ORDER) this.sync(tier);
    const torch = owner.torch;
    if (torch) {
      new RenderedFile(owner.scope, tierFilePath(owner.serviceId, TORCH_TIER), (file) => [
        `# ${file.marker}`,
        `# torch tier, installed alone with --index-url ${torch.indexUrl}`,
        ...this.torchTierEntries(torch).flatMap((e) => e.lines()),
      ].join('\n') + '\n');
    }
    const build = owner.projectBuild;
    if (build) {
      new RenderedFile(owner.scope, tierFilePath(owner.serviceId, BUILD_TIER), (file) => {
        const extra = this.buildRequirements()!;
        return [
          `# ${file.marker}`,
          `# build requirements of the project's wheel (installProject), from ${extra.from};`
            + ' installed only where the wheel is built',
          ...extra.entries.flatMap((e) => e.lines()),
        ].join('\n') + '\n';
      });
    }
  }

  /**
   * The build requirements of the project's wheel as written to `requirements-build.txt`:
   * typed or from `[build-system] requires`, or the lock's pins and hashes (read at synth).
   */
  public buildRequirements(): ExtraRequirements | undefined {
    const build = this.owner.projectBuild;
    if (!build) return undefined;
    if (build.origin !== ProjectBuildOrigin.LOCK) {
      return { entries: build.requirements, locked: false, from: build.origin };
    }
    return this.resolved()?.build;
  }

  /** Adds one typed requirement; only that tier's file changes. */
  public add(problems: Problems, tier: RequirementTier, spec: string, field: string): void {
    this.typed.add(problems, tier, spec, field);
    if (this.owner.torch) checkTorchCudaMajor(problems, 'addRequirement', [{ text: spec, from: field }], this.owner.torch);
    problems.throwIfAny();
    this.merged = undefined;
    this.sync(tier);
  }

  /**
   * The dependency files resolved for this image and merged with the typed lists, once (undefined without
   * any).
   */
  public resolved(): ResolvedTiers | undefined {
    const { fileDeps, scope } = this.owner;
    if (!fileDeps) return undefined;
    if (!this.merged) {
      const outdir = scope.project.outdir;
      const platforms = this.owner.platforms();
      const { result: resolved, store } = resolveWithCache(fileDeps.deps as Dependencies, {
        projectRoot: outdir,
        pythonVersion: this.owner.pythonVersion,
        platform: platforms[0],
        // several platforms: one set of tier files holding what each of them installs
        ...(platforms.length > 1 ? { platforms } : {}),
        // the official python images are Debian 12 (glibc 2.36); CUDA images are newer
        glibcVersion: '2.36',
        path: this.owner.path,
        field: fileDeps.field,
        cacheDir: join(outdir, 'node_modules', '.cache', 'projen-ml-docker'),
        strictPins: ProjectSettings.of(scope.project).strictPins,
        ...this.owner.projectBuild?.origin === ProjectBuildOrigin.LOCK
          ? { buildRequires: this.owner.projectBuild.requires } : {},
      });
      const problems = new Problems(this.owner.path);
      const typed = {
        ml: this.typed.entries(RequirementTier.ML),
        core: this.typed.entries(RequirementTier.CORE),
        dev: this.typed.entries(RequirementTier.DEV),
      };
      const tiers = mergeTiers(problems, resolved, typed, fileDeps.field);
      checkFileTorch(problems, resolved.torch, this.owner.torch, fileDeps.field);
      checkIndexes(problems, tiers, fileDeps.field);
      const needed = this.owner.fromDependencyFiles;
      const runtime = [...tiers.entries.ml, ...tiers.entries.core].map((e) => e.text);
      if (needed && !needed.found(runtime)) problems.add(needed.what, needed.got, needed.expected);
      const build = this.owner.projectBuild?.origin === ProjectBuildOrigin.LOCK
        ? lockedBuild(problems, resolved, this.owner.projectBuild) : undefined;
      if (this.owner.torch) {
        checkTorchCudaMajor(problems, fileDeps.field, TIER_ORDER.flatMap((t) =>
          resolved.packages[t].map((p) => ({ text: p.requirement, from: p.from.replace(/:\d+$/, '') }))), this.owner.torch);
      }
      problems.throwIfAny();
      this.merged = {
        tiers,
        report: {
          inputs: resolved.inputs,
          lockFile: resolved.lockFile,
          locked: resolved.locked,
          warnings: [...resolved.warnings, ...fileDeps.notes ?? []],
        },
        torch: resolved.torch?.packages ?? [],
        build,
      };
      const note = this.torchLockNote();
      if (note) {
        this.merged = {
          ...this.merged, report: { ...this.merged.report, warnings: [...this.merged.report.warnings, note] },
        };
      }
      this.storeResolution = store;
    }
    return this.merged;
  }

  /** True when the tier has a requirement file (typed lines or lines from the dependency files). */
  public has(tier: RequirementTier): boolean {
    return this.typed.has(tier) || (this.resolved()?.tiers.lines[tier].length ?? 0) > 0;
  }

  /** The entries of a tier's file: the merged ones with dependency files, else the typed ones. */
  public entries(tier: RequirementTier): TierRequirement[] {
    const merged = this.resolved();
    return merged ? merged.tiers.entries[tier] : this.typed.entries(tier);
  }

  /** The lines of a tier's file (without its header). */
  public lines(tier: RequirementTier): string[] {
    return this.entries(tier).flatMap((e) => e.lines());
  }

  /** The tiers' packages bound to another index, per tier and index (none without dependency files). */
  public indexedTiers(): Array<{ tier: RequirementTier; name: string; url: string }> {
    return (this.resolved()?.tiers.indexed ?? [])
      .map((b) => ({ tier: b.tier, name: b.index.name, url: b.index.url }));
  }

  /** The requirements a tier takes from dependency files, one `name==version` (or spec) each. */
  public fileRequirements(tier: RequirementTier): string[] {
    const merged = this.resolved()?.tiers;
    const bound = (merged?.indexed ?? []).filter((b) => b.tier === tier).flatMap((b) => b.entries);
    return [...merged?.entries[tier] ?? [], ...bound].map((e) => e.text);
  }

  /**
   * Reads the dependency files (once per synth) and writes the requirement files of the tiers
   * they fill; prints one warning line per unpinned requirement. Every problem is thrown here,
   * before any file is written.
   */
  public preSynthesize(): void {
    const merged = this.resolved();
    const { scope, serviceId } = this.owner;
    if (merged) {
      for (const line of merged.report.warnings) scope.project.logger.warn(`warning: ${line}`);
      for (const tier of TIER_ORDER) {
        if (this.files.has(tier) || !this.has(tier)) continue;
        this.sync(tier);
        this.files.get(tier)!.preSynthesize();
      }
    }
    // created once, on the first synth that needs it (a later synth renders it again)
    if (this.hasConstraints() && !this.constraintsFile) {
      const path = constraintsFilePath(serviceId);
      this.constraintsFile = new RenderedFile(scope, path, (file) => this.constraintsText(file.marker));
      this.constraintsFile.preSynthesize();
    }
    for (const bound of merged?.tiers.indexed ?? []) {
      const path = indexedTierPath(serviceId, bound.tier, bound.index.name);
      if (scope.node.tryFindChild(path)) continue;
      // the entries read when the file is written, like the tier files
      const entries = () => this.resolved()?.tiers.indexed
        .find((b) => b.tier === bound.tier && b.index.name === bound.index.name)?.entries ?? [];
      new RenderedFile(scope, path, (file) => [
        `# ${file.marker}`,
        `# ${TIER_TITLES[bound.tier]}; the packages bound to the index "${bound.index.name}", `
          + 'installed from it alone',
        ...entries().flatMap((e) => e.lines()),
      ].join('\n') + '\n').preSynthesize();
    }
  }

  /**
   * The packages of the torch tier, in file order: the service's `torchPackages` (every package
   * for a CPU service with torch), and torchvision or torchaudio when the dependency files name
   * them: installed from the torch index, never left to a later tier's default index.
   */
  public torchTierPackages(): TorchPackage[] {
    const fromFiles = (this.resolved()?.torch ?? []).map((p) => p.key);
    const typed = this.owner.torchPackages();
    const wanted = ALL_TORCH_PACKAGES.filter((p) => typed.includes(p) || fromFiles.includes(p));
    return packagesWithWheels(wanted, this.owner.torch);
  }

  /**
   * True when the torch tier is hash-locked: the files are a lock holding every package of the
   * tier once, with hashes, as the build of the chosen variant (its local label). A lock made
   * against another index (PyPI's default build) holds hashes of other wheels: its torch pins
   * are then written without them, as the wheel matrix pairs them.
   */
  public torchTierLocked(): boolean {
    const merged = this.resolved();
    const torch = this.owner.torch;
    if (!merged?.tiers.locked || !torch) return false;
    return this.torchTierPackages().every((pkg) => unlockedReason(merged.torch, torch, pkg) === undefined);
  }

  /** The builds of the torch family the image may hold (none without torch). */
  public torchFamily(): TorchBuild[] {
    return this.owner.torch ? torchFamily(this.owner.torch, this.torchTierPackages()) : [];
  }

  /**
   * The constraints every tier installs with: those of the dependency files, then the paired
   * builds of the torch packages the torch tier leaves out. A hash-locked install resolves
   * nothing (`--no-deps`), so it needs no pin of them.
   */
  public constraintEntries(): { readonly files: TierRequirement[]; readonly torch: TierRequirement[] } {
    const merged = this.resolved();
    const torch = merged?.tiers.locked ? [] : this.torchFamily().filter((b) => b.source === 'constraint')
      .map((b) => TierRequirement.of(`${b.pkg}==${b.version}`));
    return { files: [...merged?.tiers.constraints ?? []], torch };
  }

  /** True when the service has a constraints file. */
  public hasConstraints(): boolean {
    const c = this.constraintEntries();
    return c.files.length + c.torch.length > 0;
  }

  /**
   * Why a lock that names torch packages leaves the torch tier without hashes (a lock of PyPI's
   * plain `torch==2.5.1` holds other files than the index's `2.5.1+cu124`); undefined otherwise.
   */
  private torchLockNote(): string | undefined {
    const merged = this.merged;
    const torch = this.owner.torch;
    if (!merged?.tiers.locked || !torch || merged.torch.length === 0 || this.torchTierLocked()) {
      return undefined;
    }
    for (const pkg of this.torchTierPackages()) {
      const why = unlockedReason(merged.torch, torch, pkg);
      if (why) {
        return `[${this.owner.path}] ${merged.report.lockFile ?? 'the lock'}: the torch tier installs `
          + `${pkg}==${torch[pkg]} without hashes (${why})`;
      }
    }
    return undefined;
  }

  /** Writes the lines of the torch tier: the matrix's pins, or the lock's with their hashes. */
  private torchTierEntries(torch: TorchWheels): TierRequirement[] {
    const locked = this.torchTierLocked();
    const fromLock = this.resolved()?.torch ?? [];
    return this.torchTierPackages().map((pkg) => {
      const held = locked ? fromLock.find((p) => p.key === pkg) : undefined;
      const entry = held && packageEntry(held);
      return entry && typeof entry !== 'string' ? entry : TierRequirement.of(`${pkg}==${torch[pkg]}`);
    });
  }

  private constraintsText(marker: string | undefined): string {
    const { files, torch } = this.constraintEntries();
    const wheels = this.owner.torch;
    const family = torch.length === 0 || !wheels ? [] : [
      `# ${torch.map((e) => e.name).join(' and ')}: only the build${torch.length > 1 ? 's' : ''} `
        + `paired with torch ${wheels.torch}, which the torch tier's index holds.`,
      '# The default index has no such build: a package that needs one fails to install here. The fix is',
      `# torchPackages with ${torch.map((e) => `TorchPackage.${e.name.toUpperCase()}`).join(' and ')}: `
        + 'the torch tier then installs the paired build.',
    ];
    return [
      `# ${marker}`,
      files.length > 0
        ? '# constraints of the dependency files (-c), applied to every tier'
        : '# constraints (-c), applied to every tier',
      ...files.flatMap((e) => e.lines()),
      ...family,
      ...torch.flatMap((e) => e.lines()),
    ].join('\n') + '\n';
  }

  /** Every file passed its checks: the resolution is cached for the next synth. */
  public synthesize(): void {
    this.storeResolution?.();
    this.storeResolution = undefined;
  }

  private sync(tier: RequirementTier): void {
    if (this.files.has(tier) || !(this.typed.has(tier) || (this.merged?.tiers.lines[tier].length ?? 0) > 0)) {
      return;
    }
    const { scope, serviceId } = this.owner;
    this.files.set(tier, new RenderedFile(scope, tierFilePath(serviceId, tier), (file) => {
      const merged = this.resolved();
      const sources = merged?.tiers.sources[tier] ?? [];
      const from = sources.length > 0 ? [`# from ${sources.join(', ')}${merged!.tiers.locked ? ': exact pins with their sha256 hashes, installed with --require-hashes --no-deps' : ''}`] : [];
      return [
        `# ${file.marker}`,
        `# ${tier} tier: ${TIER_TITLES[tier]}`,
        ...from,
        ...this.lines(tier),
      ].join('\n') + '\n';
    }));
  }
}

/**
 * Why the lock's entry of a torch-tier package cannot be installed with its hashes: none, several
 * or unhashed entries, or a build other than the variant's (its local label); undefined when it can.
 */
function unlockedReason(
  fromLock: readonly ResolvedPackage[], torch: TorchWheels, pkg: TorchPackage,
): string | undefined {
  const found = fromLock.filter((p) => p.key === pkg);
  if (found.length === 0) return 'the lock does not hold it';
  if (found.length > 1) return 'the lock holds several builds of it';
  if (found[0].hashes.length === 0) return 'the lock has no hash of it';
  if (found[0].version?.split('+')[1] !== variantLabel(torch)) {
    return `the lock pins ${found[0].version}, whose files are not the index's`;
  }
  return undefined;
}

/** The build requirements a lock holds (`buildRequires`), or the pins of `[build-system] requires`. */
function lockedBuild(
  problems: Problems, resolved: ResolvedDependencies, build: ProjectBuild,
): ExtraRequirements | undefined {
  const holds = resolved.locked && resolved.build !== undefined && resolved.build.missing.length === 0;
  if (holds) {
    const entries: TierRequirement[] = [];
    for (const pkg of resolved.build!.packages) {
      const entry = packageEntry(pkg);
      if (typeof entry === 'string') {
        problems.add(`installProject: ${pkg.from} gives the build requirement ${JSON.stringify(pkg.name)} a requirement pip would not read as written (it ${entry})`,
          pkg.requirement, UNREADABLE_EXPECTED);
      } else {
        entries.push(entry);
      }
    }
    return { entries, locked: true, from: resolved.lockFile ?? 'the lock' };
  }
  if (build.requirements.length > 0) {
    return { entries: build.requirements, locked: false, from: ProjectBuildOrigin.BUILD_SYSTEM };
  }
  const lacking = resolved.build?.missing.length ? `does not hold ${resolved.build.missing.join(', ')} of` : 'is no lock with a dependency graph for';
  problems.add(`installProject: ${resolved.lockFile ?? 'the dependency files'} ${lacking} what the wheel's build needs`, build.requires,
    'buildRequirements: ["<backend>==<version>", ...] on the service (installed only where the wheel is built), exact pins in '
    + '[build-system] requires, or a lock that holds them (uv lock, poetry lock)');
  return undefined;
}

/**
 * The indexes the files bind packages to: their name and url are written into the Dockerfile
 * and a requirement file, so they are checked like any prop; credentials belong in netrc.
 */
function checkIndexes(problems: Problems, tiers: MergedTiers, field: string): void {
  const slugs = new Map<string, string>();
  for (const { index } of tiers.indexed) {
    const other = slugs.get(indexSlug(index.name));
    if (other !== undefined && other !== index.name) {
      problems.add(`${field} binds packages to two indexes whose names read the same in a file name`,
        `${other}, ${index.name}`, 'index names that differ in their letters and digits');
    }
    slugs.set(indexSlug(index.name), index.name);
    if (!INDEX_NAME.test(index.name)) {
      problems.add(`${field} binds packages to an index with an unusable name`, index.name,
        INDEX_NAME_EXPECTED);
    }
    const credential = urlCredentialKind(index.url);
    if (credential) {
      problems.addRaw(`${field} binds packages to an index whose url has ${credential}`, '(value hidden)',
        URL_CREDENTIALS_EXPECTED);
    } else if (!INDEX_URL.test(index.url)) {
      const what = `${field} binds packages to the index "${indexSlug(index.name)}" at an unusable url`;
      problems.add(what, index.url, INDEX_URL_EXPECTED);
    }
  }
}
