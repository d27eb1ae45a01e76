import ignore from '@balena/dockerignore';
import { FilesUnder, changesOf } from './change-groups';
import { StepModel, normalizeContextPath, parseStages } from './dockerfile-steps';
import { predict } from './impact';
import { assignRoles } from './layer-roles';
import { applyImageLayers } from './model-layers';
import { CacheStep, DockerfileCacheInput, ServiceCacheReport } from './report-types';
import { stepsOfTarget, targetsOf } from './targets';
import type { ImageLayers } from '../image/image-layers';

/**
 * One service's cache report from its Dockerfile and ignore file: parse the stages, classify
 * the steps, list the changes, then predict each change's impact on each target.
 * `filesUnder` lists the build context (from the project on disk); without it the input's
 * `contextFiles` are used, else a file inside each path is assumed. With the image model's
 * `layers` (a project's own service), the steps' roles and tiers are the model's, and a
 * Dockerfile of another shape is an error.
 */
export function analyzeDockerfile(
  input: DockerfileCacheInput, filesUnder?: FilesUnder, layers?: ImageLayers,
): ServiceCacheReport {
  const stages = parseStages(input.dockerfile);
  assignRoles(stages);
  const dockerfilePath = input.dockerfilePath ?? `docker/${input.service}/Dockerfile`;
  if (layers) applyImageLayers(stages, layers, dockerfilePath);
  const ignorePath = input.ignoreFile !== undefined ? input.ignoreFilePath ?? `${dockerfilePath}.dockerignore` : undefined;
  const matcher = ignore().add(ignoreLines(input.ignoreFile ?? ''));
  const ignores = (path: string): boolean => path !== '.' && matcher.ignores(path);
  const warnings: string[] = [];
  const allSteps = stages.flatMap((s) => s.steps);
  const contextReads = [...new Set(allSteps.flatMap((s) => s.contextPaths))];
  for (const path of contextReads) {
    if (ignores(path)) warnings.push(`${dockerfilePath} reads ${path}, but ${ignorePath} excludes it: the build fails or copies nothing`);
  }
  const listed = input.contextFiles?.map(normalizeContextPath);
  const files = filesUnder ?? (listed && ((path: string) => (path === '.' ? listed : listed.filter((f) => f === path || f.startsWith(`${path}/`)))));
  const changes = changesOf(stages, contextReads, files, ignores);
  const targets = targetsOf(stages, input.targets);
  const report: ServiceCacheReport = {
    service: input.service,
    dockerfile: dockerfilePath,
    ignoreFile: ignorePath,
    changes,
    targets: targets.map((target) => {
      const steps = stepsOfTarget(stages, target);
      return {
        target,
        steps: steps.map(publicStep),
        impacts: changes.map((change) => predict(stages, steps, change, ignores)),
      };
    }),
    warnings,
  };
  return report;
}

function ignoreLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function publicStep(step: StepModel): CacheStep {
  return {
    label: step.label,
    stage: step.stage,
    index: step.index,
    total: step.total,
    keyword: step.keyword,
    instruction: step.instruction,
    line: step.line,
    role: step.role,
    contextPaths: [...step.contextPaths],
    fromStages: [...step.fromStages],
    fromImages: [...step.fromImages],
    installsTiers: [...step.installsTiers],
  };
}
