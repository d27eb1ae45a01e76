import { existsSync } from 'fs';
import { join } from 'path';
import { ServiceEntryFacts } from './entry-check';
import { BUILD_TIER, ImageInput, ImageModel, ServiceHealthCheck, tierFilePath } from './image-model';
import { APP_DIR } from './image-paths';
import { ProjectInstall } from './project-install';
import { RequirementFiles } from './requirement-files';
import { entryFileName } from './samples';
import { ResolvedService } from './service-resolve';
import { TorchPackage } from './torch-packages';
import { ignoreFileLines } from '../core/dockerignore';
import { requirementName } from '../core/requirement-grammar';
import { RequirementTier } from '../core/requirements';

/** What the image model reads from a resolved service besides its props. */
export interface ImageInputContext {
  readonly serviceId: string;
  readonly imageName: string;
  /** The generated-file marker line (empty outside synth). */
  readonly marker: string;
  /** The Dockerfile frontend, when the project writes a syntax line. */
  readonly syntax?: string;
  readonly healthCheck?: ServiceHealthCheck;
}

/** The input of `resolveImageModel`: the resolved props with the requirement files' lines and lock. */
export function imageInputOf(r: ResolvedService, files: RequirementFiles, ctx: ImageInputContext): ImageInput {
  const merged = files.resolved();
  return {
    ...ctx,
    description: r.description,
    python: { version: r.python.full, minor: r.python.minor, image: r.pythonImage },
    aptPackages: r.aptPackages,
    torch: r.torch,
    tierLines: { ml: files.lines(RequirementTier.ML), core: files.lines(RequirementTier.CORE), dev: files.lines(RequirementTier.DEV) },
    // the lock's name, never the list of files read: a new -r include must not change the Dockerfile
    lock: merged?.tiers.locked ? { source: merged.report.lockFile ?? 'the requirement files' } : undefined,
    ...r.torch && files.torchTier().locked ? { torchLock: files.torchTier().from } : {},
    indexedTiers: files.indexedTiers(),
    constraints: (merged?.tiers.constraints.length ?? 0) > 0,
    hooks: r.hooks,
    copies: r.code.copies,
    workdir: r.code.workdir,
    moduleName: r.moduleName,
    projectInstall: projectInstallOf(r, files, ctx.serviceId),
    command: r.command,
    testCommand: r.testCommand,
  };
}

/** What a service type adds to the image checks' facts. */
export interface EntryFactsContext {
  /** The project root on disk. */
  readonly root: string;
  readonly torchPackages: readonly TorchPackage[];
  /** Folders whose weights belong in the image (a baked model). */
  readonly artefactFolders: readonly string[];
  /** Lines the service type appends to its ignore file. */
  readonly ignoreExtraLines: readonly string[];
}

/** The facts the synth-time image checks read: the resolved service, its image model and its requirement files. */
export function entryFactsOf(r: ResolvedService, model: ImageModel, files: RequirementFiles, ctx: EntryFactsContext): ServiceEntryFacts {
  const { sourceDir, copies } = r.code;
  // a new service's starter code is written by this synth, after the checks read the tree
  const samplesPlanned = copies.length === 1 && copies[0].from === sourceDir && !existsSync(join(ctx.root, sourceDir));
  const torch = r.torch;
  return {
    root: ctx.root,
    command: r.command,
    copies,
    plannedFiles: samplesPlanned ? ['__init__.py', entryFileName(r.command, r.moduleName), 'test_main.py'].map((f) => `${sourceDir}/${f}`) : [],
    workdir: r.code.workdir,
    checkCommand: r.code.entryCheck,
    project: r.projectInstall && {
      scripts: r.projectInstall.scripts,
      files: [...r.projectInstall.files, ...copies.map((c) => c.from)],
    },
    contextPaths: [...model.contextPaths],
    artefactsAllowedUnder: [...ctx.artefactFolders],
    pythonPath: [APP_DIR, '/opt/mldocker'],
    ignoreText: [...ignoreFileLines([...model.contextPaths]), ...ctx.ignoreExtraLines].join('\n'),
    requirements: [...(torch ? ctx.torchPackages.map((pkg) => `${pkg}==${torch[pkg]}`) : []),
      ...r.requirements.lines(RequirementTier.ML), ...r.requirements.lines(RequirementTier.CORE),
      ...files.fileRequirements(RequirementTier.ML), ...files.fileRequirements(RequirementTier.CORE)],
  };
}

/** The project install with its build requirements' file, once the dependency files are read. */
function projectInstallOf(r: ResolvedService, files: RequirementFiles, serviceId: string): ProjectInstall | undefined {
  const install = r.projectInstall;
  const build = files.buildRequirements();
  if (!install || !build) return install;
  // the backend as the file pins it, for the Dockerfile's comment (from a lock it is known only now)
  const backend = requirementName(install.backendRequirement)?.name;
  const pinned = build.entries.find((e) => e.key === backend)?.text ?? install.backendRequirement;
  return {
    ...install,
    backendRequirement: pinned,
    buildFile: { path: tierFilePath(serviceId, BUILD_TIER), locked: build.locked, from: build.from },
  };
}
