import { renderTemplate } from '../core/template';
import { BuildHooks, BuildStepStage } from '../image/build-hook-steps';

/** One service's hooks, for the docs. */
export interface ServiceHooks {
  readonly id: string;
  readonly hooks: BuildHooks;
}

/**
 * The "Build hooks" section of docs/containers.md (`templates/containers-build-hooks.md.ejs`):
 * every hook of every service with where it runs, what it does and what a change to it
 * rebuilds, without the trailing newline. Undefined when no service has a hook.
 */
export function buildHooksSection(services: readonly ServiceHooks[]): string | undefined {
  const any = services.some(({ hooks }) =>
    hooks.packages.length + hooks.env.length + hooks.steps.length + hooks.copies.length > 0);
  if (!any) return undefined;
  return renderTemplate('containers-build-hooks.md.ejs', {
    services: services.map(({ id, hooks }) => ({
      id,
      packages: hooks.packages,
      env: hooks.env.map(([name]) => name),
      steps: hooks.steps.map((s) => ({
        name: s.name,
        builder: s.stage === BuildStepStage.BUILDER,
        run: s.run,
        cacheMounts: s.cacheMounts,
        secrets: s.secrets,
      })),
      copies: hooks.copies,
    })),
  }).replace(/\n$/, '');
}
