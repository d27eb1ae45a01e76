import type { Stage, StepModel } from './dockerfile-steps';
import { CacheChange, CacheChangeKind, LayerRole, ServiceCacheReport, TargetImpact } from './report-types';

/**
 * What one change does to a target's steps, the way BuildKit keys its cache: a step re-runs
 * when the step before it re-runs, when its own instruction changes, when a build-context
 * file it reads changes (after the ignore file), or when a stage or image it copies from changes.
 */
/** The steps of a target (in order) one change re-runs and keeps. */
export function predict(
  stages: Stage[], steps: StepModel[], change: CacheChange, ignores: (p: string) => boolean,
): TargetImpact {
  const memo = new Map<StepModel, boolean>();
  const changedFiles = (change.files ?? []).filter((f) => !ignores(f));
  const readsChanged = (step: StepModel): boolean => step.contextPaths.some((read) =>
    changedFiles.some((f) => read === '.' || f === read || f.startsWith(`${read}/`) || globMatch(read, f)));
  const stageChanged = (stage: Stage): boolean => {
    const last = stage.steps[stage.steps.length - 1];
    if (last) return invalid(last);
    return stage.parent ? stageChanged(stage.parent) : false;
  };
  const invalid = (step: StepModel): boolean => {
    const known = memo.get(step);
    if (known !== undefined) return known;
    memo.set(step, false);
    const stage = step.stageRef;
    let result: boolean;
    if (step.keyword === 'FROM') {
      result = change.kind === CacheChangeKind.BASE_IMAGE && change.image === stage.fromRaw;
    } else {
      const i = stage.steps.indexOf(step);
      const previous = stage.steps[i - 1];
      const parentChanged = previous ? invalid(previous) : stage.parent ? stageChanged(stage.parent) : false;
      const firstOfStage = stage.steps.filter((s) => s.keyword !== 'FROM')[0] === step;
      const ownEdit =
        (change.kind === CacheChangeKind.DOCKERFILE && change.stage === stage.name && firstOfStage)
        || (change.kind === CacheChangeKind.BUILD_HOOK && step.hooks.includes(change.hook ?? '\0'));
      const fromChanged = step.fromStages.some((name) => stageChanged(stages.find((s) => s.name === name)!));
      const imageChanged = change.kind === CacheChangeKind.BASE_IMAGE && step.fromRefs.includes(change.image ?? '\0');
      result = parentChanged || ownEdit || readsChanged(step) || fromChanged || imageChanged;
    }
    memo.set(step, result);
    return result;
  };
  const invalidated = steps.filter((s) => invalid(s));
  return {
    change: change.id,
    invalidated: invalidated.map((s) => s.label),
    kept: steps.filter((s) => !invalid(s)).map((s) => s.label),
    invalidatedDependencyLayers: invalidated.filter((s) => s.role === LayerRole.DEPENDENCIES).length,
  };
}

/** A COPY source with `*`, `?` or `[...]` matched against a file (or a file under a matching dir). */
function globMatch(pattern: string, file: string): boolean {
  if (!/[*?[]/.test(pattern)) return false;
  const re = pattern.split('/').map((seg) => seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/');
  return new RegExp(`^${re}(/.*)?$`).test(file);
}

/**
 * The impact of one change on one target of a service report; an unknown target or change is an error naming
 * the known ones.
 */
export function impactOf(report: ServiceCacheReport, target: string, change: string): TargetImpact {
  const t = report.targets.find((x) => x.target === target);
  if (!t) throw new Error(`service "${report.service}" has no target "${target}" in the report; targets: ${report.targets.map((x) => x.target).join(', ')}`);
  const impact = t.impacts.find((i) => i.change === change);
  if (!impact) throw new Error(`service "${report.service}" has no change "${change}"; changes: ${report.changes.map((c) => c.id).join(', ')}`);
  return impact;
}
