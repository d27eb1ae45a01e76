import type { Stage } from './dockerfile-steps';
import { LayerRole } from './report-types';
import { ImageLayers, ImageStep, ImageStepRole } from '../image/image-layers';

/**
 * A project's own service: its Dockerfile's steps take their roles and tiers from the image
 * model the Dockerfile was rendered from (`describeImageLayers`), not from the text. The parsed
 * stages must have exactly the model's shape (same stages in order, same numbered steps with
 * the same context paths, stages and build hooks); anything else means the Dockerfile on disk
 * is not the one the definition renders (edited, or not synthesized since), and is an error.
 */
export function applyImageLayers(stages: Stage[], layers: ImageLayers, dockerfilePath: string): void {
  const drift = layerDrift(stages, layers);
  if (drift.length > 0) {
    throw new Error(`${dockerfilePath} is not the Dockerfile its service renders (run \`npx projen\`): ${drift.join('; ')}`);
  }
  stages.forEach((stage, i) => stage.steps.forEach((parsed, j) => {
    const modelled = layers.stages[i].steps[j];
    const role = layerRoleOf(modelled);
    const writable = parsed as { role: LayerRole; installsTiers: string[] };
    // a build step's role is its command's (a step running pip is a dependency layer)
    if (role !== undefined) writable.role = role;
    writable.installsTiers = [...modelled.tiers];
  }));
}

/** The report's role of a modelled step; undefined for a build step, whose command decides. */
export function layerRoleOf(step: ImageStep): LayerRole | undefined {
  switch (step.role) {
    case ImageStepRole.BASE: return LayerRole.BASE_IMAGE;
    case ImageStepRole.SYSTEM: return LayerRole.SYSTEM;
    case ImageStepRole.DEPENDENCIES: return LayerRole.DEPENDENCIES;
    case ImageStepRole.CODE: return LayerRole.CODE;
    case ImageStepRole.SETUP: return LayerRole.SETUP;
    case ImageStepRole.ENTRY_CHECK: return LayerRole.SYSTEM;
    case ImageStepRole.BUILD_HOOK: return step.hooks.some((h) => h.startsWith('step ')) ? undefined : LayerRole.SYSTEM;
  }
}

/** Where the parsed stages differ from the model's, one line each (empty when they agree). */
export function layerDrift(stages: Stage[], layers: ImageLayers): string[] {
  const names = (list: ReadonlyArray<{ name: string }>) => list.map((s) => s.name).join(', ');
  if (names(stages) !== names(layers.stages)) return [`stages ${names(stages)}; the model's: ${names(layers.stages)}`];
  const drift: string[] = [];
  stages.forEach((stage, i) => {
    const modelled = layers.stages[i];
    const shape = (
      keyword: string, contextPaths: readonly string[], fromStages: readonly string[],
      hooks: readonly string[],
    ) =>
      `${keyword} context=[${contextPaths.join(' ')}] from=[${fromStages.join(' ')}] hooks=[${hooks.join(' ')}]`;
    const parsed = stage.steps.map((s) => shape(s.keyword, s.contextPaths, s.fromStages, s.hooks));
    const expected = modelled.steps.map((s) => shape(s.keyword, s.contextPaths, s.fromStages, s.hooks));
    if ((stage.parent?.name) !== modelled.parent) drift.push(`stage ${stage.name} starts from ${stage.parent?.name ?? stage.fromRaw}; the model's from ${modelled.parent ?? modelled.baseArg}`);
    if (parsed.length !== expected.length) {
      drift.push(`stage ${stage.name} has ${parsed.length} steps; the model's ${expected.length}`);
      return;
    }
    parsed.forEach((p, j) => {
      if (p !== expected[j]) drift.push(`${stage.steps[j].label} is ${p}; the model's ${expected[j]}`);
    });
  });
  return drift;
}
