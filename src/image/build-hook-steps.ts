/**
 * The build hooks as the image model holds them, checked (src/service/build-hooks.ts checks the
 * props): builder packages and environment, extra steps and copies from other images. Their
 * Dockerfile text is the partials `templates/dockerfile/hook-*.ejs`; every hook's instruction
 * opens with the marker comment the cache-impact report reads.
 */
/** Where a build step runs. */
export enum BuildStepStage {
  /**
   * The `builder` stage, after the requirement tiers and before `pip check`, as root. Only
   * `/opt/venv` reaches `prod`: write there what the running service needs.
   */
  BUILDER = 'builder',
  /**
   * The runtime block of `dev` and `prod`, as root, after the files copied from other images
   * and before the code is copied and the user switches to 10001 (e.g. `ldconfig`).
   */
  RUNTIME_ROOT = 'runtime-root',
}

/** A checked build step. */
export interface ResolvedBuildStep {
  readonly name: string;
  readonly run: string;
  readonly stage: BuildStepStage;
  readonly cacheMounts: string[];
  readonly secrets: string[];
}

/** A checked copy from an image. */
export interface ResolvedCopy {
  readonly name: string;
  /** The pinned reference (digest appended when given). */
  readonly image: string;
  readonly source: string;
  readonly target: string;
  /** `COPY_<NAME>_IMAGE` */
  readonly arg: string;
  /** `copy-<name>` */
  readonly stageName: string;
}

/** A service's checked build hooks. */
export interface BuildHooks {
  readonly packages: string[];
  /** Sorted by name. */
  readonly env: Array<[string, string]>;
  readonly steps: ResolvedBuildStep[];
  readonly copies: ResolvedCopy[];
}

/** No hooks: the Dockerfile is exactly the template's. */
export const NO_BUILD_HOOKS: BuildHooks = { packages: [], env: [], steps: [], copies: [] };

/** The marker comment that opens every hook's instruction; the cache-impact report reads it. */
export const BUILD_HOOK_MARKER = /^# build hook (build-packages|build-env|step [a-z0-9-]+|copy [a-z0-9-]+):/;
