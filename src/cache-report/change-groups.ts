import type { Stage, StepModel } from './dockerfile-steps';
import { CacheChange, CacheChangeKind } from './report-types';
import { stagesOfTarget } from './targets';
import { compareTiers, isTierFile, tierOfFile } from '../core/tier-files';
import { RUNTIME_HELPERS_DIR, SHARED_CODE_DIR } from '../image/image-paths';

/**
 * The changes a Dockerfile can see, grouped the way a user makes them: the service's code,
 * the shared code, the runtime helpers, other context paths, each requirement tier (in install
 * order), each base image, each build hook and the first step of each stage (a template edit).
 */

/** Files of the build context under a path (relative, `/`-separated). */
export type FilesUnder = (path: string) => string[];

export function changesOf(
  stages: Stage[], reads: string[], filesUnder: FilesUnder | undefined, ignores: (p: string) => boolean,
): CacheChange[] {
  const changes: CacheChange[] = [];
  const sample = (path: string): string => sampleFile(path, filesUnder, ignores);
  const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`) || dir.startsWith(`${path}/`);

  const runtime = reads.filter((p) => under(p, RUNTIME_HELPERS_DIR));
  const shared = reads.filter((p) => under(p, SHARED_CODE_DIR));
  const tiers = new Map<string, string[]>();
  for (const p of reads) {
    const tier = tierOfFile(p);
    if (tier) tiers.set(tier, [...(tiers.get(tier) ?? []), p]);
  }
  // Other paths (not the whole context `.`, not paths the ignore file excludes anyway).
  const other = reads.filter((p) => p !== '.' && !ignores(p) && !runtime.includes(p) && !shared.includes(p) && !isTierFile(p));
  // The service's own code is, by the template's rule, the last context COPY of the last stage.
  const lastStage = stages[stages.length - 1];
  const lastCopy = lastStage && [...stagesOfTarget(stages, lastStage.name)].reverse()
    .flatMap((s) => [...s.steps].reverse()).find((s) => s.keyword === 'COPY' && s.contextPaths.some((p) => other.includes(p)));
  const appPath = other.length === 1 ? other[0] : lastCopy?.contextPaths.find((p) => other.includes(p));
  // With `sources`, the code is every context COPY after the shared code's, in file order.
  const lastSteps = lastStage ? stagesOfTarget(stages, lastStage.name).pop()!.steps : [];
  const sharedAt = lastSteps.findIndex((s) => s.keyword === 'COPY' && s.contextPaths.some((p) => shared.includes(p)));
  const sourcePaths = sharedAt < 0 ? [] : lastSteps.slice(sharedAt + 1)
    .filter((s) => s.keyword === 'COPY').flatMap((s) => s.contextPaths.filter((p) => other.includes(p)));
  const appPaths = sourcePaths.length > 1 ? sourcePaths : appPath ? [appPath] : [];

  if (appPaths.length > 0) {
    changes.push({ id: 'app-code', kind: CacheChangeKind.APP_CODE, description: `the service's code (a file under ${appPaths.join(', ')})`, files: appPaths.map(sample) });
  }
  if (shared.length > 0) {
    changes.push({ id: 'shared-code', kind: CacheChangeKind.SHARED_CODE, description: `code shared by every service (a file under ${SHARED_CODE_DIR})`, files: shared.map(sample) });
  }
  if (runtime.length > 0) {
    changes.push({ id: 'runtime-helpers', kind: CacheChangeKind.RUNTIME_HELPERS, description: `generated runtime helpers (a file under ${RUNTIME_HELPERS_DIR})`, files: runtime.map(sample) });
  }
  for (const p of other.filter((x) => !appPaths.includes(x))) {
    changes.push({ id: `context:${p}`, kind: CacheChangeKind.OTHER_CONTEXT, description: `other build-context files (a file under ${p})`, files: [sample(p)] });
  }
  const tierNames = [...tiers.keys()].sort(compareTiers);
  for (const tier of tierNames) {
    changes.push({
      id: `requirements:${tier}`,
      kind: CacheChangeKind.REQUIREMENTS,
      tier,
      description: `the ${tier} requirement tier (${tiers.get(tier)!.join(', ')})`,
      files: [...tiers.get(tier)!],
    });
  }
  // Base images: every FROM <image>, and images a step copies from directly (COPY --from=<image>).
  const images = new Map<string, string>();
  for (const stage of stages) if (stage.image) images.set(stage.fromRaw, stage.image);
  for (const step of stages.flatMap((s) => s.steps as StepModel[])) {
    step.fromRefs.forEach((ref) => {
      if (!stages.some((s) => s.name.toLowerCase() === ref.toLowerCase()) && !/^\d+$/.test(ref)) images.set(ref, ref);
    });
  }
  for (const [image, shown] of images) {
    changes.push({
      id: images.size === 1 ? 'base-image' : `base-image:${image.replace(/^\$\{?|\}$/g, '')}`,
      kind: CacheChangeKind.BASE_IMAGE,
      image,
      description: `the base image ${image}${shown !== image ? ` (default ${shown})` : ''}`,
    });
  }
  const hooks = [...new Set(stages.flatMap((s) => s.steps.flatMap((step) => step.hooks)))];
  for (const hook of hooks) {
    const [kind, name] = hook.split(' ');
    const steps = stages.flatMap((s) => s.steps).filter((step) => step.hooks.includes(hook))
      .map((step) => step.label);
    changes.push({
      id: `build-hook:${hook.replace(' ', ':')}`,
      kind: CacheChangeKind.BUILD_HOOK,
      hook,
      description: `${HOOK_TEXT[kind]}${name ? ` "${name}"` : ''}: re-runs ${steps.join(', ')} and every later step`,
    });
  }
  for (const stage of stages) {
    // A stage that is only a FROM (e.g. an image to copy from) has nothing but its image to change.
    if (stage.firstInstruction === undefined) continue;
    const first = stage.steps.find((s) => s.keyword !== 'FROM');
    changes.push({
      id: `dockerfile:${stage.name}`,
      kind: CacheChangeKind.DOCKERFILE,
      stage: stage.name,
      description: first
        ? `the template changes stage ${stage.name} at its first build step (${first.label} ${first.keyword})`
        : `the template changes stage ${stage.name}, which has no build step (metadata only, e.g. ${stage.firstInstruction.split(' ')[0]})`,
    });
  }
  return changes;
}

const HOOK_TEXT: Record<string, string> = {
  'build-packages': 'the builder-only Debian packages (buildPackages)',
  'build-env': 'the builder\'s environment (buildEnv)',
  'step': 'the build step (buildSteps)',
  'copy': 'the copy from an image (copyFromImages: source or target)',
};

/**
 * A file of the build context under `path` that the ignore file lets through (the first in
 * sorted order), or a file assumed inside it when the context is not known.
 */
function sampleFile(
  path: string, filesUnder: FilesUnder | undefined, ignores: (p: string) => boolean,
): string {
  const sent = (filesUnder?.(path) ?? []).filter((f) => !ignores(f)).sort();
  if (sent.length > 0) return sent.includes(path) ? path : sent[0];
  if (path === '.') return 'README.md';
  return isTierFile(path) || /\.[A-Za-z0-9]+$/.test(path.split('/').pop()!) ? path : `${path}/__init__.py`;
}
