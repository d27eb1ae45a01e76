/**
 * Real packages, torch's companions pulled in by another package: a CPU service with torch alone
 * in its torch tier (`torch==2.13.0+cpu` from the mirror's CPU index, our TORCH_INDEX_URL build
 * arg) and the real timm 1.0.29 in its ml tier (from the mirror's PyPI, PIP_INDEX_URL). timm needs
 * torchvision without naming a build; the ml tier installs under the generated constraints.txt,
 * which pins torchvision to the build paired with this torch, `0.28.0+cpu`.
 *
 * The local copy of PyPI holds torchvision 0.28.0 as PyPI serves it: a CUDA 13 build (its
 * torchvision/version.py says `0.28.0+cu130`, it ships libcudart.so.13) whose metadata asks only
 * for `torch==2.13.0`, which the +cpu torch satisfies. It holds no `0.28.0+cpu` (PyTorch's CPU
 * index has it). So here the service must fail at build, at the ml tier, with pip naming the
 * constraint, and never install the CUDA torchvision beside the CPU torch.
 *
 * Proves: with the generated constraints the build stops at the ml tier, pip naming
 * `torchvision==0.28.0+cpu` as the constraint it cannot meet; the counter-check: with
 * constraints.txt emptied (as the generator wrote it before the pairing) the tiers install
 * PyPI's CUDA torchvision, `0.28.0+cu130`, beside `torch 2.13.0+cpu`, which is what the
 * constraint prevents, and the prod stage's torch check then stops the build naming both builds
 * and the fix; with `torchPackages` naming torchvision, the torch tier asks the CPU index alone
 * for it and, the local copy's CPU index holding none, fails there. The build that succeeds with
 * the +cpu torchvision, and timm creating a model in it, run only where the CPU index has
 * `torchvision==0.28.0+cpu`; here they are skipped, with that reason in their title.
 *
 * Does not prove: CUDA torch or a GPU, PyTorch's real indexes, the official python image
 * (Debian's Python 3.11.2 stands in).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PythonService, TorchPackage } from '../../src';
import { newProject, synth } from '../util';
import { PYTHON_STANDIN, RunResult, dockerTry, requireEngine } from './support/engine';
import {
  MIRROR, buildSteps, describeUnless, distributions, expectBuilt, indexVersions, mirrorMissing, pythonIn,
  requireOnIndex,
} from './support/mirror';

const TORCH = '2.13.0';
const VISION = '0.28.0';
const TIMM = 'timm==1.0.29';
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
/** The ml tier's RUN in BuildKit's plain log (the step number is padded). */
const ML_TIER = /^\[deps-ml +\d+\/\d+\] RUN .*-r \/tmp\/requirements\/requirements-ml\.txt$/;
const TORCH_TIER = /^\[deps-ml +\d+\/\d+\] RUN .*-r \/tmp\/requirements\/requirements-torch\.txt$/;

const MAIN = `import timm

model = timm.create_model("resnet18", pretrained=False)
print("timm", timm.__version__, type(model).__name__)
`;

const dirs: string[] = [];

/** A project with one CPU service on torch +cpu and timm in its ml tier; its directory. */
function project(torchPackages: TorchPackage[]): string {
  const p = newProject({ dockerfileSyntax: false });
  dirs.push(p.outdir);
  mkdirSync(join(p.outdir, 'services', 'vision'), { recursive: true });
  writeFileSync(join(p.outdir, 'services', 'vision', '__init__.py'), '');
  writeFileSync(join(p.outdir, 'services', 'vision', 'main.py'), MAIN);
  new PythonService(p, 'vision', {
    torchVersion: TORCH,
    torchPackages,
    command: ['python', '-m', 'vision.main'],
    requirements: { ml: [TIMM] },
  });
  synth(p);
  return p.outdir;
}

function build(dir: string, tag: string, target = 'prod'): RunResult & { log: string } {
  const res = dockerTry(['build', '--progress', 'plain', '--network', 'host',
    '-f', 'docker/vision/Dockerfile', '--target', target,
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`,
    '--build-arg', `TORCH_INDEX_URL=${MIRROR!.torchCpu}`, '-t', tag, '.'], { cwd: dir });
  return { ...res, log: `${res.stdout}${res.stderr}` };
}

/** The requirement lines of a generated file (comments and the marker left out). */
function pins(dir: string, file: string): string[] {
  const path = join(dir, 'docker', 'vision', file);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf-8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

const missing = mirrorMissing();
const pairedOnCpuIndex = () => indexVersions(MIRROR!.torchCpu, 'torchvision').includes(`${VISION}+cpu`);

const title = `torch ${TORCH}+cpu with timm in the ml tier: torchvision is the +cpu build or none`;
describeUnless(missing, title, () => {
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  beforeAll(() => {
    requireEngine();
    requireOnIndex(MIRROR!.torchCpu, [`torch==${TORCH}+cpu`]);
    requireOnIndex(MIRROR!.pypi, [TIMM, `torchvision==${VISION}`, 'huggingface-hub==1.33.0',
      'safetensors==0.8.0', 'pyyaml==6.0.3']);
  });

  describe('torchPackages: torch alone; the local copy has only PyPI\'s CUDA torchvision', () => {
    let dir = '';
    let refused: RunResult & { log: string };
    beforeAll(() => {
      // the premise: were the CPU index to hold the paired build, this describe would prove nothing
      expect(pairedOnCpuIndex()).toBe(false);
      dir = project([TorchPackage.TORCH]);
      refused = build(dir, `engine-real/vision-${RUN_ID}:constrained`);
    }, 1_200_000);

    test('the ml tier installs under a constraint pinning torchvision to the paired +cpu build', () => {
      expect(pins(dir, 'requirements-torch.txt')).toEqual([`torch==${TORCH}+cpu`]);
      expect(pins(dir, 'constraints.txt')).toEqual([`torchvision==${VISION}+cpu`]);
    });

    test('the build fails at the ml tier, pip naming the constraint it cannot meet', () => {
      expect(refused.status).not.toBe(0);
      const failed = buildSteps(refused.log).filter((s) => s.end === 'ERROR');
      expect(failed.map((s) => s.name)).toEqual([expect.stringMatching(ML_TIER)]);
      expect(refused.log).toContain(`The user requested (constraint) torchvision==${VISION}+cpu`);
      expect(refused.log).not.toMatch(/Successfully installed .*torchvision/);
    });

    test('without the constraint, pip installs PyPI\'s CUDA torchvision beside the CPU torch', () => {
      const constraints = join(dir, 'docker', 'vision', 'constraints.txt');
      const generated = readFileSync(constraints, 'utf-8');
      writeFileSync(constraints, generated.split('\n').filter((l) => l.startsWith('#')).join('\n'));
      const tag = `engine-real/vision-${RUN_ID}:unconstrained`;
      try {
        // deps-ml: the virtualenv the tiers installed, before any check of the image
        const deps = build(dir, tag, 'deps-ml');
        expectBuilt(deps);
        const versions = pythonIn(tag, [
          'import importlib.metadata as m, pathlib, re',
          'tv = m.distribution("torchvision")',
          'text = pathlib.Path(tv.locate_file("torchvision/version.py")).read_text()',
          'print(m.version("torch"), tv.version, re.search(r"__version__ = \'([^\']+)\'", text).group(1))',
        ].join('\n'));
        expect(versions).toBe(`${TORCH}+cpu ${VISION} ${VISION}+cu130`);
        // the prod stage's torch check stops that image, naming both builds and the fix
        const prod = build(dir, tag, 'prod');
        const failed = buildSteps(prod.log).filter((s) => s.end === 'ERROR').map((s) => s.name);
        expect(failed).toEqual([expect.stringContaining('mldocker_runtime.torch_check')]);
        expect(prod.log).toContain(`torch check: torchvision ${VISION} is installed, but this image's`
          + ` torch build needs torchvision ${VISION}+cpu (paired with torch ${TORCH}+cpu);`
          + ' fix: add TorchPackage.TORCHVISION');
      } finally {
        writeFileSync(constraints, generated);
      }
    });
  });

  describe('torchPackages: torch and torchvision; the torch tier asks the CPU index for the pair', () => {
    let dir = '';
    let res: RunResult & { log: string };
    beforeAll(() => {
      dir = project([TorchPackage.TORCH, TorchPackage.TORCHVISION]);
      res = build(dir, `engine-real/vision-${RUN_ID}:paired`);
    }, 1_200_000);

    test('the torch tier pins both from TORCH_INDEX_URL; no constraint left for torchvision', () => {
      // the companion as the matrix pairs it: on the CPU index, which serves one variant, it
      // matches only the +cpu build (a pin without a local label matches any label, PEP 440)
      expect(pins(dir, 'requirements-torch.txt')).toEqual([`torch==${TORCH}+cpu`, `torchvision==${VISION}`]);
      expect(pins(dir, 'constraints.txt').filter((l) => l.startsWith('torchvision'))).toEqual([]);
      const torch = buildSteps(res.log).find((s) => TORCH_TIER.test(s.name))!;
      expect(torch.name).toContain(`pip install --index-url "${MIRROR!.torchCpu}"`);
    });

    describeUnless(missing ?? (pairedOnCpuIndex() ? undefined
      : `the CPU index of the local copy has no torchvision==${VISION}+cpu (PyTorch's CPU index has it)`),
    'with the paired build on the CPU index', () => {
      test('the image holds torchvision +cpu and timm creates a model', () => {
        expectBuilt(res);
        expect(distributions(`engine-real/vision-${RUN_ID}:paired`)).toMatchObject({
          torch: `${TORCH}+cpu`, torchvision: `${VISION}+cpu`, timm: TIMM.split('==')[1],
        });
        const out = pythonIn(`engine-real/vision-${RUN_ID}:paired`, [
          'import torchvision, timm',
          'm = timm.create_model("resnet18", pretrained=False)',
          'print(torchvision.__version__, type(m).__name__)',
        ].join('\n'));
        expect(out).toBe(`${VISION}+cpu ResNet`);
      });
    });

    describeUnless(missing ?? (pairedOnCpuIndex() ? 'the CPU index has the paired build' : undefined),
      'without the paired build on the CPU index', () => {
        test('the build fails at the torch tier, naming the pin the index lacks', () => {
          expect(res.status).not.toBe(0);
          const failed = buildSteps(res.log).filter((s) => s.end === 'ERROR');
          expect(failed.map((s) => s.name)).toEqual([expect.stringMatching(TORCH_TIER)]);
          expect(res.log).toContain(`No matching distribution found for torchvision==${VISION}\n`);
          expect(res.log).not.toMatch(/Successfully installed .*torchvision/);
        });
      });
  });
});
