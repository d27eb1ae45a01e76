/** The cache report's public data: what changes, the steps, the impacts and the promises. */

/** What a change touches, from BuildKit's point of view. */
export enum CacheChangeKind {
  /** A file of the service's own code directory (e.g. `services/api/main.py`). */
  APP_CODE = 'app-code',
  /** A file of the code every service shares (`services/common`). */
  SHARED_CODE = 'shared-code',
  /** A file of the generated runtime helpers (`docker/runtime`), e.g. after a library upgrade. */
  RUNTIME_HELPERS = 'runtime-helpers',
  /** Another build-context path the Dockerfile reads (a baked model, extension sources). */
  OTHER_CONTEXT = 'context',
  /** One requirement tier's file (`docker/<id>/requirements-<tier>.txt`). */
  REQUIREMENTS = 'requirements',
  /** A base image reference (a `FROM <image>`, usually through its build arg). */
  BASE_IMAGE = 'base-image',
  /** The Dockerfile template: the first build step of one stage changes. */
  DOCKERFILE = 'dockerfile',
  /**
   * A build hook of the service (`buildPackages`, `buildEnv`, one of `buildSteps` or
   * `copyFromImages`): the instructions under its `# build hook` comment change.
   */
  BUILD_HOOK = 'build-hook',
}

/** What a build step is for. */
export enum LayerRole {
  /** `FROM <image>`: the base image. */
  BASE_IMAGE = 'base-image',
  /** OS packages, users, other system set-up. */
  SYSTEM = 'system',
  /** Python dependencies: the virtualenv, pip installs, `pip check`, and copies of them. */
  DEPENDENCIES = 'dependencies',
  /** Code copied from the build context. */
  CODE = 'code',
  /** Anything else (`WORKDIR`, directories). */
  SETUP = 'setup',
}

/** One numbered build step, as BuildKit prints it (`[stage i/n] INSTRUCTION`). */
export interface CacheStep {
  /** The prefix BuildKit prints, e.g. `[builder 3/5]` (the index is padded to the width of the total). */
  readonly label: string;
  /** The stage name (`stage-<n>` for unnamed stages). */
  readonly stage: string;
  /** 1-based position among the stage's numbered steps. */
  readonly index: number;
  /** Number of numbered steps of the stage. */
  readonly total: number;
  /** `FROM`, `RUN`, `COPY`, `ADD` or `WORKDIR`: the instructions BuildKit numbers. */
  readonly keyword: string;
  /** The instruction on one line (continuations joined, as BuildKit shows it; build args not expanded). */
  readonly instruction: string;
  /** 1-based line of the instruction in the Dockerfile. */
  readonly line: number;
  /** What the step is for. */
  readonly role: LayerRole;
  /** Build-context paths the step reads (COPY/ADD sources, bind mounts); `.` is the whole context. */
  readonly contextPaths: string[];
  /** Stages the step reads (`COPY --from`, `RUN --mount=from=`). */
  readonly fromStages: string[];
  /** Images the step reads directly (`COPY --from=<image>`). */
  readonly fromImages: string[];
  /** Requirement tiers this step installs (`pip install -r <tier file>`). */
  readonly installsTiers: string[];
}

/** One kind of change the report predicts the cache impact of. */
export interface CacheChange {
  /** Stable id: `app-code`, `shared-code`, `requirements:ml`, `base-image`, `dockerfile:builder`, ... */
  readonly id: string;
  readonly kind: CacheChangeKind;
  /** One line for humans. */
  readonly description: string;
  /**
   * The build-context files assumed to change (for context changes): a file the context
   * actually sends from the path, or the tier's requirement file.
   * @default - none (not a context change)
   */
  readonly files?: string[];
  /**
   * The requirement tier, for `requirements` changes.
   * @default - none
   */
  readonly tier?: string;
  /**
   * The image reference as written in the Dockerfile (e.g. `${PYTHON_IMAGE}`), for `base-image` changes.
   * @default - none
   */
  readonly image?: string;
  /**
   * The stage whose first build step changes, for `dockerfile` changes.
   * @default - none
   */
  readonly stage?: string;
  /**
   * The build hook as its Dockerfile comment names it (`build-packages`, `build-env`,
   * `step <name>`, `copy <name>`), for `build-hook` changes.
   * @default - none
   */
  readonly hook?: string;
}

/** What one change does to one target's build steps. */
export interface TargetImpact {
  /** The change id. */
  readonly change: string;
  /** Labels of the steps BuildKit re-runs, in step order. */
  readonly invalidated: string[];
  /** Labels of the steps BuildKit reports as `CACHED`, in step order. */
  readonly kept: string[];
  /** How many of the re-run steps are dependency layers. */
  readonly invalidatedDependencyLayers: number;
}

/** One build target of a service: its steps and the impact of each change. */
export interface TargetCacheReport {
  readonly target: string;
  /** The numbered steps a build of this target runs, by stage (file order) and index. */
  readonly steps: CacheStep[];
  /** One entry per change of the service, in the order of its `changes`. */
  readonly impacts: TargetImpact[];
}

/** The cache report of one service's Dockerfile. */
export interface ServiceCacheReport {
  /** The service id (the directory name under `docker/`). */
  readonly service: string;
  /** The Dockerfile, relative to the project root. */
  readonly dockerfile: string;
  /**
   * The ignore file BuildKit uses for it: `<Dockerfile>.dockerignore`, else the context's `.dockerignore`.
   * @default - none (every context file is sent)
   */
  readonly ignoreFile?: string;
  /** The changes analysed, in display order. */
  readonly changes: CacheChange[];
  readonly targets: TargetCacheReport[];
  /** Inconsistencies found on the way (a path the Dockerfile reads but the ignore file excludes). */
  readonly warnings: string[];
}

/** One promise of the generated layout, checked on a service's report. */
export interface CachePromiseResult {
  readonly service: string;
  /**
   * `code-keeps-dependencies`, `dev-tier-keeps-prod`, `core-tier-keeps-ml`, `ml-tier-keeps-torch`,
   * `core-tier-keeps-venv-copy`.
   */
  readonly promise: string;
  /** The promise in words. */
  readonly description: string;
  /** False when the layout breaks it. */
  readonly holds: boolean;
  /** Which steps it was checked on, or what breaks it. */
  readonly detail: string;
}

/** Options of `CacheReport.fromProject`. */
export interface CacheReportOptions {
  /**
   * Only these services (ids of `docker/<id>/Dockerfile`).
   * @default - every service
   */
  readonly services?: string[];
  /**
   * Only these targets.
   * @default - `dev`, `test` and `prod` where the Dockerfile has them, else its last stage
   */
  readonly targets?: string[];
}

/** Input of `CacheReport.analyze`: one Dockerfile given as text. */
export interface DockerfileCacheInput {
  /** The service id. */
  readonly service: string;
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  /**
   * The Dockerfile's path relative to the context root (for display).
   * @default "docker/<service>/Dockerfile"
   */
  readonly dockerfilePath?: string;
  /**
   * The ignore file's text.
   * @default - no ignore file: every context file is sent
   */
  readonly ignoreFile?: string;
  /**
   * The ignore file's path (for display).
   * @default - "<dockerfilePath>.dockerignore" when `ignoreFile` is given
   */
  readonly ignoreFilePath?: string;
  /**
   * Files of the build context (relative, `/`-separated), used to pick a file each context
   * change really touches.
   * @default - none: a file inside each path is assumed
   */
  readonly contextFiles?: string[];
  /**
   * Only these targets.
   * @default - `dev`, `test` and `prod` where the Dockerfile has them, else its last stage
   */
  readonly targets?: string[];
}
