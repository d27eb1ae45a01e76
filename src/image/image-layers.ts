import { BuildStepStage } from './build-hook-steps';
import { BUILD_TIER, ImageModel, TierInstall, prodVenvSource, stageOrder } from './image-model';
import { TORCH_TIER } from '../core/tier-files';

/**
 * The layers of an image model, the way BuildKit numbers them: each stage of the Dockerfile
 * `renderDockerfile` writes, in file order, with its numbered steps (`FROM <image>`, `RUN`,
 * `COPY`, `WORKDIR`) and what each is for, the tiers it installs, the build-context paths and
 * stages it reads and the build hooks whose change re-runs it first. Read from the model, never
 * from the text: the cache-impact report takes its roles and tiers from here for a project's
 * own services, and test/cache-report-model.test.ts holds it to what the report parses from
 * every generated Dockerfile. Pure.
 */

/** What a numbered step of a generated Dockerfile is for. */
export enum ImageStepRole {
  /** `FROM <image>`. */
  BASE = 'base',
  /** OS packages, the app user, the copied Python, the CUDA toolkit, volume folders. */
  SYSTEM = 'system',
  /** The virtualenv, a tier's install (`tiers`), `pip check`, a copy of a virtualenv, CUDA extensions. */
  DEPENDENCIES = 'dependencies',
  /**
   * Code from the build context (the service's, shared code, runtime helpers, a baked model, the project's
   * wheel).
   */
  CODE = 'code',
  /** `WORKDIR`. */
  SETUP = 'setup',
  /**
   * A build hook's own step (`hooks` names it): a build package install, a build step, a copy from an image.
   */
  BUILD_HOOK = 'build-hook',
  /**
   * A build-time check that runs a runtime helper and installs nothing: the prod stage's entry
   * check, and the check of the torch family's builds in dev and prod.
   */
  ENTRY_CHECK = 'entry-check',
}

/** One numbered step. */
export interface ImageStep {
  /** `FROM`, `RUN`, `COPY` or `WORKDIR`. */
  readonly keyword: string;
  readonly role: ImageStepRole;
  /** The requirement tiers it installs (`torch`, `ml`, `core`, `dev`). */
  readonly tiers: readonly string[];
  /** Build-context paths it reads (copy sources, bind mounts), in the order it reads them. */
  readonly contextPaths: readonly string[];
  /** Stages it reads (`COPY --from`, `RUN --mount=from=`). */
  readonly fromStages: readonly string[];
  /** Build hooks whose change re-runs this step first: its own, or the build env right before it. */
  readonly hooks: readonly string[];
}

/** One stage of the Dockerfile. */
export interface ImageStage {
  readonly name: string;
  /** The stage it starts from, when not an image. */
  readonly parent?: string;
  /** The build arg of the image it starts from, when not a stage. */
  readonly baseArg?: string;
  readonly steps: readonly ImageStep[];
}

/** The stages of an image model and the stages each target builds. */
export interface ImageLayers {
  /** In file order (`stageOrder(model)`). */
  readonly stages: readonly ImageStage[];
  /**
   * `dev`, `test`, `prod`: the stages each builds (its parent chain and the stages it copies from), in file
   * order.
   */
  readonly targets: ReadonlyArray<{ readonly target: string; readonly stages: readonly string[] }>;
}

/** The stages and numbered steps `renderDockerfile(model)` writes. */
export function describeImageLayers(model: ImageModel): ImageLayers {
  const stages = stageOrder(model).map((name) => stageOf(model, name));
  const targets = ['dev', 'test', 'prod'].map((target) => ({ target, stages: stagesOfTarget(stages, target) }));
  return { stages, targets };
}

function step(keyword: string, role: ImageStepRole, more: Partial<Omit<ImageStep, 'keyword' | 'role'>> = {}): ImageStep {
  return { keyword, role, tiers: [], contextPaths: [], fromStages: [], hooks: [], ...more };
}

const base = (): ImageStep => step('FROM', ImageStepRole.BASE);

function tierStep(t: TierInstall): ImageStep {
  return step('RUN', ImageStepRole.DEPENDENCIES, { tiers: [t.tier], contextPaths: [t.file, ...t.locked ? [] : t.constraints] });
}

function stageOf(model: ImageModel, name: string): ImageStage {
  const tiers = (tier: string) => model.tiers.filter((t) => t.tier === tier).map(tierStep);
  const copy = model.hooks.copies.find((c) => c.stageName === name);
  if (copy) return { name, baseArg: copy.arg, steps: [base()] };
  switch (name) {
    case 'python':
      return { name, baseArg: 'PYTHON_IMAGE', steps: [base()] };
    case 'base':
      return { name, baseArg: model.runtimeBase.arg, steps: systemSteps(model) };
    case 'deps-ml': {
      const setup: ImageStep[] = [
        ...model.cudaToolkit ? [step('RUN', ImageStepRole.SYSTEM)] : [],
        ...model.hooks.packages.length > 0 ? [step('RUN', ImageStepRole.BUILD_HOOK, { hooks: ['build-packages'] })] : [],
      ];
      const venv = step('RUN', ImageStepRole.DEPENDENCIES, { hooks: model.hooks.env.length > 0 ? ['build-env'] : [] });
      const steps = [
        ...setup, venv,
        ...model.torch ? [step('RUN', ImageStepRole.DEPENDENCIES, { tiers: [TORCH_TIER], contextPaths: [model.torch.file] })] : [],
        ...tiers('ml'),
      ];
      return model.devel
        ? { name, baseArg: model.devel.arg, steps: [...systemSteps(model), ...steps] }
        : { name, parent: 'base', steps };
    }
    case 'builder':
      return {
        name,
        parent: 'deps-ml',
        steps: [
          ...tiers('core'),
          ...model.cudaExtensions ? [step('RUN', ImageStepRole.DEPENDENCIES, { contextPaths: model.cudaExtensions.dirs })] : [],
          ...hookSteps(model, BuildStepStage.BUILDER),
          pipCheck(),
        ],
      };
    case 'project': {
      const p = model.projectInstall!;
      return {
        name,
        parent: 'builder',
        steps: [
          ...p.buildFile ? [step('RUN', ImageStepRole.DEPENDENCIES, { tiers: [BUILD_TIER], contextPaths: [p.buildFile.path] })] : [],
          ...p.files.length > 0 ? [step('COPY', ImageStepRole.CODE, { contextPaths: p.files })] : [],
          ...p.folders.map((f) => step('COPY', ImageStepRole.CODE, { contextPaths: [f] })),
          step('RUN', ImageStepRole.CODE),
        ],
      };
    }
    case 'dev':
      return {
        name,
        parent: 'builder',
        steps: [...tiers('dev').flatMap((t) => [t, pipCheck()]), ...runtimeSteps(model)],
      };
    case 'test':
      return { name, parent: 'dev', steps: [] };
    case 'weights': {
      const w = model.weights!;
      const p = model.paths;
      return {
        name,
        parent: 'base',
        steps: [
          step('WORKDIR', ImageStepRole.SETUP),
          step('COPY', ImageStepRole.CODE, { contextPaths: [`${p.runtimeHelpers}/${p.runtimePackage}`] }),
          step('COPY', ImageStepRole.CODE, { contextPaths: [w.manifest] }),
          ...w.copies.map((c) => step('COPY', ImageStepRole.CODE, { contextPaths: [c.from] })),
          // the fetch: its cache key is the manifest's (and the folders'), never the code's
          step('RUN', ImageStepRole.SYSTEM),
        ],
      };
    }
    case 'prod':
      return {
        name,
        parent: 'base',
        steps: [
          ...prodVenv(model), ...runtimeSteps(model),
          ...model.weights ? [
            // the manifest, then each model's folder, all from the weights stage
            ...[model.weights.manifestPath, ...model.weights.folders]
              .map(() => step('COPY', ImageStepRole.SYSTEM, { fromStages: ['weights'] })),
          ] : [],
          ...model.entryCheck ? [step('RUN', ImageStepRole.ENTRY_CHECK)] : [],
        ],
      };
    default:
      throw new Error(`no stage "${name}" in the image model of ${model.header.serviceId}`);
  }
}

const pipCheck = (): ImageStep => step('RUN', ImageStepRole.DEPENDENCIES);


/** `FROM`, the copied Python and its check, OS packages, the app user (`base`, and a devel `deps-ml`). */
function systemSteps(model: ImageModel): ImageStep[] {
  return [
    base(),
    ...model.copyPython ? [step('COPY', ImageStepRole.SYSTEM, { fromStages: ['python'] })] : [],
    step('RUN', ImageStepRole.SYSTEM),
    ...model.copyPython ? [step('RUN', ImageStepRole.SYSTEM)] : [],
    step('RUN', ImageStepRole.SYSTEM),
  ];
}

function hookSteps(model: ImageModel, stage: BuildStepStage): ImageStep[] {
  return model.hooks.steps.filter((s) => s.stage === stage).map((s) => step('RUN', ImageStepRole.BUILD_HOOK, { hooks: [`step ${s.name}`] }));
}

/** prod's virtualenv: builder's, or deps-ml's with the core tier installed again and checked. */
function prodVenv(model: ImageModel): ImageStep[] {
  if (model.devel || prodVenvSource(model) === 'builder') return [step('COPY', ImageStepRole.DEPENDENCIES, { fromStages: ['builder'] })];
  const core = model.tiers.filter((t) => t.tier === 'core').map(tierStep);
  return [step('COPY', ImageStepRole.DEPENDENCIES, { fromStages: ['deps-ml'] }), ...core, pipCheck()];
}

/** The runtime block of dev and prod (`templates/dockerfile/runtime.ejs`). */
function runtimeSteps(model: ImageModel): ImageStep[] {
  const p = model.paths;
  return [
    step('WORKDIR', ImageStepRole.SETUP),
    ...model.runtimeSteps.map((s) => (s.kind === 'baked-model'
      ? step('COPY', ImageStepRole.CODE, { contextPaths: [s.from] })
      : step('RUN', ImageStepRole.SYSTEM))),
    ...model.hooks.copies.map((c) => step('COPY', ImageStepRole.BUILD_HOOK, { fromStages: [c.stageName], hooks: [`copy ${c.name}`] })),
    ...hookSteps(model, BuildStepStage.RUNTIME_ROOT),
    ...model.projectInstall ? [step('RUN', ImageStepRole.CODE, { fromStages: ['project'] })] : [],
    step('COPY', ImageStepRole.CODE, { contextPaths: [`${p.runtimeHelpers}/${p.runtimePackage}`] }),
    ...model.torchCheck ? [step('RUN', ImageStepRole.ENTRY_CHECK)] : [],
    step('COPY', ImageStepRole.CODE, { contextPaths: [p.sharedCode] }),
    ...model.copies.map((c) => step('COPY', ImageStepRole.CODE, { contextPaths: [c.from] })),
    ...model.workdir !== '/app' ? [step('WORKDIR', ImageStepRole.SETUP)] : [],
  ];
}

function stagesOfTarget(stages: readonly ImageStage[], target: string): string[] {
  const needed = new Set<string>();
  const visit = (name: string | undefined): void => {
    const stage = stages.find((s) => s.name === name);
    if (!stage || needed.has(stage.name)) return;
    needed.add(stage.name);
    visit(stage.parent);
    for (const s of stage.steps) s.fromStages.forEach(visit);
  };
  visit(target);
  return stages.filter((s) => needed.has(s.name)).map((s) => s.name);
}
