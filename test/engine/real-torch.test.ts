/**
 * Real packages, torch: CPU services whose torch tier is the real `torch-2.13.0+cpu` wheel from
 * PyTorch's CPU index as the local mirror serves it (`<mirror>/whl/cpu/`, through our build arg
 * TORCH_INDEX_URL), with real ML tiers above it from `<mirror>/simple/` (PIP_INDEX_URL), on the
 * engine's Python 3.11 base stand-in: the three corpus layouts (../shared/data/realworld/layouts:
 * detr, nanoGPT, litgpt) as their examples/<name>/.projenrc.ts define them, with the edits below.
 * litgpt is the CPU service with torch alone and an ml tier that depends on it (lightning).
 *
 * Proves: the torch tier installs alone from TORCH_INDEX_URL and stays the +cpu build after an
 * ml tier that depends on torch resolved from the default index, which offers only torch's CUDA
 * build (no nvidia, cuda or triton distribution in the image, torch.version.cuda is None); torch
 * and lightning import and compute in the prod image as uid 10001 on a read-only root; each
 * layout builds with its real dependency tree, its prod stage's pip check and entry check run
 * and pass; services with the same torch release build its tier once (the later builds find it
 * CACHED: the requirement files name the tier, not the service); litgpt's wheel is built by the
 * real setuptools from the mirror and its console script answers `--help` in the container; its
 * own pyproject.toml's dependencies are checked after the wheel's install: with the layout's
 * original ones (jsonargparse, which no tier installs, and huggingface-hub<1.4) the build fails
 * naming both.
 *
 * Edits, each for a reason:
 * - GpuTrainer -> PythonService with `torchPackages: [TorchPackage.TORCH]`; torch 2.5.1 (litgpt:
 *   2.7.1) -> 2.13.0:
 *   the mirror's only torch builds are 2.13.0+cpu and 2.14.1 with CUDA 13 (its NVIDIA wheels are
 *   gigabytes, too much for CI on this machine), and it has no +cpu torchvision or torchaudio.
 *   The GPU Dockerfile shape is proven by gpu-build.test.ts with stand-ins.
 * - pins moved to versions the mirror holds: detr scipy 1.14.1 -> 1.15.3, pycocotools 2.0.8 ->
 *   2.0.11; nanoGPT transformers 4.46.3 -> 5.18.0 (the mirror's 4.57.6 needs huggingface-hub<1.0,
 *   which it lacks), datasets 3.1.0 -> 5.0.1, tiktoken 0.8.0 -> 0.14.0, tqdm 4.67.1 -> 4.70.1
 *   (numpy 2.1.3 kept); litgpt lightning 2.6.1 -> 2.6.6, safetensors 0.4.5 -> 0.8.0, tokenizers
 *   0.21.0 -> 0.22.2, setuptools 75.6.0 -> 80.9.0, huggingface-hub 0.30.2 -> 1.33.0 (psutil 7.2.2 kept).
 * - dropped: nanoGPT's wandb (the mirror's only wandb, 0.30.0, needs an opentelemetry exporter it
 *   lacks); litgpt's jsonargparse (not on the mirror), also from the copied pyproject.toml's
 *   dependencies, whose huggingface-hub bound goes from <1.4 to <2 (the mirror has 1.33.0 and 2.0.0).
 * - litgpt/__main__.py: the corpus tree holds placeholders, so the copy gets a small CLI of ours
 *   (argparse, the real CLI's subcommands, importing lightning) for its console script to run.
 *
 * torch 2.13.0+cpu is the mirror's only CPU torch; data/torch-cuda-matrix.json has its row, so the
 * definitions accept it (without the row they refuse it and these tests fail, not skip). Skipped,
 * with the reason in the test name, only without the mirror or without ../shared/data. Each prod
 * image copies a 1.3 GB virtualenv: three images are what this costs.
 *
 * Does not prove: CUDA torch, GPU images or a GPU (see gpu-build.test.ts), the official python
 * image (Debian's Python 3.11.2 stands in), the layouts' code (placeholders), PyPI itself.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PYTHON_STANDIN, REPO, RunResult, dockerTry, requireEngine, tempDir } from './support/engine';
import {
  HARDENING, MIRROR, buildSteps, describeUnless, distributions, expectBuilt, indexVersions, mirrorMissing,
  pythonIn, requireOnIndex,
} from './support/mirror';
import { runDefinition } from '../support/run-definition';
import { SHARED_DATA } from '../support/shared-data';

const TORCH = '2.13.0';
const LAYOUTS = join(SHARED_DATA, 'realworld', 'layouts');
const EXAMPLES = join(REPO, 'examples');
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
/** litgpt's ml tier: lightning above torch's CPU build. */
const LIGHTNING_ML = ['lightning==2.6.6', 'safetensors==0.8.0', 'tokenizers==0.22.2'];
/** A step of a stage in BuildKit's plain log (it pads the step number). */
const step = (stage: string, rest: string) => new RegExp(`^\\[${stage} +\\d+\\/\\d+\\] ${rest}`);
/** BuildKit names a step with its build args expanded: a tier is the RUN of its requirement file. */
const TORCH_TIER = step('deps-ml', 'RUN .*-r /tmp/requirements/requirements-torch\\.txt$');
const ML_TIER = step('deps-ml', 'RUN .*-r /tmp/requirements/requirements-ml\\.txt$');
const PROD_PIP_CHECK = step('prod', 'RUN pip check$');
const PROD_ENTRY_CHECK = step('prod', 'RUN \\["python", "-m", "mldocker_runtime\\.entry_check"');

interface Layout {
  readonly name: string;
  /** The example's edits: [what, from, to]. */
  readonly edits: ReadonlyArray<readonly [string, RegExp | string, string]>;
  /** Files of the copied tree replaced by the test, path -> text. */
  readonly files?: Readonly<Record<string, string>>;
  readonly pins: readonly string[];
}

/** Every example: GpuTrainer on CUDA torch -> a CPU service on torch 2.13.0+cpu, offline frontend. */
const COMMON: Layout['edits'] = [
  ['import', /import \{ MlDockerProject, GpuTrainer \} from 'projen-ml-docker';/,
    "import { MlDockerProject, PythonService, TorchPackage } from 'projen-ml-docker';"],
  ['project options', /pythonVersion: '3\.11' \}\);/, "pythonVersion: '3.11', dockerfileSyntax: false });"],
  ['kind', 'new GpuTrainer(', 'new PythonService('],
  ['torch', /torchVersion: '[\d.]+',[^\n]*/,
    `torchVersion: '${TORCH}',\n  torchPackages: [TorchPackage.TORCH],`],
];

const LITGPT_MAIN = `"""litgpt's command line for the engine test (the corpus tree holds placeholders):
the real CLI's subcommands, on argparse, importing lightning as the real one does."""
import argparse

import lightning

COMMANDS = ["download", "chat", "finetune_lora", "finetune_full", "finetune_adapter", "pretrain", "generate",
            "convert_to_litgpt", "convert_from_litgpt", "evaluate", "serve"]


def main(argv=None):
    about = f"litgpt on lightning {lightning.__version__}"
    parser = argparse.ArgumentParser(prog="litgpt", description=about)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        commands.add_parser(name)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
`;

const quoted = (pins: readonly string[]) => pins.map((pin) => `'${pin}'`).join(', ');

/** litgpt first: its build installs the torch tier the other two reuse. */
const LAYOUT_DEFS: readonly Layout[] = [
  {
    name: 'litgpt',
    edits: [
      ['ml tier', `ml: [${quoted(['lightning==2.6.1', 'safetensors==0.4.5', 'tokenizers==0.21.0'])}]`,
        `ml: [${quoted(LIGHTNING_ML)}]`],
      ['setuptools', 'setuptools==75.6.0', 'setuptools==80.9.0'],
      ['jsonargparse dropped', "'jsonargparse==4.37.0', ", ''],
      ['huggingface-hub', 'huggingface-hub==0.30.2', 'huggingface-hub==1.33.0'],
    ],
    files: { 'litgpt/__main__.py': LITGPT_MAIN },
    pins: [...LIGHTNING_ML, 'setuptools==80.9.0', 'huggingface-hub==1.33.0', 'psutil==7.2.2'],
  },
  {
    name: 'detr',
    edits: [
      ['scipy', 'scipy==1.14.1', 'scipy==1.15.3'],
      ['pycocotools', 'pycocotools==2.0.8', 'pycocotools==2.0.11'],
    ],
    pins: ['scipy==1.15.3', 'pycocotools==2.0.11'],
  },
  {
    name: 'nanogpt',
    edits: [
      ['transformers', 'transformers==4.46.3', 'transformers==5.18.0'],
      ['datasets', 'datasets==3.1.0', 'datasets==5.0.1'],
      ['tiktoken', 'tiktoken==0.8.0', 'tiktoken==0.14.0'],
      ['wandb dropped', "'wandb==0.18.7', ", ''],
      ['tqdm', 'tqdm==4.67.1', 'tqdm==4.70.1'],
    ],
    pins: ['numpy==2.1.3', 'transformers==5.18.0', 'datasets==5.0.1', 'tiktoken==0.14.0', 'tqdm==4.70.1'],
  },
];

/** litgpt's pyproject.toml dependencies moved to the mirror (see the header). */
function litgptPyproject(original: string): string {
  const moved = original.replace(/\n  "jsonargparse\[signatures\][^\n]*\n/, '\n')
    .replace('"huggingface-hub>=0.30,<1.4"', '"huggingface-hub>=0.30,<2"');
  if (moved.includes('jsonargparse') || moved.includes('<1.4')) {
    throw new Error('litgpt\'s pyproject.toml changed: the edits no longer apply');
  }
  return moved;
}

function edit(source: string, edits: Layout['edits']): string {
  let out = source;
  for (const [what, from, to] of edits) {
    const next = out.replace(from, to);
    if (next === out) throw new Error(`the example changed: the test edit "${what}" no longer applies`);
    out = next;
  }
  return out;
}

let buildArgs: string[] = [];
const dirs: string[] = [];
/** The builds of this file in order, with how each ended its torch tier step. */
const torchSteps: Array<{ image: string; end?: string }> = [];

function build(dir: string, service: string, tag: string): RunResult & { log: string } {
  const res = dockerTry(['build', '--progress', 'plain', '--network', 'host',
    '-f', `docker/${service}/Dockerfile`, '--target', 'prod', ...buildArgs, '-t', tag, '.'], { cwd: dir });
  const log = `${res.stdout}${res.stderr}`;
  torchSteps.push({ image: tag, end: buildSteps(log).find((s) => TORCH_TIER.test(s.name))?.end });
  return { ...res, log };
}

/** The prod stage's pip check and entry check ran (or came from an identical earlier build) and passed. */
function expectChecked(res: RunResult & { log: string }): void {
  expectBuilt(res);
  const steps = buildSteps(res.log);
  const checks = steps.filter((s) => PROD_PIP_CHECK.test(s.name));
  expect(checks.map((s) => s.end)).toEqual([expect.stringMatching(/^(DONE|CACHED)$/)]);
  if (checks[0].end === 'DONE') expect(checks[0].output).toEqual(['No broken requirements found.']);
  const entry = steps.filter((s) => PROD_ENTRY_CHECK.test(s.name));
  expect(entry.map((s) => s.end)).toEqual([expect.stringMatching(/^(DONE|CACHED)$/)]);
}

const layoutsMissing = existsSync(join(LAYOUTS, 'litgpt', 'tree')) ? undefined
  : `the torch tests (test/engine/real-torch.test.ts): no corpus layouts at ${LAYOUTS} (../shared/data)`;

const missing = mirrorMissing() ?? layoutsMissing;
describeUnless(missing, `torch ${TORCH}+cpu from TORCH_INDEX_URL, real ML tiers`, () => {
  /** The builds, in the order of LAYOUT_DEFS. */
  const built: Record<string, { dir: string; tag: string; res: RunResult & { log: string } }> = {};

  beforeAll(() => {
    requireEngine();
    requireOnIndex(MIRROR!.torchCpu, [`torch==${TORCH}+cpu`]);
    requireOnIndex(MIRROR!.pypi, LAYOUT_DEFS.flatMap((l) => l.pins));
    buildArgs = ['--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`,
      '--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`, '--build-arg', `TORCH_INDEX_URL=${MIRROR!.torchCpu}`];
    for (const layout of LAYOUT_DEFS) {
      const dir = tempDir(`engine-real-${layout.name}-`);
      dirs.push(dir);
      cpSync(join(LAYOUTS, layout.name, 'tree'), dir, { recursive: true });
      for (const [path, text] of Object.entries(layout.files ?? {})) writeFileSync(join(dir, path), text);
      if (layout.name === 'litgpt') {
        const pyproject = join(dir, 'pyproject.toml');
        writeFileSync(pyproject, litgptPyproject(readFileSync(pyproject, 'utf-8')));
      }
      const example = readFileSync(join(EXAMPLES, layout.name, '.projenrc.ts'), 'utf-8');
      runDefinition(edit(example, [...COMMON, ...layout.edits]), dir);
      const tag = `engine-real/${layout.name}-${RUN_ID}:prod`;
      built[layout.name] = { dir, tag, res: build(dir, layout.name, tag) };
    }
  }, 1_800_000);

  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('a CPU service with torch alone and lightning in its ml tier (litgpt)', () => {
    test('the torch tier comes from TORCH_INDEX_URL alone, the ml tier from PIP_INDEX_URL', () => {
      const { dir, res } = built.litgpt;
      const torchFile = readFileSync(join(dir, 'docker/litgpt/requirements-torch.txt'), 'utf-8');
      expect(torchFile.split('\n').filter((l) => !l.startsWith('#'))).toEqual([`torch==${TORCH}+cpu`, '']);
      expectBuilt(res);
      const steps = buildSteps(res.log);
      const torch = steps.find((s) => TORCH_TIER.test(s.name))!;
      // BuildKit shows the step with the build arg's value: the mirror's CPU index, alone.
      expect(torch.name).toContain(`pip install --index-url "${MIRROR!.torchCpu}" -r /tmp/requirements/`);
      // The ml tier names no index: pip reads PIP_INDEX_URL, the build arg, from the environment.
      const ml = steps.find((s) => ML_TIER.test(s.name))!;
      expect(ml.name).not.toContain('--index-url');
      if (torch.end === 'DONE') expect(torch.output).toContain(`Looking in indexes: ${MIRROR!.torchCpu}`);
      if (ml.end === 'DONE') expect(ml.output).toContain(`Looking in indexes: ${MIRROR!.pypi}`);
    });

    test('torch stays the +cpu build: nothing from the default index (its torch: CUDA) replaced it', () => {
      expect(indexVersions(MIRROR!.pypi, 'torch')).not.toContain(`${TORCH}+cpu`);
      const dists = distributions(built.litgpt.tag);
      expect(dists).toMatchObject({ torch: `${TORCH}+cpu`, lightning: '2.6.6' });
      expect(Object.keys(dists).filter((d) => /^(nvidia-|cuda-|triton)/.test(d))).toEqual([]);
    });

    test('torch and lightning import and compute in the prod image as uid 10001 on a read-only root', () => {
      const out = pythonIn(built.litgpt.tag, [
        'import os, torch, lightning',
        'x = torch.nn.Linear(4, 2)(torch.ones(1, 4))',
        'print(os.getuid(), torch.__version__, torch.version.cuda, lightning.__version__, tuple(x.shape))',
      ].join('\n'));
      expect(out).toBe(`10001 ${TORCH}+cpu None 2.6.6 (1, 2)`);
    });
  });

  describe('the corpus layouts (detr, nanoGPT, litgpt) with real packages', () => {
    const names = LAYOUT_DEFS.map((l) => [l.name]);
    test.each(names)('%s builds with its real dependencies; pip check and the entry check pass', (name) => {
      const { res, tag } = built[name];
      expectChecked(res);
      const dists = distributions(tag);
      const pins = LAYOUT_DEFS.find((l) => l.name === name)!.pins;
      expect(pins.map((pin) => `${pin.split('==')[0]}==${dists[pin.split('==')[0]]}`)).toEqual(pins);
      expect(dists.torch).toBe(`${TORCH}+cpu`);
    });

    test('services on one torch release build its tier once: the later builds found it CACHED', () => {
      // The three layouts in build order: same torch pin, same steps before it, other service ids.
      expect(torchSteps.slice(0, 3).map((s) => s.image)).toEqual(LAYOUT_DEFS.map((l) => built[l.name].tag));
      expect(torchSteps.slice(1, 3).map((s) => s.end)).toEqual(['CACHED', 'CACHED']);
    });

    test("litgpt's wheel is built from its pyproject.toml; its console script answers --help", () => {
      const { tag } = built.litgpt;
      expect(distributions(tag)).toMatchObject({ litgpt: '0.5.13', setuptools: '80.9.0' });
      const res = dockerTry(['run', '--rm', '--network', 'none', ...HARDENING, tag, 'litgpt', '--help']);
      const output = `${res.stdout}${res.stderr}`;
      expect({ status: res.status, output })
        .toEqual({ status: 0, output: expect.stringContaining('usage: litgpt') });
      expect(output).toContain('litgpt on lightning 2.6.6');
      expect(output).toContain('finetune_lora');
    });

    test("with litgpt's own dependencies (jsonargparse, huggingface-hub<1.4), pip check fails it", () => {
      const { dir } = built.litgpt;
      const original = readFileSync(join(LAYOUTS, 'litgpt', 'tree', 'pyproject.toml'));
      writeFileSync(join(dir, 'pyproject.toml'), original);
      const res = build(dir, 'litgpt', `engine-real/litgpt-${RUN_ID}:unmet`);
      expect(res.status).not.toBe(0);
      const failed = buildSteps(res.log).filter((s) => s.end === 'ERROR' && s.name.includes('pip check'));
      const install = /pip install --no-deps --no-index \/tmp\/wheels\/\*\.whl +&& pip check$/;
      expect(failed.map((s) => s.name)).toEqual([expect.stringMatching(install)]);
      expect(res.log).toContain('litgpt 0.5.13 requires jsonargparse, which is not installed.');
      expect(res.log).toContain('litgpt 0.5.13 has requirement huggingface-hub<1.4,>=0.30, but you have'
        + ' huggingface-hub 1.33.0');
    });
  });
});
