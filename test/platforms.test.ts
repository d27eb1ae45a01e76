/**
 * `platforms` of a CPU service: compose (`platform`, `build.platforms`, checked by the real
 * `docker compose config` and the official schema), Kubernetes (an arch selector for one
 * platform only), the CI workflow (QEMU, every platform built and pushed), docker/build.sh,
 * dependency files resolved for every platform, the torch matrix, and what is refused.
 */
import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as YAML from 'yaml';
import {
  ComposeStack, Dependencies, GpuInference, GpuPlatform, GpuTrainer, KubernetesManifests, MlDockerProject,
  Platform, PythonService,
} from '../src';
import { composeConfig } from './support/compose-cli';
import { workflowErrors } from './support/workflow-check';
import { newProject, synth, validationError } from './util';
import { PINNED_ACTIONS } from '../src/ci/ci-workflow';
import { checkPlatforms } from '../src/core/platform';
import { Problems } from '../src/core/problems';
import { resolveCpuTorch } from '../src/service/torch';

const API = {
  command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] },
};
const WORKER = { command: ['python', '-m', 'worker.main'] };
const PLAIN = { command: ['python', '-m', 'plain.main'] };
const BOTH = [Platform.LINUX_AMD64, Platform.LINUX_ARM64];
/** The lines a Problems holds (none: []). */
function lines(p: Problems): string[] {
  if (p.count === 0) return [];
  return validationError(() => p.throwIfAny()).problems;
}


function build(
  extra: (p: MlDockerProject) => void = () => undefined, outdir?: string,
): { p: MlDockerProject; files: Record<string, any> } {
  const p = newProject(outdir ? { outdir } : {});
  new PythonService(p, 'api', { ...API, platforms: BOTH });
  new PythonService(p, 'worker', { ...WORKER, platforms: [Platform.LINUX_ARM64] });
  new PythonService(p, 'plain', { ...PLAIN });
  new ComposeStack(p, 'stack');
  new KubernetesManifests(p, 'k8s');
  extra(p);
  return { p, files: synth(p) };
}

describe('compose', () => {
  const { p, files } = build();
  const compose = YAML.parse(files['compose.yaml']);

  test('one platform: `platform` alone; several: the first as `platform`, all in `build.platforms`; none: neither', () => {
    expect(compose.services.api.platform).toBe('linux/amd64');
    expect(compose.services.api.build.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(compose.services.worker.platform).toBe('linux/arm64');
    expect(compose.services.worker.build.platforms).toBeUndefined();
    expect(compose.services.plain.platform).toBeUndefined();
    expect(compose.services.plain.build.platforms).toBeUndefined();
  });

  test('the official compose schema and the real `docker compose config` accept it', () => {
    const res = composeConfig(p.outdir, files['compose.yaml']);
    expect(res).toEqual({ ok: true, output: '' });
  });

  test('the order given is kept: arm64 first makes arm64 the platform compose runs', () => {
    const q = newProject();
    new PythonService(q, 'api', { ...API, platforms: [Platform.LINUX_ARM64, Platform.LINUX_AMD64] });
    new ComposeStack(q, 'stack');
    const out = YAML.parse(synth(q)['compose.yaml']);
    expect(out.services.api.platform).toBe('linux/arm64');
    expect(out.services.api.build.platforms).toEqual(['linux/arm64', 'linux/amd64']);
    // compose itself insists that `platform` is one of `build.platforms`
    expect(composeConfig(q.outdir, synth(q)['compose.yaml']).ok).toBe(true);
  });

  test('kubernetes pins the node architecture only for exactly one platform', () => {
    const doc = (name: string) => YAML.parseAllDocuments(files[`k8s/base/${name}.yaml`]).map((d) => d.toJS())
      .find((d) => d.kind === 'Deployment' || d.kind === 'Job');
    expect(doc('worker').spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux' });
    expect(doc('api').spec.template.spec.nodeSelector ?? {}).not.toHaveProperty('kubernetes.io/arch');
    expect(doc('plain').spec.template.spec.nodeSelector ?? {}).not.toHaveProperty('kubernetes.io/arch');
  });

  test('docs/containers.md lists each service\'s platforms and what they change', () => {
    const all: string = files['docs/containers.md'];
    const doc = all.slice(all.indexOf('## Platforms'), all.indexOf('## Generated files'));
    expect(doc).toContain('## Platforms');
    expect(doc).toContain('| `api` | `linux/amd64`, `linux/arm64` |');
    expect(doc).toContain('| `worker` | `linux/arm64` |');
    expect(doc).not.toContain('| `plain` |');
  });

  test('docker/build.sh of a stack builds through compose and warns about the multi-platform store', () => {
    expect(files['docker/build.sh']).toContain("docker compose -f compose.yaml --profile '*' build");
    expect(files['docker/build.sh']).toContain('multi-platform store');
  });
});

describe('docker/build.sh without a stack', () => {
  test('each service is built with --platform when it has platforms, without it otherwise', () => {
    const p = newProject();
    new PythonService(p, 'api', { ...API, platforms: BOTH });
    new PythonService(p, 'plain', { ...PLAIN });
    const script: string = synth(p)['docker/build.sh'];
    expect(script).toContain('docker build --platform linux/amd64,linux/arm64 -f docker/api/Dockerfile --target prod -t vision-api:local "$@" .');
    expect(script).toContain('docker build -f docker/plain/Dockerfile --target prod -t vision-plain:local "$@" .');
  });

  test('GPU services are built for their platform, as compose builds them (an arm64 engine would build an image no CUDA wheel exists for)', () => {
    const p = newProject();
    new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], requirements: { ml: ['numpy==2.1.3'] } });
    new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, modelDir: 'models', command: ['python', '-m', 'inference.serve'] });
    new GpuTrainer(p, 'arm', { torchVersion: '2.5.1', command: ['python', '-m', 'arm.train'], platform: GpuPlatform.LINUX_ARM64, allowArm64: true });
    new PythonService(p, 'plain', { ...PLAIN });
    const script: string = synth(p)['docker/build.sh'];
    expect(script.split('\n').filter((l) => l.startsWith('docker '))).toEqual([
      'docker build --platform linux/amd64 -f docker/trainer/Dockerfile --target prod -t vision-trainer:local "$@" .',
      'docker build --platform linux/amd64 -f docker/inference/Dockerfile --target prod -t vision-inference:local "$@" .',
      'docker build --platform linux/arm64 -f docker/arm/Dockerfile --target prod -t vision-arm:local "$@" .',
      'docker build -f docker/plain/Dockerfile --target prod -t vision-plain:local "$@" .',
    ]);
    // one platform each: no multi-platform store needed
    expect(script).not.toContain('multi-platform store');
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
  });
});

describe('the CI workflow', () => {
  const { files } = build();
  const wf = YAML.parse(files['.github/workflows/containers.yml']);
  const images = wf.jobs.images;
  const push = wf.jobs.push;

  test('is valid for the workflow schema and uses the pinned QEMU action before BuildKit', () => {
    expect(workflowErrors(files['.github/workflows/containers.yml'])).toEqual([]);
    for (const job of [images, push]) {
      const uses = job.steps.map((s: any) => s.uses ?? s.id);
      const qemu = uses.indexOf(PINNED_ACTIONS.setupQemu.uses);
      expect(qemu).toBeGreaterThan(-1);
      expect(qemu).toBeLessThan(uses.indexOf(PINNED_ACTIONS.setupBuildx.uses));
      expect(PINNED_ACTIONS.setupQemu.uses).toMatch(/^docker\/setup-qemu-action@[0-9a-f]{40}$/);
      expect(job.steps[qemu].with).toEqual({ platforms: 'arm64' });
    }
  });

  test('the matrix names the first platform and every platform of each service', () => {
    const byService = Object.fromEntries(images.strategy.matrix.include
      .map((e: any) => [e.service, [e.platform, e.platforms]]));
    expect(byService).toEqual({
      api: ['linux/amd64', 'linux/amd64,linux/arm64'],
      worker: ['linux/arm64', 'linux/arm64'],
      plain: ['linux/amd64', 'linux/amd64'],
    });
  });

  test('the first platform is built, loaded and scanned, then every platform is built; push pushes every platform', () => {
    const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);
    expect(step(images, 'build').with).toEqual(expect.objectContaining({ platforms: '${{ matrix.platform }}', load: true }));
    const all = step(images, 'platforms');
    expect(all.with).toEqual(expect.objectContaining({ platforms: '${{ matrix.platforms }}', push: false }));
    expect(all.with.load).toBeUndefined();
    expect(all.if).toBe("${{ contains(matrix.platforms, ',') }}");
    expect(images.steps.indexOf(all)).toBeGreaterThan(images.steps.indexOf(step(images, 'scan')));
    expect(step(push, 'push').with).toEqual(expect.objectContaining({ platforms: '${{ matrix.platforms }}', push: true }));
  });

  test('a project without platforms keeps the workflow it had: no QEMU, no platform keys', () => {
    const p = newProject();
    new PythonService(p, 'api', API);
    const text: string = synth(p)['.github/workflows/containers.yml'];
    expect(text).not.toContain('setup-qemu-action');
    expect(text).not.toContain('platform');
  });

  test('amd64 alone: platform keys, but no QEMU step', () => {
    const p = newProject();
    new PythonService(p, 'api', { ...API, platforms: [Platform.LINUX_AMD64] });
    const text: string = synth(p)['.github/workflows/containers.yml'];
    expect(text).not.toContain('setup-qemu-action');
    expect(YAML.parse(text).jobs.images.strategy.matrix.include[0]).toEqual(expect.objectContaining({ platform: 'linux/amd64', platforms: 'linux/amd64' }));
  });
});

describe('dependency files', () => {
  const FIXTURE = join(__dirname, 'deps', 'fixtures', 'pylock');
  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-platforms-'));
    cpSync(FIXTURE, dir, { recursive: true });
    return dir;
  };
  const hashOf = (name: string): string => {
    const lock = readFileSync(join(FIXTURE, 'pylock.toml'), 'utf-8');
    const at = lock.indexOf(`name = '${name}'`);
    return (/sha256 = '([0-9a-f]{64})'/.exec(lock.slice(at))![1]);
  };

  test('a lock resolves for each platform: the tier file holds the hashes of both wheels', () => {
    const outdir = copy();
    const p = newProject({ outdir });
    new PythonService(p, 'api', { ...API, command: ['python', '-m', 'api.main'], requirements: undefined, pythonVersion: '3.11', platforms: BOTH, dependencies: Dependencies.fromPyproject() } as any);
    const core: string = synth(p)['docker/api/requirements-core.txt'];
    expect(core).toContain(`--hash=sha256:${hashOf('numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')}`);
    expect(core).toContain(`--hash=sha256:${hashOf('numpy-2.2.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl')}`);
  });

  test('the merged resolution is cached once and reused: a second synth writes the same files', () => {
    const outdir = copy();
    const make = () => {
      const p = newProject({ outdir });
      new PythonService(p, 'api', { ...API, command: ['python', '-m', 'api.main'], requirements: undefined, pythonVersion: '3.11', platforms: BOTH, dependencies: Dependencies.fromPyproject() } as any);
      return synth(p);
    };
    const first = make();
    const cache = join(outdir, 'node_modules', '.cache', 'projen-ml-docker');
    expect(readdirSync(cache).filter((f) => f.startsWith('deps-'))).toHaveLength(1);
    const second = make();
    expect(second['docker/api/requirements-core.txt']).toBe(first['docker/api/requirements-core.txt']);
    expect(readdirSync(cache).filter((f) => f.startsWith('deps-'))).toHaveLength(1);
  });

  test('one platform (the default) keeps only its own wheel hash', () => {
    const outdir = copy();
    const p = newProject({ outdir });
    new PythonService(p, 'api', { ...API, command: ['python', '-m', 'api.main'], requirements: undefined, pythonVersion: '3.11', dependencies: Dependencies.fromPyproject() } as any);
    const core: string = synth(p)['docker/api/requirements-core.txt'];
    expect(core).toContain(hashOf('numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'));
    expect(core).not.toContain(hashOf('numpy-2.2.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl'));
  });

  test('a lock without an aarch64 wheel (nor an sdist) is refused, naming the package and aarch64', () => {
    const outdir = copy();
    const lockPath = join(outdir, 'pylock.toml');
    const lock = readFileSync(lockPath, 'utf-8')
      .replace(/\n {4}\[\[packages\.wheels\]\]\n {4}name = '[^']*aarch64[^']*'\n(?: {4}[^\n]*\n)*/g, '\n')
      .replace(/\n {4}\[packages\.sdist\]\n(?: {4}[^\n]*\n)*/g, '\n');
    expect(lock).not.toContain('aarch64');
    writeFileSync(lockPath, lock);
    const p = newProject({ outdir });
    new PythonService(p, 'api', { ...API, command: ['python', '-m', 'api.main'], requirements: undefined, pythonVersion: '3.11', platforms: BOTH, dependencies: Dependencies.fromPyproject() } as any);
    const err = validationError(() => synth(p)).message;
    expect(err).toContain('[vision/api]');
    expect(err).toContain('numpy');
    expect(err).toContain('aarch64');
  });
});

describe('torch', () => {
  test('cpu torch for linux/amd64 comes from the matrix; linux/arm64 is refused naming the version and the platform', () => {
    const ok = new Problems('vision/api');
    expect(resolveCpuTorch(ok, '2.5.1', '3.11', ['linux/amd64'])?.torch).toBe('2.5.1+cpu');
    expect(lines(ok)).toEqual([]);
    const arm = new Problems('vision/api');
    expect(resolveCpuTorch(arm, '2.5.1', '3.11', ['linux/amd64', 'linux/arm64'])).toBeUndefined();
    expect(lines(arm).join('\n')).toMatch(/torchVersion 2\.5\.1 has no cpu wheel for linux\/arm64 .*got "2\.5\.1"; expected .*linux\/amd64/);
  });
});

describe('what is refused', () => {
  const problems = (value: unknown): string[] => {
    const p = new Problems('vision/api');
    checkPlatforms(p, 'platforms', value);
    return lines(p);
  };

  test('an unknown platform, a duplicate, an empty list, something else than a list', () => {
    expect(problems(['linux/riscv64']).join()).toContain('platforms[0] is not a platform we build: got "linux/riscv64"; expected one of: "linux/amd64", "linux/arm64"');
    expect(problems(['linux/arm64', 'linux/arm64']).join()).toContain('platforms lists a platform twice: got "linux/arm64"');
    expect(problems([]).join()).toContain('platforms is empty: got []');
    expect(problems('linux/arm64').join()).toContain('platforms has the wrong type');
    expect(problems([...BOTH])).toEqual([]);
  });

  test('a gpu service refuses platforms and says to use platform', () => {
    const p = newProject();
    const err = validationError(() => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 't'], platforms: BOTH } as any)).message;
    expect(err).toContain('[vision/trainer] platforms is for cpu services');
    expect(err).toContain('GpuPlatform.LINUX_ARM64');
  });
});
