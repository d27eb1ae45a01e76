import { BuildStepStage } from './build-hook-steps';
import { dockerQuote, execForm } from './dockerfile-syntax';
import { ImageModel, prodVenvSource } from './image-model';
import { renderTemplate } from '../core/template';

/**
 * The Dockerfile of an image model: `templates/Dockerfile.ejs` and its partials under
 * `templates/dockerfile/` (the build hooks' among them). Pure: model in, text out; the stage
 * order is the template's, and `stageOrder(model)` names it. Nothing outside src/image writes
 * Dockerfile text.
 */
export function renderDockerfile(model: ImageModel): string {
  const unique = (list: readonly string[]) => list.filter((p, i, all) => all.indexOf(p) === i);
  const basePackages = unique([...model.aptPackages, ...model.copyPython?.packages ?? []]);
  const hooks = model.hooks;
  return renderTemplate('Dockerfile.ejs', {
    ...model,
    // what the templates do not spell themselves: quoting, exec forms, which steps run where
    view: {
      baseArgs: [...model.bases.map((b) => [b.arg, b.image]), ...hooks.copies.map((c) => [c.arg, c.image])],
      basePackages,
      develPackages: unique([...basePackages, ...model.devel?.packages ?? []]),
      hookEnv: hooks.env.map(([k, v]) => `${k}=${dockerQuote(v)}`),
      builderSteps: hooks.steps.filter((s) => s.stage === BuildStepStage.BUILDER),
      rootSteps: hooks.steps.filter((s) => s.stage === BuildStepStage.RUNTIME_ROOT),
      prodVenv: prodVenvSource(model),
      env: model.env.map(([k, v]) => `${k}=${dockerQuote(v)}`),
      entrypoint: execForm(model.entrypoint),
      devEntrypoint: execForm(model.devEntrypoint),
      command: execForm(model.command),
      testCommand: execForm(model.testCommand),
      healthCommand: model.healthCheck && execForm(model.healthCheck.command),
      entryCheck: model.entryCheck && execForm(model.entryCheck.args),
      torchCheck: model.torchCheck && execForm(model.torchCheck.args),
      weightsFetch: model.weights && execForm(model.weights.fetch),
      quote: dockerQuote,
    },
  });
}
