/**
 * The cache-impact report's parser and the image model cannot drift: for every definition of
 * test/support/output-definitions.ts, every service and every target, the steps the report
 * parses from the generated Dockerfile (`CacheReport.fromProject`, text only) are the steps
 * `describeImageLayers` lists from the service's image model: the same stages in order, the
 * same numbered steps with the same roles, tiers, build-context paths (code copies included),
 * stages read and build hooks. The project's own path (`cacheReportOfProject`), which takes
 * roles and tiers from the model, gives the same report byte for byte.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import {
  BuildStepStage, Dependencies, GpuBase, GpuInference, GpuTrainer, MlDockerProject, MlDockerProjectOptions,
  PythonService,
} from '../src';
import { copyOf } from './deps/support';
import { DEFINITIONS } from './support/output-definitions';
import { newProject, withExtensionFolders, withoutPostSynth } from './util';
import { CacheReport, LayerRole } from '../src/cache-report/cache-report';
import { parseStages } from '../src/cache-report/dockerfile-steps';
import { cacheReportOfProject } from '../src/cache-report/project-report';
import { ImageLayers, ImageStep, ImageStepRole, describeImageLayers } from '../src/image/image-layers';
import { prodVenvSource } from '../src/image/image-model';
import { servicesOf } from '../src/service/service';

jest.setTimeout(120_000);

/**
 * The report's role of each modelled role; a build step's is its command's (a step running pip is a
 * dependency layer).
 */
const ROLE: Record<ImageStepRole, unknown> = {
  [ImageStepRole.BASE]: LayerRole.BASE_IMAGE,
  [ImageStepRole.SYSTEM]: LayerRole.SYSTEM,
  [ImageStepRole.DEPENDENCIES]: LayerRole.DEPENDENCIES,
  [ImageStepRole.CODE]: LayerRole.CODE,
  [ImageStepRole.SETUP]: LayerRole.SETUP,
  [ImageStepRole.ENTRY_CHECK]: LayerRole.SYSTEM,
  [ImageStepRole.BUILD_HOOK]: expect.stringMatching(/^(system|dependencies)$/),
};

/** The synthesized projects of one definition (the scaffold and the README run their own `.projenrc`). */
function projectsOf(run: () => string): MlDockerProject[] {
  const spy = jest.spyOn(MlDockerProject.prototype, 'synth');
  try {
    withoutPostSynth(() => run());
    return spy.mock.contexts as MlDockerProject[];
  } finally {
    spy.mockRestore();
  }
}

function expectedSteps(layers: ImageLayers, target: string) {
  const stages = layers.targets.find((t) => t.target === target)!.stages;
  return layers.stages.filter((s) => stages.includes(s.name))
    .flatMap((stage) => stage.steps.map((step: ImageStep) => ({
      stage: stage.name,
      keyword: step.keyword,
      role: ROLE[step.role],
      tiers: [...step.tiers],
      contextPaths: [...step.contextPaths],
      fromStages: [...step.fromStages],
      hooks: [...step.hooks],
    })));
}

/** A project in `root` (a fresh temp dir unless given) with `files` written into it, synthesized. */
function buildIn(
  define: (p: MlDockerProject) => void, files: Record<string, string> = {}, root?: string,
  options: Partial<MlDockerProjectOptions> = {},
): string {
  const project = newProject({ ...options, ...root ? { outdir: root } : {} });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project.outdir, path)), { recursive: true });
    writeFileSync(join(project.outdir, path), text);
  }
  define(project);
  project.synth();
  return project.outdir;
}

const CMD = ['python', '-m', 'api.main'];
const trainOf = (id: string) => ['python', '-m', `${id}.train`];
/**
 * What the recorded definitions leave out, so every branch of the model is held to the parser:
 * every build hook (a builder step that runs pip and one that does not, a root step, copies
 * from images, build packages and environment), CUDA extensions on python-slim (the Debian 12
 * toolkit) and with hooks on a devel image, the project's own wheel with sources, constraints
 * and a hash-locked requirement file.
 */
const EXTRA: Record<string, () => string> = {
  'build hooks': () => buildIn((p) => {
    new PythonService(p, 'api', {
      command: CMD,
      requirements: { ml: ['numpy==2.1.3'], core: ['fastapi==0.115.6'], dev: ['pytest==8.3.4'] },
      buildPackages: ['gcc', 'libpq-dev'],
      buildEnv: { MAX_JOBS: '4' },
      buildSteps: [
        { name: 'wheels', run: 'pip install --no-deps /opt/venv/extra', cacheMounts: ['/root/.cache/pip'] },
        { name: 'fetch-font', run: 'python -m api.fetch_font --to /opt/venv/share/fonts', secrets: ['hf'] },
        { name: 'ldconfig', run: 'ldconfig', stage: BuildStepStage.RUNTIME_ROOT },
      ],
      copyFromImages: [
        { name: 'ffmpeg', image: 'mwader/static-ffmpeg:7.1.1', source: '/ffmpeg', target: '/usr/local/bin/ffmpeg' },
        { name: 'probe', image: 'mwader/static-ffmpeg:7.1.1', source: '/ffprobe', target: '/usr/local/bin/ffprobe' },
      ],
    });
    new PythonService(p, 'env-only', { command: ['python', '-m', 'env_only.main'], buildEnv: { CFLAGS: '-O2' } });
  }),
  'cuda extensions': () => buildIn((p) => {
    withExtensionFolders(p, 'ext/fused', 'ext/attn');
    new GpuTrainer(p, 'slim', {
      torchVersion: '2.5.1',
      command: trainOf('slim'),
      cudaExtensions: ['ext/fused'],
      cudaKeyringSha256: 'a'.repeat(64),
      requirements: { ml: ['setuptools==75.6.0', 'ninja==1.11.1.3'], core: ['fastapi==0.115.6'] },
    });
    new GpuTrainer(p, 'devel', {
      torchVersion: '2.9.0',
      gpuBase: GpuBase.CUDA_RUNTIME,
      cudaVersion: '12.8',
      cudaExtensions: ['ext/attn'],
      command: trainOf('devel'),
      requirements: { ml: ['setuptools==75.6.0'], core: ['fastapi==0.115.6'] },
      buildPackages: ['ninja-build'],
      buildEnv: { FORCE_CUDA: '1' },
      buildSteps: [{ name: 'probe', run: 'nvcc --version' }],
    });
    new GpuInference(p, 'serve', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'serve.serve'], bakeModel: true, modelDir: 'models/served' });
  }, { 'ext/fused/setup.py': '', 'ext/attn/setup.py': '', 'models/served/config.json': '{}' }, undefined, { hostDriverVersion: '580.95.05' }),
  'install project with sources': () => buildIn((p) => {
    new PythonService(p, 'ranker', {
      command: ['ranker-serve'],
      port: 8000,
      sources: ['ranker', 'configs', 'train.py'],
      installProject: true,
      workdir: '/app/ranker',
      requirements: { ml: ['numpy==2.1.3'], core: ['setuptools==75.6.0', 'fastapi==0.115.6'] },
    });
  }, {
    'pyproject.toml': [
      '[build-system]', 'requires = ["setuptools>=70"]', 'build-backend = "setuptools.build_meta"',
      '[project]', 'name = "ranker"', 'version = "0.1.0"', 'readme = "README.md"',
      '[project.scripts]', 'ranker-serve = "ranker.serve:main"', '[tool.setuptools.packages.find]', 'include = ["ranker*"]',
    ].join('\n'),
    'README.md': '# ranker\n',
    'ranker/__init__.py': '',
    'ranker/serve.py': 'def main(): pass\n',
    'configs/ranker.yaml': 'k: 10\n',
    'train.py': '',
  }),
  'constraints and a lock': () => {
    const root = copyOf(join(__dirname, 'deps', 'fixtures', 'requirements-plain'));
    return buildIn((p) => {
      new PythonService(p, 'api', {
        command: CMD,
        dependencies: Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'], core: ['requirements.txt'], dev: ['requirements/dev.txt'] }),
      });
      new PythonService(p, 'locked', {
        command: ['python', '-m', 'locked.main'],
        dependencies: Dependencies.fromRequirementsFiles({ core: ['locked/requirements.txt'] }),
      });
    }, {
      'locked/requirements.txt': `fastapi==0.115.6 \\\n    --hash=sha256:${'b'.repeat(64)}\n`,
    }, root);
  },
};
const checked = { definitions: 0, services: 0, targets: 0, steps: 0 };
const roles = new Set<ImageStepRole>();
/** Branches of the model the checked services went through. */
const seen = new Set<string>();

const ALL: Record<string, () => string> = { ...DEFINITIONS, ...EXTRA };

describe.each(Object.keys(ALL))('%s', (name) => {
  test('every service\'s parsed steps are its image model\'s, for every target', () => {
    const projects = projectsOf(ALL[name]);
    expect(projects.length).toBeGreaterThan(0);
    checked.definitions++;
    for (const project of projects) {
      const services = servicesOf(project);
      const report = CacheReport.fromProject(project.outdir);
      expect(report.services.map((s) => s.service)).toEqual(services.map((s) => s.serviceId).sort());
      for (const service of services) {
        const model = service._renderedImageModel();
        const layers = describeImageLayers(model);
        const branches: Record<string, boolean> = {
          'copied python': model.copyPython !== undefined,
          'devel deps-ml': model.devel !== undefined,
          'debian 12 toolkit': model.cudaToolkit !== undefined,
          'cuda extensions': model.cudaExtensions !== undefined,
          'torch tier': model.torch !== undefined,
          'hash-locked tier': model.tiers.some((t) => t.locked),
          'constraints file': model.tiers.some((t) => t.constraints.some((c) => c.endsWith('/constraints.txt'))),
          'project wheel': model.projectInstall !== undefined,
          'baked model': model.runtimeSteps.some((r) => r.kind === 'baked-model'),
          'volume folder': model.runtimeSteps.some((r) => r.kind !== 'baked-model'),
          'build env only': model.hooks.env.length > 0 && model.hooks.packages.length === 0,
          'prod venv from builder': model.devel === undefined && prodVenvSource(model) === 'builder',
          'prod venv from deps-ml': prodVenvSource(model) === 'deps-ml',
          'workdir not /app': model.workdir !== '/app',
          'entry check': model.entryCheck !== undefined,
        };
        Object.entries(branches).filter(([, on]) => on).forEach(([branch]) => seen.add(branch));
        const dockerfile = readFileSync(join(project.outdir, service.dockerfilePath), 'utf-8');
        const parsed = parseStages(dockerfile);
        expect({ service: service.serviceId, stages: parsed.map((s) => s.name) })
          .toEqual({ service: service.serviceId, stages: layers.stages.map((s) => s.name) });
        const hooksOf = (stage: string, index: number) =>
          parsed.find((s) => s.name === stage)!.steps[index - 1].hooks;
        const serviceReport = report.service(service.serviceId);
        expect(serviceReport.targets.map((t) => t.target)).toEqual(service.targets);
        for (const target of serviceReport.targets) {
          const actual = target.steps.map((s) => ({
            stage: s.stage,
            keyword: s.keyword,
            role: s.role,
            tiers: s.installsTiers,
            contextPaths: s.contextPaths,
            fromStages: s.fromStages,
            hooks: hooksOf(s.stage, s.index),
          }));
          expect({ service: service.serviceId, target: target.target, steps: actual })
            .toEqual({
              service: service.serviceId, target: target.target, steps: expectedSteps(layers, target.target),
            });
          for (const s of actual.filter((a) => a.hooks.some((h) => h.startsWith('step ')))) seen.add(`build step as ${s.role}`);
          checked.targets++;
          checked.steps += actual.length;
        }
        layers.stages.forEach((s) => s.steps.forEach((step) => roles.add(step.role)));
        checked.services++;
      }
      // the project's own path takes roles and tiers from the models: the same report, byte for byte
      expect(JSON.stringify(cacheReportOfProject(project).toJson())).toBe(JSON.stringify(report.toJson()));
    }
  });
});

test('the definitions cover every role, and many services and steps', () => {
  expect(checked.definitions).toBe(Object.keys(ALL).length);
  expect(checked.services).toBeGreaterThanOrEqual(30);
  expect(checked.steps).toBeGreaterThanOrEqual(1000);
  expect([...roles].sort()).toEqual(Object.values(ImageStepRole).sort());
  expect([...seen].sort()).toEqual([
    'baked model', 'build env only', 'build step as dependencies', 'build step as system', 'constraints file', 'copied python',
    'cuda extensions', 'debian 12 toolkit', 'devel deps-ml', 'entry check', 'hash-locked tier',
    'prod venv from builder', 'prod venv from deps-ml', 'project wheel', 'torch tier', 'volume folder', 'workdir not /app',
  ]);
});

test('the project\'s own path refuses a Dockerfile its service does not render', () => {
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], requirements: { core: ['fastapi==0.115.6'] } });
  withoutPostSynth(() => project.synth());
  const path = join(project.outdir, 'docker', 'api', 'Dockerfile');
  const text = readFileSync(path, 'utf-8');
  // a Dockerfile edited by hand (one step fewer): the text-only report still reads it
  chmodSync(path, 0o644);
  writeFileSync(path, text.replace(/\nRUN pip check\n/, '\n'));
  expect(() => CacheReport.fromProject(project.outdir)).not.toThrow();
  expect(() => cacheReportOfProject(project)).toThrow(/^docker\/api\/Dockerfile is not the Dockerfile its service renders \(run `npx projen`\): stage builder has 1 steps; the model's 2/);
});

test('the weights left out of an image are named once per synth, never by the report reading the model', () => {
  const project = newProject();
  mkdirSync(join(project.outdir, 'services', 'api'), { recursive: true });
  writeFileSync(join(project.outdir, 'services', 'api', '__init__.py'), '');
  writeFileSync(join(project.outdir, 'services', 'api', 'main.py'), 'print("up")\n');
  writeFileSync(join(project.outdir, 'services', 'api', 'model.safetensors'), 'weights');
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
  const info = jest.spyOn(project.logger, 'info').mockImplementation(() => undefined);
  const leftOut = () => info.mock.calls.filter((args) => String(args[0]).includes('stay out of the image'));
  withoutPostSynth(() => project.synth());
  expect(leftOut()).toEqual([['vision/api: 1 data or weights file(s) under the copied code stay out of the image (e.g. services/api/model.safetensors)']]);
  expect(cacheReportOfProject(project).services.map((s) => s.service)).toEqual(['api']);
  expect(leftOut()).toHaveLength(1);
});
