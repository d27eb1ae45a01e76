import { collect, hasOption, lastValue, OptionSpec, optionKey, scanOptions } from './argv-scan';
import { badModule, EntryKind, Launcher, launcherOnly, malformed, moduleTarget, ParsedEntry, splitAppSpec, started, TargetKind, unknown } from './command-model';

/**
 * The launchers that are not web servers: celery (task queues), streamlit (apps), and the
 * distributed training launchers torchrun, accelerate launch and deepspeed.
 */

export function parseCelery(
  command: readonly string[], args: readonly string[], launcher: Launcher,
): ParsedEntry {
  const { scan } = collect(args, {
    valued: ['-A', '--app', '-b', '--broker', '--result-backend', '--loader', '--config', '--workdir',
      '-l', '--loglevel', '-c', '--concurrency', '-Q', '--queues', '-n', '--hostname', '-P', '--pool', '--logfile', '--pidfile',
      '-s', '--schedule', '-S', '--scheduler'],
    flags: ['-E', '-q', '--quiet', '--no-color', '-C', '-B', '--beat', '--detach',
      '--without-gossip', '--without-mingle', '--without-heartbeat', '--task-events', '--help', '--version'],
    unknownTakesValue: false,
  });
  const app = lastValue(scan, '-A', '--app');
  if (!app) return unknown(command, launcher.name, 'celery names no application (-A/--app); it may come from the environment (CELERY_APP)', [launcher.target]);
  const { module, attribute } = splitAppSpec(app);
  if (badModule(module)) return malformed(command, launcher.name, `celery's application "${app}" is not a module path`, [launcher.target]);
  const workdir = lastValue(scan, '--workdir');
  // celery -A pkg.app: "app" may be an attribute of pkg (celery tries the module first)
  const appTarget = moduleTarget(module, 'the celery application', attribute === undefined && module.includes('.') ? { mayBeAttribute: true } : {});
  return started(command, launcher.name, EntryKind.MODULE, module, [appTarget, launcher.target],
    { attribute, cwdOnPath: workdir === undefined, searchRoots: workdir ? [workdir] : [] });
}

export function parseStreamlit(
  command: readonly string[], args: readonly string[], launcher: Launcher,
): ParsedEntry {
  const global = scanOptions(args, { unknownTakesValue: true });
  const sub = args[global.positional];
  if (sub !== 'run') return launcherOnly(command, launcher);
  const { positionals } = collect(args.slice(global.positional + 1), { flags: ['--help'], unknownTakesValue: true });
  const script = positionals[0];
  if (script === undefined) return malformed(command, launcher.name, 'streamlit run names no script', [launcher.target]);
  if (/^[a-z]+:\/\//.test(script)) return unknown(command, launcher.name, 'streamlit runs a script from a URL', [launcher.target]);
  return started(command, launcher.name, EntryKind.SCRIPT, script, [{ kind: TargetKind.FILE, name: script, role: 'the streamlit script' }, launcher.target]);
}

export const TORCHRUN: OptionSpec = {
  valued: ['--nnodes', '--nproc_per_node', '--rdzv_backend', '--rdzv_endpoint', '--rdzv_id', '--rdzv_conf', '--max_restarts',
    '--monitor_interval', '--start_method', '--role', '--master_addr', '--master_port', '--node_rank', '--local_addr', '--log_dir',
    '-r', '--redirects', '-t', '--tee', '--local_ranks_filter', '--logs_specs', '--event_log_handler', '--numa_binding', '--signals_to_handle'],
  flags: ['--standalone', '-m', '--module', '--no_python', '--run_path', '--use_env', '--virtual_local_rank', '--help'],
  unknownTakesValue: true,
  dashUnderscore: true,
  scriptGuard: true,
};

export const ACCELERATE: OptionSpec = {
  valued: ['--config_file', '--num_processes', '--num_machines', '--machine_rank', '--main_process_ip', '--main_process_port',
    '--mixed_precision', '--gpu_ids', '--dynamo_backend', '--dynamo_mode', '--main_training_function', '--rdzv_backend',
    '--deepspeed_config_file', '--zero_stage', '--gradient_accumulation_steps', '--fsdp_sharding_strategy', '--num_cpu_threads_per_process',
    '--deepspeed_multinode_launcher', '--deepspeed_hostfile', '--monitor_interval', '--max_restarts', '--rdzv_conf'],
  flags: ['--cpu', '--multi_gpu', '--tpu', '--ipex', '--use_xpu', '--use_deepspeed', '--use_fsdp', '--use_megatron_lm', '-q', '--quiet',
    '--debug', '--no_python', '-m', '--module', '--tpu_use_cluster', '--tpu_use_sudo', '--downcast_bf16', '--dynamo_use_fullgraph',
    '--dynamo_use_dynamic', '--dynamo_use_regional_compilation', '--enable_cpu_affinity', '--same_network', '--help'],
  unknownTakesValue: true,
  dashUnderscore: true,
  scriptGuard: true,
};

export const DEEPSPEED: OptionSpec = {
  valued: ['-H', '--hostfile', '-i', '--include', '-e', '--exclude', '--num_nodes', '--min_elastic_nodes', '--max_elastic_nodes',
    '--num_gpus', '--num_accelerators', '--master_port', '--master_addr', '--node_rank', '--launcher', '--launcher_args',
    '--autotuning', '--enable_each_rank_log', '--bind_core_list', '--ssh_port', '--venv_script', '--comment', '--account'],
  flags: ['--module', '--no_python', '--no_local_rank', '--no_ssh', '--no_ssh_check', '--force_multi', '--save_pid',
    '--elastic_training', '--bind_cores_to_rank', '--help'],
  unknownTakesValue: true,
  dashUnderscore: true,
  scriptGuard: true,
};

export function parseLauncher(
  command: readonly string[], args: readonly string[], launcher: Launcher, spec: OptionSpec,
  moduleFlags: readonly string[],
): ParsedEntry {
  const scan = scanOptions(args, spec);
  const positional = args[scan.positional];
  const asModule = hasOption(scan, ...moduleFlags.map((f) => optionKey(f, spec)));
  if (positional === undefined) return malformed(command, launcher.name, `${launcher.name} names no training script or module`, [launcher.target]);
  if (hasOption(scan, '--no_python')) {
    const program = { kind: TargetKind.PROGRAM, name: positional, role: `the program ${launcher.name} runs` };
    return started(command, launcher.name, EntryKind.PROGRAM, positional, [program, launcher.target]);
  }
  if (asModule) {
    if (badModule(positional)) return malformed(command, launcher.name, `${launcher.name}'s module "${positional}" is not a module name`, [launcher.target]);
    return started(command, launcher.name, EntryKind.MODULE, positional,
      [moduleTarget(positional, 'the training module', { needsMain: true }), launcher.target]);
  }
  return started(command, launcher.name, EntryKind.SCRIPT, positional,
    [{ kind: TargetKind.FILE, name: positional, role: 'the training script' }, launcher.target]);
}
