import { impactOf } from './impact';
import { CacheChangeKind, CachePromiseResult, LayerRole, ServiceCacheReport, TargetCacheReport, TargetImpact } from './report-types';

/**
 * The promises of the generated layout, checked on one service's report: a code change
 * rebuilds no dependency layer, a dev-tier change leaves prod alone, a later tier keeps the
 * earlier tiers' layers, and a core-tier change re-copies no virtualenv into prod. A promise
 * whose changes or layers the Dockerfile lacks is not listed.
 */
export function checkPromises(report: ServiceCacheReport): CachePromiseResult[] {
  const results: CachePromiseResult[] = [];
  const has = (id: string): boolean => report.changes.some((c) => c.id === id);
  const codeKinds = [CacheChangeKind.APP_CODE, CacheChangeKind.SHARED_CODE, CacheChangeKind.RUNTIME_HELPERS];
  const codeChanges = report.changes.filter((c) => codeKinds.includes(c.kind));
  if (codeChanges.length > 0) {
    const broken = report.targets
      .flatMap((t) => codeChanges.map((c) => ({ t, c, impact: impactOf(report, t.target, c.id) })))
      .filter((x) => x.impact.invalidatedDependencyLayers > 0);
    results.push({
      service: report.service,
      promise: 'code-keeps-dependencies',
      description: 'a code-only change rebuilds no dependency layer',
      holds: broken.length === 0,
      detail: broken.length === 0
        ? `${codeChanges.map((c) => c.id).join(', ')} on ${report.targets.map((t) => t.target).join(', ')}: 0 dependency layers rebuilt`
        : broken.map((b) => `${b.c.id} rebuilds ${b.impact.invalidatedDependencyLayers} dependency layer(s) of ${b.t.target}: ${dependencySteps(b.t, b.impact).join(', ')}`).join('; '),
    });
  }
  if (has('requirements:dev') && report.targets.some((t) => t.target === 'prod')) {
    const impact = impactOf(report, 'prod', 'requirements:dev');
    results.push({
      service: report.service,
      promise: 'dev-tier-keeps-prod',
      description: 'a dev-tier change rebuilds no step of prod',
      holds: impact.invalidated.length === 0,
      detail: impact.invalidated.length === 0 ? `prod: ${impact.kept.length} steps CACHED` : `prod rebuilds ${impact.invalidated.join(', ')}`,
    });
  }
  const keeps = (promise: string, changed: string, keptTier: string): void => {
    if (!has(`requirements:${changed}`)) return;
    const checked: string[] = [];
    const broken: string[] = [];
    for (const t of report.targets) {
      const layer = t.steps.find((s) => s.installsTiers.includes(keptTier));
      if (!layer) continue;
      const impact = impactOf(report, t.target, `requirements:${changed}`);
      (impact.invalidated.includes(layer.label) ? broken : checked).push(`${t.target} ${layer.label}`);
    }
    if (checked.length + broken.length === 0) return;
    results.push({
      service: report.service,
      promise,
      description: `a ${changed}-tier change keeps the ${keptTier}-tier layer`,
      holds: broken.length === 0,
      detail: broken.length === 0 ? `kept: ${checked.join(', ')}` : `rebuilt: ${broken.join(', ')}`,
    });
  };
  keeps('core-tier-keeps-ml', 'core', 'ml');
  keeps('ml-tier-keeps-torch', 'ml', 'torch');
  const copy = coreKeepsVenvCopy(report);
  if (copy) results.push(copy);
  return results;
}

/**
 * Where prod installs the core tier itself (on a virtualenv copied from the stage with the
 * heavy tiers), a core-tier change must re-copy no virtualenv: the copy is the ml tier's
 * bytes again. Layouts that copy the finished virtualenv (core tier included, e.g. after
 * compiling CUDA extensions in a devel builder) re-copy it by design; the promise does not apply.
 */
function coreKeepsVenvCopy(report: ServiceCacheReport): CachePromiseResult | undefined {
  const prod = report.targets.find((t) => t.target === 'prod');
  if (!prod || !report.changes.some((c) => c.id === 'requirements:core')) return undefined;
  const installsCore = prod.steps.some((s) => s.stage === 'prod' && s.installsTiers.includes('core'));
  const copies = prod.steps.filter((s) => s.stage === 'prod' && s.keyword === 'COPY' && s.fromStages.length > 0 && s.role === LayerRole.DEPENDENCIES);
  if (!installsCore || copies.length === 0) return undefined;
  const impact = impactOf(report, 'prod', 'requirements:core');
  const broken = copies.filter((s) => impact.invalidated.includes(s.label));
  return {
    service: report.service,
    promise: 'core-tier-keeps-venv-copy',
    description: 'a core-tier change re-copies no virtualenv into prod',
    holds: broken.length === 0,
    detail: broken.length === 0
      ? `kept: ${copies.map((s) => `prod ${s.label}`).join(', ')}`
      : `rebuilt: ${broken.map((s) => `prod ${s.label} (from ${s.fromStages.join(', ')})`).join(', ')}`,
  };
}

function dependencySteps(target: TargetCacheReport, impact: TargetImpact): string[] {
  return target.steps.filter((s) => s.role === LayerRole.DEPENDENCIES && impact.invalidated.includes(s.label))
    .map((s) => s.label);
}
