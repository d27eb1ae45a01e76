/**
 * The cache-impact report: which build steps each kind of change re-runs, computed from the
 * generated Dockerfiles and ignore files. The promises of the generated layout are asserted
 * from the report here; test/engine/cache-proof.test.ts proves the report against real
 * BuildKit builds.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { GpuBase, GpuInference, GpuTrainer, MlDockerProject, PythonService, RequirementTier } from '../src';
import { newProject, synth, withExtensionFolders } from './util';
import { main } from '../src/bin/cache-report-cli';
import { CacheChangeKind, CacheReport, LayerRole, ServiceCacheReport } from '../src/cache-report/cache-report';
import { cacheReportOfProject } from '../src/cache-report/project-report';

const RUNS = Number(process.env.FC_RUNS ?? 25);
const CODE_CHANGES = [CacheChangeKind.APP_CODE, CacheChangeKind.SHARED_CODE, CacheChangeKind.RUNTIME_HELPERS];

/**
 * The api service of the scaffolded example (templates/projenrc.ts.ejs), plus a torch service and a bare
 * worker.
 */
function exampleProject(): MlDockerProject {
  const project = newProject();
  const api = new PythonService(project, 'api', {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    healthCheckPath: '/health',
    requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4', 'httpx==0.28.1'] },
  });
  api.addRequirement(RequirementTier.ML, 'numpy==2.1.3');
  new PythonService(project, 'embedder', {
    command: ['python', '-m', 'embedder.main'],
    torchVersion: '2.5.1',
    requirements: { ml: ['numpy==2.1.3'], core: ['redis==5.2.1'], dev: ['pytest==8.3.4'] },
  });
  new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'] });
  return project;
}

/** The GPU services of the design's example stack, plus a CUDA-base trainer that compiles an extension. */
function gpuProject(): MlDockerProject {
  const project = withExtensionFolders(newProject({ hostDriverVersion: '575.51.03' }), 'ext/op');
  new GpuTrainer(project, 'trainer', {
    torchVersion: '2.5.1',
    requirements: { ml: ['numpy==2.1.3', 'transformers==4.47.0'], core: ['mlflow-skinny==2.19.0'], dev: ['pytest==8.3.4'] },
    command: ['python', '-m', 'trainer.train'],
  });
  new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, modelDir: 'models', bakeModel: true, command: ['python', '-m', 'inference.serve'] });
  new GpuTrainer(project, 'cudatrainer', {
    torchVersion: '2.9.0',
    gpuBase: GpuBase.CUDA_RUNTIME,
    cudaExtensions: ['ext/op'],
    requirements: { ml: ['numpy==2.1.3'], core: ['redis==5.2.1'], dev: ['pytest==8.3.4'] },
    command: ['python', '-m', 'cudatrainer.train'],
  });
  return project;
}

function reportOf(project: MlDockerProject): CacheReport {
  synth(project);
  return cacheReportOfProject(project);
}

/** Labels of the dependency layers a change re-runs in a target. */
function dependencyLayersRerun(report: ServiceCacheReport, target: string, change: string): string[] {
  const t = report.targets.find((x) => x.target === target)!;
  const impact = t.impacts.find((i) => i.change === change)!;
  return t.steps.filter((s) => s.role === LayerRole.DEPENDENCIES && impact.invalidated.includes(s.label))
    .map((s) => s.label);
}

describe('promises of the generated layout, from the report', () => {
  const report = reportOf(exampleProject());

  test('the report covers every service and the dev, test and prod targets', () => {
    expect(report.services.map((s) => s.service)).toEqual(['api', 'embedder', 'worker']);
    for (const s of report.services) {
      expect(s.targets.map((t) => t.target)).toEqual(['dev', 'test', 'prod']);
      expect(s.warnings).toEqual([]);
      expect(s.ignoreFile).toBe(`docker/${s.service}/Dockerfile.dockerignore`);
    }
    expect(report.service('embedder').changes.map((c) => c.id)).toEqual([
      'app-code', 'shared-code', 'runtime-helpers',
      'requirements:torch', 'requirements:ml', 'requirements:core', 'requirements:dev',
      'base-image',
      ...report.service('embedder').changes.filter((c) => c.kind === CacheChangeKind.DOCKERFILE).map((c) => c.id),
    ]);
    expect(report.service('worker').changes.filter((c) => c.kind === CacheChangeKind.REQUIREMENTS)).toEqual([]);
  });

  test('a code-only change re-runs 0 dependency layers, in every service and target', () => {
    for (const s of report.services) {
      const codeChanges = s.changes.filter((c) => CODE_CHANGES.includes(c.kind));
      expect(codeChanges.map((c) => c.kind)).toEqual(CODE_CHANGES);
      for (const t of s.targets) {
        for (const change of codeChanges) {
          expect({
            service: s.service,
            target: t.target,
            change: change.id,
            rerun: dependencyLayersRerun(s, t.target, change.id),
          })
            .toEqual({ service: s.service, target: t.target, change: change.id, rerun: [] });
          expect(t.impacts.find((i) => i.change === change.id)!.invalidatedDependencyLayers).toBe(0);
        }
      }
    }
  });

  test('a code-only change re-runs only the code copies from the changed path on (app code: 1 step, plus the entry check in prod)', () => {
    for (const s of report.services) {
      for (const t of s.targets) {
        const app = t.impacts.find((i) => i.change === 'app-code')!;
        const steps = app.invalidated.map((label) => t.steps.find((x) => x.label === label)!);
        expect(steps[0]).toMatchObject({ keyword: 'COPY', role: LayerRole.CODE, contextPaths: [`services/${s.service}`] });
        if (t.target === 'prod') {
          // The build-time entry check reads the code, so it runs again; it installs nothing.
          expect(steps).toHaveLength(2);
          expect(steps[1]).toMatchObject({ keyword: 'RUN', stage: 'prod', installsTiers: [] });
          expect(steps[1].instruction).toContain('mldocker_runtime.entry_check');
        } else {
          expect(steps).toHaveLength(1);
        }
      }
    }
  });

  test('a dev-tier change re-runs 0 layers of prod', () => {
    for (const service of ['api', 'embedder']) {
      const s = report.service(service);
      expect(report.impact(service, 'prod', 'requirements:dev').invalidated).toEqual([]);
      // ... while dev and test do re-install the dev tier
      for (const target of ['dev', 'test']) {
        const t = s.targets.find((x) => x.target === target)!;
        const devLayer = t.steps.find((x) => x.installsTiers.includes('dev'))!;
        expect(devLayer.stage).toBe('dev');
        expect(report.impact(service, target, 'requirements:dev').invalidated).toContain(devLayer.label);
      }
    }
  });

  test('a core-tier change keeps the ml-tier layer (and an ml-tier change keeps torch)', () => {
    for (const service of ['api', 'embedder']) {
      const s = report.service(service);
      for (const t of s.targets) {
        const ml = t.steps.find((x) => x.installsTiers.includes('ml'))!;
        const core = t.steps.find((x) => x.installsTiers.includes('core'))!;
        expect(t.steps.indexOf(ml)).toBeLessThan(t.steps.indexOf(core));
        // The heavy tiers live in deps-ml; dev and test get the core tier in builder, prod its own.
        expect(ml.stage).toBe('deps-ml');
        expect(core.stage).toBe(t.target === 'prod' ? 'prod' : 'builder');
        const impact = report.impact(service, t.target, 'requirements:core');
        expect(impact.kept).toContain(ml.label);
        expect(impact.invalidated).toContain(core.label);
      }
    }
    for (const t of report.service('embedder').targets) {
      const torch = t.steps.find((x) => x.installsTiers.includes('torch'))!;
      expect(report.impact('embedder', t.target, 'requirements:ml').kept).toContain(torch.label);
      expect(report.impact('embedder', t.target, 'requirements:torch').invalidated).toContain(torch.label);
    }
  });

  test('checkPromises() reports every promise as held', () => {
    const promises = report.checkPromises();
    expect(promises.filter((p) => !p.holds)).toEqual([]);
    expect(promises.map((p) => `${p.service} ${p.promise}`)).toEqual([
      'api code-keeps-dependencies', 'api dev-tier-keeps-prod', 'api core-tier-keeps-ml', 'api core-tier-keeps-venv-copy',
      'embedder code-keeps-dependencies', 'embedder dev-tier-keeps-prod', 'embedder core-tier-keeps-ml', 'embedder ml-tier-keeps-torch', 'embedder core-tier-keeps-venv-copy',
      'worker code-keeps-dependencies',
    ]);
  });

  test('a base-image change re-runs every step; a template change of the test stage (CMD only) re-runs none', () => {
    for (const s of report.services) {
      for (const t of s.targets) {
        expect(report.impact(s.service, t.target, 'base-image').kept).toEqual([]);
        expect(report.impact(s.service, t.target, 'dockerfile:test').invalidated).toEqual([]);
      }
    }
  });

  test('the prod target never runs a step of the dev or test stage', () => {
    for (const s of report.services) {
      const prod = s.targets.find((t) => t.target === 'prod')!;
      expect(prod.steps.filter((x) => x.stage === 'dev' || x.stage === 'test')).toEqual([]);
      expect(s.targets.find((t) => t.target === 'test')!.steps).toEqual(s.targets.find((t) => t.target === 'dev')!.steps);
    }
  });

  test('the promises hold for random tier combinations', () => {
    const pkgs = fc.uniqueArray(fc.constantFrom('numpy', 'pandas', 'scipy', 'fastapi', 'httpx', 'pytest', 'ruff', 'redis'), { maxLength: 3 });
    fc.assert(fc.property(pkgs, pkgs, pkgs, fc.boolean(), (ml, core, dev, torch) => {
      const taken = new Set<string>();
      const pin = (list: string[]) => list.filter((p) => !taken.has(p) && taken.add(p)).map((p) => `${p}==1.0.0`);
      const project = newProject();
      new PythonService(project, 'svc', {
        command: ['python', '-m', 'svc.main'],
        torchVersion: torch ? '2.5.1' : undefined,
        requirements: { ml: pin(ml), core: pin(core), dev: pin(dev) },
      });
      const r = reportOf(project);
      expect(r.checkPromises().filter((p) => !p.holds)).toEqual([]);
      const s = r.service('svc');
      for (const t of s.targets) {
        for (const c of s.changes.filter((x) => CODE_CHANGES.includes(x.kind))) {
          expect(dependencyLayersRerun(s, t.target, c.id)).toEqual([]);
        }
      }
      if (s.changes.some((c) => c.id === 'requirements:dev')) expect(r.impact('svc', 'prod', 'requirements:dev').invalidated).toEqual([]);
    }), { numRuns: RUNS });
  });
});

describe('promises of the GPU layouts (python-slim + CUDA wheels, nvidia/cuda base with a devel builder, baked model)', () => {
  const report = reportOf(gpuProject());

  test('every promise holds for every GPU service', () => {
    expect(report.services.map((s) => s.service)).toEqual(['cudatrainer', 'inference', 'trainer']);
    expect(report.checkPromises().filter((p) => !p.holds)).toEqual([]);
    expect(report.checkPromises().map((p) => `${p.service} ${p.promise}`)).toEqual([
      'cudatrainer code-keeps-dependencies', 'cudatrainer dev-tier-keeps-prod', 'cudatrainer core-tier-keeps-ml', 'cudatrainer ml-tier-keeps-torch',
      'inference code-keeps-dependencies',
      'trainer code-keeps-dependencies', 'trainer dev-tier-keeps-prod', 'trainer core-tier-keeps-ml', 'trainer ml-tier-keeps-torch', 'trainer core-tier-keeps-venv-copy',
    ]);
    // cudatrainer compiles CUDA extensions in the devel builder: prod copies that finished venv
    // (core tier included), so a core change re-copies it by design and the promise does not apply.
    expect(report.impact('cudatrainer', 'prod', 'requirements:core').invalidated[0]).toMatch(/^\[builder /);
    for (const s of report.services) expect(s.warnings).toEqual([]);
  });

  test('one base-image change per image: the runtime CUDA image keeps the devel stages, the Python image re-runs both', () => {
    const s = report.service('cudatrainer');
    expect(s.changes.filter((c) => c.kind === CacheChangeKind.BASE_IMAGE).map((c) => c.id))
      .toEqual(['base-image:PYTHON_IMAGE', 'base-image:CUDA_IMAGE', 'base-image:CUDA_DEVEL_IMAGE']);
    const prod = s.targets.find((t) => t.target === 'prod')!;
    // The devel image is deps-ml's; builder (core tier, CUDA extensions) is built on it.
    const builderSteps = prod.steps.filter((x) => x.stage === 'deps-ml' || x.stage === 'builder').map((x) => x.label);
    expect(builderSteps[0]).toMatch(/^\[deps-ml 1\/\d+\]$/);
    expect(builderSteps.some((l) => l.startsWith('[builder'))).toBe(true);
    const runtime = report.impact('cudatrainer', 'prod', 'base-image:CUDA_IMAGE');
    expect(runtime.kept).toEqual(expect.arrayContaining(builderSteps));
    const python = report.impact('cudatrainer', 'prod', 'base-image:PYTHON_IMAGE');
    // every step but the FROMs of the CUDA images
    expect(python.invalidated).toEqual(expect.arrayContaining(builderSteps.slice(1)));
    expect(python.kept).toEqual(['[base 1/5]', builderSteps[0]]);
    // The devel image never reaches prod's own stage except through the venv it builds.
    expect(report.impact('cudatrainer', 'prod', 'base-image:CUDA_DEVEL_IMAGE').kept.filter((l) => l.startsWith('[base'))).toEqual(
      prod.steps.filter((x) => x.stage === 'base').map((x) => x.label));
  });

  test('CUDA extension sources and the baked model are their own changes, and neither re-runs a requirement tier', () => {
    const ext = report.service('cudatrainer').changes.find((c) => c.id === 'context:ext/op')!;
    expect(ext.kind).toBe(CacheChangeKind.OTHER_CONTEXT);
    const extImpact = report.impact('cudatrainer', 'prod', 'context:ext/op');
    const prod = report.service('cudatrainer').targets.find((t) => t.target === 'prod')!;
    for (const tier of ['torch', 'ml', 'core']) {
      expect(extImpact.kept).toContain(prod.steps.find((x) => x.installsTiers.includes(tier))!.label);
    }
    const model = report.impact('inference', 'prod', 'context:models');
    const inferenceProd = report.service('inference').targets.find((t) => t.target === 'prod')!;
    expect(model.invalidatedDependencyLayers).toBe(0);
    expect(inferenceProd.steps.filter((x) => model.invalidated.includes(x.label)).every((x) => x.stage === 'prod')).toBe(true);
  });
});

describe('the analysis, on hand-written Dockerfiles', () => {
  const MULTI = [
    'ARG PYTHON_IMAGE=python:3.11.16-slim-bookworm',
    'FROM ${PYTHON_IMAGE} AS base',
    'ENV A=1',
    'RUN apt-get update && apt-get install -y --no-install-recommends tini',
    '',
    'FROM base AS builder',
    'RUN python3 -m venv /opt/venv',
    'RUN --mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt \\',
    '    pip install -r /tmp/r/ml.txt',
    'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/tmp/r/core.txt \\',
    '    --mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt \\',
    '    pip install -c /tmp/r/ml.txt -r /tmp/r/core.txt',
    '',
    'FROM base AS prod',
    'COPY --from=builder /opt/venv /opt/venv',
    'WORKDIR /app',
    'COPY services/common /app/common',
    'COPY services/app /app/app',
    'LABEL x=y',
    'CMD ["python"]',
  ].join('\n');

  test('numbers the steps as BuildKit does: FROM <image>, RUN, COPY, ADD, WORKDIR; no FROM step for a stage built on a stage', () => {
    const r = CacheReport.analyze({ service: 'app', dockerfile: MULTI, targets: ['prod'] });
    expect(r.targets[0].steps.map((s) => `${s.label} ${s.keyword}`)).toEqual([
      '[base 1/2] FROM', '[base 2/2] RUN',
      '[builder 1/3] RUN', '[builder 2/3] RUN', '[builder 3/3] RUN',
      '[prod 1/4] COPY', '[prod 2/4] WORKDIR', '[prod 3/4] COPY', '[prod 4/4] COPY',
    ]);
    expect(r.targets[0].steps[0].instruction).toBe('FROM docker.io/library/python:3.11.16-slim-bookworm');
    expect(r.targets[0].steps.find((s) => s.label === '[builder 3/3]')).toMatchObject({
      instruction: 'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/tmp/r/core.txt     '
        + '--mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt     pip install -c /tmp/r/ml.txt -r /tmp/r/core.txt',
      contextPaths: ['docker/app/requirements-core.txt', 'docker/app/requirements-ml.txt'],
      installsTiers: ['core'],
      role: LayerRole.DEPENDENCIES,
      line: 10,
    });
    expect(r.targets[0].steps.find((s) => s.label === '[prod 1/4]')).toMatchObject({ fromStages: ['builder'], role: LayerRole.DEPENDENCIES });
  });

  test('pads the index to the width of the total, names unnamed stages stage-<n>, gives FROM scratch no step', () => {
    const dockerfile = [
      'FROM debian:bookworm-slim',
      'WORKDIR /x',
      ...Array.from({ length: 8 }, (_, i) => `RUN echo ${i + 1}`),
      'COPY a.txt /x/',
      'FROM scratch AS s2',
      'COPY --from=0 /x/a.txt /a',
    ].join('\n');
    // Labels as BuildKit 0.13 (Docker 26) printed them for this file on the real engine.
    const r = CacheReport.analyze({ service: 'pad', dockerfile, targets: ['s2'] });
    expect(r.targets[0].steps.map((s) => s.label)).toEqual([
      '[stage-0  1/11]', '[stage-0  2/11]', '[stage-0  3/11]', '[stage-0  4/11]', '[stage-0  5/11]', '[stage-0  6/11]',
      '[stage-0  7/11]', '[stage-0  8/11]', '[stage-0  9/11]', '[stage-0 10/11]', '[stage-0 11/11]', '[s2 1/1]',
    ]);
    expect(r.targets[0].steps[11].fromStages).toEqual(['stage-0']);
  });

  test('catches a layout where code is copied before the dependencies are installed', () => {
    const bad = [
      'FROM python:3.11.16-slim-bookworm AS prod',
      'WORKDIR /app',
      'COPY services/app /app/app',
      'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/r.txt pip install -r /r.txt',
    ].join('\n');
    const r = CacheReport.analyze({ service: 'app', dockerfile: bad });
    expect(r.targets.map((t) => t.target)).toEqual(['prod']);
    expect(r.targets[0].impacts.find((i) => i.change === 'app-code')).toMatchObject({
      invalidated: ['[prod 3/4]', '[prod 4/4]'], invalidatedDependencyLayers: 1,
    });
    const promise = CacheReport.promisesOf(r).find((p) => p.promise === 'code-keeps-dependencies')!;
    expect(promise.holds).toBe(false);
    expect(promise.detail).toContain('[prod 4/4]');
  });

  test('catches a layout where the dev tier is installed in a stage prod copies from', () => {
    const bad = [
      'FROM python:3.11.16-slim-bookworm AS base',
      'FROM base AS builder',
      'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/r/core.txt pip install -r /r/core.txt',
      'RUN --mount=type=bind,source=docker/app/requirements-dev.txt,target=/r/dev.txt pip install -r /r/dev.txt',
      'FROM builder AS dev',
      'COPY services/app /app/app',
      'FROM base AS prod',
      'COPY --from=builder /usr/local /usr/local',
      'COPY services/app /app/app',
    ].join('\n');
    const r = CacheReport.analyze({ service: 'app', dockerfile: bad });
    expect(r.targets.map((t) => t.target)).toEqual(['dev', 'prod']);
    expect(r.targets[1].impacts.find((i) => i.change === 'requirements:dev')!.invalidated).toEqual(['[builder 2/2]', '[prod 1/2]', '[prod 2/2]']);
    expect(CacheReport.promisesOf(r).find((p) => p.promise === 'dev-tier-keeps-prod')).toMatchObject({ holds: false });
  });

  test('catches a layout where the ml tier is installed after (or constrained by) the core tier', () => {
    const bad = MULTI.replace('RUN --mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt \\',
      'RUN --mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt --mount=type=bind,source=docker/app/requirements-core.txt,target=/tmp/r/core.txt \\')
      .replace('    pip install -r /tmp/r/ml.txt', '    pip install -c /tmp/r/core.txt -r /tmp/r/ml.txt');
    const r = CacheReport.analyze({ service: 'app', dockerfile: bad, targets: ['prod'] });
    expect(r.targets[0].impacts.find((i) => i.change === 'requirements:core')!.invalidated).toContain('[builder 2/3]');
    expect(CacheReport.promisesOf(r).find((p) => p.promise === 'core-tier-keeps-ml')).toMatchObject({ holds: false, detail: 'rebuilt: prod [builder 2/3]' });
  });

  test('where prod installs the core tier itself, a core change must keep its venv copy (the promise catches a copy that follows core)', () => {
    const split = MULTI.replace('FROM base AS builder', 'FROM base AS deps')
      .replace('RUN --mount=type=bind,source=docker/app/requirements-core.txt', 'FROM deps AS builder\nRUN --mount=type=bind,source=docker/app/requirements-core.txt')
      .replace('COPY --from=builder /opt/venv /opt/venv', [
        'COPY --from=deps /opt/venv /opt/venv',
        'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/tmp/r/core.txt \\',
        '    --mount=type=bind,source=docker/app/requirements-ml.txt,target=/tmp/r/ml.txt \\',
        '    pip install -c /tmp/r/ml.txt -r /tmp/r/core.txt',
      ].join('\n'));
    const promise = (text: string) => CacheReport.promisesOf(CacheReport.analyze({ service: 'app', dockerfile: text, targets: ['prod'] }))
      .find((p) => p.promise === 'core-tier-keeps-venv-copy');
    expect(promise(split)).toMatchObject({ holds: true, detail: 'kept: prod [prod 1/5]' });
    // The old layout (prod copies the finished venv, core included) does not install core in prod: not
    // applicable.
    expect(promise(MULTI)).toBeUndefined();
    // A copy from the stage that installs core, plus core again in prod: the copy follows every core change.
    expect(promise(split.replace('COPY --from=deps /opt/venv', 'COPY --from=builder /opt/venv'))).toMatchObject({ holds: false, detail: 'rebuilt: prod [prod 1/5] (from builder)' });
  });

  test('the ignore file decides which context files a COPY reads: an ignored file changes nothing', () => {
    const dockerfile = 'FROM python:3.11.16-slim-bookworm AS prod\nCOPY services/app /app/app\n';
    const contextFiles = ['services/app/data/train.csv', 'services/app/main.py'];
    const withIgnore = CacheReport.analyze({ service: 'app', dockerfile, ignoreFile: '*\n!services/app\n**/data\n', contextFiles });
    // The changed file the report assumes is one the context really sends.
    expect(withIgnore.changes[0]).toMatchObject({ id: 'app-code', files: ['services/app/main.py'] });
    const without = CacheReport.analyze({ service: 'app', dockerfile, contextFiles });
    expect(without.ignoreFile).toBeUndefined();
    expect(without.changes[0]).toMatchObject({ id: 'app-code', files: ['services/app/data/train.csv'] });
    // With no context known, a file inside the folder is assumed.
    expect(CacheReport.analyze({ service: 'app', dockerfile }).changes[0].files).toEqual(['services/app/__init__.py']);
  });

  test('a bind mount of the whole context (no source) is re-run by any sent file; a path the ignore file excludes is a warning', () => {
    const dockerfile = [
      'FROM python:3.11.16-slim-bookworm AS prod',
      'RUN --mount=type=bind,target=/src pip install /src',
      'COPY services/app /app/app',
      'COPY secrets/token /run/token',
    ].join('\n');
    const r = CacheReport.analyze({ service: 'app', dockerfile, ignoreFile: '**/secrets\n' });
    expect(r.targets[0].steps[1]).toMatchObject({ contextPaths: ['.'], role: LayerRole.DEPENDENCIES });
    expect(r.targets[0].impacts.find((i) => i.change === 'app-code')!.invalidated).toEqual(['[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
    expect(r.warnings).toEqual(['docker/app/Dockerfile reads secrets/token, but docker/app/Dockerfile.dockerignore excludes it: the build fails or copies nothing']);
  });

  test('one base-image change per image; a COPY --from=<image> is one too', () => {
    const dockerfile = [
      'ARG PYTHON_IMAGE=python:3.11.16-slim-bookworm',
      'ARG CUDA_IMAGE=nvidia/cuda:12.4.1-runtime-ubuntu22.04',
      'FROM ${PYTHON_IMAGE} AS python',
      'FROM ${CUDA_IMAGE} AS prod',
      'COPY --from=python /usr/local /usr/local',
      'COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /bin/uv',
      'COPY services/app /app/app',
    ].join('\n');
    const r = CacheReport.analyze({ service: 'app', dockerfile });
    expect(r.changes.filter((c) => c.kind === CacheChangeKind.BASE_IMAGE).map((c) => c.id))
      .toEqual(['base-image:PYTHON_IMAGE', 'base-image:CUDA_IMAGE', 'base-image:ghcr.io/astral-sh/uv:0.5.11']);
    const prod = r.targets[0];
    expect(prod.steps.map((s) => s.label)).toEqual(['[python 1/1]', '[prod 1/4]', '[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
    expect(prod.steps[1].instruction).toBe('FROM docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04');
    expect(prod.impacts.find((i) => i.change === 'base-image:PYTHON_IMAGE')!.invalidated).toEqual(['[python 1/1]', '[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
    expect(prod.impacts.find((i) => i.change === 'base-image:ghcr.io/astral-sh/uv:0.5.11')!.invalidated).toEqual(['[prod 3/4]', '[prod 4/4]']);
  });

  test('a template change of a stage re-runs its first step, the rest of the stage and every stage built from it', () => {
    const r = CacheReport.analyze({ service: 'app', dockerfile: MULTI, targets: ['prod'] });
    const impact = (c: string) => r.targets[0].impacts.find((i) => i.change === c)!.invalidated;
    expect(impact('dockerfile:base')).toEqual(r.targets[0].steps.slice(1).map((s) => s.label));
    expect(impact('dockerfile:builder')).toEqual(['[builder 1/3]', '[builder 2/3]', '[builder 3/3]', '[prod 1/4]', '[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
    expect(impact('dockerfile:prod')).toEqual(['[prod 1/4]', '[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
  });

  test('rejects unknown services and targets by name', () => {
    const project = newProject();
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
    synth(project);
    expect(() => CacheReport.fromProject(project.outdir, { services: ['nope'] })).toThrow(/no Dockerfile for service "nope".*services: api/);
    expect(() => CacheReport.fromProject(project.outdir, { targets: ['staging'] })).toThrow(/no stage named "staging"; stages: base, deps-ml, builder, dev, test, prod/);
  });
});

describe('mldocker-cache-report (the docker:cache-report task)', () => {
  function run(args: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = main(args, (t) => { out += t; }, (t) => { err += t; });
    return { code, out, err };
  }

  const project = exampleProject();
  synth(project);

  test('prints one table per service and target, then the promises', () => {
    const { code, out, err } = run([project.outdir]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('== api: docker/api/Dockerfile (ignore file docker/api/Dockerfile.dockerignore)');
    expect(out).toContain('target prod: X = re-run, . = CACHED');
    expect(out).toMatch(/^ {2}\[prod 1\/\d+\] +COPY --from=deps-ml \/opt\/venv /m);
    expect(out).toMatch(/^promises:\n {2}ok {5}api: a code-only change rebuilds no dependency layer/m);
    expect(out).not.toContain('BROKEN');
    // deterministic
    expect(run([project.outdir]).out).toEqual(out);
  });

  test('--json prints the same report as data; --service and --target narrow it', () => {
    const { code, out } = run(['--json', '--service', 'api', '--target=prod', project.outdir]);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.services.map((s: any) => s.service)).toEqual(['api']);
    expect(json.services[0].targets.map((t: any) => t.target)).toEqual(['prod']);
    const impact = json.services[0].targets[0].impacts.find((i: any) => i.change === 'requirements:dev');
    expect(impact).toMatchObject({ invalidated: [], invalidatedDependencyLayers: 0 });
    expect(json.promises.every((p: any) => p.holds)).toBe(true);
  });

  test('--check exits 1 when a promise is broken; usage errors exit 2; no Dockerfiles exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-cli-'));
    mkdirSync(join(dir, 'docker', 'app'), { recursive: true });
    writeFileSync(join(dir, 'docker', 'app', 'Dockerfile'), [
      'FROM python:3.11.16-slim-bookworm AS prod',
      'COPY services/app /app/app',
      'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/r.txt pip install -r /r.txt',
    ].join('\n'));
    expect(run([dir]).code).toBe(0);
    const checked = run(['--check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.out).toContain('BROKEN app: a code-only change rebuilds no dependency layer');
    expect(checked.err).toContain('1 broken promise(s)');
    expect(run(['--frobnicate']).code).toBe(2);
    expect(run(['--service']).code).toBe(2);
    const empty = run([mkdtempSync(join(tmpdir(), 'cache-cli-empty-'))]);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain('no docker/<id>/Dockerfile');
  });
});

