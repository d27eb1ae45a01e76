/**
 * Build hooks: build-only packages and environment, extra steps, copies from
 * pinned images. Each hook's Dockerfile text is snapshotted; the generated Dockerfiles are
 * parsed with dockerfile-ast to prove, stage by stage, that builder-only things never reach
 * prod; the cache-impact report and the docs list each hook.
 */
import { Instruction } from 'dockerfile-ast';
import { BuildStep, BuildStepStage, CopyFromImage, GpuTrainer, GpuBase, MlDockerProject, PythonService, TorchPackage } from '../src';
import { ancestry, checkDockerfile, derivedFrom, parseDockerfile, propertiesOf, stageNamed } from './support/dockerfile-rules';
import { expectValidationError, newProject, synth, withExtensionFolders } from './util';
import { CacheChangeKind, LayerRole } from '../src/cache-report/cache-report';
import { cacheReportOfProject } from '../src/cache-report/project-report';
import { FULL_VERSION_TAG, checkPinnedImage, parseImageReference } from '../src/core/image-name';
import { Problems } from '../src/core/problems';
import { resolveBuildHooks } from '../src/service/build-hooks';

const CMD = ['python', '-m', 'api.main'];
const STEP: BuildStep = { name: 'fetch-font', run: 'python -m api.fetch_font --to /opt/venv/share/fonts', cacheMounts: ['/root/.cache/fonts'], secrets: ['hf'] };
const ROOT_STEP: BuildStep = { name: 'ldconfig', run: 'ldconfig', stage: BuildStepStage.RUNTIME_ROOT };
const COPY: CopyFromImage = { name: 'ffmpeg', image: 'mwader/static-ffmpeg:7.1.1', source: '/ffmpeg', target: '/usr/local/bin/ffmpeg' };
const ALL = {
  buildPackages: ['gcc', 'libpq-dev'],
  buildEnv: { MAX_JOBS: '4', CMAKE_ARGS: '-DGGML_BLAS=ON' },
  buildSteps: [STEP, ROOT_STEP],
  copyFromImages: [COPY],
};

function dockerfileOf(
  props: Record<string, unknown>, build?: (p: MlDockerProject) => void,
): { text: string; out: Record<string, any> } {
  const project = newProject();
  if (build) build(project);
  else new PythonService(project, 'api', { command: CMD, port: 8000, requirements: { core: ['psycopg2==2.9.10'], dev: ['pytest==8.3.4'] }, ...props });
  const out = synth(project);
  return { text: out['docker/api/Dockerfile'] ?? out['docker/trainer/Dockerfile'], out };
}

/** The instructions of a stage's image: its FROM chain and every stage it copies from. */
function reachable(text: string, stage: string): Instruction[] {
  const df = parseDockerfile(text);
  return derivedFrom(df, stageNamed(df, stage)!).flatMap((s) => s.instructions);
}

/** Text of the instructions of a stage's FROM chain only (what its filesystem and ENV start from). */
function chainText(text: string, stage: string): string {
  const df = parseDockerfile(text);
  return ancestry(stageNamed(df, stage)!).flatMap((s) => s.instructions).map((i) => i.getTextContent()).join('\n');
}

describe('each hook in the Dockerfile', () => {
  test.each([
    ['buildPackages', { buildPackages: ALL.buildPackages }],
    ['buildEnv', { buildEnv: ALL.buildEnv }],
    ['buildSteps (builder, cache and secret mounts)', { buildSteps: [STEP] }],
    ['buildSteps (runtime, as root)', { buildSteps: [ROOT_STEP] }],
    ['copyFromImages', { copyFromImages: [COPY] }],
    ['copyFromImages with a digest', { copyFromImages: [{ ...COPY, digest: `sha256:${'a'.repeat(64)}` }] }],
  ])('%s', (_name, props) => {
    const { text } = dockerfileOf(props);
    expect(checkDockerfile(text)).toEqual([]);
    expect(text).toMatchSnapshot();
  });

  test('no hook, no change: the Dockerfile is the one without the props', () => {
    const without = dockerfileOf({}).text;
    expect(dockerfileOf({ buildPackages: [], buildEnv: {}, buildSteps: [], copyFromImages: [] }).text)
      .toBe(without);
    expect(without).not.toContain('build hook');
  });

  test('every hook together passes every dockerfile rule', () => {
    const { text } = dockerfileOf(ALL);
    expect(checkDockerfile(text)).toEqual([]);
  });

  test('a GPU trainer with a CUDA devel builder gets the hooks in that build chain (deps-ml on the devel image)', () => {
    const { text } = dockerfileOf({}, (p) => {
      withExtensionFolders(p, 'ext/ops');
      new GpuTrainer(p, 'trainer', {
        torchVersion: '2.9.0',
        command: ['python', '-m', 'trainer.train'],
        gpuBase: GpuBase.CUDA_RUNTIME,
        hostDriverVersion: '580.65.06',
        cudaExtensions: ['ext/ops'],
        buildPackages: ['ninja-build'],
        buildEnv: { FORCE_CUDA: '1', MAX_JOBS: '2' },
      });
    });
    const df = parseDockerfile(text);
    expect(stageNamed(df, 'builder')!.base).toBe('deps-ml');
    const depsMl = stageNamed(df, 'deps-ml')!;
    expect(depsMl.base).toBe('${CUDA_DEVEL_IMAGE}');
    const body = depsMl.instructions.map((i) => i.getTextContent()).join('\n');
    expect(body).toContain('for pkg in ninja-build; do');
    expect(body).toMatch(/ENV FORCE_CUDA="1" \\\n {4}MAX_JOBS="2"/);
    expect(chainText(text, 'prod')).not.toContain('ninja-build');
    expect(chainText(text, 'prod')).not.toContain('FORCE_CUDA');
  });
});

describe('builder-only hooks never reach prod (dockerfile-ast, stage by stage)', () => {
  const { text } = dockerfileOf(ALL);
  const df = parseDockerfile(text);

  test('the build chain installs the build packages and sets the build environment first (deps-ml, which builder starts from)', () => {
    expect(stageNamed(df, 'builder')!.base).toBe('deps-ml');
    const depsMl = stageNamed(df, 'deps-ml')!;
    const runs = depsMl.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getTextContent());
    expect(runs.some((r) => r.includes('for pkg in gcc libpq-dev;') && r.includes('apt-get install'))).toBe(true);
    const env = depsMl.instructions.filter((i) => i.getKeyword() === 'ENV').flatMap((i) => propertiesOf(i).map((p) => p.name));
    expect(env).toEqual(['CMAKE_ARGS', 'MAX_JOBS']);
  });

  test('prod: no stage it starts from or copies from, other than the builder it takes /opt/venv from, has them', () => {
    const prod = stageNamed(df, 'prod')!;
    expect(ancestry(prod).map((s) => s.name)).toEqual(['base', 'prod']);
    // Every stage of the file, one by one: which ones carry the build packages and environment.
    const carriers = df.stages.filter((s) => ancestry(s).some((a) => a.instructions.some((i) =>
      /for pkg in [^;]*\bgcc\b/.test(i.getTextContent()) || (i.getKeyword() === 'ENV' && propertiesOf(i).some((p) => p.name === 'MAX_JOBS')))));
    expect(carriers.map((s) => s.name)).toEqual(['deps-ml', 'builder', 'dev', 'test']);
    // prod reads the builder only through this one copy.
    const fromBuilder = prod.instructions.filter((i) => i.getKeyword() === 'COPY' && /--from=builder\b/.test(i.getTextContent()));
    expect(fromBuilder.map((i) => i.getTextContent())).toEqual(['COPY --from=builder /opt/venv /opt/venv']);
    expect(chainText(text, 'prod')).not.toMatch(/\bgcc\b|libpq-dev|MAX_JOBS|CMAKE_ARGS/);
  });

  test('the rule the proof relies on fails when a build package leaks into base', () => {
    const leaked = text.replace('for pkg in tini; do', 'for pkg in tini gcc; do');
    expect(chainText(leaked, 'prod')).toMatch(/\bgcc\b/);
  });

  test('builder steps run after every tier and before pip check; runtime steps before the code and the user switch', () => {
    const builder = stageNamed(df, 'builder')!.instructions.map((i) => i.getTextContent());
    const core = builder.findIndex((t) => t.includes('requirements-core.txt'));
    const step = builder.findIndex((t) => t.includes('api.fetch_font'));
    expect(core).toBeGreaterThan(0);
    expect(step).toBeGreaterThan(core);
    expect(builder[builder.length - 1]).toBe('RUN pip check');
    for (const stage of ['dev', 'prod']) {
      const lines = stageNamed(df, stage)!.instructions.map((i) => i.getTextContent());
      const copy = lines.findIndex((t) => t.startsWith('COPY --from=copy-ffmpeg /ffmpeg /usr/local/bin/ffmpeg'));
      const ld = lines.indexOf('RUN ldconfig');
      const code = lines.findIndex((t) => t.includes('services/api /app/api'));
      const user = lines.indexOf('USER 10001:10001');
      expect([copy, ld, code, user].every((i) => i >= 0)).toBe(true);
      expect(copy < ld && ld < code && code < user).toBe(true);
    }
    expect(chainText(text, 'prod')).not.toContain('api.fetch_font');
    expect(reachable(text, 'prod').filter((i) => i.getTextContent().includes('api.fetch_font'))).toHaveLength(1);
  });

  test('the secret is a mount by id, never an ARG or ENV; the cache is a mount', () => {
    const step = stageNamed(df, 'builder')!.instructions.find((i) => i.getTextContent().includes('api.fetch_font'))!;
    expect(step.getTextContent()).toContain('--mount=type=secret,id=hf,required=true');
    expect(step.getTextContent()).toContain('--mount=type=cache,target=/root/.cache/fonts');
    const names = df.ast.getInstructions().filter((i) => ['ARG', 'ENV'].includes(i.getKeyword())).flatMap((i) => propertiesOf(i).map((p) => p.name));
    expect(names.some((n) => /hf/i.test(n))).toBe(false);
  });

  test('the copied-from image is a pinned global arg with its own stage', () => {
    expect(df.globalArgs.get('COPY_FFMPEG_IMAGE')).toBe('mwader/static-ffmpeg:7.1.1');
    expect(stageNamed(df, 'copy-ffmpeg')!.base).toBe('${COPY_FFMPEG_IMAGE}');
    expect(derivedFrom(df, stageNamed(df, 'prod')!).map((s) => s.name)).toEqual(['copy-ffmpeg', 'base', 'deps-ml', 'builder', 'prod']);
  });
});

describe('docs and cache report', () => {
  test('docs/containers.md has one row per hook', () => {
    const { out } = dockerfileOf(ALL);
    const doc: string = out['docs/containers.md'];
    const section = doc.slice(doc.indexOf('## Build hooks'), doc.indexOf('## Generated files'));
    expect(section).toMatchSnapshot();
    expect(dockerfileOf({}).out['docs/containers.md']).not.toContain('## Build hooks');
  });

  test('the cache report lists each hook as a change with what it re-runs', () => {
    const project = newProject();
    new PythonService(project, 'api', { command: CMD, port: 8000, requirements: { ml: ['numpy==2.1.3'], core: ['psycopg2==2.9.10'] }, ...ALL });
    synth(project);
    const report = cacheReportOfProject(project);
    const api = report.service('api');
    const hooks = api.changes.filter((c) => c.kind === CacheChangeKind.BUILD_HOOK).map((c) => c.id);
    expect(hooks).toEqual(['build-hook:build-packages', 'build-hook:build-env', 'build-hook:step:fetch-font', 'build-hook:copy:ffmpeg', 'build-hook:step:ldconfig']);
    const prodSteps = api.targets.find((t) => t.target === 'prod')!.steps;
    const label = (text: string) => prodSteps.find((s) => s.instruction.includes(text))!.label;

    // A builder step's change re-runs it and pip check, but no requirement tier.
    const step = report.impact('api', 'prod', 'build-hook:step:fetch-font');
    expect(step.invalidated[0]).toBe(label('api.fetch_font'));
    expect(step.kept).toEqual(expect.arrayContaining([label('requirements-ml.txt'), label('requirements-core.txt')]));
    // A copy or a runtime step re-runs no dependency layer.
    for (const change of ['build-hook:copy:ffmpeg', 'build-hook:step:ldconfig']) {
      const impact = report.impact('api', 'prod', change);
      expect(impact.invalidatedDependencyLayers).toBe(0);
      expect(impact.invalidated.length).toBeGreaterThan(0);
    }
    expect(report.impact('api', 'prod', 'build-hook:step:ldconfig').invalidated[0]).toBe(label('RUN ldconfig'));
    // The build environment is no step of its own: its change starts at the next one (the venv).
    expect(report.impact('api', 'prod', 'build-hook:build-env').invalidated[0]).toBe(label('python3 -m venv'));
    expect(report.impact('api', 'prod', 'build-hook:build-packages').invalidated[0]).toBe(label('for pkg in gcc libpq-dev'));
    expect(prodSteps.find((s) => s.instruction.includes('api.fetch_font'))!.role).not.toBe(LayerRole.CODE);
    expect(report.renderTable()).toContain('build-hook:step:fetch-font');
    expect(report.checkPromises().every((p) => p.holds)).toBe(true);
  });
});

describe('checks', () => {
  const check = (props: Record<string, unknown>): string[] => {
    const problems = new Problems('vision/api');
    resolveBuildHooks(problems, props);
    try {
      problems.throwIfAny();
      return [];
    } catch (e) {
      return (e as { problems: string[] }).problems;
    }
  };

  test('good hooks pass', () => {
    expect(check(ALL)).toEqual([]);
    expect(check({ buildEnv: { CACHE_KEY: 'v1', TORCH_CUDA_ARCH_LIST: '8.0;8.6', HF_HUB_ENABLE_HF_TRANSFER: '1' } })).toEqual([]);
    expect(check({ buildSteps: [{ name: 'dl', run: 'HF_TOKEN="$(cat /run/secrets/hf)" python -m dl', secrets: ['hf'] }] })).toEqual([]);
  });

  test('secrets never shown: inline token in a step, secret-named assignment, secret in buildEnv', () => {
    const token = `hf_${'a'.repeat(34)}`;
    const out = [
      ...check({ buildSteps: [{ name: 'dl', run: `huggingface-cli download --token ${token} m` }] }),
      ...check({ buildSteps: [{ name: 'dl', run: 'API_TOKEN=abc123 python -m dl' }] }),
      ...check({ buildEnv: { HF_TOKEN: 'abc' } }),
    ];
    expect(out).toHaveLength(3);
    expect(out.join('\n')).not.toMatch(/abc|hf_a/);
    expect(out.every((p) => p.includes('/run/secrets/'))).toBe(true);
  });

  test.each([
    ['PATH'], ['pythonpath'], ['VIRTUAL_ENV'], ['PYTHONHOME'], ['LD_LIBRARY_PATH'], ['PIP_EXTRA_INDEX_URL'], ['MLDOCKER_X'],
  ])('buildEnv refuses %s', (name) => {
    const out = check({ buildEnv: { [name]: '1' } });
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('is a variable the image or the builder sets');
  });

  test('image references: parsed with the reference grammar, pinned by a full version tag', () => {
    expect(parseImageReference('ghcr.io:443/acme/tools:1.2.3@sha256:' + 'b'.repeat(64))).toEqual({ name: 'ghcr.io:443/acme/tools', tag: '1.2.3', digest: `sha256:${'b'.repeat(64)}` });
    expect(parseImageReference('localhost/x:1.0.0')).toEqual({ name: 'localhost/x', tag: '1.0.0', digest: undefined });
    expect(parseImageReference('Acme/tools:1.2.3')).toBeUndefined();
    expect(parseImageReference('acme//tools:1.2.3')).toBeUndefined();
    for (const tag of ['1.2.3', 'v5.17.14', '12.6.3-base-ubuntu24.04', '7.1.1_1']) expect(FULL_VERSION_TAG.test(tag)).toBe(true);
    for (const tag of ['latest', '7', '7.1', 'bookworm', 'stable-1.2.3']) expect(FULL_VERSION_TAG.test(tag)).toBe(false);
    const problems = new Problems('vision/api');
    expect(checkPinnedImage(problems, 'image', 'acme/tools:1.2.3', `sha256:${'c'.repeat(64)}`)).toBe(`acme/tools:1.2.3@sha256:${'c'.repeat(64)}`);
    expect(checkPinnedImage(problems, 'image', 'acme/tools')).toBeUndefined();
    expect(checkPinnedImage(problems, 'image', 'acme/tools:1.2.3@sha256:' + 'c'.repeat(64), `sha256:${'c'.repeat(64)}`)).toBeUndefined();
    expect(problems.count).toBe(2);
  });

  test('copies: two copies to one place, targets the service owns', () => {
    expect(check({ copyFromImages: [COPY, { ...COPY, name: 'other', target: '/usr/local/bin' }] })[0]).toContain('to the same place');
    expect(check({ copyFromImages: [{ ...COPY, target: '/opt/venv/bin/ffmpeg' }] })[0]).toContain('target is under /opt/venv');
    expect(check({ copyFromImages: [{ ...COPY, target: '/tmp/ffmpeg' }] })[0]).toContain('target is under /tmp');
  });
});

describe('torchPackages (GPU services)', () => {
  function torchFile(props: Record<string, unknown>): string[] {
    const project = newProject();
    new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], ...props });
    return (synth(project)['docker/trainer/requirements-torch.txt'] as string).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  }

  test('torch alone by default; companions at the versions PyTorch pairs with the torch release', () => {
    expect(torchFile({})).toEqual(['torch==2.5.1+cu124']);
    // PyTorch 2.5.1's release pairs torchvision 0.20.1 and torchaudio 2.5.1 (from the cu124 index, the only
    // index of the torch tier)
    expect(torchFile({ torchPackages: [TorchPackage.TORCHVISION] })).toEqual(['torch==2.5.1+cu124', 'torchvision==0.20.1']);
    expect(torchFile({
      torchPackages: [TorchPackage.TORCHVISION, TorchPackage.TORCHAUDIO, TorchPackage.TORCH],
    }))
      .toEqual(['torch==2.5.1+cu124', 'torchaudio==2.5.1', 'torchvision==0.20.1']);
  });

  test('the entry check knows only the torch packages the image installs', () => {
    // torchvision's own console-free module as the entry: refused unless the image installs torchvision
    const build = (props: Record<string, unknown>) => {
      const project = newProject();
      new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'torchvision.datasets'], ...props });
      return synth(project);
    };
    expectValidationError(() => build({}), 'vision/trainer', 'torchvision.datasets', 'a module in the copied sources');
    expect(build({ torchPackages: [TorchPackage.TORCHVISION] })['docker/trainer/Dockerfile']).toContain('"--main-module=torchvision.datasets"');
  });
});
