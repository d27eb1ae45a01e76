/**
 * Commands a distributed trainer refuses for its sizes, each with its whole message (the
 * trainer's path is `vision/trainer`). The launcher's unit test checks each byte for byte;
 * test/catalogue/distributed.rows.ts reads the same rows as bad-input catalogue rows, each a
 * `GpuTrainer` with that command, `nodes` and `gpusPerNode`.
 */
export interface LaunchRefusal {
  readonly name: string;
  readonly command: string[];
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly message: string;
}

const PATH = '[vision/trainer]';

export const LAUNCH_REFUSALS: readonly LaunchRefusal[] = [
  {
    name: 'torchrun starting fewer processes per node than gpusPerNode',
    command: ['torchrun', '--nproc_per_node', '4', '-m', 'trainer.train'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command starts 4 processes per node (torchrun --nproc_per_node), gpusPerNode is 8: got `
      + '"4"; '
      + 'expected --nproc_per_node 8, "gpu" or "auto" (one process per gpu), or gpusPerNode 4',
  },
  {
    name: 'torchrun with the hyphenated option and an attached value',
    command: ['torchrun', '--nproc-per-node=2', 'train.py'],
    nodes: 2,
    gpusPerNode: 8,
    message: `${PATH} command starts 2 processes per node (torchrun --nproc_per_node), gpusPerNode is 8: got `
      + '"2"; '
      + 'expected --nproc_per_node 8, "gpu" or "auto" (one process per gpu), or gpusPerNode 2',
  },
  {
    name: 'torchrun starting one process per cpu core',
    command: ['torchrun', '--nproc_per_node=cpu', '-m', 'trainer.train'],
    nodes: 1,
    gpusPerNode: 2,
    message: `${PATH} command's torchrun --nproc_per_node does not count gpus, gpusPerNode is 2: got "cpu"; `
      + 'expected --nproc_per_node 2, "gpu" or "auto" (one process per gpu)',
  },
  {
    name: 'torchrun on fewer nodes than nodes',
    command: ['python', '-m', 'torch.distributed.run', '--nnodes=2', '--nproc_per_node=8', '-m',
      'trainer.train'],
    nodes: 4,
    gpusPerNode: 8,
    message: `${PATH} command runs on 2 nodes (torch.distributed.run --nnodes), nodes is 4: got "2"; `
      + 'expected --nnodes 4, or nodes 2',
  },
  {
    name: 'torchrun with an elastic range of nodes',
    command: ['torchrun', '--nnodes=1:4', '--nproc_per_node=gpu', '-m', 'trainer.train'],
    nodes: 4,
    gpusPerNode: 8,
    message: `${PATH} command's torchrun --nnodes is an elastic range, nodes is 4: got "1:4"; expected `
      + '--nnodes 4: the job runs exactly nodes pods',
  },
  {
    name: 'torchrun --standalone on several nodes',
    command: ['torchrun', '--standalone', '--nproc_per_node=8', '-m', 'trainer.train'],
    nodes: 2,
    gpusPerNode: 8,
    message: `${PATH} command's torchrun --standalone runs one node, nodes is 2: got "--standalone"; `
      + 'expected no --standalone (the pods meet at the first pod\'s rendezvous, from the environment), or '
      + 'nodes 1',
  },
  {
    name: 'torchrun naming its own master address on several nodes',
    command: ['torchrun', '--nnodes=2', '--nproc_per_node=8', '--master_addr=10.0.0.1', '-m',
      'trainer.train'],
    nodes: 2,
    gpusPerNode: 8,
    message: `${PATH} command sets torchrun's rendezvous itself (torchrun --master_addr), nodes is 2: got `
      + '"10.0.0.1"; '
      + 'expected no --master_addr: the manifests give every pod PET_NODE_RANK, PET_MASTER_ADDR and '
      + 'PET_MASTER_PORT, which torchrun reads',
  },
  {
    name: 'torchrun with a fixed node rank on several nodes',
    command: ['torchrun', '--nnodes', '2', '--node-rank', '0', 'train.py'],
    nodes: 2,
    gpusPerNode: 1,
    message: `${PATH} command sets torchrun's rendezvous itself (torchrun --node_rank), nodes is 2: got "0"; `
      + 'expected no --node_rank: the manifests give every pod PET_NODE_RANK, PET_MASTER_ADDR and '
      + 'PET_MASTER_PORT, which torchrun reads',
  },
  {
    name: 'torchrun with an etcd rendezvous on several nodes',
    command: ['torchrun', '--rdzv_backend=etcd', '-m', 'trainer.train'],
    nodes: 2,
    gpusPerNode: 8,
    message: `${PATH} command's torchrun --rdzv_backend needs a server the manifests do not run: got "etcd"; `
      + 'expected "static" or "c10d", or no --rdzv_backend',
  },
  {
    name: 'accelerate launch starting fewer processes than gpusPerNode',
    command: ['accelerate', 'launch', '--multi_gpu', '--num_processes', '2', 'train.py'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command starts 2 processes (accelerate launch --num_processes), gpusPerNode is 8: got `
      + '"2"; '
      + 'expected --num_processes 8, or gpusPerNode 2',
  },
  {
    name: 'accelerate launch on two machines with nodes 1',
    command: ['accelerate', 'launch', '--num_machines=2', '--num_processes=8', 'train.py'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command runs on 2 machines (accelerate launch --num_machines), nodes is 1: got "2"; `
      + 'expected --num_machines 1, or no --num_machines',
  },
  {
    name: 'accelerate launch with fewer gpu ids than gpusPerNode',
    command: ['accelerate', 'launch', '--gpu_ids', '0,1', '-m', 'trainer.train'],
    nodes: 1,
    gpusPerNode: 4,
    message: `${PATH} command uses 2 gpus (accelerate launch --gpu_ids), gpusPerNode is 4: got "0,1"; `
      + 'expected 4 gpu ids, "all", or gpusPerNode 2',
  },
  {
    name: 'accelerate launch on several nodes',
    command: ['accelerate', 'launch', '--num_machines', '2', 'train.py'],
    nodes: 2,
    gpusPerNode: 8,
    message: `${PATH} nodes is above 1 with accelerate launch: got 2; expected nodes 1, or a python module `
      + 'or script that torchrun '
      + 'starts (accelerate launch takes each node\'s --machine_rank and --main_process_ip as arguments, '
      + 'which one pod template '
      + 'cannot give every pod; accelerate\'s Accelerator runs under torchrun as it is)',
  },
  {
    name: 'deepspeed starting fewer processes than gpusPerNode',
    command: ['deepspeed', '--num_gpus', '4', 'train.py', '--deepspeed', 'ds.json'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command starts 4 processes per node (deepspeed --num_gpus), gpusPerNode is 8: got "4"; `
      + 'expected --num_gpus 8, or gpusPerNode 4',
  },
  {
    name: 'deepspeed on two nodes with nodes 1',
    command: ['deepspeed', '--num_nodes=2', '--num_gpus=8', 'train.py'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command runs on 2 nodes (deepspeed --num_nodes), nodes is 1: got "2"; expected `
      + '--num_nodes 1, or no --num_nodes',
  },
  {
    name: 'deepspeed on several nodes',
    command: ['deepspeed', '--num_gpus=8', 'train.py'],
    nodes: 4,
    gpusPerNode: 8,
    message: `${PATH} nodes is above 1 with deepspeed: got 4; expected nodes 1, or a python module or script `
      + 'that torchrun starts '
      + '(deepspeed starts the other nodes over ssh from a hostfile, and the pods run no ssh; '
      + 'deepspeed.init_distributed reads '
      + 'torchrun\'s environment)',
  },
  {
    name: 'a shell command string on several gpus',
    command: ['sh', '-c', 'python -m trainer.train'],
    nodes: 1,
    gpusPerNode: 8,
    message: `${PATH} command cannot be started once per gpu by torchrun (nodes 1, gpusPerNode 8): got `
      + '["sh","-c","python -m trainer.train"]; '
      + 'expected a python module or script (python -m pkg.train, python train.py), which torchrun starts '
      + 'once per gpu; a command '
      + 'that names its launcher (torchrun, accelerate launch, deepspeed); or launcher: '
      + 'TrainerLauncher.AS_WRITTEN for a program '
      + 'that starts its own processes from the environment (PET_NNODES, PET_NPROC_PER_NODE, PET_NODE_RANK, '
      + 'PET_MASTER_ADDR, PET_MASTER_PORT)',
  },
  {
    name: 'a console script on several nodes',
    command: ['litgpt', 'finetune', 'microsoft/phi-2'],
    nodes: 2,
    gpusPerNode: 1,
    message: `${PATH} command cannot be started once per gpu by torchrun (nodes 2, gpusPerNode 1): got `
      + '["litgpt","finetune","microsoft/phi-2"]; '
      + 'expected a python module or script (python -m pkg.train, python train.py), which torchrun starts '
      + 'once per gpu; a command '
      + 'that names its launcher (torchrun, accelerate launch, deepspeed); or launcher: '
      + 'TrainerLauncher.AS_WRITTEN for a program '
      + 'that starts its own processes from the environment (PET_NNODES, PET_NPROC_PER_NODE, PET_NODE_RANK, '
      + 'PET_MASTER_ADDR, PET_MASTER_PORT)',
  },
];
