/**
 * CUDA extensions: the builder is the only stage with the toolkit, its CUDA is the
 * runtime's major.minor (and the torch wheels'), every base tag is in the shared reference
 * data, TORCH_CUDA_ARCH_LIST defaults to what that CUDA release compiles for, and a user list
 * naming an unsupported compute capability is refused. On the default python-slim base the builder
 * gets the toolkit from NVIDIA's Debian 12 repository, never limited by the host driver.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import { GpuBase, GpuTrainer, MlDockerProject } from '../src';
import { ancestry, checkDockerfile, parseDockerfile, propertiesOf, stageNamed } from './support/dockerfile-rules';
import { newProject, synth, validationError, withExtensionFolders } from './util';
import { LayerRole } from '../src/cache-report/cache-report';
import { cacheReportOfProject } from '../src/cache-report/project-report';
import { loadData } from '../src/core/data';
import { Problems } from '../src/core/problems';
import { DEFAULT_HOST_DRIVER_VERSION, compareDriverVersions, driverRule, knownCudaImageTags } from '../src/gpu/cuda';
import { defaultArchList, supportedCapabilities } from '../src/gpu/cuda-arch';
import { checkDebian12Toolkit, debian12CudaReleases, debian12Toolkit } from '../src/gpu/cuda-debian12';

const TRAIN = ['python', '-m', 'trainer.train'];

/**
 * Every nvidia/cuda tag the package knows (each is held to NVIDIA's lists by
 * test/corpus/derived-data.test.ts).
 */
function knownTags(): Set<string> {
  return new Set(knownCudaImageTags().map((t) => t.tag));
}

function trainer(props: Record<string, unknown>, driver = '580.65.06'): Record<string, any> {
  const project: MlDockerProject = withExtensionFolders(newProject({ hostDriverVersion: driver }), 'ext/op');
  new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, gpuBase: GpuBase.CUDA_RUNTIME, cudaExtensions: ['ext/op'], ...props });
  return synth(project);
}

describe.each([['12.6'], ['12.8']])('CUDA %s extensions', (cuda) => {
  const out = trainer({ cudaVersion: cuda });
  const text: string = out['docker/trainer/Dockerfile'];
  const df = parseDockerfile(text);

  test('only the build chain (deps-ml, then builder) starts from the devel image; prod starts from the runtime image', () => {
    const devel = /ARG CUDA_DEVEL_IMAGE=nvidia\/cuda:(\S+)/.exec(text)![1];
    const runtime = /ARG CUDA_IMAGE=nvidia\/cuda:(\S+)/.exec(text)![1];
    expect(stageNamed(df, 'deps-ml')!.base).toBe('${CUDA_DEVEL_IMAGE}');
    expect(stageNamed(df, 'builder')!.base).toBe('deps-ml');
    expect(ancestry(stageNamed(df, 'prod')!).map((s) => s.base)).toEqual(['${CUDA_IMAGE}', 'base']);
    // The extension step is in the builder, and only there.
    const withExt = df.stages.filter((s) => s.instructions.some((i) => i.getTextContent().includes('--no-build-isolation')));
    expect(withExt.map((s) => s.name)).toEqual(['builder']);
    // Toolkit CUDA == runtime CUDA (the same release), == the torch wheels' major.minor.
    expect(devel.replace('-devel-', '-runtime-')).toBe(runtime);
    expect(runtime.startsWith(`${cuda}.`)).toBe(true);
    expect(out['docker/trainer/requirements-torch.txt']).toContain(`+cu${cuda.replace('.', '')}`);
    // Every base tag is one the package's data knows.
    for (const tag of [devel, runtime]) expect(knownTags()).toContain(tag);
  });

  test('TORCH_CUDA_ARCH_LIST defaults to the release\'s non-embedded GPUs from Volta on, the newest as PTX', () => {
    const arg = /ARG TORCH_CUDA_ARCH_LIST="([^"]+)"/.exec(text)![1];
    expect(arg).toBe(defaultArchList(cuda));
    const entries = arg.split(';');
    expect(entries[0]).toBe('7.0');
    expect(entries[entries.length - 1]).toMatch(/\+PTX$/);
    for (const e of entries) expect(supportedCapabilities(cuda)).toContain(e.replace('+PTX', ''));
    expect(entries).not.toContain('8.7');
    if (cuda === '12.8') expect(entries).toContain('12.0+PTX');
    else expect(entries[entries.length - 1]).toBe('9.0+PTX');
  });
});

test('a user arch list: accepted when the release supports it (ENV in the builder), refused with an unsupported capability', () => {
  const out = trainer({ cudaVersion: '12.8', buildEnv: { TORCH_CUDA_ARCH_LIST: '8.0;9.0;12.0+PTX' } });
  expect(out['docker/trainer/Dockerfile']).toContain('ENV TORCH_CUDA_ARCH_LIST="8.0;9.0;12.0+PTX"');
  const error = validationError(() => trainer({ cudaVersion: '12.6', buildEnv: { TORCH_CUDA_ARCH_LIST: '8.0;10.0' } }));
  expect(error.message).toContain('buildEnv.TORCH_CUDA_ARCH_LIST names compute capability 10.0, which nvcc of CUDA 12.6 does not support');
  expect(validationError(() => trainer({ cudaVersion: '12.6', buildEnv: { TORCH_CUDA_ARCH_LIST: 'sm_80' } })).message).toContain('no compute capability');
});

/** Words of the CUDA toolchain: none may reach prod's chain. */
const TOOLCHAIN = /\bnvcc\b|cuda-keyring|cuda-cudart-dev|libcublas-dev|CUDA_HOME|\bg\+\+|CUDA_KEYRING_SHA256/;

describe('CUDA extensions with default settings (python-slim, default hostDriverVersion)', () => {
  const project: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
  new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, cudaExtensions: ['ext/op'] });
  const out = synth(project);
  const text: string = out['docker/trainer/Dockerfile'];
  const df = parseDockerfile(text);
  const builder = stageNamed(df, 'builder')!;
  // The build chain: deps-ml (toolkit, venv, heavy tiers), then builder (core tier, extensions).
  const depsMl = stageNamed(df, 'deps-ml')!;
  const chainLines = [...depsMl.instructions, ...builder.instructions].map((i) => i.getTextContent());
  const builderText = chainLines.join('\n');
  const debian12 = JSON.parse(readFileSync(join(__dirname, '..', 'data', 'cuda-debian12.json'), 'utf-8'));

  test('synthesizes: the builder is never checked against hostDriverVersion (535.104.05), only the runtime is', () => {
    expect(out['docs/containers.md']).toContain(`Fitted to host driver ${DEFAULT_HOST_DRIVER_VERSION} (`);
    expect(DEFAULT_HOST_DRIVER_VERSION).toBe('535.104.05');
    expect(text).toContain('dev.projen-ml-docker.min-driver="525.60.13"');
    expect(text).toContain('gpu-base="python-slim"');
    expect(text).toContain('dev.projen-ml-docker.cuda="12.8"');
    // The CUDA 12.8 toolkit's own driver (its nvidia/cuda image demands it) is above the host
    // driver: had the builder been checked against hostDriverVersion, this would not synthesize.
    expect(compareDriverVersions(driverRule(GpuBase.CUDA_RUNTIME, '12.8')!.minimum, DEFAULT_HOST_DRIVER_VERSION)).toBe(1);
    expect(text).toContain('cuda-nvcc-12-8');
  });

  test('the build chain starts from base (the same python-slim bookworm) and installs the toolkit of the wheels\' CUDA first', () => {
    expect(builder.base).toBe('deps-ml');
    expect(depsMl.base).toBe('base');
    expect(ancestry(builder).map((s) => s.base)).toEqual(['${PYTHON_IMAGE}', 'base', 'deps-ml']);
    expect(df.globalArgs.get('PYTHON_IMAGE')).toMatch(/^python:3\.11\.\d+-slim-bookworm$/);
    const wheelCuda = /\+cu(\d+)(\d)\b/.exec(out['docker/trainer/requirements-torch.txt'])!;
    const cuda = `${wheelCuda[1]}.${wheelCuda[2]}`;
    const apt = /apt-get install -y --no-install-recommends ([^;]+);/.exec(builderText)![1].split(' ');
    // Every CUDA package is of the wheels' major.minor, and Debian 12 publishes that release.
    const cudaPackages = apt.filter((p) => /-\d+-\d+$/.test(p));
    expect(cudaPackages.length).toBeGreaterThanOrEqual(6);
    for (const p of cudaPackages) expect(p.endsWith(`-${cuda.replace('.', '-')}`)).toBe(true);
    expect(debian12.releases).toContain(cuda);
    expect(apt).toEqual(expect.arrayContaining(['g++', `cuda-nvcc-${cuda.replace('.', '-')}`, `cuda-cudart-dev-${cuda.replace('.', '-')}`]));
    expect(builderText).toContain(`ARG CUDA_REPO_URL=${debian12.repositoryUrl}`);
    expect(builderText).toContain('"${CUDA_REPO_URL}cuda-keyring_1.1-1_all.deb"');
    // The keyring is checked before dpkg installs it, and an unpinned build stops first.
    const run = depsMl.instructions.find((i) => i.getTextContent().includes('cuda-keyring'))!.getTextContent();
    expect(run.indexOf('sha256sum -c -')).toBeGreaterThan(run.indexOf('urlretrieve'));
    expect(run.indexOf('dpkg -i /tmp/cuda-keyring.deb')).toBeGreaterThan(run.indexOf('sha256sum -c -'));
    expect(run.indexOf('exit 1')).toBeLessThan(run.indexOf('urlretrieve'));
    const env = depsMl.instructions.filter((i) => i.getKeyword() === 'ENV').flatMap((i) => propertiesOf(i));
    expect(env).toEqual([
      { name: 'CUDA_HOME', value: `/usr/local/cuda-${cuda}` },
      { name: 'PATH', value: `/usr/local/cuda-${cuda}/bin:$PATH` },
    ]);
  });

  test('the toolkit comes before the virtualenv and the extension step; TORCH_CUDA_ARCH_LIST has its default', () => {
    const lines = chainLines;
    const toolkit = lines.findIndex((l) => l.includes('cuda-nvcc-12-8'));
    const venv = lines.findIndex((l) => l.includes('python3 -m venv'));
    const extension = lines.findIndex((l) => l.includes('--no-build-isolation'));
    expect(toolkit).toBeGreaterThanOrEqual(0);
    expect(venv).toBeGreaterThan(toolkit);
    expect(extension).toBeGreaterThan(venv);
    expect(/ARG TORCH_CUDA_ARCH_LIST="([^"]+)"/.exec(text)![1]).toBe(defaultArchList('12.8'));
    expect(text).toContain('with the Debian 12 toolkit\'s nvcc');
  });

  test('prod: starts from base, takes only /opt/venv from the builder, and no stage of its chain has the toolchain', () => {
    const prod = stageNamed(df, 'prod')!;
    expect(ancestry(prod).map((s) => s.name)).toEqual(['base', 'prod']);
    const chain = ancestry(prod).flatMap((s) => s.instructions.map((i) => i.getTextContent())).join('\n');
    expect(chain).not.toMatch(TOOLCHAIN);
    const copies = prod.instructions.filter((i) => i.getKeyword() === 'COPY' && i.getTextContent().includes('--from='));
    expect(copies.map((i) => i.getTextContent())).toEqual(['COPY --from=builder /opt/venv /opt/venv']);
    // Stage by stage: only the builder and what derives from it carry the toolchain.
    const carriers = df.stages.filter((s) =>
      ancestry(s).some((a) => a.instructions.some((i) => TOOLCHAIN.test(i.getTextContent()))));
    expect(carriers.map((s) => s.name)).toEqual(['deps-ml', 'builder', 'dev', 'test']);
    // The proof can fail: a toolkit leaked into base would show in prod's chain.
    const leaked = parseDockerfile(text.replace('for pkg in tini; do', 'for pkg in tini g++; do'));
    expect(ancestry(stageNamed(leaked, 'prod')!).flatMap((s) => s.instructions.map((i) => i.getTextContent())).join('\n')).toMatch(TOOLCHAIN);
  });

  test('the generated Dockerfile passes every dockerfile rule', () => {
    expect(checkDockerfile(text)).toEqual([]);
  });

  test('snapshot of the python-slim build chain (deps-ml and builder)', () => {
    expect(text.slice(text.indexOf('# ---- deps-ml'), text.indexOf('# ---- dev'))).toMatchSnapshot();
  });
});

test('a pinned cudaKeyringSha256 becomes the build arg default, buildPackages follow the toolkit; without extensions no toolkit anywhere', () => {
  const sha = 'a'.repeat(64);
  const pinned: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
  new GpuTrainer(pinned, 'trainer', {
    torchVersion: '2.9.0', cudaVersion: '12.6', command: TRAIN, cudaExtensions: ['ext/op'], cudaKeyringSha256: sha, buildPackages: ['libcurand-dev-12-6'],
  });
  const text: string = synth(pinned)['docker/trainer/Dockerfile'];
  expect(text).toContain(`ARG CUDA_KEYRING_SHA256=${sha}\n`);
  // More CUDA libraries come through buildPackages, installed after the repository is added.
  expect(text.indexOf('for pkg in libcurand-dev-12-6;')).toBeGreaterThan(text.indexOf('dpkg -i /tmp/cuda-keyring.deb'));
  expect(text).toContain('cuda-nvcc-12-6 ');
  expect(text).toContain('ENV CUDA_HOME=/usr/local/cuda-12.6');
  const plain: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
  new GpuTrainer(plain, 'trainer', { torchVersion: '2.9.0', command: TRAIN });
  expect(synth(plain)['docker/trainer/Dockerfile']).not.toMatch(TOOLCHAIN);
});

test('a CUDA without Debian 12 packages is refused with the releases that have them and the nvidia/cuda bases', () => {
  const error = validationError(() => {
    const p: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
    new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', cudaVersion: '11.8', command: TRAIN, cudaExtensions: ['ext/op'] });
  });
  expect(error.message).toContain('[vision/trainer] cudaExtensions on gpuBase "python-slim" need NVIDIA\'s Debian 12 packages of CUDA 11.8');
  expect(error.message).toContain('gpuBase "runtime" or "cudnn-runtime"');
  // Only the variants of that torch release are suggested.
  expect(error.message).toContain('expected a cudaVersion with them: "12.4", or gpuBase');
});

describe('the Debian 12 toolkit module (data/cuda-debian12.json)', () => {
  test('every Debian 12 release is a CUDA PyTorch builds wheels for, with an arch list default', () => {
    const wheelCudas = new Set(loadData<Array<{ cuda: string | null }>>('torch-cuda-matrix.json').map((r) => r.cuda));
    expect(debian12CudaReleases().length).toBeGreaterThan(0);
    for (const cuda of debian12CudaReleases()) {
      expect(wheelCudas).toContain(cuda);
      expect(defaultArchList(cuda)).toBeDefined();
    }
    // CUDA 11.8 predates NVIDIA's debian12 repository.
    expect(debian12CudaReleases()).not.toContain('11.8');
  });

  test('the packages of one release: the host compiler, then that release\'s nvcc, runtime headers and libraries', () => {
    expect(debian12Toolkit('13.0')).toEqual({
      cuda: '13.0',
      cudaHome: '/usr/local/cuda-13.0',
      packages: ['g++', 'cuda-nvcc-13-0', 'cuda-cudart-dev-13-0', 'cuda-cccl-13-0', 'libcublas-dev-13-0', 'libcusparse-dev-13-0', 'libcusolver-dev-13-0'],
    });
  });

  test('the check: release, platform, keyring checksum; the host driver is not an input', () => {
    const ok = new Problems('t');
    expect(checkDebian12Toolkit(ok, { cuda: '12.6', platform: 'linux/amd64', keyringSha256: 'f'.repeat(64), offered: ['12.6'], torchVersion: '2.9.0' })).toBe(true);
    expect(ok.count).toBe(0);
    const bad = new Problems('t');
    expect(checkDebian12Toolkit(bad, { cuda: '11.8', platform: 'linux/arm64', keyringSha256: 'F'.repeat(64), offered: ['11.8', '12.1'], torchVersion: '2.3.1' })).toBe(false);
    expect(bad.count).toBe(3);
  });

  test('cache report: the toolkit is a system layer of the build chain, before every dependency layer', () => {
    const project: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
    new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, cudaExtensions: ['ext/op'], requirements: { ml: ['numpy==2.1.3'] } });
    synth(project);
    const steps = cacheReportOfProject(project).service('trainer').targets.find((t) => t.target === 'prod')!.steps
      .filter((s) => s.label.startsWith('[deps-ml') || s.label.startsWith('[builder'));
    const toolkit = steps.findIndex((s) => String(s.instruction).includes('cuda-keyring'));
    expect(steps[toolkit].role).toBe(LayerRole.SYSTEM);
    const firstDependency = steps.findIndex((s) => s.role === LayerRole.DEPENDENCIES);
    expect(firstDependency).toBeGreaterThan(toolkit);
  });
});

test('docs/containers.md says how the python-slim builder gets the toolkit and how to pin the keyring', () => {
  const project: MlDockerProject = withExtensionFolders(newProject(), 'ext/op');
  new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, cudaExtensions: ['ext/op'] });
  const docs: string = synth(project)['docs/containers.md'];
  expect(docs).toContain('NVIDIA\'s Debian 12 CUDA repository, in a builder that starts from `base`');
  expect(docs).toContain('`hostDriverVersion` limits only the');
  expect(docs).toContain('`cudaKeyringSha256`');
  expect(docs).toContain('11.8 predates that repository');
  expect(docs).not.toContain('are refused;');
});

test('a root setup.py (pkg._C): the builder binds the whole project, whose ignore file sends all but tooling, data and secrets', () => {
  const project: MlDockerProject = newProject();
  writeFileSync(join(project.outdir, 'setup.py'), 'from setuptools import setup\n\nsetup(name="detector")\n');
  mkdirSync(join(project.outdir, 'detector', 'csrc'), { recursive: true });
  writeFileSync(join(project.outdir, 'detector', 'csrc', 'nms.cu'), '// kernel\n');
  new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, cudaExtensions: ['.'], buildEnv: { FORCE_CUDA: '1' } });
  const out = synth(project);
  const text: string = out['docker/trainer/Dockerfile'];
  expect(text).toContain('    --mount=type=bind,source=.,target=/tmp/cuda-ext/0,rw \\\n    pip install --no-build-isolation --no-deps /tmp/cuda-ext/0\n');
  expect(text).toContain('ENV FORCE_CUDA="1"');
  expect(text).toMatch(/ARG TORCH_CUDA_ARCH_LIST="[0-9.;+PTX]+"/);
  const ignored = ignore().add(out['docker/trainer/Dockerfile.dockerignore']);
  for (const sent of ['setup.py', 'detector/csrc/nms.cu', 'docker/trainer/requirements-torch.txt']) expect(ignored.ignores(sent)).toBe(false);
  for (const kept of ['node_modules/ts-node/package.json', 'models/w.safetensors', 'secrets/db', '.git/config', '.env']) {
    expect(ignored.ignores(kept)).toBe(true);
  }
});
