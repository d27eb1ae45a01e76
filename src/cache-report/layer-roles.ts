import type { Stage, StepModel } from './dockerfile-steps';
import { LayerRole } from './report-types';
import { isTierFile } from '../core/tier-files';

/**
 * What each build step is for (base image, system, dependencies, code, set-up), decided from
 * what it runs and reads once every stage is parsed: a step that installs or copies
 * dependencies is a dependency layer, a copy from the build context is code.
 */
export function assignRoles(stages: Stage[]): void {
  for (const stage of stages) {
    for (const step of stage.steps) {
      (step as { role: LayerRole }).role = roleOf(step, stages);
    }
  }
}

/** What one step is for, among the parsed stages. */
export function roleOf(step: StepModel, stages: Stage[]): LayerRole {
  if (step.keyword === 'FROM') return LayerRole.BASE_IMAGE;
  const readsTier = step.contextPaths.some((p) => isTierFile(p));
  if (step.keyword === 'RUN') {
    // installProject: building the project's own wheel and installing it without dependencies is its code
    if (!readsTier && /\bpip (wheel|install) --no-deps\b/.test(step.instruction) && (step.stage === 'project' || step.fromStages.includes('project'))) return LayerRole.CODE;
    if (readsTier || step.mentionsDependencies) return LayerRole.DEPENDENCIES;
    return LayerRole.SYSTEM;
  }
  if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    if (step.fromStages.length > 0) {
      const sources = step.fromStages.map((n) => stages.find((s) => s.name === n)!);
      return sources.some((s) => stageHasDependencies(s)) ? LayerRole.DEPENDENCIES : LayerRole.SYSTEM;
    }
    if (step.fromImages.length > 0) return LayerRole.SYSTEM;
    if (step.contextPaths.length > 0 && step.contextPaths.every((p) => isTierFile(p))) {
      return LayerRole.DEPENDENCIES;
    }
    return LayerRole.CODE;
  }
  return LayerRole.SETUP;
}

function stageHasDependencies(stage: Stage, seen = new Set<Stage>()): boolean {
  if (seen.has(stage)) return false;
  seen.add(stage);
  return stage.steps.some((s) => s.keyword === 'RUN' && (s.mentionsDependencies || s.contextPaths.some((p) => isTierFile(p))))
    || (stage.parent !== undefined && stageHasDependencies(stage.parent, seen));
}
