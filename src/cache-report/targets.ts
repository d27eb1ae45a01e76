import type { Stage, StepModel } from './dockerfile-steps';

/** Which stages and steps a build of one target runs. */

/** The targets analysed when none are asked for (those the Dockerfile has). */
const DEFAULT_TARGETS = ['dev', 'test', 'prod'];

/**
 * The targets to analyse: the ones asked for (each must be a stage), else the defaults, else the last stage.
 */
export function targetsOf(stages: Stage[], wanted?: string[]): string[] {
  if (wanted) {
    const missing = wanted.filter((t) => !stages.some((s) => s.name === t));
    if (missing.length > 0) throw new Error(`no stage named ${missing.map((m) => `"${m}"`).join(', ')}; stages: ${stages.map((s) => s.name).join(', ')}`);
    return [...wanted];
  }
  const known = DEFAULT_TARGETS.filter((t) => stages.some((s) => s.name === t));
  return known.length > 0 ? known : stages.length > 0 ? [stages[stages.length - 1].name] : [];
}

/** The stages a target needs (its parent chain and every stage it copies from), in file order. */
export function stagesOfTarget(stages: Stage[], target: string): Stage[] {
  const needed = new Set<Stage>();
  const visit = (stage: Stage | undefined): void => {
    if (!stage || needed.has(stage)) return;
    needed.add(stage);
    visit(stage.parent);
    for (const step of stage.steps) {
      for (const name of step.fromStages) visit(stages.find((s) => s.name === name));
    }
  };
  visit(stages.find((s) => s.name === target));
  return stages.filter((s) => needed.has(s));
}

export function stepsOfTarget(stages: Stage[], target: string): StepModel[] {
  return stagesOfTarget(stages, target).flatMap((s) => s.steps as StepModel[]);
}
