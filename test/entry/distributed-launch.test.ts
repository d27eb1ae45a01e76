/**
 * The launcher of distributed trainers: the command each container runs for (nodes,
 * gpusPerNode), the environment the sizes reach it through, the user's own launchers kept and
 * checked, and every disagreement refused with one message naming both sides.
 */
import {
  DistributedRuntime, DistributedSpec, NcclDebug, TrainerLauncher, launchEnvironment, resolveDistributed,
} from '../../src/core/distributed-spec';
import { MlDockerValidationError } from '../../src/core/errors';
import { Problems } from '../../src/core/problems';
import { parseEntry } from '../../src/entry';
import { checkComposeNodes, LaunchSize, planLaunch } from '../../src/entry/distributed-launch';
import { LAUNCH_REFUSALS } from '../support/distributed-refusals';

const PATH = 'vision/trainer';

/** The plan and the problems of one call. */
function plan(command: string[], size: LaunchSize, launcher?: TrainerLauncher) {
  const problems = new Problems(PATH);
  const result = planLaunch(problems, command, size, launcher);
  return { ...result, problems: messages(problems) };
}

function messages(problems: Problems): string[] {
  try {
    problems.throwIfAny();
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(MlDockerValidationError);
    return (e as MlDockerValidationError).problems;
  }
}

const spec = (nodes: number, gpusPerNode: number): DistributedSpec =>
  resolveDistributed(new Problems(PATH), { nodes, gpusPerNode });

const SIZES: Array<[number, number]> = [1, 2, 4]
  .flatMap((nodes) => [1, 8].map((gpus): [number, number] => [nodes, gpus]));

describe('a python module or script is wrapped in torchrun for {1,2,4} nodes x {1,8} gpus', () => {
  /** What each size gives, written out: torchrun's size options, or no launcher for one process. */
  const expected = (nodes: number, gpus: number): string[] | undefined => {
    if (nodes * gpus === 1) return undefined;
    return nodes === 1 ? ['--standalone', '--nnodes=1', `--nproc_per_node=${gpus}`]
      : [`--nnodes=${nodes}`, `--nproc_per_node=${gpus}`];
  };

  test.each(SIZES)('a module on %i node(s) of %i gpu(s)', (nodes, gpus) => {
    const command = ['python', '-m', 'trainer.train', '--epochs', '3'];
    const result = plan(command, { nodes, gpusPerNode: gpus });
    const sizeArgs = expected(nodes, gpus);
    expect(result.problems).toEqual([]);
    expect(result.command)
      .toEqual(sizeArgs ? ['torchrun', ...sizeArgs, '-m', 'trainer.train', '--epochs', '3'] : command);
    expect(result.wrapped).toBe(sizeArgs !== undefined);
    expect(result.launcher).toBe(sizeArgs ? 'torchrun' : 'none');
    // the entry check still finds the same module, now behind the launcher
    expect(parseEntry(result.command).target).toBe('trainer.train');
  });

  test.each(SIZES)('a script on %i node(s) of %i gpu(s)', (nodes, gpus) => {
    const command = ['python3', 'scripts/base_train.py', '--depth=20'];
    const result = plan(command, { nodes, gpusPerNode: gpus });
    const sizeArgs = expected(nodes, gpus);
    expect(result.problems).toEqual([]);
    expect(result.command)
      .toEqual(sizeArgs ? ['torchrun', ...sizeArgs, 'scripts/base_train.py', '--depth=20'] : command);
    expect(parseEntry(result.command).target).toBe('scripts/base_train.py');
  });

  test.each(SIZES)('the environment of %i node(s) of %i gpu(s): the sizes, and NCCL', (nodes, gpus) => {
    const env = launchEnvironment(spec(nodes, gpus));
    if (nodes * gpus === 1) {
      expect(env).toEqual({});
      return;
    }
    expect(env).toEqual({
      NNODES: String(nodes),
      NPROC_PER_NODE: String(gpus),
      PET_NNODES: String(nodes),
      PET_NPROC_PER_NODE: String(gpus),
      NCCL_DEBUG: 'WARN',
      NCCL_IB_DISABLE: '1',
    });
  });
});

describe('how the user\'s command is kept around torchrun', () => {
  test('wrappers stay in front: env, tini', () => {
    const withEnv = plan(['env', 'OMP_NUM_THREADS=4', 'python', '-m', 'trainer.train'],
      { nodes: 1, gpusPerNode: 2 });
    expect(withEnv.command).toEqual(['env', 'OMP_NUM_THREADS=4',
      'torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=2', '-m', 'trainer.train']);
    expect(plan(['tini', '--', 'python', 'train.py'], { nodes: 2, gpusPerNode: 8 }).command)
      .toEqual(['tini', '--', 'torchrun', '--nnodes=2', '--nproc_per_node=8', 'train.py']);
  });

  test('python -u is what torchrun runs its workers with: dropped; -um and -mX spellings read', () => {
    expect(plan(['python', '-u', '-m', 'trainer.train'], { nodes: 1, gpusPerNode: 8 }).command)
      .toEqual(['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=8', '-m', 'trainer.train']);
    expect(plan(['/opt/venv/bin/python', '-um', 'trainer.train'], { nodes: 1, gpusPerNode: 8 }).command)
      .toEqual(['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=8', '-m', 'trainer.train']);
    expect(plan(['python', '-mtrainer.train', 'x'], { nodes: 2, gpusPerNode: 1 }).command)
      .toEqual(['torchrun', '--nnodes=2', '--nproc_per_node=1', '-m', 'trainer.train', 'x']);
  });

  test('other interpreter options keep the whole python command, which torchrun runs as a program', () => {
    expect(plan(['python', '-X', 'dev', '-O', '-m', 'trainer.train'], { nodes: 1, gpusPerNode: 8 }).command)
      .toEqual(['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=8', '--no_python',
        'python', '-X', 'dev', '-O', '-m', 'trainer.train']);
  });

  test('a job of one process keeps any command, even one torchrun could not start', () => {
    expect(plan(['sh', '-c', 'python -m trainer.train'], { nodes: 1, gpusPerNode: 1 })).toEqual({
      command: ['sh', '-c', 'python -m trainer.train'], launcher: 'none', wrapped: false, problems: [],
    });
  });

  test('TrainerLauncher.AS_WRITTEN runs a script that starts its own processes as it is', () => {
    const size = { nodes: 4, gpusPerNode: 8 };
    const asWritten = plan(['sh', 'scripts/run_multinode.sh'], size, TrainerLauncher.AS_WRITTEN);
    expect(asWritten).toEqual({
      command: ['sh', 'scripts/run_multinode.sh'], launcher: 'none', wrapped: false, problems: [],
    });
  });

  test('a malformed command is left to the entry check, which refuses it', () => {
    expect(plan(['python', '-m'], { nodes: 2, gpusPerNode: 8 }))
      .toEqual({ command: ['python', '-m'], launcher: 'none', wrapped: false, problems: [] });
  });
});

describe('a command that already names its launcher is kept and checked', () => {
  test.each([
    // nanochat's documented run
    [['torchrun', '--standalone', '--nproc_per_node=8', '-m', 'scripts.base_train', '--', '--depth=26'], 1, 8,
      'torchrun'],
    [['torchrun', '--nproc-per-node', 'gpu', 'train.py'], 1, 8, 'torchrun'],
    [['torchrun', '--nnodes=4', '--nproc_per_node=8', '-m', 'trainer.train'], 4, 8, 'torchrun'],
    // sizes left out: torchrun reads PET_NNODES and PET_NPROC_PER_NODE, which the containers get
    [['torchrun', '-m', 'trainer.train'], 2, 8, 'torchrun'],
    [['torchrun', '--nnodes=2:2', '--rdzv_backend=c10d', 'train.py'], 2, 8, 'torchrun'],
    [['python', '-m', 'torch.distributed.run', '--nproc_per_node=auto', 'train.py'], 1, 2, 'torchrun'],
    [['accelerate', 'launch', '--multi_gpu', '--num_processes=8', '--num_machines', '1', 'train.py'], 1, 8,
      'accelerate'],
    [['accelerate', 'launch', '--config_file', 'fsdp.yaml', '-m', 'trainer.train'], 1, 4, 'accelerate'],
    [['accelerate', 'launch', '--gpu_ids', 'all', 'train.py'], 1, 2, 'accelerate'],
    [['python', '-m', 'accelerate.commands.launch', '--num_processes', '2', 'train.py'], 1, 2, 'accelerate'],
    [['deepspeed', '--num_gpus', '8', 'train.py', '--deepspeed', 'ds_config.json'], 1, 8, 'deepspeed'],
    [['deepspeed', '--num_nodes=1', '--num_accelerators=2', '--module', 'trainer.train'], 1, 2, 'deepspeed'],
    [['deepspeed', 'train.py'], 1, 8, 'deepspeed'],
  ])('%j on %i node(s) of %i gpu(s) is kept (%s)', (command, nodes, gpus, launcher) => {
    expect(plan(command as string[], { nodes: nodes as number, gpusPerNode: gpus as number }))
      .toEqual({ command, launcher, wrapped: false, problems: [] });
  });

  test('a launcher on a job of one process is checked too', () => {
    const size = { nodes: 1, gpusPerNode: 1 };
    const problems = plan(['torchrun', '--nproc_per_node=8', 'train.py'], size).problems;
    expect(problems).toEqual([
      '[vision/trainer] command starts 8 processes per node (torchrun --nproc_per_node), gpusPerNode is 1: '
        + 'got "8"; '
        + 'expected --nproc_per_node 1, "gpu" or "auto" (one process per gpu), or gpusPerNode 8',
    ]);
  });

  test('accelerate config is not a launch: refused like any other program on several gpus', () => {
    expect(plan(['accelerate', 'config'], { nodes: 1, gpusPerNode: 2 }).problems).toHaveLength(1);
  });
});

describe('refusals: one message naming both sides', () => {
  test.each(LAUNCH_REFUSALS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const result = plan(r.command, { nodes: r.nodes, gpusPerNode: r.gpusPerNode });
    expect(result.problems).toEqual([r.message]);
    // a refused command is never rewritten
    expect(result.command).toEqual(r.command);
  });

  test('every refusal reads as the catalogue wants: [path] lowercase what: got X; expected Y', () => {
    const shape = /^\[vision\/trainer\] [a-z0-9"]+[^\n]*: got [^\n]+; expected [^\n]+$/;
    for (const r of LAUNCH_REFUSALS) expect(r.message).toMatch(shape);
  });

  test('compose refuses a trainer of several nodes, with the reason', () => {
    const problems = new Problems('vision/stack');
    checkComposeNodes(problems, PATH, 1);
    expect(messages(problems)).toEqual([]);
    checkComposeNodes(problems, PATH, 2);
    expect(messages(problems)).toEqual([
      '[vision/trainer] nodes is above 1 in a compose stack: got 2; expected 1: compose runs every container '
        + 'on one host; '
        + 'run the job on kubernetes (KubernetesManifests renders a JobSet or a TrainJob), and leave this '
        + 'trainer out of '
        + 'the compose stack (ComposeStack services)',
    ]);
  });
});

describe('the distributed settings are checked into one spec', () => {
  const check = (input: Parameters<typeof resolveDistributed>[1]) => {
    const problems = new Problems(PATH);
    const resolved = resolveDistributed(problems, input);
    return { resolved, problems: messages(problems) };
  };

  test('defaults: one node, gpusPerNode from gpuCount or device ids, a JobSet, NCCL warnings', () => {
    expect(check({}).resolved).toEqual({
      nodes: 1,
      gpusPerNode: 1,
      runtime: DistributedRuntime.JOBSET,
      nccl: { debug: NcclDebug.WARN, portRange: { first: 32768, last: 60999 } },
    });
    expect(check({ nodes: 2, gpuCount: 4 }).resolved.gpusPerNode).toBe(4);
    expect(check({ nodes: 2, gpuDeviceIds: ['0', '1'] }).resolved.gpusPerNode).toBe(2);
  });

  test('every option given', () => {
    expect(check({
      nodes: 4,
      gpusPerNode: 8,
      distributedRuntime: DistributedRuntime.KUBEFLOW_TRAINER,
      kueueQueueName: 'team-a',
      nccl: {
        debug: NcclDebug.INFO,
        socketInterface: '^docker,lo',
        rdmaResource: 'rdma/rdma_shared_device_a',
        rdmaResourceCount: 2,
        portRange: '40000-49999',
      },
    })).toEqual({
      resolved: {
        nodes: 4,
        gpusPerNode: 8,
        runtime: DistributedRuntime.KUBEFLOW_TRAINER,
        queueName: 'team-a',
        nccl: {
          debug: NcclDebug.INFO,
          socketInterface: '^docker,lo',
          rdma: { resource: 'rdma/rdma_shared_device_a', count: 2 },
          portRange: { first: 40000, last: 49999 },
        },
      },
      problems: [],
    });
  });

  test('NCCL environment: the interface only when given; RDMA only when asked for', () => {
    const nccl = { socketInterface: 'eth0', rdmaResource: 'nvidia.com/hostdev' };
    const rdma = check({ nodes: 2, gpusPerNode: 8, nccl }).resolved;
    expect(launchEnvironment(rdma)).toEqual({
      NNODES: '2',
      NPROC_PER_NODE: '8',
      PET_NNODES: '2',
      PET_NPROC_PER_NODE: '8',
      NCCL_DEBUG: 'WARN',
      NCCL_SOCKET_IFNAME: 'eth0',
    });
  });

  test.each([
    ['nodes of 0', { nodes: 0 }, '[vision/trainer] nodes: got 0; expected an integer from 1 to 1000'],
    ['gpusPerNode of 1.5', { gpusPerNode: 1.5 },
      '[vision/trainer] gpusPerNode: got 1.5; expected an integer from 1 to 64'],
    ['gpusPerNode against gpuCount', { gpusPerNode: 8, gpuCount: 4 },
      '[vision/trainer] gpusPerNode disagrees with the gpus of gpuCount: got {"gpusPerNode":8,"gpus":4}; '
        + 'expected one number: gpusPerNode alone (it is the gpu count of each node)'],
    ['several nodes without a gpu count', { nodes: 2 },
      '[vision/trainer] nodes is above 1 without a number of gpus per node: got 2; expected gpusPerNode (or '
        + 'gpuCount): a pod asks for a number of gpus, and torchrun starts one process per gpu'],
    ['an unknown runtime (plain JavaScript)', { distributedRuntime: 'mpi' as DistributedRuntime },
      '[vision/trainer] distributedRuntime: got "mpi"; expected one of: "jobset", "kubeflow-trainer"'],
    ['a queue name with an uppercase letter', { kueueQueueName: 'Team-A' },
      '[vision/trainer] kueueQueueName: got "Team-A"; expected the name of a kueue LocalQueue: lowercase '
        + 'letters, digits and "-", starting and ending with a letter or digit, at most 63 characters'],
    ['an unknown NCCL log level (plain JavaScript)', { nccl: { debug: 'LOUD' as NcclDebug } },
      '[vision/trainer] nccl.debug: got "LOUD"; expected one of: "VERSION", "WARN", "INFO", "TRACE"'],
    ['an interface name with a space', { nccl: { socketInterface: 'eth 0' } },
      '[vision/trainer] nccl.socketInterface: got "eth 0"; expected interface names in nccl\'s syntax: '
        + '"eth0", a prefix list "eth,en", "^docker,lo" to exclude or "=eth0" for an exact name'],
    ['the gpu resource as the RDMA resource', { nccl: { rdmaResource: 'nvidia.com/gpu' } },
      '[vision/trainer] nccl.rdmaResource: got "nvidia.com/gpu"; expected the extended resource a device '
        + 'plugin advertises for rdma devices, e.g. "rdma/rdma_shared_device_a" or "nvidia.com/hostdev"'],
    ['an RDMA resource without a domain', { nccl: { rdmaResource: 'hca' } },
      '[vision/trainer] nccl.rdmaResource: got "hca"; expected the extended resource a device plugin '
        + 'advertises for rdma devices, e.g. "rdma/rdma_shared_device_a" or "nvidia.com/hostdev"'],
    ['an RDMA count without a resource', { nccl: { rdmaResourceCount: 2 } },
      '[vision/trainer] nccl.rdmaResourceCount is set without nccl.rdmaResource: got 2; expected an '
        + 'rdmaResource to count, or no rdmaResourceCount'],
    ['a port range the wrong way round', { nccl: { portRange: '50000-40000' } },
      '[vision/trainer] nccl.portRange: got "50000-40000"; expected two ports "FIRST-LAST", 1024 <= FIRST < '
        + 'LAST <= 65535, e.g. "32768-60999"'],
    ['a port range holding the rendezvous port', { nccl: { portRange: '20000-30000' } },
      '[vision/trainer] nccl.portRange holds the rendezvous port: got "20000-30000"; expected a range '
        + 'without 29500, e.g. "32768-60999"'],
  ])('%s', (_name, input, message) => {
    expect(check(input as Parameters<typeof resolveDistributed>[1]).problems).toEqual([message]);
  });
});
