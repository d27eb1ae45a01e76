/**
 * `describeImageLayers` on models built by hand (pure): the stages and numbered steps of a
 * plain CPU image, what the torch tier, a lock and build hooks change, and the stages each
 * target builds. test/cache-report-model.test.ts holds it to the parsed Dockerfiles.
 */
import { CPU_IMAGE_INPUT } from './support/image-input';
import { BuildStepStage } from '../src/image/build-hook-steps';
import { ImageLayers, ImageStepRole, describeImageLayers } from '../src/image/image-layers';
import { resolveImageModel, stageOrder } from '../src/image/image-model';
import { TorchWheels } from '../src/service/torch';

const INPUT = CPU_IMAGE_INPUT;

/** `stage: role[tiers] <paths> from(stages) {hooks}` per step, one line each. */
function lines(layers: ImageLayers): string[] {
  return layers.stages.flatMap((stage) => stage.steps.map((s) => [
    `${stage.name}: ${s.keyword} ${s.role}`,
    ...s.tiers.length > 0 ? [`[${s.tiers.join(' ')}]`] : [],
    ...s.contextPaths.length > 0 ? [`<${s.contextPaths.join(' ')}>`] : [],
    ...s.fromStages.length > 0 ? [`from(${s.fromStages.join(' ')})`] : [],
    ...s.hooks.length > 0 ? [`{${s.hooks.join(', ')}}`] : [],
  ].join(' ')));
}

describe('describeImageLayers (pure)', () => {
  test('a CPU image: each stage of stageOrder with its numbered steps, roles, tiers and context paths', () => {
    const model = resolveImageModel(INPUT);
    const layers = describeImageLayers(model);
    expect(layers.stages.map((s) => s.name)).toEqual(stageOrder(model));
    expect(layers.stages.map((s) => [s.name, s.parent ?? s.baseArg])).toEqual([
      ['base', 'PYTHON_IMAGE'], ['deps-ml', 'base'], ['builder', 'deps-ml'], ['dev', 'builder'], ['test', 'dev'], ['prod', 'base'],
    ]);
    expect(lines(layers)).toEqual([
      'base: FROM base',
      'base: RUN system',
      'base: RUN system',
      'deps-ml: RUN dependencies',
      'deps-ml: RUN dependencies [ml] <docker/api/requirements-ml.txt>',
      'builder: RUN dependencies [core] <docker/api/requirements-core.txt docker/api/requirements-ml.txt>',
      'builder: RUN dependencies',
      'dev: RUN dependencies [dev] <docker/api/requirements-dev.txt docker/api/requirements-ml.txt docker/api/requirements-core.txt>',
      'dev: RUN dependencies',
      'dev: WORKDIR setup',
      'dev: COPY code <docker/runtime/mldocker_runtime>',
      'dev: COPY code <services/common>',
      'dev: COPY code <services/api>',
      'prod: COPY dependencies from(deps-ml)',
      'prod: RUN dependencies [core] <docker/api/requirements-core.txt docker/api/requirements-ml.txt>',
      'prod: RUN dependencies',
      'prod: WORKDIR setup',
      'prod: COPY code <docker/runtime/mldocker_runtime>',
      'prod: COPY code <services/common>',
      'prod: COPY code <services/api>',
    ]);
    expect(layers.targets).toEqual([
      { target: 'dev', stages: ['base', 'deps-ml', 'builder', 'dev'] },
      { target: 'test', stages: ['base', 'deps-ml', 'builder', 'dev', 'test'] },
      { target: 'prod', stages: ['base', 'deps-ml', 'prod'] },
    ]);
  });

  test('the torch tier goes first, alone; a lock mounts only its own file; the entry check closes prod', () => {
    const torch: TorchWheels = { torch: '2.5.1+cpu', torchvision: '0.20.1+cpu', torchaudio: '2.5.1+cpu', indexUrl: 'https://download.pytorch.org/whl/cpu', pythons: ['3.11'] };
    const model = resolveImageModel({ ...INPUT, torch, lock: { source: 'uv.lock' } });
    const entryCheck = { subjects: ['api.main'], args: ['python'] };
    const layers = describeImageLayers({ ...model, entryCheck });
    const text = lines(layers);
    expect(text.filter((l) => l.startsWith('deps-ml'))).toEqual([
      'deps-ml: RUN dependencies',
      'deps-ml: RUN dependencies [torch] <docker/api/requirements-torch.txt>',
      'deps-ml: RUN dependencies [ml] <docker/api/requirements-ml.txt>',
    ]);
    expect(text.filter((l) => l.includes('[core]'))).toEqual([
      'builder: RUN dependencies [core] <docker/api/requirements-core.txt>',
      'prod: RUN dependencies [core] <docker/api/requirements-core.txt>',
    ]);
    expect(text[text.length - 1]).toBe(`prod: RUN ${ImageStepRole.ENTRY_CHECK}`);
  });

  test('build hooks: their own steps and stages, the build env on the virtualenv step, prod copying builder\'s venv', () => {
    const model = resolveImageModel({
      ...INPUT,
      hooks: {
        packages: ['gcc'],
        env: [['MAX_JOBS', '4']],
        steps: [
          { name: 'fetch', run: 'true', stage: BuildStepStage.BUILDER, cacheMounts: [], secrets: [] },
          { name: 'ldconfig', run: 'ldconfig', stage: BuildStepStage.RUNTIME_ROOT, cacheMounts: [], secrets: [] },
        ],
        copies: [{ name: 'ffmpeg', image: 'mwader/static-ffmpeg:7.1.1', source: '/ffmpeg', target: '/usr/local/bin/ffmpeg', arg: 'COPY_FFMPEG_IMAGE', stageName: 'copy-ffmpeg' }],
      },
    });
    const layers = describeImageLayers(model);
    const text = lines(layers);
    expect(layers.stages[0]).toEqual({ name: 'copy-ffmpeg', baseArg: 'COPY_FFMPEG_IMAGE', steps: [expect.objectContaining({ keyword: 'FROM', role: ImageStepRole.BASE })] });
    expect(text.filter((l) => l.includes('{'))).toEqual([
      'deps-ml: RUN build-hook {build-packages}',
      'deps-ml: RUN dependencies {build-env}',
      'builder: RUN build-hook {step fetch}',
      'dev: COPY build-hook from(copy-ffmpeg) {copy ffmpeg}',
      'dev: RUN build-hook {step ldconfig}',
      'prod: COPY build-hook from(copy-ffmpeg) {copy ffmpeg}',
      'prod: RUN build-hook {step ldconfig}',
    ]);
    expect(text.filter((l) => l.startsWith('prod: COPY dependencies'))).toEqual(['prod: COPY dependencies from(builder)']);
    expect(layers.targets.find((t) => t.target === 'prod')!.stages).toEqual(['copy-ffmpeg', 'base', 'deps-ml', 'builder', 'prod']);
  });
});
