/**
 * The build hooks as the image model holds them, checked (src/service/build-hooks.ts checks the
 * props): builder packages and environment, extra steps and copies from other images, with the
 * marker comment every hook's instruction opens with. Pure data.
 */
import { dockerQuote } from '../core/names';
import { renderTemplate } from '../core/template';

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

/** The build args that select the copied-from images, after the base images'. */
export function copyImageArgs(hooks: BuildHooks): Array<[string, string]> {
  return hooks.copies.map((c) => [c.arg, c.image]);
}

/** The `FROM <image> AS copy-<name>` stages (empty without copies). */
export function renderCopyStages(hooks: BuildHooks): string[] {
  if (hooks.copies.length === 0) return [];
  return [renderTemplate('dockerfile/hook-copy-stages.ejs', { copies: hooks.copies }).replace(/\n$/, '')];
}

/** The builder's own packages and environment, right after its `FROM` (empty without them). */
export function renderBuilderSetup(hooks: BuildHooks): string[] {
  if (hooks.packages.length === 0 && hooks.env.length === 0) return [];
  return [renderTemplate('dockerfile/hook-builder-setup.ejs', {
    packages: hooks.packages,
    env: hooks.env.map(([k, v]) => `${k}=${dockerQuote(v)}`),
  }).replace(/\n$/, '')];
}

/** The steps of one stage, each its own RUN. */
export function renderSteps(hooks: BuildHooks, stage: BuildStepStage): string[] {
  return hooks.steps.filter((s) => s.stage === stage).map((s) => renderTemplate('dockerfile/hook-step.ejs', { step: s }).replace(/\n$/, ''));
}

/** The runtime block's copies from images, then its root steps (empty without them). */
export function renderRuntimeHooks(hooks: BuildHooks): string[] {
  const copies = hooks.copies.length === 0 ? [] : [renderTemplate('dockerfile/hook-copies.ejs', { copies: hooks.copies }).replace(/\n$/, '')];
  return [...copies, ...renderSteps(hooks, BuildStepStage.RUNTIME_ROOT)];
}

/** The marker comment that opens every hook's instruction; the cache-impact report reads it. */
export const BUILD_HOOK_MARKER = /^# build hook (build-packages|build-env|step [a-z0-9-]+|copy [a-z0-9-]+):/;
