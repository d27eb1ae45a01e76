import { BuildStepStage, copyImageArgs, renderBuilderSetup, renderCopyStages, renderRuntimeHooks, renderSteps } from './build-hook-steps';
import { ImageModel, prodVenvSource } from './image-model';
import { dockerQuote, execForm } from '../core/names';
import { renderTemplate } from '../core/template';

/**
 * The Dockerfile of an image model: `templates/Dockerfile.ejs` and its partials under
 * `templates/dockerfile/`. Pure: model in, text out; the stage order is the template's, and
 * `stageOrder(model)` names it.
 */
export function renderDockerfile(model: ImageModel): string {
  const unique = (list: readonly string[]) => list.filter((p, i, all) => all.indexOf(p) === i);
  const basePackages = unique([...model.aptPackages, ...model.copyPython?.packages ?? []]);
  return renderTemplate('Dockerfile.ejs', {
    ...model,
    // what the templates cannot spell themselves: quoting, exec form, the build hooks' own templates
    view: {
      baseArgs: [...model.bases.map((b) => [b.arg, b.image]), ...copyImageArgs(model.hooks)],
      basePackages,
      develPackages: unique([...basePackages, ...model.devel?.packages ?? []]),
      copyStages: renderCopyStages(model.hooks),
      builderSetup: renderBuilderSetup(model.hooks),
      builderSteps: renderSteps(model.hooks, BuildStepStage.BUILDER),
      runtimeHooks: renderRuntimeHooks(model.hooks),
      prodVenv: prodVenvSource(model),
      env: model.env.map(([k, v]) => `${k}=${dockerQuote(v)}`),
      entrypoint: execForm(model.entrypoint),
      devEntrypoint: execForm(model.devEntrypoint),
      command: execForm(model.command),
      testCommand: execForm(model.testCommand),
      healthCommand: model.healthCheck && execForm(model.healthCheck.command),
      quote: dockerQuote,
    },
  });
}
