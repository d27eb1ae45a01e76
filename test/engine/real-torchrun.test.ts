/**
 * Real packages, distributed training on one host: the command a `GpuTrainer` with
 * `gpusPerNode: 2` renders for compose (`torchrun --standalone --nnodes=1 --nproc_per_node=2
 * -m dist.allreduce`) run by compose on the real `torch-2.13.0+cpu` wheel of the local PyPI copy
 * (MLDOCKER_PIP_MIRROR, see support/mirror.ts), with the gloo backend: two processes join one
 * process group, all-reduce a tensor and check the sum.
 *
 * How, and why this way: the trainer itself cannot run here. Its torch tier pins a CUDA build
 * (`torch==2.13.0+cu130`), whose NVIDIA wheels are gigabytes, and its GPU reservation fails at
 * `up` on an engine without the NVIDIA runtime. So the project defines both: the trainer, whose
 * compose service gives the launcher command (it is only read, never built), and a CPU
 * `PythonService` with torch alone (`torch==2.13.0+cpu` from the mirror's CPU index through our
 * TORCH_INDEX_URL build arg) whose command is that launcher command, word for word; the test
 * checks the two commands are equal, then builds the CPU service with `docker compose build` and
 * runs it with `docker compose run` from the generated compose.yaml (hardened as generated: read-only
 * root, cap_drop ALL, no-new-privileges, uid 10001).
 *
 * Proves: the rendered launcher starts two workers with the rendezvous torchrun's `--standalone`
 * sets up on its own (no address or port given), the real torch's gloo backend connects them
 * inside the container, the all-reduce of rank + 1 over the two ranks gives 3 on both, and the
 * job exits 0 under the generated service's hardening and limits.
 *
 * Does not prove: NCCL, CUDA or a GPU (none here), several nodes (compose refuses them; the
 * JobSet and TrainJob manifests are checked against their CRD schemas in the unit tests), the
 * trainer's own image (gpu-build.test.ts builds that shape with stand-in wheels), the official
 * python image (Debian's Python 3.11.2 stands in).
 */
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { ComposeStack, GpuTrainer, PythonService, TorchPackage } from '../../src';
import { newProject, synth } from '../util';
import { PYTHON_STANDIN, RunResult, docker, dockerTry, requireEngine, tail, tempDir } from './support/engine';
import { MIRROR, describeUnless, mirrorMissing, requireOnIndex } from './support/mirror';

const TORCH = '2.13.0';
const LAUNCH = ['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=2', '-m', 'dist.allreduce'];

/** Each rank all-reduces rank + 1; the sum over world ranks is world * (world + 1) / 2. */
const ALLREDUCE = `import os

import torch
import torch.distributed as dist


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    value = torch.tensor([float(rank + 1)])
    dist.all_reduce(value, op=dist.ReduceOp.SUM)
    expected = world * (world + 1) / 2
    assert value.item() == expected, f"rank {rank}: sum {value.item()}, expected {expected}"
    print(f"rank {rank}/{world} local {os.environ['LOCAL_RANK']} {dist.get_backend()} sum {value.item():g}"
          f" torch {torch.__version__} uid {os.getuid()}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;

let dir = '';
let scratch = '';
let composed: Record<string, any> = {};
let run: RunResult;

function compose(args: string[], files: string[] = []): RunResult {
  const named = ['compose.yaml', ...files].flatMap((f) => ['-f', f]);
  return dockerTry(['compose', ...named, ...args], { cwd: dir });
}

describeUnless(mirrorMissing(), `torchrun with gloo on torch ${TORCH}+cpu, two processes`, () => {
  beforeAll(() => {
    requireEngine();
    requireOnIndex(MIRROR!.torchCpu, [`torch==${TORCH}+cpu`]);
    const project = newProject({ dockerfileSyntax: false });
    dir = project.outdir;
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', '__init__.py'), '');
    writeFileSync(join(dir, 'dist', 'allreduce.py'), ALLREDUCE);
    const trainer = new GpuTrainer(project, 'trainer', {
      torchVersion: TORCH, gpusPerNode: 2, sources: ['dist'], command: ['python', '-m', 'dist.allreduce'],
    });
    const cpu = new PythonService(project, 'allreduce', {
      torchVersion: TORCH,
      torchPackages: [TorchPackage.TORCH],
      sources: ['dist'],
      command: LAUNCH,
      // room for three processes that import torch: the torchrun agent and its two workers
      memoryLimit: '4g',
    });
    new ComposeStack(project, 'stack', { services: [trainer, cpu] });
    composed = YAML.parse(synth(project)['compose.yaml']);
    scratch = tempDir('engine-torchrun-');
    // Only what this engine and this test need, beside the generated file: host network for the
    // build (the engine has no default bridge), the stand-in base and the mirror's indexes.
    const override = join(scratch, 'compose.build.yaml');
    const args = {
      PYTHON_IMAGE: PYTHON_STANDIN, PIP_INDEX_URL: MIRROR!.pypi, TORCH_INDEX_URL: MIRROR!.torchCpu,
    };
    const build = { network: 'host', args };
    writeFileSync(override, JSON.stringify({ services: { allreduce: { build } } }));
    const built = compose(['build', 'allreduce'], [override]);
    if (built.status !== 0) {
      throw new Error(`docker compose build exited ${built.status}\n${tail(built.stderr, 60)}`);
    }
    run = compose(['run', '--rm', '--no-deps', '-T', 'allreduce']);
  }, 1_200_000);

  afterAll(() => {
    if (dir) compose(['down', '--volumes', '--remove-orphans', '--timeout', '1']);
    for (const d of [dir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('the trainer with gpusPerNode 2 renders the launcher command the CPU service runs', () => {
    expect(composed.services.trainer.command).toEqual(LAUNCH);
    // compose gives a service no command of its own when its image's CMD already is the command
    expect(composed.services.allreduce.command).toBeUndefined();
    const image = String(composed.services.allreduce.image);
    const cmd = docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', image]);
    expect(JSON.parse(cmd)).toEqual(LAUNCH);
    expect(composed.services.trainer.deploy.resources.reservations.devices[0].count).toBe(2);
  });

  test('both ranks all-reduce over gloo to the expected sum and the job exits 0', () => {
    const output = `${run.stdout}${run.stderr}`;
    // the two processes write to one stream: a line of one can land in the middle of the other's
    const ranks = [...output.matchAll(/rank \d+\/\d+ local \d+ gloo sum \d+ torch \S+? uid \d+/g)]
      .map((m) => m[0]).sort();
    expect({ status: run.status, ranks, output: run.status === 0 ? '' : tail(output, 60) }).toEqual({
      status: 0,
      ranks: [0, 1].map((r) => `rank ${r}/2 local ${r} gloo sum 3 torch ${TORCH}+cpu uid 10001`),
      output: '',
    });
  });
});
