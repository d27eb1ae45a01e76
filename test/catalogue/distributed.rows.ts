/**
 * Bad settings of a trainer across GPUs and nodes, each row with its whole message: the sizes,
 * the runtime, the Kueue queue, NCCL's options, the launcher and the commands it refuses for
 * the sizes (test/support/distributed-refusals.ts), compose with several nodes, and the
 * manifests' GPU count against `gpusPerNode`.
 */
import { Build, Row, stack, trainer } from './support';
import { GpuTrainer, KubernetesManifests } from '../../src';
import { LAUNCH_REFUSALS } from '../support/distributed-refusals';

const TRAIN = ['python', '-m', 'trainer.train'];

/** A row that holds the whole message: `[path] what: got X; expected Y`. */
function exact(name: string, build: Build, message: string): Row {
  const m = /^\[([^\]]+)\] (.*?: got .*?); expected (.*)$/s.exec(message);
  if (!m) throw new Error(`not a catalogue message: ${message}`);
  return { name, build, path: m[1], got: m[2], expected: m[3] };
}

const T = '[vision/trainer]';

export const rows: Row[] = [
  exact('distributed: nodes of 0', trainer({ nodes: 0, gpusPerNode: 1 }),
    `${T} nodes: got 0; expected an integer from 1 to 1000`),
  exact('distributed: nodes as a string (plain JavaScript)', trainer({ nodes: '2' }),
    `${T} nodes has the wrong type: got "2"; expected a number`),
  exact('distributed: gpusPerNode of 1.5', trainer({ gpusPerNode: 1.5 }),
    `${T} gpusPerNode: got 1.5; expected an integer from 1 to 64`),
  exact('distributed: gpusPerNode against gpuCount', trainer({ gpusPerNode: 8, gpuCount: 4 }),
    `${T} gpusPerNode disagrees with the gpus of gpuCount: got {"gpusPerNode":8,"gpus":4}; `
      + 'expected one number: gpusPerNode alone (it is the gpu count of each node)'),
  exact('distributed: gpusPerNode against gpuDeviceIds',
    trainer({ gpusPerNode: 4, gpuDeviceIds: ['0', '1'] }),
    `${T} gpusPerNode disagrees with the gpus of gpuDeviceIds: got {"gpusPerNode":4,"gpus":2}; `
      + 'expected one number: gpusPerNode alone (it is the gpu count of each node)'),
  exact('distributed: several nodes without a gpu count', trainer({ nodes: 2 }),
    `${T} nodes is above 1 without a number of gpus per node: got 2; expected gpusPerNode (or `
      + 'gpuCount): a pod asks for a number of gpus, and torchrun starts one process per gpu'),
  exact('distributed: an unknown runtime (plain JavaScript)',
    trainer({ nodes: 2, gpusPerNode: 8, distributedRuntime: 'mpi' }),
    `${T} distributedRuntime: got "mpi"; expected one of: "jobset", "kubeflow-trainer"`),
  exact('distributed: a kueue queue name with an uppercase letter', trainer({ kueueQueueName: 'Team-A' }),
    `${T} kueueQueueName: got "Team-A"; expected the name of a kueue LocalQueue: lowercase `
      + 'letters, digits and "-", starting and ending with a letter or digit, at most 63 characters'),
  exact('distributed: shared memory below nccl\'s floor', trainer({ gpusPerNode: 2, shmSize: '512m' }),
    `${T} shmSize is below nccl's floor for a job of several processes: got "512m"; `
      + 'expected at least "1g": nccl passes data between the processes of a node through /dev/shm'),
  exact('distributed: an unknown nccl log level (plain JavaScript)',
    trainer({ gpusPerNode: 2, nccl: { debug: 'LOUD' } }),
    `${T} nccl.debug: got "LOUD"; expected one of: "VERSION", "WARN", "INFO", "TRACE"`),
  exact('distributed: a misspelled nccl option', trainer({ gpusPerNode: 2, nccl: { debg: 'INFO' } }),
    `${T} unknown property "nccl.debg": got "INFO"; expected did you mean "debug"? known: debug, `
      + 'socketInterface, rdmaResource, rdmaResourceCount, portRange'),
  exact('distributed: an nccl interface name with a space',
    trainer({ gpusPerNode: 2, nccl: { socketInterface: 'eth 0' } }),
    `${T} nccl.socketInterface: got "eth 0"; expected interface names in nccl's syntax: `
      + '"eth0", a prefix list "eth,en", "^docker,lo" to exclude or "=eth0" for an exact name'),
  exact('distributed: the gpu resource as the rdma resource',
    trainer({ gpusPerNode: 2, nccl: { rdmaResource: 'nvidia.com/gpu' } }),
    `${T} nccl.rdmaResource: got "nvidia.com/gpu"; expected the extended resource a device `
      + 'plugin advertises for rdma devices, e.g. "rdma/rdma_shared_device_a" or "nvidia.com/hostdev"'),
  exact('distributed: an rdma count without a resource',
    trainer({ gpusPerNode: 2, nccl: { rdmaResourceCount: 2 } }),
    `${T} nccl.rdmaResourceCount is set without nccl.rdmaResource: got 2; expected an `
      + 'rdmaResource to count, or no rdmaResourceCount'),
  exact('distributed: an rdma count of 0',
    trainer({ gpusPerNode: 2, nccl: { rdmaResource: 'rdma/hca', rdmaResourceCount: 0 } }),
    `${T} nccl.rdmaResourceCount: got 0; expected an integer from 1 to 64`),
  exact('distributed: an nccl port range the wrong way round',
    trainer({ gpusPerNode: 2, nccl: { portRange: '50000-40000' } }),
    `${T} nccl.portRange: got "50000-40000"; expected two ports "FIRST-LAST", 1024 <= FIRST < `
      + 'LAST <= 65535, e.g. "32768-60999"'),
  exact('distributed: an nccl port range holding the rendezvous port',
    trainer({ gpusPerNode: 2, nccl: { portRange: '20000-30000' } }),
    `${T} nccl.portRange holds the rendezvous port: got "20000-30000"; expected a range `
      + 'without 29500, e.g. "32768-60999"'),
  exact('distributed: an unknown launcher (plain JavaScript)', trainer({ gpusPerNode: 2, launcher: 'mpi' }),
    `${T} launcher: got "mpi"; expected one of: "auto", "as-written" (TrainerLauncher.AUTO, AS_WRITTEN)`),
  exact('distributed: the environment sets a variable of the launcher',
    trainer({ gpusPerNode: 2, environment: { NCCL_DEBUG: 'INFO' } }),
    `${T} environment.NCCL_DEBUG is set by the launcher of a distributed trainer: got "NCCL_DEBUG"; `
      + 'expected a name of your own: the launcher and the manifests set the sizes, the rendezvous and '
      + 'NCCL\'s settings from nodes, gpusPerNode and nccl'),
  exact('distributed: several nodes in a compose stack', stack({}, trainer({ nodes: 2, gpusPerNode: 8 })),
    `${T} nodes is above 1 in a compose stack: got 2; expected 1: compose runs every container `
      + 'on one host; run the job on kubernetes (KubernetesManifests renders a JobSet or a TrainJob), and '
      + 'leave this trainer out of the compose stack (ComposeStack services)'),
  exact('distributed: the manifests\' gpu count against gpusPerNode', (p) => {
    const t = new GpuTrainer(p, 'trainer', {
      torchVersion: '2.5.1', command: TRAIN, nodes: 2, gpusPerNode: 8,
    });
    new KubernetesManifests(p, 'k8s').configureService(t, { gpuCount: 4 });
  }, '[vision/k8s] configureService(trainer) gpuCount disagrees with the trainer\'s gpusPerNode: got 4; '
    + 'expected 8 (gpusPerNode), or no gpuCount: each pod of a distributed trainer asks for its '
    + 'gpusPerNode, and torchrun starts one process per gpu'),
  // the commands the launcher refuses for the sizes, the same rows its unit test checks
  ...LAUNCH_REFUSALS.map((r) => exact(`distributed command: ${r.name}`,
    trainer({ command: r.command, nodes: r.nodes, gpusPerNode: r.gpusPerNode }), r.message)),
];


