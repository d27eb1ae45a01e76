/**
 * GPU services: the (torch, CUDA, Python, base, driver) pairing over the whole wheel matrix,
 * the driver rule, the GPU Dockerfile rules, compose output, snapshots and bad input.
 *
 * The matrix test computes what must be accepted from the raw data files itself (not
 * through src/cuda.ts), so it is an independent oracle for the generator.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import * as YAML from 'yaml';
import {
  ComposeStack, GpuBase, GpuInference, GpuPlatform, GpuTrainer, TorchPackage, MlDockerProject,
  MlDockerValidationError, PythonService, RequirementTier,
} from '../src';
import { compose as runCompose, composeConfig } from './support/compose-cli';
import { ancestry, checkDockerfile, parseDockerfile, pipInstalls, stageNamed } from './support/dockerfile-rules';
import { newProject, synth, validationError, withExtensionFolders } from './util';
import { validateComposeSchema } from '../src/stack/compose-schema';

// ---------------------------------------------------------------------------------------
// The reference data, read directly
// ---------------------------------------------------------------------------------------

const DATA = join(__dirname, '..', 'data');
const read = (file: string) => JSON.parse(readFileSync(join(DATA, file), 'utf-8'));

interface Row {
  torch: string;
  torchvision: string;
  torchaudio: string | null;
  cuda: string | null;
  indexUrl: string | null;
  pythons: string[];
}
const MATRIX: Row[] = read('torch-cuda-matrix.json');
const GPU_ROWS = MATRIX.filter((r) => r.cuda !== null);
const DRIVERS = read('cuda-driver-min.json');
const PYTHONS: Record<string, string> = read('python-image-tags.json').slimBookworm;

/**
 * Every nvidia/cuda tag in the reference data (NVIDIA's lists, the 12.9/13.0 Dockerfiles, cog's devel tags).
 */
const KNOWN_TAGS = new Set<string>([
  ...Object.values<any>(read('nvidia-cuda-tags.json').versions).flatMap((v) => v.ubuntuTags ?? []),
  ...Object.values<any>(read('nvidia-cuda-tags-extra.json').versions).flatMap((v) => Object.values<any>(v.os).flatMap((o) => o.images.map((i: any) => i.tag))),
  ...read('cuda-cudnn-devel-tags.json').tags,
]);

const publicVersion = (v: string) => v.split('+')[0];
const cmp = (a: string, b: string) => {
  const pa = a.split('.').map(Number); const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/**
 * The rule, restated from the data: minor-version compatibility for wheels, the GA toolkit driver for
 * nvidia/cuda.
 */
function expectedMinDriver(base: GpuBase, cuda: string): string | undefined {
  const ga = (minor: string) => DRIVERS.toolkits.find((t: any) => t.cuda === minor && t.release === `${minor} GA`)?.toolkitDriverMin;
  if (base === GpuBase.PYTHON_SLIM) {
    const major = cuda.split('.')[0];
    const family = DRIVERS.minorVersionCompatibility[`${major}.x`];
    return family ? family.minExact ?? ga(`${major}.0`) : undefined;
  }
  return ga(cuda);
}

/** The newest ubuntu24.04 tag of a flavor for a CUDA minor. */
function expectedTag(flavor: string, cuda: string): string | undefined {
  return [...KNOWN_TAGS].filter((t) => t.startsWith(`${cuda}.`) && t.endsWith(`-${flavor}-ubuntu24.04`) && t.split('-').slice(1, -1).join('-') === flavor)
    .sort((a, b) => cmp(b.split('-')[0], a.split('-')[0]))[0];
}

const ALL_BASES = [GpuBase.PYTHON_SLIM, GpuBase.CUDA_BASE, GpuBase.CUDA_RUNTIME, GpuBase.CUDNN_RUNTIME];
const NEWEST_DRIVER = '999.99.99';
const TRAIN = ['python', '-m', 'trainer.train'];
/** The command of the sample a trainer gets (`services/<module>/train.py`). */
const trainOf = (id: string) => ['python', '-m', `${id.replace(/-/g, '_')}.train`];
const SERVE = ['python', '-m', 'inference.main'];
/** The command of the sample an inference service gets (`services/<module>/serve.py`). */
const serveOf = (id: string) => ['python', '-m', `${id.replace(/-/g, '_')}.serve`];

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

function labelOf(dockerfile: string, name: string): string | undefined {
  return new RegExp(`${name.replace(/\./g, '\\.')}="([^"]*)"`).exec(dockerfile)?.[1];
}

/** Image references the Dockerfile's base-image args default to. */
function baseImages(dockerfile: string): Record<string, string> {
  return Object.fromEntries([...dockerfile.matchAll(/^ARG ([A-Z_]+_IMAGE)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
}

// ---------------------------------------------------------------------------------------
// 1. Every combination of the matrix
// ---------------------------------------------------------------------------------------

describe('every (torch, CUDA, Python, base) combination', () => {
  interface Case { torch: string; cuda: string; python: string; base: GpuBase; extensions: boolean; row: Row }
  const cases: Case[] = [];
  for (const row of GPU_ROWS) {
    for (const python of Object.keys(PYTHONS)) {
      for (const base of ALL_BASES) {
        const torch = publicVersion(row.torch);
        cases.push({ torch, cuda: row.cuda!, python, base, extensions: false, row });
        if (base !== GpuBase.PYTHON_SLIM) {
          cases.push({ torch, cuda: row.cuda!, python, base, extensions: true, row });
        }
      }
    }
  }

  /** What the data says about a case: accepted, or why not. */
  function oracle(c: Case): {
    ok: boolean; why: string; runtimeTag?: string; develTag?: string; minDriver?: string;
  } {
    if (!c.row.pythons.includes(c.python)) return { ok: false, why: 'python' };
    const minDriver = expectedMinDriver(c.base, c.cuda);
    if (!minDriver) return { ok: false, why: 'driver' };
    if (c.base === GpuBase.PYTHON_SLIM) return { ok: true, why: '', minDriver };
    const runtimeTag = expectedTag(c.base, c.cuda);
    if (!runtimeTag) return { ok: false, why: 'image' };
    if (!c.extensions) return { ok: true, why: '', runtimeTag, minDriver };
    const develFlavor = c.base === GpuBase.CUDNN_RUNTIME ? 'cudnn-devel' : 'devel';
    const develTag = runtimeTag.replace(`-${c.base}-`, `-${develFlavor}-`);
    return KNOWN_TAGS.has(develTag) ? { ok: true, why: '', runtimeTag, develTag, minDriver } : { ok: false, why: 'devel image' };
  }

  /** Builds every case of one python version in one project (services s0, s1, ...). */
  function runPython(python: string) {
    const project = withExtensionFolders(newProject({ hostDriverVersion: NEWEST_DRIVER }), 'ext/op');
    const mine = cases.filter((c) => c.python === python);
    const built: Array<{ c: Case; id: string }> = [];
    const refused: Array<{ c: Case; message: string }> = [];
    mine.forEach((c, i) => {
      const id = `s${i}`;
      try {
        new GpuTrainer(project, id, {
          torchVersion: c.torch,
          cudaVersion: c.cuda,
          pythonVersion: python,
          gpuBase: c.base,
          command: trainOf(id),
          cudaExtensions: c.extensions ? ['ext/op'] : undefined,
          torchPackages: c.row.torchaudio === null
            ? [TorchPackage.TORCHVISION] : [TorchPackage.TORCHVISION, TorchPackage.TORCHAUDIO],
        });
        built.push({ c, id });
      } catch (e) {
        if (!(e instanceof MlDockerValidationError)) throw e;
        refused.push({ c, message: e.message });
      }
    });
    return { out: built.length ? synth(project) : {}, built, refused };
  }

  test.each(Object.keys(PYTHONS))('python %s: accepted exactly when wheels, driver rule and image tags exist; pins and tags come from the data', (python) => {
    const { out, built, refused } = runPython(python);
    for (const { c, id } of built) {
      const expected = oracle(c);
      expect({ c: `${c.torch} cu${c.cuda} py${c.python} ${c.base}${c.extensions ? ' ext' : ''}`, ok: expected.ok }).toEqual({ c: `${c.torch} cu${c.cuda} py${c.python} ${c.base}${c.extensions ? ' ext' : ''}`, ok: true });
      // The wheel row exists, and the torch file pins exactly its packages (torchaudio only where the row
      // pairs one).
      expect(c.row.pythons).toContain(python);
      expect(lines(out[`docker/${id}/requirements-torch.txt`])).toEqual([
        `torch==${c.row.torch}`, ...(c.row.torchaudio === null ? [] : [`torchaudio==${c.row.torchaudio}`]), `torchvision==${c.row.torchvision}`,
      ]);
      const dockerfile: string = out[`docker/${id}/Dockerfile`];
      expect(dockerfile).toContain(`ARG TORCH_INDEX_URL=${c.row.indexUrl ?? 'https://pypi.org/simple/'}`);
      // Every emitted nvidia/cuda tag is in the reference data, and they are the expected ones.
      const images = baseImages(dockerfile);
      expect(images.PYTHON_IMAGE).toBe(`python:${PYTHONS[python]}`);
      for (const image of Object.values(images).filter((i) => i.startsWith('nvidia/cuda:'))) {
        expect({ image, known: KNOWN_TAGS.has(image.slice('nvidia/cuda:'.length)) }).toEqual({ image, known: true });
      }
      expect(images.CUDA_IMAGE).toBe(expected.runtimeTag && `nvidia/cuda:${expected.runtimeTag}`);
      expect(images.CUDA_DEVEL_IMAGE).toBe(expected.develTag && `nvidia/cuda:${expected.develTag}`);
      expect(dockerfile).not.toMatch(/nvidia\/cuda:(?!\d+\.\d+\.\d+-[a-z0-9-]+-ubuntu24\.04)/);
      // The driver label is the rule's value.
      expect(labelOf(dockerfile, 'dev.projen-ml-docker.min-driver')).toBe(expected.minDriver);
      expect(labelOf(dockerfile, 'dev.projen-ml-docker.cuda')).toBe(c.cuda);
    }
    for (const { c, message } of refused) {
      const expected = oracle(c);
      expect({ c: `${c.torch} cu${c.cuda} py${c.python} ${c.base}`, ok: expected.ok }).toEqual({ c: `${c.torch} cu${c.cuda} py${c.python} ${c.base}`, ok: false });
      // Every problem line names the service, what is wrong and the alternatives.
      for (const line of message.split('\n').filter((l) => l.includes('[vision/'))) expect(line).toMatch(/\[vision\/s\d+\] .*: got .*; expected /);
    }
    expect(built.length + refused.length).toBe(cases.filter((c) => c.python === python).length);
  });

  test('the matrix test covers every GPU row of the wheel matrix and every python and base', () => {
    expect(new Set(cases.map((c) => c.row)).size).toBe(GPU_ROWS.length);
    expect(cases.length).toBe(GPU_ROWS.length * Object.keys(PYTHONS).length * (ALL_BASES.length * 2 - 1));
    // Some combinations of each kind are accepted (not a vacuous pass).
    for (const base of ALL_BASES) expect(cases.some((c) => c.base === base && oracle(c).ok)).toBe(true);
    expect(cases.some((c) => c.extensions && oracle(c).ok)).toBe(true);
  });

  test('without cudaVersion the choice is the highest fitting CUDA, for every torch, python and base', () => {
    const hosts = ['450.80.02', '525.60.13', '535.104.05', '560.28.03', '570.26', '575.51.03', '580.65.06'];
    for (const host of hosts) {
      const project = newProject({ hostDriverVersion: host });
      let n = 0;
      for (const torch of [...new Set(GPU_ROWS.map((r) => publicVersion(r.torch)))]) {
        for (const python of Object.keys(PYTHONS)) {
          for (const base of ALL_BASES) {
            const fitting = GPU_ROWS.filter((r) => publicVersion(r.torch) === torch)
              .map((row) => ({
                row, o: oracle({ torch, cuda: row.cuda!, python, base, extensions: false, row }),
              }))
              .filter(({ o }) => o.ok && cmp(o.minDriver!, host) <= 0)
              .sort((a, b) => cmp(a.row.cuda!, b.row.cuda!));
            const want = fitting.length ? fitting[fitting.length - 1].row.cuda : undefined;
            let got: string | undefined;
            try {
              got = new GpuTrainer(project, `a${n++}`, { torchVersion: torch, pythonVersion: python, gpuBase: base, command: TRAIN }).cudaVersion;
            } catch (e) {
              if (!(e instanceof MlDockerValidationError)) throw e;
              expect(e.message).toContain('no cuda variant of torch');
            }
            expect({ torch, python, base, host, cuda: got })
              .toEqual({ torch, python, base, host, cuda: want });
          }
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// 2. The driver rule and hostDriverVersion
// ---------------------------------------------------------------------------------------

describe('driver rule and hostDriverVersion', () => {
  const trainer = (project: MlDockerProject, props: Record<string, unknown> = {}) =>
    new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, ...props });

  test('the rule per base, from the data: 12.x wheels 525.60.13, 13.x wheels 580.65.06, 11.x 450.80.02, nvidia/cuda the GA toolkit driver', () => {
    expect(trainer(newProject(), { torchVersion: '2.5.1' }).minDriverVersion).toBe('525.60.13');
    expect(trainer(newProject({ hostDriverVersion: '580.65.06' })).minDriverVersion).toBe('580.65.06');
    expect(trainer(newProject({ hostDriverVersion: '500.0.0' }), { torchVersion: '2.5.1' }).minDriverVersion).toBe('450.80.02');
    expect(trainer(newProject({ hostDriverVersion: '560.28.03' }), { gpuBase: GpuBase.CUDA_RUNTIME }).minDriverVersion).toBe('560.28.03');
    expect(trainer(newProject({ hostDriverVersion: '575.51.03' }), { gpuBase: GpuBase.CUDA_RUNTIME, torchVersion: '2.11.0' }).minDriverVersion).toBe('575.51.03');
    // The restated rule agrees with the data's own rows.
    expect(expectedMinDriver(GpuBase.PYTHON_SLIM, '12.4')).toBe(DRIVERS.minorVersionCompatibility['12.x'].minExact);
    expect(expectedMinDriver(GpuBase.CUDNN_RUNTIME, '12.4')).toBe('550.54.14');
  });

  test('the CUDA choice moves with hostDriverVersion: 13.0 needs >= 580', () => {
    const at = (host: string, base = GpuBase.PYTHON_SLIM) =>
      trainer(newProject({ hostDriverVersion: host }), { gpuBase: base }).cudaVersion;
    expect(at('535.104.05')).toBe('12.8');
    expect(at('580.65.05')).toBe('12.8');
    expect(at('580.65.06')).toBe('13.0');
    expect(at('595.10.01')).toBe('13.0');
    expect(at('525.60.13')).toBe('12.8');
    // 12.x wheels start at 525.60.13, and torch 2.9.0 has no 11.x wheels.
    expect(validationError(() => at('525.60.12')).message).toContain('cuda 12.8: needs driver >= 525.60.13');
    expect(trainer(newProject({ hostDriverVersion: '520.0.0' }), { torchVersion: '2.5.1' }).cudaVersion).toBe('11.8');
    expect(trainer(newProject({ hostDriverVersion: '525.60.13' }), { torchVersion: '2.5.1' }).cudaVersion).toBe('12.4');
    // nvidia/cuda bases need the toolkit driver: 12.6 at 560, 12.8 at 570, 13.0 at 580.
    expect(at('560.28.03', GpuBase.CUDNN_RUNTIME)).toBe('12.6');
    expect(at('570.26', GpuBase.CUDNN_RUNTIME)).toBe('12.8');
    expect(at('580.65.06', GpuBase.CUDNN_RUNTIME)).toBe('13.0');
  });

  test('the default host driver is the R535 production driver, a toolkit row of the data', () => {
    expect(trainer(newProject()).hostDriverVersion).toBe('535.104.05');
    expect(DRIVERS.toolkits.map((t: any) => t.toolkitDriverMin)).toContain('535.104.05');
  });

  test('a service can fit a different host driver than the project', () => {
    const project = newProject({ hostDriverVersion: '535.104.05' });
    const t = trainer(project, { hostDriverVersion: '580.82.07' });
    expect(t.cudaVersion).toBe('13.0');
    expect(t.hostDriverVersion).toBe('580.82.07');
  });

  test('an explicit cudaVersion is checked against the same rule, naming the alternatives', () => {
    const err = validationError(() => trainer(newProject(), { cudaVersion: '13.0' }));
    expect(err.message).toContain('[vision/trainer] cudaVersion 13.0 needs a host driver >= 580.65.06');
    expect(err.message).toContain('got "535.104.05"');
    expect(err.message).toContain('cudaVersion one of: "12.6", "12.8"');
  });

  test('docs/containers.md lists each GPU service with its minimum driver and the rule', () => {
    const project = newProject();
    trainer(project);
    new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: serveOf('inference') });
    const doc: string = synth(project)['docs/containers.md'];
    expect(doc).toContain('## GPU services and host drivers');
    expect(doc).toContain('Fitted to host driver 535.104.05');
    expect(doc).toMatch(/\| `trainer` \| python-slim \| 2\.9\.0\+cu128 \| 12\.8 \| \*\*525\.60\.13\*\* \|/);
    expect(doc).toMatch(/\| `inference` \| python-slim \| 2\.5\.1\+cu124 \| 12\.4 \| \*\*525\.60\.13\*\* \|/);
    expect(doc).toContain('copied into the ubuntu24.04 CUDA image');
  });

  test('a CPU-only project\'s docs have no GPU section', () => {
    const project = newProject();
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    expect(synth(project)['docs/containers.md']).not.toContain('GPU services');
  });
});

// ---------------------------------------------------------------------------------------
// 3. GPU Dockerfiles
// ---------------------------------------------------------------------------------------

describe('GPU Dockerfiles', () => {
  function variants() {
    const project = withExtensionFolders(newProject({ hostDriverVersion: '580.95.05' }), 'ext/fused', 'ext/attn');
    new GpuTrainer(project, 'slim', { torchVersion: '2.5.1', command: trainOf('slim'), requirements: { ml: ['numpy==2.1.3'], dev: ['pytest==8.3.4'] } });
    new GpuTrainer(project, 'cudnn', { torchVersion: '2.9.0', gpuBase: GpuBase.CUDNN_RUNTIME, command: trainOf('cudnn') });
    new GpuTrainer(project, 'ext', {
      torchVersion: '2.9.0',
      gpuBase: GpuBase.CUDA_RUNTIME,
      cudaVersion: '12.8',
      cudaExtensions: ['ext/fused', 'ext/attn'],
      command: trainOf('ext'),
      requirements: { ml: ['setuptools==75.6.0', 'ninja==1.11.1.3'], dev: ['pytest==8.3.4'] },
    });
    new GpuInference(project, 'serve', { torchVersion: '2.7.1', gpuBase: GpuBase.CUDA_BASE, port: 8080, command: serveOf('serve'), bakeModel: true, modelDir: 'models/served' });
    new GpuInference(project, 'plain', { torchVersion: '2.0.1', pythonVersion: '3.10', cudaVersion: '11.7', port: 8081, command: serveOf('plain') });
    return { project, out: synth(project) };
  }
  const { out } = variants();
  const names = ['slim', 'cudnn', 'ext', 'serve', 'plain'];

  test.each(names)('%s passes the parser, dockerfile-utils and every Dockerfile rule', (id) => {
    expect(checkDockerfile(out[`docker/${id}/Dockerfile`])).toEqual([]);
  });

  test.each(names)('%s: no devel image in prod\'s FROM chain, and the devel image only where extensions are built', (id) => {
    const df = parseDockerfile(out[`docker/${id}/Dockerfile`]);
    const prod = stageNamed(df, 'prod')!;
    const chain = ancestry(prod).map((s) => s.base);
    expect(chain.some((b) => /DEVEL|devel/.test(b))).toBe(false);
    const devel = df.stages.filter((s) => s.base.includes('CUDA_DEVEL_IMAGE'));
    expect(devel.map((s) => s.name)).toEqual(id === 'ext' ? ['deps-ml'] : []);
    // prod copies the venv of the stage that holds everything it needs: builder after the CUDA
    // extensions were compiled there (prod has no nvcc), else deps-ml, with the core tier on top.
    const venvFrom = prod.instructions.filter((i) => i.getKeyword() === 'COPY' && /\/opt\/venv/.test(i.getTextContent()))
      .map((i) => /--from=(\S+)/.exec(i.getTextContent())![1]);
    expect(venvFrom).toEqual([id === 'ext' ? 'builder' : 'deps-ml']);
    expect(/-devel-/.test(out[`docker/${id}/Dockerfile`])).toBe(id === 'ext');
  });

  test.each(names)('%s: torch alone in its own file and RUN, with --index-url and never --extra-index-url', (id) => {
    const text: string = out[`docker/${id}/Dockerfile`];
    expect(text).not.toContain('extra-index-url');
    // torch alone by default (torchPackages).
    expect(lines(out[`docker/${id}/requirements-torch.txt`]).map((l) => l.split('==')[0])).toEqual(['torch']);
    const torch = pipInstalls(parseDockerfile(text)).filter((i) => i.requirements.some((r) => r.endsWith('requirements-torch.txt')));
    expect(torch).toHaveLength(1);
    expect(torch[0].indexUrl?.replace(/"/g, '')).toBe('$TORCH_INDEX_URL');
    expect(torch[0].requirements).toHaveLength(1);
    expect(torch[0].installsInRun).toBe(1);
  });

  test.each(names)('%s: the driver label, the env the start-up check reads and the entrypoint agree', (id) => {
    const text: string = out[`docker/${id}/Dockerfile`];
    const min = labelOf(text, 'dev.projen-ml-docker.min-driver');
    expect(min).toMatch(/^\d{3}\.\d+(\.\d+)?$/);
    expect(text.match(/MLDOCKER_MIN_DRIVER="([^"]+)"/g)!.every((m) => m === `MLDOCKER_MIN_DRIVER="${min}"`)).toBe(true);
    expect(text).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "mldocker_runtime.driver_check"]');
    // The dev/test targets run without the check (tests run on machines without a GPU).
    expect(text).toMatch(/FROM builder AS dev[\s\S]*?ENTRYPOINT \["\/usr\/bin\/tini", "--"\]\nCMD/);
  });

  test('the labels of each variant are exactly the rule\'s values', () => {
    expect(labelOf(out['docker/slim/Dockerfile'], 'dev.projen-ml-docker.min-driver')).toBe(expectedMinDriver(GpuBase.PYTHON_SLIM, '12.4'));
    expect(labelOf(out['docker/cudnn/Dockerfile'], 'dev.projen-ml-docker.min-driver')).toBe(expectedMinDriver(GpuBase.CUDNN_RUNTIME, '13.0'));
    expect(labelOf(out['docker/ext/Dockerfile'], 'dev.projen-ml-docker.min-driver')).toBe(expectedMinDriver(GpuBase.CUDA_RUNTIME, '12.8'));
    expect(labelOf(out['docker/serve/Dockerfile'], 'dev.projen-ml-docker.min-driver')).toBe(expectedMinDriver(GpuBase.CUDA_BASE, '12.8'));
    expect(labelOf(out['docker/plain/Dockerfile'], 'dev.projen-ml-docker.min-driver')).toBe('450.80.02');
  });

  test('python-slim GPU images set the NVIDIA variables and writable caches; nvidia/cuda images get the exact Python copied in', () => {
    const slim: string = out['docker/slim/Dockerfile'];
    expect(slim).toContain('NVIDIA_VISIBLE_DEVICES="all"');
    expect(slim).toContain('NVIDIA_DRIVER_CAPABILITIES="compute,utility"');
    for (const v of ['HF_HOME="/tmp/', 'TORCH_HOME="/tmp/', 'TRITON_CACHE_DIR="/tmp/']) expect(slim).toContain(v);
    expect(slim).not.toContain('AS python');
    const cudnn: string = out['docker/cudnn/Dockerfile'];
    expect(cudnn).toContain('ARG PYTHON_IMAGE=python:3.11.16-slim-bookworm');
    expect(cudnn).toContain('ARG CUDA_IMAGE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04');
    expect(cudnn).toContain('FROM ${PYTHON_IMAGE} AS python');
    expect(cudnn).toMatch(/FROM \$\{CUDA_IMAGE\} AS base\n(#.*\n)*COPY --from=python \/usr\/local\/ \/usr\/local\//);
    expect(cudnn).toContain('libssl3t64');
    expect(cudnn).toContain("grep 'not found'");
    expect(cudnn).toContain('org.opencontainers.image.base.name="nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04"');
  });

  test('CUDA extensions are compiled in the devel builder against the installed torch, after the tiers', () => {
    const text: string = out['docker/ext/Dockerfile'];
    expect(text).toContain('ARG CUDA_DEVEL_IMAGE=nvidia/cuda:12.8.1-devel-ubuntu24.04');
    expect(text).toMatch(/FROM \$\{CUDA_DEVEL_IMAGE\} AS deps-ml\n(#.*\n)*COPY --from=python \/usr\/local\/ \/usr\/local\//);
    expect(text).toContain('FROM deps-ml AS builder');
    expect(text).toContain('--mount=type=bind,source=ext/fused,target=/tmp/cuda-ext/0,rw');
    expect(text).toContain('pip install --no-build-isolation --no-deps /tmp/cuda-ext/0 /tmp/cuda-ext/1');
    expect(text.indexOf('requirements-ml.txt')).toBeLessThan(text.indexOf('/tmp/cuda-ext/0'));
    expect(text.indexOf('/tmp/cuda-ext/0')).toBeLessThan(text.indexOf('RUN pip check'));
    expect(out['docker/ext/Dockerfile.dockerignore']).toContain('!ext/fused');
  });

  test('a baked model is copied before the code, HF_HUB_OFFLINE is set, and only its directory lets weights through', () => {
    const text: string = out['docker/serve/Dockerfile'];
    expect(text).toContain('COPY --chown=10001:10001 models/served /models');
    expect(text.indexOf('COPY --chown=10001:10001 models/served')).toBeLessThan(text.indexOf('COPY --chown=10001:10001 services/serve'));
    expect(text).toContain('HF_HUB_OFFLINE="1"');
    expect(out['docker/plain/Dockerfile']).not.toContain('HF_HUB_OFFLINE');
    for (const file of ['docker/serve/Dockerfile.dockerignore', '.dockerignore']) {
      const ig = ignore().add(out[file].split('\n'));
      for (const [p, ignored] of [
        ['models/served/model.safetensors', false], ['models/served/sub/weights.pt', false], ['models/served/config.json', false],
        ['models/served/.env', true], ['models/served/secrets/token', true], ['models/other/x.pt', true],
        ['services/serve/stray.pt', true], ['services/serve/main.py', false], ['data/train.csv', true],
      ] as Array<[string, boolean]>) {
        expect({ file, p, ignored: ig.ignores(p) }).toEqual({ file, p, ignored });
      }
    }
    // Without bakeModel the weights stay out even of the model directory.
    const ig = ignore().add(out['docker/plain/Dockerfile.dockerignore'].split('\n'));
    expect(ig.ignores('models/model.pt')).toBe(true);
  });

  test('trainers create the checkpoint mount point for the app user and know where data and checkpoints are', () => {
    const text: string = out['docker/slim/Dockerfile'];
    expect(text).toContain('RUN install -d -o 10001 -g 10001 /checkpoints');
    expect(text).toContain('MLDOCKER_DATA_DIR="/data"');
    expect(text).toContain('MLDOCKER_CHECKPOINT_DIR="/checkpoints"');
    expect(text).toContain('"mldocker_runtime.healthcheck", "process"');
  });

  test('torch 2.0.x with CUDA 11.7 comes from PyPI (the data\'s null index), still alone with --index-url', () => {
    expect(out['docker/plain/Dockerfile']).toContain('ARG TORCH_INDEX_URL=https://pypi.org/simple/');
    expect(lines(out['docker/plain/requirements-torch.txt'])).toEqual(['torch==2.0.1']);
  });

  test('skipDriverCheck leaves tini alone as the entrypoint but keeps the label', () => {
    const project = newProject();
    new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: TRAIN, skipDriverCheck: true });
    const text: string = synth(project)['docker/trainer/Dockerfile'];
    expect(text).not.toContain('driver_check');
    expect(labelOf(text, 'dev.projen-ml-docker.min-driver')).toBe('525.60.13');
    expect(checkDockerfile(text)).toEqual([]);
  });

  test('samples: the trainer beats and writes checkpoints, inference serves HTTP with the standard library', () => {
    const project = newProject();
    new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: TRAIN });
    new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: serveOf('inference') });
    const o = synth(project);
    expect(o['services/trainer/train.py']).toContain('from mldocker_runtime.heartbeat import beat');
    expect(o['services/trainer/train.py']).toContain('beat()');
    expect(o['services/trainer/train.py']).toContain('torch.save(');
    expect(o['services/trainer/train.py']).toContain('MLDOCKER_CHECKPOINT_DIR');
    expect(o['services/inference/serve.py']).toContain('ThreadingHTTPServer');
    expect(o['services/inference/serve.py']).toContain('if self.path == "/health"');
    expect(o['docker/runtime/mldocker_runtime/driver_check.py']).toContain('nvidia-smi');
  });

  test('PythonService output does not change when GPU services exist beside it', () => {
    const alone = newProject();
    new PythonService(alone, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    const mixed = newProject();
    new PythonService(mixed, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new GpuTrainer(mixed, 'trainer', { torchVersion: '2.5.1', command: TRAIN });
    const a = synth(alone);
    const b = synth(mixed);
    expect(b['docker/api/Dockerfile']).toBe(a['docker/api/Dockerfile']);
    expect(b['docker/api/Dockerfile.dockerignore']).toBe(a['docker/api/Dockerfile.dockerignore']);
  });

  test('a trainer and an inference server on one torch release get the same torch tier file and steps: one build step for both', () => {
    // BuildKit keys a RUN's bind mount by the mounted file's content, not its path; so two images
    // whose steps up to a tier match and whose tier files are byte-identical build that tier once.
    // A service id in a file's text would make a trainer and its inference server each install torch.
    const project = newProject();
    new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', requirements: { ml: ['numpy==2.1.3'] }, command: TRAIN });
    new GpuInference(project, 'inference', { torchVersion: '2.5.1', requirements: { ml: ['numpy==2.1.3'] }, port: 8080, command: serveOf('inference') });
    const o = synth(project);
    for (const file of ['requirements-torch.txt', 'requirements-ml.txt', 'constraints.txt']) {
      expect(o[`docker/inference/${file}`]).toBe(o[`docker/trainer/${file}`]);
      expect(o[`docker/trainer/${file}`]).not.toMatch(/trainer|inference/);
    }
    const depsMl = (id: string) => {
      const text = o[`docker/${id}/Dockerfile`] as string;
      return text.slice(text.indexOf('\nFROM '), text.indexOf('\n# ---- builder')).split(`docker/${id}/`).join('docker/<id>/');
    };
    expect(depsMl('inference')).toContain(
      'pip install -c /tmp/requirements/requirements-torch.txt -c /tmp/requirements/constraints.txt -r /tmp/requirements/requirements-ml.txt');
    expect(depsMl('inference')).toBe(depsMl('trainer'));
  });

  test('snapshot of a trainer and an inference service', () => {
    const project = newProject();
    const trainer = new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', requirements: { ml: ['numpy==2.1.3'] }, command: TRAIN });
    trainer.addRequirement(RequirementTier.ML, 'transformers==4.47.0');
    new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, modelDir: 'models', command: serveOf('inference') });
    new ComposeStack(project, 'stack');
    const o = synth(project);
    expect(Object.fromEntries([
      'docker/trainer/Dockerfile', 'docker/trainer/Dockerfile.dockerignore', 'docker/trainer/requirements-torch.txt', 'docker/trainer/requirements-ml.txt',
      'docker/inference/Dockerfile', 'docker/inference/requirements-torch.txt', 'compose.yaml',
    ].map((f) => [f, o[f]]))).toMatchSnapshot();
  });

  test('snapshot of a cudnn-runtime trainer with CUDA extensions', () => {
    expect(out['docker/ext/Dockerfile']).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------------------
// 4. Compose
// ---------------------------------------------------------------------------------------

describe('GPU services in compose.yaml', () => {
  function stack(build: (p: MlDockerProject) => void) {
    const project = newProject();
    build(project);
    new ComposeStack(project, 'stack');
    const out = synth(project);
    return { out, compose: YAML.parse(out['compose.yaml']), dir: project.outdir };
  }
  const example = (p: MlDockerProject) => {
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN });
    new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, command: serveOf('inference') });
    new GpuInference(p, 'pinned', { torchVersion: '2.5.1', port: 8081, command: serveOf('pinned'), gpuDeviceIds: ['0', 'GPU-8f2c1d3e-aaaa-bbbb-cccc-0123456789ab'], modelDir: 'models/pinned' });
    new GpuTrainer(p, 'two', { torchVersion: '2.5.1', command: trainOf('two'), gpuCount: 2, shmSize: '16g', memoryLimit: '32g', dataDir: 'datasets/two' });
  };

  test('is valid for docker compose config and our own rules', () => {
    const { out, compose, dir } = stack(example);
    expect(validateComposeSchema(compose)).toEqual([]); // our own rules agree
    expect(composeConfig(dir, out['compose.yaml'])).toEqual({ ok: true, output: '' });
  });

  test('trainers: train profile, shm, ulimits, all GPUs, data read-only, checkpoints on a named volume, restart on failure', () => {
    const t = stack(example).compose.services.trainer;
    expect(t.profiles).toEqual(['train']);
    expect(t.shm_size).toBe('8g');
    expect(t.ulimits).toEqual({ memlock: -1, stack: 67108864 });
    expect(t.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', capabilities: ['gpu'], count: 'all' }]);
    expect(t.volumes).toEqual(['./data:/data:ro', 'trainer-checkpoints:/checkpoints']);
    expect(t.restart).toBe('on-failure');
    expect(t.platform).toBe('linux/amd64');
    expect(t.environment).toEqual({ NVIDIA_DRIVER_CAPABILITIES: 'compute,utility', NVIDIA_VISIBLE_DEVICES: 'all' });
    // healthy while the training process runs: the sample beats, but the service does not ask for the check
    expect(t.healthcheck.test).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'process']);
    expect(t.read_only).toBe(true);
    expect(t.cap_drop).toEqual(['ALL']);
  });

  test('real compose shows the trainer healthy while it runs; heartbeat: true gives the heartbeat check', () => {
    const { dir } = stack((p) => {
      new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN });
      new GpuTrainer(p, 'beating', { torchVersion: '2.5.1', command: trainOf('beating'), heartbeat: true });
    });
    const res = runCompose(['-f', join(dir, 'compose.yaml'), '--project-directory', dir, '--profile', 'train',
      'config', '--format', 'json'], dir);
    expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: '' });
    const resolved = JSON.parse(res.stdout).services;
    expect(resolved.trainer.healthcheck.test).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'process']);
    expect(resolved.beating.healthcheck.test)
      .toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat', '/tmp/heartbeat', '300']);
  });

  test('inference: one GPU, model read-only, HTTP health check, in the gpu profile', () => {
    const { compose } = stack(example);
    const s = compose.services.inference;
    expect(s.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', capabilities: ['gpu'], count: 1 }]);
    expect(s.volumes).toEqual(['./models:/models:ro']);
    // a host without an NVIDIA runtime cannot start it: `docker:up` adds --profile gpu where one is listed
    expect(s.profiles).toEqual(['gpu']);
    expect(s.restart).toBe('unless-stopped');
    expect(s.healthcheck.test).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'http', 'http://127.0.0.1:8080/health']);
    expect(s.tmpfs).toEqual(['/tmp:exec,mode=1777,size=2g']);
    // A count leaves NVIDIA_VISIBLE_DEVICES to the device request.
    expect(s.environment.NVIDIA_VISIBLE_DEVICES).toBeUndefined();
    expect(compose.services.api.deploy.resources.reservations).toBeUndefined();
    expect(compose.services.api.platform).toBeUndefined();
  });

  test('what real compose starts: no GPU service without --profile gpu; with it, GPU servers and the services that wait for them', () => {
    const { out, dir } = stack((p) => {
      const inference = new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, command: serveOf('inference') });
      new PythonService(p, 'gateway', { command: ['python', '-m', 'gateway.main'], port: 8000, dependsOn: [inference] });
      new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8001 });
      new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN });
    });
    const file = join(dir, 'compose.yaml');
    const services = (...profiles: string[]) => {
      const res = runCompose(['-f', file, '--project-directory', dir, ...profiles.flatMap((x) => ['--profile', x]), 'config', '--services'], dir);
      expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: '' });
      return res.stdout.trim().split('\n').sort();
    };
    expect(out['compose.yaml']).toBeDefined();
    expect(services()).toEqual(['api']);
    expect(services('gpu')).toEqual(['api', 'gateway', 'inference']);
    expect(services('train')).toEqual(['api', 'trainer']);
    expect(services('*')).toEqual(['api', 'gateway', 'inference', 'trainer']);
  });

  test('device ids and counts are rendered as given; NVIDIA_VISIBLE_DEVICES matches device ids', () => {
    const { compose } = stack(example);
    expect(compose.services.pinned.deploy.resources.reservations.devices).toEqual([
      { driver: 'nvidia', capabilities: ['gpu'], device_ids: ['0', 'GPU-8f2c1d3e-aaaa-bbbb-cccc-0123456789ab'] },
    ]);
    expect(compose.services.pinned.environment.NVIDIA_VISIBLE_DEVICES).toBe('0,GPU-8f2c1d3e-aaaa-bbbb-cccc-0123456789ab');
    expect(compose.services.pinned.volumes).toEqual(['./models/pinned:/models:ro']);
    expect(compose.services.two.deploy.resources.reservations.devices[0].count).toBe(2);
    expect(compose.services.two.shm_size).toBe('16g');
    expect(compose.services.two.volumes).toEqual(['./datasets/two:/data:ro', 'two-checkpoints:/checkpoints']);
    expect(Object.keys(compose.volumes)).toEqual(['trainer-checkpoints', 'two-checkpoints']);
  });

  test('a baked model is not mounted', () => {
    const { compose } = stack((p) => new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, command: serveOf('inference'), bakeModel: true }));
    expect(compose.services.inference.volumes).toBeUndefined();
  });

  test('arm64 with the opt-in is rendered as asked', () => {
    const { compose, out, dir } = stack((p) => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN, platform: GpuPlatform.LINUX_ARM64, allowArm64: true }));
    expect(compose.services.trainer.platform).toBe('linux/arm64');
    expect(composeConfig(dir, out['compose.yaml']).ok).toBe(true);
  });

  test('compose rejects count with device_ids; we refuse gpuCount with gpuDeviceIds before it does', () => {
    const { out, dir } = stack(example);
    const doc = YAML.parse(out['compose.yaml']);
    doc.services.inference.deploy.resources.reservations.devices[0].device_ids = ['0'];
    expect(validateComposeSchema(doc)).toEqual([]); // our own rules agree
    expect(composeConfig(dir, YAML.stringify(doc)).ok).toBe(false);
    const err = validationError(() => new GpuInference(newProject(), 'inference', { torchVersion: '2.5.1', port: 8080, command: SERVE, gpuCount: 1, gpuDeviceIds: ['0'] }));
    expect(err.message).toContain('[vision/inference] gpuCount and gpuDeviceIds are both set');
  });

  test('a trainer whose memory limit is below its shm size is refused when declared, in or out of a stack', () => {
    const err = validationError(() => new GpuTrainer(newProject(), 'trainer', { torchVersion: '2.5.1', command: TRAIN, shmSize: '16g', memoryLimit: '8g' }));
    expect(err.message).toContain('[vision/trainer] memoryLimit is below shmSize: got "8g"; expected at least the shm size "16g"');
    // the default limit (16g) against a larger shm size
    expect(validationError(() => new GpuTrainer(newProject(), 'trainer', { torchVersion: '2.5.1', command: TRAIN, shmSize: '20g' })).message)
      .toContain('memoryLimit is below shmSize: got "16g"');
    // equal sizes are allowed
    expect(() => new GpuTrainer(newProject(), 'trainer', { torchVersion: '2.5.1', command: TRAIN, shmSize: '8g', memoryLimit: '8g' })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// 5. Bad input
// ---------------------------------------------------------------------------------------

/**
 * Each row must fail with our validation error, whose message names the construct path,
 * shows the offending value and lists what is allowed.
 */
describe('GPU bad input', () => {
  type BadRow = [name: string, make: (p: MlDockerProject) => unknown, got: string, expected: string[]];
  const t = (p: MlDockerProject, props: Record<string, unknown>) => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN, ...props } as any);
  const inf = (p: MlDockerProject, props: Record<string, unknown>) => new GpuInference(p, 'trainer', { torchVersion: '2.5.1', command: serveOf('trainer'), port: 8080, ...props } as any);
  const rows: BadRow[] = [
    ['fails on an unknown torch version and lists nearby ones', (p) => t(p, { torchVersion: '2.5.9' }), 'got "2.5.9"', ['"2.5.1"', '"2.6.0"']],
    ['fails on a missing torchVersion', (p) => new GpuTrainer(p, 'trainer', { command: TRAIN } as any), 'got undefined', ['torchVersion is required without cudaVersion', 'a cudaVersion']],
    ['fails on a CUDA version torch does not offer and lists the offered ones', (p) => t(p, { cudaVersion: '12.6' }), 'got "12.6"', ['"11.8", "12.1", "12.4"']],
    ['fails on a malformed CUDA version', (p) => t(p, { cudaVersion: 'cu124' }), 'got "cu124"', ['"11.8", "12.1", "12.4"']],
    ['fails on a python version the wheel does not offer', (p) => t(p, { pythonVersion: '3.13', cudaVersion: '12.4' }), 'got "3.13"', ['"3.10", "3.11", "3.12"']],
    ['fails when no CUDA variant fits the python version', (p) => t(p, { pythonVersion: '3.14' }), 'got "2.5.1"', ['no wheels for python 3.14', 'only 3.10, 3.11, 3.12']],
    ['fails on a CUDA version whose driver minimum is above hostDriverVersion', (p) => t(p, { torchVersion: '2.9.0', cudaVersion: '13.0' }), 'got "535.104.05"', ['>= 580.65.06', '"12.6", "12.8"']],
    ['fails on an nvidia/cuda base the host driver cannot run', (p) => t(p, { gpuBase: GpuBase.CUDNN_RUNTIME }), 'got "2.5.1"', ['needs driver >= 550.54.14', 'no ubuntu24.04 nvidia/cuda cudnn-runtime tag']],
    ['fails on a CUDA version without an ubuntu24.04 image of the base', (p) => t(p, { gpuBase: GpuBase.CUDA_RUNTIME, cudaVersion: '12.4', hostDriverVersion: '580.65.06' }), 'got "12.4"', ['"12.6", "12.8", "12.9", "13.0"']],
    ['fails on a cudaImageTag not in the reference data', (p) => t(p, { torchVersion: '2.9.0', gpuBase: GpuBase.CUDA_RUNTIME, hostDriverVersion: '580.65.06', cudaImageTag: '13.0.2-runtime-ubuntu24.04' }), 'got "13.0.2-runtime-ubuntu24.04"', ['"12.6.3-runtime-ubuntu24.04"', '"13.0.0-runtime-ubuntu24.04"']],
    ['fails on a cudaImageTag of another flavor', (p) => t(p, { torchVersion: '2.9.0', gpuBase: GpuBase.CUDA_RUNTIME, hostDriverVersion: '580.65.06', cudaImageTag: '13.0.0-devel-ubuntu24.04' }), 'got "13.0.0-devel-ubuntu24.04"', ['"13.0.0-runtime-ubuntu24.04"']],
    ['fails on a cudaImageTag of ubuntu22.04', (p) => t(p, { torchVersion: '2.9.0', gpuBase: GpuBase.CUDA_RUNTIME, hostDriverVersion: '580.65.06', cudaImageTag: '12.8.1-runtime-ubuntu22.04' }), 'got "12.8.1-runtime-ubuntu22.04"', ['"12.8.1-runtime-ubuntu24.04"']],
    ['fails on a cudaImageTag with the python-slim base', (p) => t(p, { cudaImageTag: '12.6.3-runtime-ubuntu24.04' }), 'got "12.6.3-runtime-ubuntu24.04"', ['"base", "runtime", "cudnn-runtime"']],
    ['fails on an unknown gpuBase (plain javascript)', (p) => t(p, { gpuBase: 'devel' }), 'got "devel"', ['"python-slim", "base", "runtime", "cudnn-runtime"']],
    ['fails on a malformed hostDriverVersion', (p) => t(p, { hostDriverVersion: '535' }), 'got "535"', ['"535.104.05"']],
    ['fails on a malformed project hostDriverVersion', () => new MlDockerProject({ name: 'vision', hostDriverVersion: 'R535' }), 'got "R535"', ['"535.104.05"']],
    ['fails on GPU on linux/arm64 without the opt-in', (p) => t(p, { platform: GpuPlatform.LINUX_ARM64 }), 'got "linux/arm64"', ['"linux/amd64"', 'allowArm64: true']],
    ['fails on an unknown platform', (p) => t(p, { platform: 'linux/riscv64' }), 'got "linux/riscv64"', ['"linux/amd64", "linux/arm64"']],
    ['fails on a GPU count of zero', (p) => t(p, { gpuCount: 0 }), 'got 0', ['an integer from 1 to 64']],
    ['fails on a fractional GPU count', (p) => t(p, { gpuCount: 1.5 }), 'got 1.5', ['an integer from 1 to 64']],
    ['fails on a GPU count together with device ids', (p) => t(p, { gpuCount: 2, gpuDeviceIds: ['0', '1'] }), 'got {"gpuCount":2,"gpuDeviceIds":["0","1"]}', ['one of them']],
    ['fails on an empty device id list', (p) => t(p, { gpuDeviceIds: [] }), 'got []', ['at least one device id']],
    ['fails on a malformed device id', (p) => t(p, { gpuDeviceIds: ['gpu0'] }), 'got "gpu0"', ['"0"', '"GPU-8f2c...']],
    ['fails on a device id given twice', (p) => t(p, { gpuDeviceIds: ['0', '0'] }), 'got "0"', ['each device once']],
    ['fails on an alpine python image', (p) => t(p, { pythonImage: 'python:3.11.16-alpine3.20' }), 'got "python:3.11.16-alpine3.20"', ['"python:3.11.16-slim-bookworm"']],
    ['fails on a python image of another version', (p) => t(p, { pythonImage: 'mirror.example/library/python:3.12.14-slim-bookworm' }), 'got "mirror.example/library/python:3.12.14-slim-bookworm"', ['"python:3.11.16-slim-bookworm"']],
    ['fails on torch listed by hand beside torchVersion', (p) => t(p, { requirements: { ml: ['torch==2.4.0'] } }), 'got "torch==2.4.0"', ['torchVersion']],
    ['fails on torchaudio listed by hand at another version', (p) => t(p, { requirements: { core: ['torchaudio==2.4.0'] } }), 'got "torchaudio==2.4.0"', ['torchVersion']],
    ['fails on CUDA extensions on python-slim with a CUDA that Debian 12 lacks', (p) => t(p, { cudaVersion: '11.8', cudaExtensions: ['ext/op'] }), 'got "11.8"', ['a cudaVersion with them: "12.4"', 'gpuBase "runtime" or "cudnn-runtime"']],
    ['fails on a CUDA extension directory escaping the project', (p) => t(p, { torchVersion: '2.9.0', gpuBase: GpuBase.CUDA_RUNTIME, hostDriverVersion: '580.65.06', cudaExtensions: ['../op'] }), 'got "../op"', ['without ".."']],
    ['fails on an absolute data directory', (p) => t(p, { dataDir: '/mnt/data' }), 'got "/mnt/data"', ['relative to the project root']],
    ['fails on a data directory inside the code', (p) => t(p, { dataDir: 'services/trainer/data' }), 'got "services/trainer/data"', ['a directory outside the code']],
    ['fails on an ambiguous shm size', (p) => t(p, { shmSize: '8GB' }), 'got "8GB"', ['e.g. "512m" or "8g"']],
    ['fails on a model directory escaping the project', (p) => inf(p, { modelDir: '../models' }), 'got "../models"', ['without ".."']],
    ['fails on a model directory overlapping the generated files', (p) => inf(p, { modelDir: 'docker/models' }), 'got "docker/models"', ['a directory outside the code']],
    ['fails on inference without a port', (p) => new GpuInference(p, 'trainer', { torchVersion: '2.5.1', command: serveOf('trainer') }), 'got undefined', ['the port the server listens on']],
    ['fails on NVIDIA_VISIBLE_DEVICES given by hand', (p) => t(p, { environment: { NVIDIA_VISIBLE_DEVICES: '0' } }), 'got "NVIDIA_VISIBLE_DEVICES"', ['gpuCount or gpuDeviceIds']],
    ['fails on a misspelled GPU prop and suggests the right one', (p) => t(p, { cudaVerison: '12.4' }), 'unknown property "cudaVerison"', ['did you mean "cudaVersion"']],
    ['fails on a trainer prop given to inference', (p) => inf(p, { shmSize: '8g' }), 'unknown property "shmSize"', ['modelDir', 'bakeModel']],
  ];

  test.each(rows)('%s', (_name, make, got, expected) => {
    const project = newProject();
    const err = validationError(() => make(project));
    const path = /malformed project/.test(_name) ? '[vision]' : '[vision/trainer]';
    expect(err.message).toContain(path);
    expect(err.message).toContain(got);
    for (const e of expected) expect(err.message).toContain(e);
    expect(err.message).not.toMatch(/TypeError|ZodError|Invalid input|at Object\./);
  });

  test('has at least 20 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  test('reports every GPU problem of a service in one error', () => {
    const err = validationError(() => t(newProject(), { gpuCount: 0, platform: GpuPlatform.LINUX_ARM64, dataDir: '/x', shmSize: '1 g' }));
    expect(err.problems).toHaveLength(4);
    expect(err.problems.every((p) => p.startsWith('[vision/trainer] '))).toBe(true);
  });
});
