import { hasOption, lastValue, OptionSpec, scanOptions } from './argv-scan';
import { isPythonProgram, parseEntry, unwrapCommand } from './command';
import { ACCELERATE, DEEPSPEED, TORCHRUN } from './command-launchers';
import { basename, EntryKind } from './command-model';
import { DistributedSpec, TrainerLauncher } from '../core/distributed-spec';
import { Problems } from '../core/problems';

/**
 * The command a trainer's container runs for its sizes: one process per GPU on each node.
 * A Python module or script is wrapped in `torchrun` (`--standalone` on one node; across nodes
 * the rendezvous comes from the environment the Kubernetes manifests set, `PET_MASTER_ADDR`,
 * `PET_MASTER_PORT` and `PET_NODE_RANK`, which torchrun reads as its own options). A command
 * that already names its launcher (torchrun, accelerate launch, deepspeed) is kept, and its
 * sizes are checked against `nodes` and `gpusPerNode`. Pure: no file system, no data.
 */

/** What starts the processes of a trainer. */
export type LauncherFamily = 'torchrun' | 'accelerate' | 'deepspeed';

/** The command a trainer runs, and what starts its processes. */
export interface LaunchPlan {
  /** The container's command (the user's, or the user's wrapped in torchrun). */
  readonly command: string[];
  /** What starts the processes; `none`: the command is one process (or, as written, starts its own). */
  readonly launcher: LauncherFamily | 'none';
  /** Whether torchrun was added here. */
  readonly wrapped: boolean;
}

/** The sizes the launcher follows. */
export type LaunchSize = Pick<DistributedSpec, 'nodes' | 'gpusPerNode'>;

const FAMILIES: Readonly<Record<string, LauncherFamily>> = {
  'torchrun': 'torchrun',
  'torch.distributed.run': 'torchrun',
  'torch.distributed.launch': 'torchrun',
  'accelerate': 'accelerate',
  'accelerate-launch': 'accelerate',
  'accelerate.commands.launch': 'accelerate',
  'deepspeed': 'deepspeed',
  'deepspeed.launcher.runner': 'deepspeed',
};

const SPECS: Readonly<Record<LauncherFamily, OptionSpec>> = {
  torchrun: TORCHRUN,
  accelerate: ACCELERATE,
  deepspeed: DEEPSPEED,
};

/** Python's own options that take a value (`-W default`, `-X dev`). */
const PYTHON_VALUED = new Set(['W', 'X']);

/** A `python [options] (-m module | script) args...` command, split. */
interface PythonCall {
  readonly options: readonly string[];
  readonly module?: string;
  readonly script?: string;
  readonly args: readonly string[];
}

/**
 * Splits a Python command's arguments (after the interpreter); undefined for `-c`, stdin or
 * an interactive interpreter.
 */
function splitPython(args: readonly string[]): PythonCall | undefined {
  const options: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '--') {
      i += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      const consumed = arg === '--check-hash-based-pycs' ? 2 : 1;
      options.push(...args.slice(i, i + consumed));
      i += consumed;
      continue;
    }
    let consumed = 1;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (c === 'c') return undefined;
      if (c === 'm') {
        const attached = arg.length > j + 1;
        const module = attached ? arg.slice(j + 1) : args[i + 1];
        if (module === undefined || module === '') return undefined;
        if (j > 1) options.push(arg.slice(0, j));
        return { options, module, args: args.slice(attached ? i + 1 : i + 2) };
      }
      if (PYTHON_VALUED.has(c)) {
        if (j === arg.length - 1) consumed = 2;
        break;
      }
    }
    options.push(...args.slice(i, i + consumed));
    i += consumed;
  }
  const script = args[i];
  if (script === undefined || script === '-') return undefined;
  return { options, script, args: args.slice(i + 1) };
}

/** A launcher a command names: its family, its name for messages, its own arguments. */
interface LauncherCall {
  readonly family: LauncherFamily;
  readonly name: string;
  readonly args: readonly string[];
}

/** The launcher a command names and the launcher's own arguments (`accelerate config` and the like: none). */
function launcherCall(rest: readonly string[]): LauncherCall | undefined {
  if (rest.length === 0) return undefined;
  let name = basename(rest[0]);
  let args: readonly string[] = rest.slice(1);
  if (isPythonProgram(rest[0])) {
    const call = splitPython(args);
    if (!call?.module) return undefined;
    name = call.module;
    args = call.args;
  }
  if (name === 'accelerate') {
    if (args[0] !== 'launch') return undefined;
    args = args.slice(1);
  }
  const family = FAMILIES[name];
  return family ? { family, name: name === 'accelerate' ? 'accelerate launch' : name, args } : undefined;
}

/**
 * torchrun's size options for a job of `size`: `--standalone` on one node; across nodes the
 * rendezvous comes from the environment.
 */
export function torchrunSizeArgs(size: LaunchSize): string[] {
  const perNode = `--nproc_per_node=${size.gpusPerNode}`;
  return size.nodes === 1 ? ['--standalone', '--nnodes=1', perNode] : [`--nnodes=${size.nodes}`, perNode];
}

/**
 * The command a trainer runs for its sizes, with every disagreement between the command and
 * the sizes added to `problems` (one error naming both). A job of one process keeps its
 * command; so does a command that names its launcher (checked), and one run
 * `TrainerLauncher.AS_WRITTEN`. torchrun's options are written with underscores
 * (`--nproc_per_node`), the spelling every torchrun reads (the hyphenated aliases came with torch 2).
 */
export function planLaunch(problems: Problems, command: readonly string[], size: LaunchSize,
  launcher: TrainerLauncher = TrainerLauncher.AUTO): LaunchPlan {
  const keep = (family: LaunchPlan['launcher']): LaunchPlan => ({
    command: [...command], launcher: family, wrapped: false,
  });
  const entry = parseEntry(command);
  if (entry.malformed) return keep('none');
  const rest = unwrapCommand(command);
  const call = launcherCall(rest);
  if (call) {
    checkLauncher(problems, call, size);
    return keep(call.family);
  }
  if (size.nodes * size.gpusPerNode === 1 || launcher === TrainerLauncher.AS_WRITTEN) return keep('none');
  const python = isPythonProgram(rest[0]) && entry.kind !== EntryKind.UNKNOWN
    ? splitPython(rest.slice(1)) : undefined;
  if (!python) {
    const sizes = `nodes ${size.nodes}, gpusPerNode ${size.gpusPerNode}`;
    problems.add(`command cannot be started once per gpu by torchrun (${sizes})`, command,
      'a python module or script (python -m pkg.train, python train.py), which torchrun starts once per gpu; '
      + 'a command that names its launcher (torchrun, accelerate launch, deepspeed); '
      + 'or launcher: TrainerLauncher.AS_WRITTEN for a program that starts its own processes '
      + 'from the environment (PET_NNODES, PET_NPROC_PER_NODE, PET_NODE_RANK, PET_MASTER_ADDR, '
      + 'PET_MASTER_PORT)');
    return keep('none');
  }
  const prefix = command.slice(0, command.length - rest.length);
  // torchrun starts its workers with `python -u`: -u alone needs no passing on; any other
  // interpreter option keeps the whole interpreter command, run by torchrun as a program
  const onlyUnbuffered = python.options.every((o) => /^-u+$/.test(o));
  const target = !onlyUnbuffered ? ['--no_python', ...rest]
    : python.module !== undefined ? ['-m', python.module, ...python.args] : [python.script!, ...python.args];
  return {
    command: [...prefix, 'torchrun', ...torchrunSizeArgs(size), ...target],
    launcher: 'torchrun',
    wrapped: true,
  };
}

/** Checks a launcher's own size options against the job's sizes. */
function checkLauncher(problems: Problems, call: LauncherCall, size: LaunchSize): void {
  const scan = scanOptions(call.args, SPECS[call.family]);
  if (call.family === 'torchrun') {
    checkTorchrunSizes(problems, call.name, scan, size);
    if (size.nodes > 1) checkMultiNodeTorchrun(problems, call.name, scan, size.nodes);
  } else if (size.nodes > 1) {
    const why = call.family === 'accelerate'
      ? 'accelerate launch takes each node\'s --machine_rank and --main_process_ip as arguments, '
        + 'which one pod template cannot give every pod; '
        + 'accelerate\'s Accelerator runs under torchrun as it is'
      : 'deepspeed starts the other nodes over ssh from a hostfile, and the pods run no ssh; '
        + 'deepspeed.init_distributed reads torchrun\'s environment';
    problems.add(`nodes is above 1 with ${call.name}`, size.nodes,
      `nodes 1, or a python module or script that torchrun starts (${why})`);
  } else if (call.family === 'accelerate') {
    checkAccelerateSizes(problems, scan, size.gpusPerNode);
  } else {
    checkDeepspeedSizes(problems, scan, size.gpusPerNode);
  }
}

type Scan = ReturnType<typeof scanOptions>;

/** torchrun's `--nproc_per_node` values that mean one process per visible gpu. */
const COUNTS_GPUS = ['gpu', 'auto', 'cuda'];

function checkTorchrunSizes(problems: Problems, name: string, scan: Scan, size: LaunchSize): void {
  const { nodes, gpusPerNode: gpus } = size;
  const perNode = lastValue(scan, '--nproc_per_node');
  const perGpu = `--nproc_per_node ${gpus}, "gpu" or "auto" (one process per gpu)`;
  if (perNode !== undefined && /^[0-9]+$/.test(perNode) && Number(perNode) !== gpus) {
    const n = Number(perNode);
    problems.add(`command starts ${n} processes per node (${name} --nproc_per_node), gpusPerNode is ${gpus}`,
      perNode, `${perGpu}, or gpusPerNode ${n}`);
  } else if (perNode !== undefined && !/^[0-9]+$/.test(perNode) && !COUNTS_GPUS.includes(perNode)) {
    problems.add(`command's ${name} --nproc_per_node does not count gpus, gpusPerNode is ${gpus}`,
      perNode, perGpu);
  }
  const nnodes = lastValue(scan, '--nnodes');
  const m = nnodes === undefined ? undefined : /^([0-9]+)(?::([0-9]+))?$/.exec(nnodes);
  if (nnodes === undefined) return;
  if (!m) {
    problems.add(`command's ${name} --nnodes is not a number of nodes, nodes is ${nodes}`, nnodes,
      `--nnodes ${nodes}`);
  } else if (m[2] !== undefined && m[1] !== m[2]) {
    problems.add(`command's ${name} --nnodes is an elastic range, nodes is ${nodes}`, nnodes,
      `--nnodes ${nodes}: the job runs exactly nodes pods`);
  } else if (Number(m[1]) !== nodes) {
    problems.add(`command runs on ${Number(m[1])} nodes (${name} --nnodes), nodes is ${nodes}`, nnodes,
      `--nnodes ${nodes}, or nodes ${Number(m[1])}`);
  }
}

function checkAccelerateSizes(problems: Problems, scan: Scan, gpus: number): void {
  const processes = lastValue(scan, '--num_processes');
  if (processes !== undefined && processes !== String(gpus)) {
    const what = `command starts ${processes} processes (accelerate launch --num_processes)`;
    problems.add(`${what}, gpusPerNode is ${gpus}`,
      processes, `--num_processes ${gpus}, or gpusPerNode ${processes}`);
  }
  const machines = lastValue(scan, '--num_machines');
  if (machines !== undefined && machines !== '1') {
    problems.add(`command runs on ${machines} machines (accelerate launch --num_machines), nodes is 1`,
      machines,
      '--num_machines 1, or no --num_machines');
  }
  const ids = lastValue(scan, '--gpu_ids');
  const count = ids === undefined ? 0 : ids.split(',').length;
  if (ids !== undefined && ids !== 'all' && count !== gpus) {
    problems.add(`command uses ${count} gpus (accelerate launch --gpu_ids), gpusPerNode is ${gpus}`, ids,
      `${gpus} gpu ids, "all", or gpusPerNode ${count}`);
  }
}

function checkDeepspeedSizes(problems: Problems, scan: Scan, gpus: number): void {
  const perNode = lastValue(scan, '--num_gpus', '--num_accelerators');
  if (perNode !== undefined && perNode !== String(gpus)) {
    const what = `command starts ${perNode} processes per node (deepspeed --num_gpus)`;
    problems.add(`${what}, gpusPerNode is ${gpus}`,
      perNode, `--num_gpus ${gpus}, or gpusPerNode ${perNode}`);
  }
  const numNodes = lastValue(scan, '--num_nodes');
  if (numNodes !== undefined && numNodes !== '1') {
    problems.add(`command runs on ${numNodes} nodes (deepspeed --num_nodes), nodes is 1`, numNodes,
      '--num_nodes 1, or no --num_nodes');
  }
}

/** Across nodes, the rendezvous comes from the environment: options that set it otherwise are refused. */
function checkMultiNodeTorchrun(problems: Problems, name: string, scan: Scan, nodes: number): void {
  if (hasOption(scan, '--standalone')) {
    problems.add(`command's ${name} --standalone runs one node, nodes is ${nodes}`, '--standalone',
      'no --standalone (the pods meet at the first pod\'s rendezvous, from the environment), or nodes 1');
  }
  for (const option of ['--node_rank', '--master_addr', '--master_port', '--rdzv_endpoint']) {
    if (!hasOption(scan, option)) continue;
    problems.add(`command sets torchrun's rendezvous itself (${name} ${option}), nodes is ${nodes}`,
      lastValue(scan, option) ?? option,
      `no ${option}: the manifests give every pod PET_NODE_RANK, PET_MASTER_ADDR and PET_MASTER_PORT, `
      + 'which torchrun reads');
  }
  const backend = lastValue(scan, '--rdzv_backend');
  if (backend !== undefined && !['static', 'c10d'].includes(backend)) {
    problems.add(`command's ${name} --rdzv_backend needs a server the manifests do not run`, backend,
      '"static" or "c10d", or no --rdzv_backend');
  }
}

/**
 * Refuses a trainer of several nodes in a compose stack: compose runs every container on one
 * host. `path` is the trainer's construct path.
 */
export function checkComposeNodes(problems: Problems, path: string, nodes: number): void {
  if (nodes <= 1) return;
  problems.addAt(path, 'nodes is above 1 in a compose stack', nodes,
    '1: compose runs every container on one host; run the job on kubernetes (KubernetesManifests renders '
    + 'a JobSet or a TrainJob), and leave this trainer out of the compose stack (ComposeStack services)');
}
