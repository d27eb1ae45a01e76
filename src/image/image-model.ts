import { BuildHooks, BuildStepStage } from './build-hook-steps';
import { APP_DIR, APP_UID, RUNTIME_HELPERS_DIR, RUNTIME_PACKAGE, SHARED_CODE_DIR } from './image-paths';
import { requirementName } from '../core/requirement-grammar';
import { RequirementTier, TIER_ORDER } from '../core/requirements';
import { TORCH_TIER, tierFileName } from '../core/tier-files';

/**
 * The resolved, immutable description of one service's image: everything its Dockerfile says,
 * decided once (base images, stages, tiers and their install steps, torch/CUDA, environment,
 * labels, user, working directory, entrypoint and commands, context paths, health check, build
 * steps, entry check). `resolveImageModel` makes it from the shared props and what the
 * service's kind adds (`ImageAdditions`: a GPU kind's from `gpuImage` in src/gpu/gpu-kind.ts);
 * `renderDockerfile` turns it into text. Nothing here reaches projen or constructs.
 */
export interface ImageModel {
  readonly header: ImageHeader;
  /** The exact Python of every stage. */
  readonly python: ImagePython;
  /** The numeric app user (and group) of every runtime stage. */
  readonly uid: number;
  /** The build args that select base images, in file order, with their pinned defaults. */
  readonly bases: readonly BaseImage[];
  /** The base the runtime `base` stage (and so `prod`) starts from. */
  readonly runtimeBase: BaseImage;
  /** Debian packages of the runtime image (tini first). */
  readonly aptPackages: readonly string[];
  /** Set when the official Python build is copied into a non-Python base (nvidia/cuda). */
  readonly copyPython?: CopyPython;
  /** A CUDA devel image `deps-ml` (and so builder) starts from, when CUDA extensions are compiled on one. */
  readonly devel?: DevelBase;
  /** The GPU facts the Dockerfile's header states. */
  readonly gpu?: GpuNotes;
  /** A Debian 12 CUDA toolkit installed at the start of deps-ml (python-slim extension builder). */
  readonly cudaToolkit?: CudaToolkit;
  /** CUDA extensions compiled in builder. */
  readonly cudaExtensions?: CudaExtensions;
  /** The torch tier, installed alone from the PyTorch index before the ml tier. */
  readonly torch?: TorchTier;
  /**
   * The check after the last tier that torch, torchvision and torchaudio are the builds the
   * wheel matrix pairs (runtime helper `torch_check`); set with torch.
   */
  readonly torchCheck?: TorchCheckStep;
  /** The requirement tiers the image installs (ml, core, dev order), each with its install step. */
  readonly tiers: readonly TierInstall[];
  /** Build hooks: builder packages and env, steps, copies from other images. */
  readonly hooks: BuildHooks;
  /** The runtime environment of dev and prod, in file order. */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** Root steps of the runtime block before the code is copied (volume folders, a baked model). */
  readonly runtimeSteps: readonly RuntimeStep[];
  /** The project's own wheel (installProject). */
  readonly projectInstall?: ProjectWheel;
  /** Where the shared files every image copies come from. */
  readonly paths: SharedPaths;
  /** The `COPY`s of the service's code. */
  readonly copies: readonly SourceCopy[];
  /** The container's working directory. */
  readonly workdir: string;
  /** The prod stage's build-time entry check (the entry-check template's model). */
  readonly entryCheck?: EntryCheckStep;
  /** The prod image's entrypoint, in exec form. */
  readonly entrypoint: readonly string[];
  /** The dev image's entrypoint (tini alone). */
  readonly devEntrypoint: readonly string[];
  /** The command of dev and prod. */
  readonly command: readonly string[];
  /** The command of the `test` target. */
  readonly testCommand: readonly string[];
  readonly healthCheck?: ServiceHealthCheck;
  /** Labels after the standard ones (title, description, base name, python). */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** Paths (relative to the project root) the Dockerfile reads from the build context. */
  readonly contextPaths: readonly string[];
  /** The models (`models`): fetched and checked in a stage of their own, copied into prod after the code. */
  readonly weights?: WeightsStage;
}

/**
 * The `weights` stage and what prod takes of it: the manifest made from `models.lock`, the
 * repository folders copied in, the helper's fetch, and the folders prod copies after the code.
 */
export interface WeightsStage {
  /** The service's manifest, relative to the project root (`docker/<id>/models.json`). */
  readonly manifest: string;
  /** Where the manifest lands in the images. */
  readonly manifestPath: string;
  /** Repository folders copied into the stage before the fetch checks them. */
  readonly copies: readonly SourceCopy[];
  /** The `RUN` of the fetch, in exec form. */
  readonly fetch: readonly string[];
  /** The folders prod copies from the stage, in order. */
  readonly folders: readonly string[];
}

/** One `COPY` of a service's code: a project path (folder or file) and where it lands. */
export interface SourceCopy {
  /** Relative to the project root, `/`-separated. */
  readonly from: string;
  /** Absolute image path. */
  readonly to: string;
}

/** The project's own package, built as a wheel in its own stage (installProject). */
export interface ProjectWheel {
  /** `[project] name`. */
  readonly name: string;
  /** Its build backend's distribution, pinned in a tier the builder installs. */
  readonly backendRequirement: string;
  /** The project's files at its root the stage receives (one `COPY`), sorted. */
  readonly files: readonly string[];
  /** The project's folders at its root the stage receives (one `COPY` each, path kept), sorted. */
  readonly folders: readonly string[];
  /**
   * The environment of the wheel's build (`SETUPTOOLS_SCM_PRETEND_VERSION` when the version
   * comes from git tags, which the build context does not hold).
   * @default []
   */
  readonly buildEnv?: ReadonlyArray<readonly [string, string]>;
  /**
   * The file of the build requirements and how the project stage installs it, when they are
   * not in a runtime tier: hash-locked, or as pins.
   */
  readonly buildFile?: { readonly path: string; readonly locked: boolean; readonly from: string };
}

export interface ImageHeader {
  readonly serviceId: string;
  readonly description: string;
  /** The Dockerfile's path, relative to the project root. */
  readonly dockerfile: string;
  readonly imageName: string;
  /** The generated-file marker line. */
  readonly marker: string;
  /** The `# syntax=` frontend, when the project pins one. */
  readonly syntax?: string;
}

export interface ImagePython {
  readonly version: string;
  readonly minor: string;
  /** The official Python image reference (mirror or digest included). */
  readonly image: string;
}

export interface BaseImage {
  readonly arg: string;
  readonly image: string;
}

export interface CopyPython {
  /** The nvidia/cuda image's OS (`ubuntu24.04`). */
  readonly os: string;
  /** The OS packages the copied Python links against. */
  readonly packages: readonly string[];
}

export interface DevelBase {
  readonly arg: string;
  /** Packages the devel stage adds (a host C++ compiler for nvcc). */
  readonly packages: readonly string[];
}

export interface GpuNotes {
  readonly base: string;
  readonly cuda: string;
  readonly torch?: string;
  readonly torchIndexUrl?: string;
  readonly pythonSlim: boolean;
  readonly minDriver: string;
  readonly driverRule: string;
  readonly driverCheck: boolean;
}

/** The model of `templates/dockerfile/cuda-toolkit.ejs`. */
export interface CudaToolkit {
  readonly cuda: string;
  readonly glibc: string;
  readonly repositoryUrl: string;
  readonly keyringFile: string;
  readonly keyringPackage: string;
  readonly sha256?: string;
  readonly packages: readonly string[];
  readonly cudaHome: string;
}

export interface CudaExtensions {
  /** Which nvcc compiles them. */
  readonly compiler: 'debian12' | 'devel';
  readonly cuda: string;
  /** The `TORCH_CUDA_ARCH_LIST` default. */
  readonly archList: string;
  /** Whether that list is the GPU fleet's (`gpuFleet`) rather than the CUDA release's default. */
  readonly fromFleet?: boolean;
  readonly dirs: readonly string[];
}

export interface TorchTier {
  readonly indexUrl: string;
  readonly cuda?: string;
  readonly file: string;
  /** Hash-locked from the dependency files' lock (`--require-hashes --no-deps`). */
  readonly locked: boolean;
}

/**
 * The build-time check of the torch family's builds in dev and prod: after every tier, right
 * after the runtime helpers are copied and before any code, so a code change never re-runs it.
 */
export interface TorchCheckStep {
  /** The packages checked, `name==version` (with the local label), in file order. */
  readonly builds: readonly string[];
  /** The `RUN` in exec form (`python -m mldocker_runtime.torch_check torch==2.5.1+cu124 ...`). */
  readonly args: readonly string[];
}

export interface TierInstall {
  readonly tier: RequirementTier;
  readonly title: string;
  readonly file: string;
  /**
   * The packages of the tier the project binds to another index: installed from it alone, its
   * url the default of a build arg of its own (`PIP_INDEX_URL_<NAME>`), never from the default index.
   */
  readonly index?: { readonly name: string; readonly url: string; readonly arg: string };
  /** The requirement files installed before it, which constrain it (unlocked installs only). */
  readonly constraints: readonly string[];
  /** Hash-locked from this lock (`--require-hashes --no-deps`). */
  readonly locked: boolean;
  /** The lock's name, for the locked step's comment. */
  readonly source: string;
}

export type RuntimeStep =
  | { readonly kind: 'baked-model'; readonly from: string; readonly path: string }
  | { readonly kind: 'cache-dir'; readonly path: string }
  | { readonly kind: 'checkpoint-dir'; readonly path: string }
  /** The folders the code writes next to itself (`writablePaths`), owned by the app user. */
  | { readonly kind: 'writable-dirs'; readonly paths: readonly string[] };

export interface SharedPaths {
  readonly runtimeHelpers: string;
  readonly runtimePackage: string;
  readonly sharedCode: string;
}

/** The prod stage's build-time entry check: what it looks for, and the runtime helper's arguments. */
export interface EntryCheckStep {
  readonly subjects: readonly string[];
  /** The `RUN` in exec form (`python -m mldocker_runtime.entry_check ...`). */
  readonly args: readonly string[];
}

/** A service's health check, as the image and the compose file see it. */
export interface ServiceHealthCheck {
  /** The probe, in exec form. */
  readonly command: string[];
  /** Seconds between probes. */
  readonly interval: number;
  /** Seconds before a probe counts as failed. */
  readonly timeout: number;
  /** Seconds of start-up grace. */
  readonly startPeriod: number;
  /**
   * Seconds between probes during the start period (Docker Engine 25+), so a started service turns healthy
   * within seconds.
   */
  readonly startInterval: number;
  /** Failures in a row before the container is unhealthy. */
  readonly retries: number;
  /**
   * The probe only asks whether the main process still runs (a service without a port and
   * without a heartbeat): an orchestrator that watches the process itself (Kubernetes) needs
   * no probe, and one that could only ever kill a live job must not get one.
   * @default false
   */
  readonly watchesProcessOnly?: boolean;
}

/** What a service's props and dependency files decided, the input of `resolveImageModel`. */
export interface ImageInput {
  readonly serviceId: string;
  readonly description: string;
  readonly imageName: string;
  readonly marker: string;
  readonly syntax?: string;
  readonly python: ImagePython;
  readonly aptPackages: readonly string[];
  /**
   * The torch wheels: their index and CUDA variant, whether the torch tier is hash-locked, and
   * the builds of torch, torchvision and torchaudio the image may hold (name, exact version).
   */
  readonly torch?: {
    readonly indexUrl: string;
    readonly cuda?: string;
    readonly locked?: boolean;
    readonly family?: ReadonlyArray<readonly [string, string]>;
  };
  /** The requirement lines per tier that the image installs (typed and from dependency files). */
  readonly tierLines: Readonly<Record<RequirementTier, readonly string[]>>;
  /** The dependency files are a lock (hash-pinned tiers), named `source`. */
  readonly lock?: { readonly source: string };
  /** Files of the packages bound to another index, per tier (see `TierInstall.index`), in install order. */
  readonly indexedTiers?: ReadonlyArray<{
    readonly tier: RequirementTier; readonly name: string; readonly url: string;
  }>;
  /** The dependency files have constraints (`-c`): one more file constrains every tier. */
  readonly constraints: boolean;
  readonly hooks: BuildHooks;
  readonly copies: readonly SourceCopy[];
  readonly workdir: string;
  readonly moduleName: string;
  readonly projectInstall?: ProjectWheel;
  readonly command: readonly string[];
  readonly testCommand?: readonly string[];
  readonly healthCheck?: ServiceHealthCheck;
  /** What the service's kind adds to the image of its shared props, then its model folder; in order. */
  readonly additions?: readonly ImageAdditions[];
}

/** tini as PID 1, in exec form. */
export const TINI: readonly string[] = ['/usr/bin/tini', '--'];

export const TIER_TITLES: Record<RequirementTier, string> = {
  [RequirementTier.ML]: 'heavy ML libraries, installed first and changed rarely',
  [RequirementTier.CORE]: 'application libraries, installed after the ml tier',
  [RequirementTier.DEV]: 'development and test tools, only in the dev and test targets',
};

/** The name of an index as file names write it: `Corp PyPI` -> `corp-pypi`. */
export function indexSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'index';
}

/** The build arg of an index other than the default: `PIP_INDEX_URL_<NAME>`. */
export function indexBuildArg(name: string): string {
  return `PIP_INDEX_URL_${indexSlug(name).toUpperCase().replace(/-/g, '_')}`;
}

/** The requirement file of a tier's packages bound to another index: `requirements-<tier>-<index>.txt`. */
export function indexedTierPath(serviceId: string, tier: RequirementTier, name: string): string {
  return `docker/${serviceId}/requirements-${tier}-${indexSlug(name)}.txt`;
}

/** The requirement file of the project's build requirements (`installProject`): `requirements-build.txt`. */
export const BUILD_TIER = 'build';

/** A requirement file of a service: `docker/<id>/requirements-<tier>.txt`. */
export function tierFilePath(
  serviceId: string, tier: RequirementTier | typeof TORCH_TIER | typeof BUILD_TIER,
): string {
  return `docker/${serviceId}/${tierFileName(tier)}`;
}

/** The constraints file of a service's dependency files. */
export function constraintsFilePath(serviceId: string): string {
  return `docker/${serviceId}/constraints.txt`;
}

/**
 * Resolves a service's image: the image of its shared props (the CPU image), then what its kind
 * and its model folder add (`input.additions`). Pure.
 */
export function resolveImageModel(input: ImageInput): ImageModel {
  return (input.additions ?? []).reduce(addToImage, sharedImage(input));
}

/** The image of a service's shared props: the CPU image every kind starts from. */
function sharedImage(input: ImageInput): ImageModel {
  const id = input.serviceId;
  const torch = input.torch && {
    indexUrl: input.torch.indexUrl,
    cuda: input.torch.cuda,
    file: tierFilePath(id, TORCH_TIER),
    locked: input.torch.locked ?? false,
  };
  const builds = (input.torch?.family ?? []).map(([name, version]) => `${name}==${version}`);
  const torchCheck = builds.length > 0
    ? { builds, args: ['python', '-m', `${RUNTIME_PACKAGE}.torch_check`, ...builds] }
    : undefined;
  const installed = [...(torch ? [torch.file] : []), ...(input.constraints ? [constraintsFilePath(id)] : [])];
  const tiers: TierInstall[] = [];
  for (const tier of TIER_ORDER) {
    if (input.tierLines[tier].length > 0) {
      const file = tierFilePath(id, tier);
      tiers.push({
        tier,
        title: TIER_TITLES[tier],
        file,
        constraints: [...installed],
        locked: input.lock !== undefined,
        source: input.lock?.source ?? 'the requirement files',
      });
      // the dev tier is installed last, constrained by the others, and constrains nothing
      if (tier !== RequirementTier.DEV) installed.push(file);
    }
    for (const bound of (input.indexedTiers ?? []).filter((t) => t.tier === tier)) {
      const boundFile = indexedTierPath(id, tier, bound.name);
      tiers.push({
        tier,
        title: `packages bound to the index "${bound.name}"`,
        file: boundFile,
        index: { name: bound.name, url: bound.url, arg: indexBuildArg(bound.name) },
        constraints: [...installed],
        locked: input.lock !== undefined,
        source: input.lock?.source ?? 'the requirement files',
      });
      if (tier !== RequirementTier.DEV) installed.push(boundFile);
    }
  }
  const tierFiles = [
    ...(torch ? [torch.file] : []),
    ...tiers.map((t) => t.file),
    ...(input.constraints ? [constraintsFilePath(id)] : []),
  ];
  return {
    header: {
      serviceId: id,
      description: input.description,
      dockerfile: `docker/${id}/Dockerfile`,
      imageName: input.imageName,
      marker: input.marker,
      syntax: input.syntax,
    },
    python: input.python,
    uid: APP_UID,
    bases: [{ arg: 'PYTHON_IMAGE', image: input.python.image }],
    runtimeBase: { arg: 'PYTHON_IMAGE', image: input.python.image },
    aptPackages: input.aptPackages,
    torch,
    torchCheck,
    tiers,
    hooks: input.hooks,
    env: [['HOME', '/tmp'], ['XDG_CACHE_HOME', '/tmp/.cache'], ['PYTHONPATH', `${APP_DIR}:/opt/mldocker`]],
    runtimeSteps: [],
    projectInstall: input.projectInstall,
    paths: {
      runtimeHelpers: RUNTIME_HELPERS_DIR, runtimePackage: RUNTIME_PACKAGE, sharedCode: SHARED_CODE_DIR,
    },
    copies: input.copies,
    workdir: input.workdir,
    entrypoint: TINI,
    devEntrypoint: TINI,
    command: input.command,
    testCommand: input.testCommand ?? defaultTestCommand(input),
    healthCheck: input.healthCheck,
    labels: [],
    contextPaths: [
      ...tierFiles, `${RUNTIME_HELPERS_DIR}/${RUNTIME_PACKAGE}`, SHARED_CODE_DIR, ...input.copies.map((c) => c.from),
      ...input.projectInstall?.files ?? [],
      ...input.projectInstall?.folders ?? [],
      ...input.projectInstall?.buildFile ? [input.projectInstall.buildFile.path] : [],
    ],
  };
}

/** What a service kind adds to the runtime of its image (environment, root steps, context paths, labels). */
export interface RuntimeAdditions {
  readonly env?: ReadonlyArray<readonly [string, string]>;
  readonly steps?: readonly RuntimeStep[];
  readonly contextPaths?: readonly string[];
  readonly labels?: ReadonlyArray<readonly [string, string]>;
}

/**
 * What a service kind adds to the image of its shared props: the runtime additions (appended),
 * base images (appended), the prod entrypoint's next program (appended after tini), and the
 * GPU parts of the model (set).
 */
export interface ImageAdditions extends RuntimeAdditions {
  readonly bases?: readonly BaseImage[];
  readonly runtimeBase?: BaseImage;
  readonly copyPython?: CopyPython;
  readonly devel?: DevelBase;
  readonly gpu?: GpuNotes;
  readonly cudaToolkit?: CudaToolkit;
  readonly cudaExtensions?: CudaExtensions;
  readonly entrypoint?: readonly string[];
  readonly weights?: WeightsStage;
}

/**
 * The environment with additions: a variable set again takes the new value in its first place
 * (the cache volume moves the caches the base and the GPU kinds put under /tmp), others are appended.
 */
function mergeEnv(env: ImageModel['env'], add: ImageModel['env']): ImageModel['env'] {
  const out = env.map(([k, v]) => [k, v] as [string, string]);
  for (const [k, v] of add) {
    const at = out.findIndex(([name]) => name === k);
    if (at >= 0) out[at] = [k, v];
    else out.push([k, v]);
  }
  return out;
}

/** The model with additions: lists appended (the environment merged by name), the parts given set. Pure. */
export function addToImage(model: ImageModel, add: ImageAdditions): ImageModel {
  return {
    ...model,
    bases: [...model.bases, ...add.bases ?? []],
    runtimeBase: add.runtimeBase ?? model.runtimeBase,
    copyPython: add.copyPython ?? model.copyPython,
    devel: add.devel ?? model.devel,
    gpu: add.gpu ?? model.gpu,
    cudaToolkit: add.cudaToolkit ?? model.cudaToolkit,
    cudaExtensions: add.cudaExtensions ?? model.cudaExtensions,
    entrypoint: [...model.entrypoint, ...add.entrypoint ?? []],
    env: mergeEnv(model.env, add.env ?? []),
    runtimeSteps: [...model.runtimeSteps, ...add.steps ?? []],
    contextPaths: [...model.contextPaths, ...add.contextPaths ?? []],
    labels: [...model.labels, ...add.labels ?? []],
    ...add.weights ?? model.weights ? { weights: add.weights ?? model.weights } : {},
  };
}

/**
 * Where prod's virtualenv comes from: the builder's, when the builder makes what prod cannot
 * (CUDA extensions on a devel image or a toolkit, build hooks a core package or a step may
 * need); else deps-ml's, with the core tier installed again on it (or no core tier).
 */
export function prodVenvSource(model: ImageModel): 'builder' | 'deps-ml' {
  const h = model.hooks;
  const fromBuilder = model.devel !== undefined || model.cudaToolkit !== undefined
    || model.cudaExtensions !== undefined || h.packages.length > 0 || h.env.length > 0
    || h.steps.some((s) => s.stage === BuildStepStage.BUILDER);
  return fromBuilder ? 'builder' : 'deps-ml';
}

/** The Dockerfile's stages in file order; `prod` is last (the default target). */
export function stageOrder(model: ImageModel): string[] {
  return [
    ...model.copyPython ? ['python'] : [],
    ...model.hooks.copies.map((c) => c.stageName),
    'base', 'deps-ml', 'builder',
    ...model.projectInstall ? ['project'] : [],
    'dev', 'test',
    ...model.weights ? ['weights'] : [],
    'prod',
  ];
}

/** What decides a service's health check. */
interface HealthCheckInput {
  readonly port?: number;
  readonly path?: string;
  readonly heartbeat: boolean;
  readonly heartbeatFile: string;
  readonly heartbeatMaxAge: number;
  readonly startPeriod: number;
}

/**
 * The probe of the image's health check: an HTTP URL with a port, else the heartbeat file's age
 * when the code beats, else whether the main process runs.
 */
export function resolveHealthCheck(opts: HealthCheckInput): ServiceHealthCheck {
  const timing = { interval: 30, timeout: 5, startPeriod: opts.startPeriod, startInterval: 2, retries: 3 };
  const helper = ['python', '-m', `${RUNTIME_PACKAGE}.healthcheck`];
  if (opts.port !== undefined) {
    return { command: [...helper, 'http', `http://127.0.0.1:${opts.port}${opts.path}`], ...timing };
  }
  if (opts.heartbeat) {
    return { command: [...helper, 'heartbeat', opts.heartbeatFile, String(opts.heartbeatMaxAge)], ...timing };
  }
  return { command: [...helper, 'process'], ...timing, watchesProcessOnly: true };
}

function defaultTestCommand(input: ImageInput): string[] {
  const hasPytest = input.tierLines.dev.some((l) => requirementName(l)?.name === 'pytest');
  if (input.copies[0]?.to !== `${APP_DIR}/${input.moduleName}`) {
    // sources: the tests are wherever the layout keeps them, found from the working directory
    return hasPytest ? ['python', '-m', 'pytest', '-q'] : ['python', '-m', 'unittest', 'discover'];
  }
  return hasPytest ? ['python', '-m', 'pytest', '-q', input.moduleName] : ['python', '-m', 'unittest', 'discover', '-s', input.moduleName, '-t', '.'];
}
