import { join } from 'path';
import { Component } from 'projen';
import { FileDependencyReport, MergedTiers, checkFileTorch, mergeTiers } from './merged-tiers';
import { TorchWheels } from './torch';
import { TorchPackage } from './torch-packages';
import { checkTorchCudaMajor } from '../core/cuda-wheels';
import { Problems } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { RequirementSet, RequirementTier, TIER_ORDER } from '../core/requirements';
import { TORCH_TIER } from '../core/tier-files';
import { TierRequirement } from '../core/tier-requirement';
import { Dependencies, resolveWithCache } from '../deps';
import { TIER_TITLES, constraintsFilePath, tierFilePath } from '../image/image-model';

/** The dependency files resolved for an image and merged with the typed lists. */
export interface ResolvedTiers {
  readonly tiers: MergedTiers;
  readonly report: FileDependencyReport;
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
  /** The dependency files given (the prop, else the project's default), the prop's name for messages, notes on them. */
  readonly fileDeps?: { readonly deps: unknown; readonly field: string; readonly notes?: readonly string[] };
  /** The packages of the torch tier, read when the file is written. */
  torchPackages(): TorchPackage[];
  /** Every platform the image is built for, the first being the one compose builds. */
  platforms(): Array<'linux/amd64' | 'linux/arm64'>;
}

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
        ...owner.torchPackages().flatMap((pkg) => TierRequirement.of(`${pkg}==${torch[pkg]}`).lines()),
      ].join('\n') + '\n');
    }
  }

  /** Adds one typed requirement; only that tier's file changes. */
  public add(problems: Problems, tier: RequirementTier, spec: string, field: string): void {
    this.typed.add(problems, tier, spec, field);
    if (this.owner.torch) checkTorchCudaMajor(problems, 'addRequirement', [{ text: spec, from: field }], this.owner.torch);
    problems.throwIfAny();
    this.merged = undefined;
    this.sync(tier);
  }

  /** The dependency files resolved for this image and merged with the typed lists, once (undefined without any). */
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
      });
      const problems = new Problems(this.owner.path);
      const typed = {
        ml: this.typed.entries(RequirementTier.ML),
        core: this.typed.entries(RequirementTier.CORE),
        dev: this.typed.entries(RequirementTier.DEV),
      };
      const tiers = mergeTiers(problems, resolved, typed, fileDeps.field);
      checkFileTorch(problems, resolved.torch, this.owner.torch, fileDeps.field);
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
      };
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

  /** The requirements a tier takes from dependency files, one `name==version` (or spec) each. */
  public fileRequirements(tier: RequirementTier): string[] {
    return (this.resolved()?.tiers.entries[tier] ?? []).map((e) => e.text);
  }

  /**
   * Reads the dependency files (once per synth) and writes the requirement files of the tiers
   * they fill; prints one warning line per unpinned requirement. Every problem is thrown here,
   * before any file is written.
   */
  public preSynthesize(): void {
    const merged = this.resolved();
    if (!merged) return;
    const { scope, serviceId } = this.owner;
    for (const line of merged.report.warnings) scope.project.logger.warn(`warning: ${line}`);
    for (const tier of TIER_ORDER) {
      if (this.files.has(tier) || !this.has(tier)) continue;
      this.sync(tier);
      this.files.get(tier)!.preSynthesize();
    }
    if (merged.tiers.constraints.length > 0 && !scope.node.tryFindChild(constraintsFilePath(serviceId))) {
      new RenderedFile(scope, constraintsFilePath(serviceId), (file) => [
        `# ${file.marker}`,
        '# constraints of the dependency files (-c), applied to every tier',
        ...(this.resolved()?.tiers.constraints ?? []).flatMap((e) => e.lines()),
      ].join('\n') + '\n').preSynthesize();
    }
  }

  /** Every file passed its checks: the resolution is cached for the next synth. */
  public synthesize(): void {
    this.storeResolution?.();
    this.storeResolution = undefined;
  }

  private sync(tier: RequirementTier): void {
    if (this.files.has(tier) || !(this.typed.has(tier) || (this.merged?.tiers.lines[tier].length ?? 0) > 0)) return;
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
