import { existsSync } from 'fs';
import { join } from 'path';
import { Component } from 'projen';
import { ServiceEntryFacts, checkServiceImage, readImageTree } from './image-checks';
import {
  WEIGHTS_HELPER_FILE, manifestPath, modelWeightsArtefacts, modelWeightsIgnoreLines, modelWeightsImage,
} from './model-delivery';
import { modelFolderArtefacts, modelFolderIgnoreLines, modelFolderImage } from './model-dir';
import { ManifestFile, lockedFiles, readModelsLock, renderManifest } from './models-lock';
import { installedOutside } from './project-install';
import { ProjectServices } from './project-services';
import { ProjectStage, projectStageOf } from './project-stage';
import { RequirementFiles } from './requirement-files';
import { entryFileName } from './samples';
import { packageDataIgnoreLines } from './service-checks';
import { ResolvedService } from './service-resolve';
import { serviceVolumesImage } from './service-volumes';
import { readAsset } from '../core/data';
import { ignoreFileLines } from '../core/dockerignore';
import { serviceImageName } from '../core/image-name';
import { Problems } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { requirementName } from '../core/requirement-grammar';
import { RequirementTier } from '../core/requirements';
import { renderDockerfile } from '../image/dockerfile-render';
import {
  BUILD_TIER, ImageInput, ImageModel, ProjectWheel, ServiceHealthCheck, resolveImageModel, tierFilePath,
} from '../image/image-model';
import { APP_DIR, RUNTIME_HELPERS_DIR, RUNTIME_PACKAGE } from '../image/image-paths';

/** What a service's image files read of the service. */
export interface ServiceImageOwner {
  /** The service construct the files belong to. */
  readonly scope: Component;
  readonly serviceId: string;
  /** The construct path used in messages. */
  readonly path: string;
  readonly dockerfilePath: string;
  /** The service's checked props, and what its kind resolved (what it adds to the image among it). */
  readonly resolved: ResolvedService;
  readonly healthCheck?: ServiceHealthCheck;
  /** The service's requirement files (created after its image files). */
  files(): RequirementFiles;
}

/** A service's image for one synth: its model and its ignore file, resolved once. */
interface SynthImage {
  readonly synth: object;
  /** The model, without the marker line and the entry check. */
  readonly model: ImageModel;
  /** The ignore file's lines after its marker: the allow-list, then the model folder's own lines. */
  readonly ignoreLines: readonly string[];
  /** The project stage (installProject). */
  readonly stage?: ProjectStage;
  /** The files of the service's models, from `models.lock` (empty without models). */
  readonly weightFiles: readonly ManifestFile[];
  /** The model with the prod stage's entry check, and the data or weights kept out, once checked. */
  checked?: { readonly model: ImageModel; readonly excludedArtefacts: readonly string[] };
}

/**
 * A service's image files, the Dockerfile and its ignore file, rendered from one image model:
 * the image of the shared props (the CPU image), what the service's kind adds, then its model
 * folder. The model is resolved, its ignore text built and its checks run once per synth.
 */
export class ServiceImage {
  private memo?: SynthImage;

  constructor(private readonly owner: ServiceImageOwner) {
    new RenderedFile(owner.scope, owner.dockerfilePath, (file) => this.dockerfile(file.marker ?? ''));
    new RenderedFile(owner.scope, `${owner.dockerfilePath}.dockerignore`, (file) =>
      [`# ${file.marker}`, ...this.image().ignoreLines].join('\n') + '\n');
    if ((owner.resolved.kind.weights ?? []).length > 0) {
      new RenderedFile(owner.scope, manifestPath(owner.serviceId), (file) =>
        renderManifest(file.marker ?? '', this.image().weightFiles));
      // the helper that fetches and checks them: written once, for a project with models only
      const helper = `${RUNTIME_HELPERS_DIR}/${RUNTIME_PACKAGE}/${WEIGHTS_HELPER_FILE}`;
      if (!owner.scope.project.tryFindFile(helper)) {
        new RenderedFile(owner.scope.project, helper, (file) =>
          `# ${file.marker}\n${readAsset('templates', 'runtime', WEIGHTS_HELPER_FILE)}`);
      }
    }
  }

  /** The files of the service's models, as `models.lock` holds them (empty without models). */
  public weightFiles(): readonly ManifestFile[] {
    return this.image().weightFiles;
  }

  /** The image model, without its entry check (which needs the model's context paths). */
  public model(): ImageModel {
    return this.image().model;
  }

  /** The image model the Dockerfile renders: with the prod stage's entry check. */
  public checkedModel(marker: string): ImageModel {
    return withMarker(this.checked().model, marker);
  }

  /** Lines the ignore files add after the allow-list (weights let back in for a baked model). */
  public ignoreExtraLines(): string[] {
    const { serviceId, resolved } = this.owner;
    return [
      ...packageDataIgnoreLines(serviceId, resolved.code.packageData),
      ...modelFolderIgnoreLines(serviceId, resolved.kind.models),
      ...modelWeightsIgnoreLines(serviceId, resolved.kind.weights),
    ];
  }

  /** The Dockerfile: the rendered image model (the excluded weights are named once, here). */
  private dockerfile(marker: string): string {
    const { model, excludedArtefacts } = this.checked();
    if (excludedArtefacts.length > 0) {
      const { scope, path } = this.owner;
      scope.project.logger.info(`${path}: ${excludedArtefacts.length} data or weights file(s) under the `
        + `copied code stay out of the image (e.g. ${excludedArtefacts[0]})`);
    }
    return renderDockerfile(withMarker(model, marker));
  }

  /**
   * This synth's image: resolved once per synth (the Dockerfile, both ignore files and the
   * context paths read the same one); outside a synth, resolved on every call.
   */
  private image(): SynthImage {
    const synth = ProjectServices.of(this.owner.scope.project)?.synth;
    if (synth !== undefined && this.memo?.synth === synth) return this.memo;
    const { scope, serviceId, resolved } = this.owner;
    const settings = ProjectSettings.of(scope.project);
    const stage = resolved.projectInstall && this.projectStage();
    const input = imageInputOf(resolved, this.owner.files(), {
      serviceId,
      imageName: serviceImageName(scope.project.name, serviceId),
      marker: '',
      syntax: settings.dockerfileSyntax ? settings.dockerfileFrontend : undefined,
      healthCheck: this.owner.healthCheck,
      stage,
    });
    const weights = resolved.kind.weights ?? [];
    // the lock, read (never the network): a model it does not hold as defined stops the synth
    const problems = new Problems(this.owner.path);
    const weightFiles = weights.length > 0
      ? lockedFiles(problems, weights, readModelsLock(problems, scope.project.outdir)) : [];
    problems.throwIfAny();
    const model = resolveImageModel({
      ...input,
      additions: [
        resolved.kind.image ?? {},
        serviceVolumesImage(resolved.volumes),
        modelFolderImage(resolved.kind.models),
        ...weights.length > 0 ? [modelWeightsImage(serviceId, weights)] : [],
      ],
    });
    const ignoreLines = [
      ...ignoreFileLines([...model.contextPaths]), ...stage?.ignoreLines ?? [], ...this.ignoreExtraLines(),
    ];
    const image = { synth: synth ?? {}, model, ignoreLines, stage, weightFiles };
    if (synth !== undefined) this.memo = image;
    return image;
  }

  /** The project stage of this service's wheel: the project as git sees it, read once per synth. */
  private projectStage(): ProjectStage {
    const { scope, path, resolved } = this.owner;
    const project = scope.project;
    const services = ProjectServices.of(project);
    const whole = services?.projectFiles() ?? { visible: [], ignored: [], generated: [] };
    const problems = new Problems(path);
    const keep = installedOutside(resolved.code.copies, resolved.projectInstall).map((c) => c.from);
    const stage = projectStageOf(problems, { ...whole, keep });
    problems.throwIfAny();
    return stage;
  }

  /**
   * The synth-time checks of the image (the ignore proof, shadowing, the entry), once per synth:
   * the model with the prod stage's build-time entry check (none when the check is off), and the
   * data or weights files under the copied code that stay out of the image.
   */
  private checked(): NonNullable<SynthImage['checked']> {
    const image = this.image();
    if (image.checked) return image.checked;
    const { scope, path, resolved } = this.owner;
    const root = scope.project.outdir;
    const facts = entryFactsOf(resolved, image.model, this.owner.files(), {
      root,
      // package data the code loads (weights and arrays let in by name), a baked model's folder
      artefactFolders: [
        ...resolved.code.packageData, ...modelFolderArtefacts(resolved.kind.models),
        ...modelWeightsArtefacts(resolved.kind.weights),
      ],
      ignoreLines: image.ignoreLines,
      stage: image.stage,
    });
    const problems = new Problems(path);
    // the one place the image checks read the project tree
    const services = ProjectServices.of(scope.project);
    const tree = services ? services.treeFor(facts.contextPaths) : readImageTree(root, facts.contextPaths);
    const check = checkServiceImage(problems, facts, tree);
    problems.throwIfAny();
    image.checked = {
      model: { ...image.model, entryCheck: check.buildCheck },
      excludedArtefacts: check.excludedArtefacts,
    };
    return image.checked;
  }
}

/** The model with the generated-file marker of the Dockerfile's header. */
function withMarker(model: ImageModel, marker: string): ImageModel {
  return { ...model, header: { ...model.header, marker } };
}

/** What the image model reads from a resolved service besides its props. */
export interface ImageInputContext {
  readonly serviceId: string;
  readonly imageName: string;
  /** The generated-file marker line (empty outside synth). */
  readonly marker: string;
  /** The Dockerfile frontend, when the project writes a syntax line. */
  readonly syntax?: string;
  readonly healthCheck?: ServiceHealthCheck;
  /** The project stage, when the service installs the project's own wheel. */
  readonly stage?: ProjectStage;
}

/** The input of `resolveImageModel`: the resolved props with the requirement files' lines and lock. */
export function imageInputOf(
  r: ResolvedService, files: RequirementFiles, ctx: ImageInputContext,
): ImageInput {
  const merged = files.resolved();
  const { stage, ...header } = ctx;
  return {
    ...header,
    description: r.description,
    python: { version: r.python.full, minor: r.python.minor, image: r.pythonImage },
    aptPackages: r.aptPackages,
    torch: r.torch && {
      indexUrl: r.torch.indexUrl,
      cuda: r.torch.cuda,
      locked: files.torchTierLocked(),
      family: files.torchFamily().map((b) => [b.pkg, b.version] as const),
    },
    tierLines: {
      ml: files.lines(RequirementTier.ML),
      core: files.lines(RequirementTier.CORE),
      dev: files.lines(RequirementTier.DEV),
    },
    // the lock's name, never the list of files read: a new -r include must not change the Dockerfile
    lock: merged?.tiers.locked ? { source: merged.report.lockFile ?? 'the requirement files' } : undefined,
    indexedTiers: files.indexedTiers(),
    constraints: files.hasConstraints(),
    hooks: r.hooks,
    copies: installedOutside(r.code.copies, r.projectInstall),
    workdir: r.code.workdir,
    moduleName: r.moduleName,
    projectInstall: projectWheelOf(r, files, ctx.serviceId, stage),
    command: r.command,
    testCommand: r.testCommand,
  };
}

/** What a service type adds to the image checks' facts. */
export interface EntryFactsContext {
  /** The project root on disk. */
  readonly root: string;
  /** Folders whose weights belong in the image (a baked model). */
  readonly artefactFolders: readonly string[];
  /** The service's ignore file, as it is written (without its marker). */
  readonly ignoreLines: readonly string[];
  /** The project stage, when the service installs the project's own wheel. */
  readonly stage?: ProjectStage;
}

/** What the synth-time image checks read: the resolved service, its image model, its requirement files. */
export function entryFactsOf(
  r: ResolvedService, model: ImageModel, files: RequirementFiles, ctx: EntryFactsContext,
): ServiceEntryFacts {
  const { sourceDir } = r.code;
  const copies = installedOutside(r.code.copies, r.projectInstall);
  // a new service's starter code is written by this synth, after the checks read the tree
  const samplesPlanned = copies.length === 1 && copies[0].from === sourceDir
    && !existsSync(join(ctx.root, sourceDir));
  const torch = r.torch;
  return {
    root: ctx.root,
    command: r.command,
    copies,
    plannedFiles: samplesPlanned
      ? ['__init__.py', entryFileName(r.command, r.moduleName), 'test_main.py']
        .map((f) => `${sourceDir}/${f}`)
      : [],
    workdir: r.code.workdir,
    pythonMinor: r.python.minor,
    checkCommand: r.code.entryCheck,
    project: r.projectInstall && {
      scripts: r.projectInstall.scripts,
      files: [...ctx.stage?.files ?? [], ...ctx.stage?.folders ?? []],
      roots: r.projectInstall.roots,
      leftOut: ctx.stage?.ignoreLines.filter((l) => !l.startsWith('#')) ?? [],
    },
    contextPaths: [...model.contextPaths],
    artefactsAllowedUnder: [...ctx.artefactFolders],
    pythonPath: [APP_DIR, '/opt/mldocker'],
    ignoreText: ctx.ignoreLines.join('\n'),
    requirements: [...(torch ? files.torchTierPackages().map((pkg) => `${pkg}==${torch[pkg]}`) : []),
      ...r.requirements.lines(RequirementTier.ML), ...r.requirements.lines(RequirementTier.CORE),
      ...files.fileRequirements(RequirementTier.ML), ...files.fileRequirements(RequirementTier.CORE)],
  };
}

/** The project's wheel with its build requirements' file, once the dependency files are read. */
function projectWheelOf(
  r: ResolvedService, files: RequirementFiles, serviceId: string, stage: ProjectStage | undefined,
): ProjectWheel | undefined {
  const resolved = r.projectInstall;
  if (!resolved) return undefined;
  const install: ProjectWheel = {
    name: resolved.name,
    backendRequirement: resolved.backendRequirement,
    files: stage?.files ?? [],
    folders: stage?.folders ?? [],
    ...resolved.buildEnv.length > 0 ? { buildEnv: resolved.buildEnv } : {},
  };
  const build = files.buildRequirements();
  if (!build) return install;
  // the backend as the file pins it, for the Dockerfile's comment (from a lock it is known only now)
  const backend = requirementName(install.backendRequirement)?.name;
  const pinned = build.entries.find((e) => e.key === backend)?.text ?? install.backendRequirement;
  return {
    ...install,
    backendRequirement: pinned,
    buildFile: { path: tierFilePath(serviceId, BUILD_TIER), locked: build.locked, from: build.from },
  };
}
