/**
 * Reads a service `command` (exec form) into its entry: what Python module, script file or
 * console script must exist for the container to start. Pure: no file system, no data.
 */

/** What a command starts. */
export enum EntryKind {
  /** A module: `python -m pkg.mod`, `uvicorn pkg.mod:app`, `celery -A pkg worker`, `torchrun -m pkg`. */
  MODULE = 'module',
  /** A file: `python path.py`, `streamlit run app.py`, `torchrun train.py`, `sh run.sh`. */
  SCRIPT = 'script',
  /** A console script on PATH: `litgpt finetune ...`, `mlflow server ...`. */
  PROGRAM = 'program',
  /** Something we cannot see into: `sh -c "..."`, `python -c "..."`, an interactive interpreter. */
  UNKNOWN = 'unknown',
}

/** What one thing the command needs is. */
export enum TargetKind {
  /** A Python module that must be importable. */
  MODULE = 'module',
  /** A file that must be in the image (a path as written, relative to the working directory or absolute). */
  FILE = 'file',
  /** A program that must be on PATH (a console script), or the interpreter. */
  PROGRAM = 'program',
}

/** One thing that must exist for the command to start. */
export interface EntryTarget {
  readonly kind: TargetKind;
  /** A dotted module name, a path as written in the command, or a program name. */
  readonly name: string;
  /** What it is for, in words: `the app module`, `the launcher`, `the worker class`. */
  readonly role: string;
  /** `python -m pkg` of a package needs `pkg/__main__.py`. */
  readonly needsMain?: boolean;
  /** `celery -A pkg.app`: the name may be an attribute of its parent module. */
  readonly mayBeAttribute?: boolean;
  /** The interpreter itself (always present). */
  readonly interpreter?: boolean;
}

/** A command read into its entry. */
export interface ParsedEntry {
  /** The command as given. */
  readonly command: readonly string[];
  /** The program that starts it (`python`, `uvicorn`, `torchrun`, a console script, `sh`), wrappers (`env`, `exec`, `tini --`) removed. */
  readonly launcher: string;
  readonly kind: EntryKind;
  /** The main target's name (module, path or program); empty for UNKNOWN. */
  readonly target: string;
  /** The object in the module (`app` of `pkg.mod:app`), when the command names one. */
  readonly attribute?: string;
  /** Everything that must exist, the main target first. */
  readonly targets: readonly EntryTarget[];
  /** Whether the working directory is on `sys.path` when module targets are imported. */
  readonly cwdOnPath: boolean;
  /** Folders (relative to the working directory, or absolute) the launcher puts on `sys.path` (`--app-dir`, `--chdir`, `--pythonpath`). */
  readonly searchRoots: readonly string[];
  /** Why the entry is UNKNOWN, or what is malformed in the command (then the check fails). */
  readonly reason?: string;
  /** Whether the command is malformed (e.g. `uvicorn` without an app, `python -m` without a module). */
  readonly malformed?: boolean;
}

const PYTHON = /^python(\d+(\.\d+)?)?$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);
const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function basename(program: string): string {
  const i = program.lastIndexOf('/');
  return i < 0 ? program : program.slice(i + 1);
}

interface OptionSpec {
  /** Options that take a value (names as written, e.g. `--port`, `-b`). */
  readonly valued?: readonly string[];
  /** Options that take none. */
  readonly flags?: readonly string[];
  /** Whether an option in neither list takes a value. */
  readonly unknownTakesValue: boolean;
  /** Compare long names with `-` and `_` as one (`--nproc-per-node` = `--nproc_per_node`). */
  readonly dashUnderscore?: boolean;
  /** A value ending in `.py` after an unknown option is the script, the option a flag. */
  readonly scriptGuard?: boolean;
}

interface ScannedOption {
  readonly name: string;
  readonly value?: string;
}

interface Scan {
  readonly options: ScannedOption[];
  /** Index (in the args) of the first positional, or args.length. */
  readonly positional: number;
}

function optionKey(name: string, spec: OptionSpec): string {
  return spec.dashUnderscore && name.startsWith('--') ? `--${name.slice(2).replace(/-/g, '_')}` : name;
}

/** Reads options up to the first positional (or `--`, whose next argument is the positional). */
function scanOptions(args: readonly string[], spec: OptionSpec, start = 0): Scan {
  const valued = new Set((spec.valued ?? []).map((n) => optionKey(n, spec)));
  const flags = new Set((spec.flags ?? []).map((n) => optionKey(n, spec)));
  const options: ScannedOption[] = [];
  let i = start;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '--') return { options, positional: i + 1 };
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      options.push({ name: optionKey(arg.slice(0, eq), spec), value: arg.slice(eq + 1) });
      i += 1;
      continue;
    }
    if (!arg.startsWith('--') && arg.length > 2) {
      // a short option with its value attached: -w4, -Aproj
      const name = arg.slice(0, 2);
      if (valued.has(name) || (!flags.has(name) && spec.unknownTakesValue)) {
        options.push({ name, value: arg.slice(2) });
        i += 1;
        continue;
      }
    }
    const name = optionKey(arg, spec);
    const takesValue = valued.has(name) || (!flags.has(name) && spec.unknownTakesValue);
    const next = args[i + 1];
    if (takesValue && next !== undefined) {
      if (spec.scriptGuard && !valued.has(name) && next.endsWith('.py')) {
        options.push({ name });
        i += 1;
      } else {
        options.push({ name, value: next });
        i += 2;
      }
    } else {
      options.push({ name });
      i += 1;
    }
  }
  return { options, positional: i };
}

function lastValue(scan: Scan, ...names: string[]): string | undefined {
  let value: string | undefined;
  for (const option of scan.options) if (names.includes(option.name)) value = option.value;
  return value;
}

function hasOption(scan: Scan, ...names: string[]): boolean {
  return scan.options.some((o) => names.includes(o.name));
}

interface Launcher {
  /** The launcher as a target: a console script, or the module of `python -m`. */
  readonly target: EntryTarget;
  readonly name: string;
}

function unknown(command: readonly string[], launcher: string, reason: string, extra: readonly EntryTarget[] = []): ParsedEntry {
  return { command, launcher, kind: EntryKind.UNKNOWN, target: '', targets: extra, cwdOnPath: true, searchRoots: [], reason };
}

function malformed(command: readonly string[], launcher: string, reason: string, extra: readonly EntryTarget[] = []): ParsedEntry {
  return { ...unknown(command, launcher, reason, extra), malformed: true };
}

/** `module:attribute` (gunicorn also `module:factory()`, hypercorn `path/file.py:app`). */
function splitAppSpec(spec: string): { module: string; attribute?: string } {
  const colon = spec.indexOf(':');
  if (colon < 0) return { module: spec };
  return { module: spec.slice(0, colon), attribute: spec.slice(colon + 1) || undefined };
}

function moduleTarget(name: string, role: string, extra: Partial<EntryTarget> = {}): EntryTarget {
  return { kind: TargetKind.MODULE, name, role, ...extra };
}

function badModule(name: string): boolean {
  return !IDENT_PATH.test(name);
}

// ---------------------------------------------------------------- ASGI/WSGI servers

const UVICORN: OptionSpec = {
  valued: ['--host', '--port', '--uds', '--fd', '--loop', '--http', '--ws', '--ws-max-size', '--ws-max-queue', '--ws-ping-interval',
    '--ws-ping-timeout', '--ws-per-message-deflate', '--lifespan', '--interface', '--env-file', '--log-config', '--log-level',
    '--root-path', '--limit-concurrency', '--limit-max-requests', '--backlog', '--timeout-keep-alive', '--timeout-graceful-shutdown',
    '--timeout-worker-healthcheck', '--ssl-keyfile', '--ssl-certfile', '--ssl-keyfile-password', '--ssl-version', '--ssl-cert-reqs',
    '--ssl-ca-certs', '--ssl-ciphers', '--header', '--forwarded-allow-ips', '--app-dir', '--reload-dir', '--reload-include',
    '--reload-exclude', '--reload-delay', '--workers', '--h11-max-incomplete-event-size'],
  flags: ['--reload', '--access-log', '--no-access-log', '--use-colors', '--no-use-colors', '--proxy-headers', '--no-proxy-headers',
    '--server-header', '--no-server-header', '--date-header', '--no-date-header', '--factory', '--version', '--help'],
  unknownTakesValue: false,
};

function collect(args: readonly string[], spec: OptionSpec): { scan: Scan; positionals: string[] } {
  const options: ScannedOption[] = [];
  const positionals: string[] = [];
  let i = 0;
  while (i < args.length) {
    if (args[i] === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (args[i].startsWith('-') && args[i] !== '-') {
      const more = scanOptions(args, spec, i);
      options.push(...more.options);
      if (more.positional === i) i += 1;
      else i = more.positional;
      if (args[more.positional - 1] === '--') {
        positionals.push(...args.slice(more.positional));
        break;
      }
    } else {
      positionals.push(args[i]);
      i += 1;
    }
  }
  return { scan: { options, positional: 0 }, positionals };
}

function parseUvicorn(command: readonly string[], args: readonly string[], launcher: Launcher): ParsedEntry {
  const { scan, positionals } = collect(args, UVICORN);
  const appDir = lastValue(scan, '--app-dir');
  const app = positionals[0];
  if (app === undefined) return malformed(command, launcher.name, 'uvicorn names no application (expected "module:attribute")', [launcher.target]);
  const { module, attribute } = splitAppSpec(app);
  if (attribute === undefined || badModule(module)) {
    return malformed(command, launcher.name, `uvicorn's application "${app}" is not in the form "module:attribute"`, [launcher.target]);
  }
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.MODULE,
    target: module,
    attribute,
    targets: [moduleTarget(module, 'the app module'), launcher.target],
    cwdOnPath: true,
    searchRoots: appDir ? [appDir] : [],
  };
}

const GUNICORN: OptionSpec = {
  valued: ['-c', '--config', '-b', '--bind', '--backlog', '-w', '--workers', '-k', '--worker-class', '--threads', '--worker-connections',
    '--max-requests', '--max-requests-jitter', '-t', '--timeout', '--graceful-timeout', '--keep-alive', '--limit-request-line',
    '--limit-request-fields', '--limit-request-field_size', '--chdir', '--pythonpath', '--paste', '-p', '--pid', '--worker-tmp-dir',
    '-u', '--user', '-g', '--group', '-m', '--umask', '-e', '--env', '--access-logfile', '--access-logformat', '--error-logfile',
    '--log-file', '--log-level', '--logger-class', '--log-config', '--log-config-json', '--log-syslog-to', '--log-syslog-prefix',
    '--log-syslog-facility', '--statsd-host', '--statsd-prefix', '--dogstatsd-tags', '-n', '--name', '--proxy-protocol',
    '--proxy-allow-from', '--forwarded-allow-ips', '--keyfile', '--certfile', '--ssl-version', '--cert-reqs', '--ca-certs',
    '--ciphers', '--reload-engine', '--reload-extra-file', '--raw-env', '--header-map'],
  flags: ['--reload', '--spew', '--check-config', '--print-config', '--preload', '--no-sendfile', '--reuse-port', '-D', '--daemon',
    '--initgroups', '--capture-output', '-R', '--enable-stdio-inheritance', '--log-syslog', '--disable-redirect-access-to-syslog',
    '--do-handshake-on-connect', '--suppress-ragged-eofs', '--strip-header-spaces', '--permit-obsolete-folding',
    '--permit-unconventional-http-method', '--permit-unconventional-http-version', '--casefold-http-method', '-v', '--version', '-h', '--help'],
  unknownTakesValue: true,
};

/** Gunicorn's worker classes named without a module (`-k gevent`). */
const GUNICORN_SHORT_WORKERS = new Set(['sync', 'eventlet', 'gevent', 'tornado', 'gthread']);

function parseGunicorn(command: readonly string[], args: readonly string[], launcher: Launcher): ParsedEntry {
  const { scan, positionals } = collect(args, GUNICORN);
  const targets: EntryTarget[] = [];
  const roots: string[] = [];
  const chdir = lastValue(scan, '--chdir');
  if (chdir) roots.push(chdir);
  for (const option of scan.options) {
    if (option.name === '--pythonpath' && option.value) roots.push(...option.value.split(',').map((p) => p.trim()).filter((p) => p));
  }
  const worker = lastValue(scan, '-k', '--worker-class');
  if (worker && !GUNICORN_SHORT_WORKERS.has(worker) && !worker.startsWith('egg:')) {
    const dot = worker.lastIndexOf('.');
    if (dot > 0 && !badModule(worker.slice(0, dot))) targets.push(moduleTarget(worker.slice(0, dot), `the module of the worker class ${worker}`));
  }
  const config = lastValue(scan, '-c', '--config');
  if (config?.startsWith('python:')) targets.push(moduleTarget(config.slice('python:'.length), 'the gunicorn configuration'));
  else if (config) targets.push({ kind: TargetKind.FILE, name: config.replace(/^file:/, ''), role: 'the gunicorn configuration' });
  if (hasOption(scan, '--paste')) return unknown(command, launcher.name, 'gunicorn loads a PasteDeploy application (--paste)', [launcher.target, ...targets]);
  const app = positionals[0];
  if (app === undefined) {
    if (config) return unknown(command, launcher.name, 'gunicorn takes the application from its configuration file (wsgi_app)', [launcher.target, ...targets]);
    return malformed(command, launcher.name, 'gunicorn names no application (expected "module:variable")', [launcher.target, ...targets]);
  }
  const { module, attribute } = splitAppSpec(app);
  if (badModule(module)) return malformed(command, launcher.name, `gunicorn's application "${app}" is not in the form "module:variable"`, [launcher.target, ...targets]);
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.MODULE,
    target: module,
    attribute: attribute ?? 'application',
    targets: [moduleTarget(module, 'the app module'), launcher.target, ...targets],
    // gunicorn puts its --chdir (default: the working directory) first on sys.path
    cwdOnPath: chdir === undefined,
    searchRoots: roots,
  };
}

const HYPERCORN: OptionSpec = {
  valued: ['-b', '--bind', '-w', '--workers', '-k', '--worker-class', '-c', '--config', '--root-path', '--access-logfile',
    '--access-log-format', '--error-logfile', '--log-file', '--log-config', '--log-level', '--keep-alive', '--graceful-timeout',
    '--read-timeout', '--backlog', '--ca-certs', '--certfile', '--keyfile', '--keyfile-password', '--ciphers', '--insecure-bind',
    '--quic-bind', '-m', '--umask', '-p', '--pid', '--statsd-host', '--statsd-prefix', '-u', '--user', '-g', '--group',
    '--server-name', '--max-requests', '--max-requests-jitter', '--websocket-ping-interval'],
  flags: ['--debug', '--reload', '--verbose', '--help', '--version'],
  unknownTakesValue: true,
};

function parseHypercorn(command: readonly string[], args: readonly string[], launcher: Launcher): ParsedEntry {
  const { scan, positionals } = collect(args, HYPERCORN);
  const targets: EntryTarget[] = [];
  const config = lastValue(scan, '-c', '--config');
  if (config?.startsWith('python:')) targets.push(moduleTarget(config.slice('python:'.length), 'the hypercorn configuration'));
  else if (config) targets.push({ kind: TargetKind.FILE, name: config.replace(/^file:/, ''), role: 'the hypercorn configuration' });
  const app = positionals[0];
  if (app === undefined) return malformed(command, launcher.name, 'hypercorn names no application (expected "module:app")', [launcher.target, ...targets]);
  const { module, attribute } = splitAppSpec(app);
  if (module.includes('/') || module.endsWith('.py')) {
    // hypercorn imports a path: its folder goes on sys.path, the file's stem is the module
    const slash = module.lastIndexOf('/');
    const dir = slash < 0 ? '' : module.slice(0, slash);
    const stem = basename(module).replace(/\.py$/, '');
    return {
      command,
      launcher: launcher.name,
      kind: EntryKind.MODULE,
      target: stem,
      attribute: attribute ?? 'app',
      targets: [moduleTarget(stem, 'the app module'), launcher.target, ...targets],
      cwdOnPath: dir === '',
      searchRoots: dir ? [dir] : [],
    };
  }
  if (badModule(module)) return malformed(command, launcher.name, `hypercorn's application "${app}" is not in the form "module:app"`, [launcher.target, ...targets]);
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.MODULE,
    target: module,
    attribute: attribute ?? 'app',
    targets: [moduleTarget(module, 'the app module'), launcher.target, ...targets],
    cwdOnPath: true,
    searchRoots: [],
  };
}

// ---------------------------------------------------------------- task queues and apps

function parseCelery(command: readonly string[], args: readonly string[], launcher: Launcher): ParsedEntry {
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
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.MODULE,
    target: module,
    attribute,
    // celery -A pkg.app: "app" may be an attribute of pkg (celery tries the module first)
    targets: [moduleTarget(module, 'the celery application', attribute === undefined && module.includes('.') ? { mayBeAttribute: true } : {}), launcher.target],
    cwdOnPath: workdir === undefined,
    searchRoots: workdir ? [workdir] : [],
  };
}

function parseStreamlit(command: readonly string[], args: readonly string[], launcher: Launcher): ParsedEntry {
  const global = scanOptions(args, { unknownTakesValue: true });
  const sub = args[global.positional];
  if (sub !== 'run') return { command, launcher: launcher.name, kind: EntryKind.PROGRAM, target: launcher.name, targets: [launcher.target], cwdOnPath: true, searchRoots: [] };
  const { positionals } = collect(args.slice(global.positional + 1), { flags: ['--help'], unknownTakesValue: true });
  const script = positionals[0];
  if (script === undefined) return malformed(command, launcher.name, 'streamlit run names no script', [launcher.target]);
  if (/^[a-z]+:\/\//.test(script)) return unknown(command, launcher.name, 'streamlit runs a script from a URL', [launcher.target]);
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.SCRIPT,
    target: script,
    targets: [{ kind: TargetKind.FILE, name: script, role: 'the streamlit script' }, launcher.target],
    cwdOnPath: true,
    searchRoots: [],
  };
}

// ---------------------------------------------------------------- distributed launchers

const TORCHRUN: OptionSpec = {
  valued: ['--nnodes', '--nproc_per_node', '--rdzv_backend', '--rdzv_endpoint', '--rdzv_id', '--rdzv_conf', '--max_restarts',
    '--monitor_interval', '--start_method', '--role', '--master_addr', '--master_port', '--node_rank', '--local_addr', '--log_dir',
    '-r', '--redirects', '-t', '--tee', '--local_ranks_filter', '--logs_specs', '--event_log_handler', '--numa_binding', '--signals_to_handle'],
  flags: ['--standalone', '-m', '--module', '--no_python', '--run_path', '--use_env', '--virtual_local_rank', '--help'],
  unknownTakesValue: true,
  dashUnderscore: true,
  scriptGuard: true,
};

const ACCELERATE: OptionSpec = {
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

const DEEPSPEED: OptionSpec = {
  valued: ['-H', '--hostfile', '-i', '--include', '-e', '--exclude', '--num_nodes', '--min_elastic_nodes', '--max_elastic_nodes',
    '--num_gpus', '--num_accelerators', '--master_port', '--master_addr', '--node_rank', '--launcher', '--launcher_args',
    '--autotuning', '--enable_each_rank_log', '--bind_core_list', '--ssh_port', '--venv_script', '--comment', '--account'],
  flags: ['--module', '--no_python', '--no_local_rank', '--no_ssh', '--no_ssh_check', '--force_multi', '--save_pid',
    '--elastic_training', '--bind_cores_to_rank', '--help'],
  unknownTakesValue: true,
  dashUnderscore: true,
  scriptGuard: true,
};

function parseLauncher(
  command: readonly string[], args: readonly string[], launcher: Launcher, spec: OptionSpec, moduleFlags: readonly string[],
): ParsedEntry {
  const scan = scanOptions(args, spec);
  const positional = args[scan.positional];
  const asModule = hasOption(scan, ...moduleFlags.map((f) => optionKey(f, spec)));
  if (positional === undefined) return malformed(command, launcher.name, `${launcher.name} names no training script or module`, [launcher.target]);
  if (hasOption(scan, '--no_python')) {
    return {
      command,
      launcher: launcher.name,
      kind: EntryKind.PROGRAM,
      target: positional,
      targets: [{ kind: TargetKind.PROGRAM, name: positional, role: `the program ${launcher.name} runs` }, launcher.target],
      cwdOnPath: true,
      searchRoots: [],
    };
  }
  if (asModule) {
    if (badModule(positional)) return malformed(command, launcher.name, `${launcher.name}'s module "${positional}" is not a module name`, [launcher.target]);
    return {
      command,
      launcher: launcher.name,
      kind: EntryKind.MODULE,
      target: positional,
      targets: [moduleTarget(positional, 'the training module', { needsMain: true }), launcher.target],
      cwdOnPath: true,
      searchRoots: [],
    };
  }
  return {
    command,
    launcher: launcher.name,
    kind: EntryKind.SCRIPT,
    target: positional,
    targets: [{ kind: TargetKind.FILE, name: positional, role: 'the training script' }, launcher.target],
    cwdOnPath: true,
    searchRoots: [],
  };
}

// ---------------------------------------------------------------- dispatch

type ToolParser = (command: readonly string[], args: readonly string[], launcher: Launcher) => ParsedEntry;

const TORCHRUN_PARSER: ToolParser = (c, a, l) => parseLauncher(c, a, l, TORCHRUN, ['-m', '--module']);
const ACCELERATE_LAUNCH: ToolParser = (c, a, l) => parseLauncher(c, a, l, ACCELERATE, ['-m', '--module']);

/** Console scripts we read into. */
const TOOLS: Readonly<Record<string, ToolParser>> = {
  'uvicorn': parseUvicorn,
  'gunicorn': parseGunicorn,
  'hypercorn': parseHypercorn,
  'celery': parseCelery,
  'streamlit': parseStreamlit,
  'torchrun': TORCHRUN_PARSER,
  'accelerate-launch': ACCELERATE_LAUNCH,
  'accelerate': (c, a, l) => (a[0] === 'launch' ? ACCELERATE_LAUNCH(c, a.slice(1), l)
    : { command: c, launcher: l.name, kind: EntryKind.PROGRAM, target: l.name, targets: [l.target], cwdOnPath: true, searchRoots: [] }),
  'deepspeed': (c, a, l) => parseLauncher(c, a, l, DEEPSPEED, ['--module']),
};

/** Modules `python -m X` runs as the same tools. */
const TOOL_MODULES: Readonly<Record<string, ToolParser>> = {
  'uvicorn': parseUvicorn,
  'gunicorn': parseGunicorn,
  'hypercorn': parseHypercorn,
  'celery': parseCelery,
  'streamlit': parseStreamlit,
  'torch.distributed.run': TORCHRUN_PARSER,
  'torch.distributed.launch': (c, a, l) => parseLauncher(c, a, l, TORCHRUN, ['-m', '--module']),
  'accelerate.commands.launch': ACCELERATE_LAUNCH,
  'deepspeed.launcher.runner': (c, a, l) => parseLauncher(c, a, l, DEEPSPEED, ['--module']),
};

/** Python's own options that take a value (`-W default`, `-X dev`); `-c` and `-m` end the options. */
const PYTHON_VALUED = new Set(['W', 'X']);

function parsePython(command: readonly string[], program: string, args: readonly string[]): ParsedEntry {
  const interpreter: EntryTarget = { kind: TargetKind.PROGRAM, name: program, role: 'the interpreter', interpreter: true };
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '-') return unknown(command, program, 'python reads the program from standard input', [interpreter]);
    if (arg === '--') {
      i += 1;
      break;
    }
    if (arg.startsWith('--')) {
      if (arg === '--check-hash-based-pycs') i += 2;
      else if (arg === '--version' || arg === '--help' || arg.startsWith('--help-')) return unknown(command, program, `python ${arg} starts no program`, [interpreter]);
      else i += 1;
      continue;
    }
    if (!arg.startsWith('-')) break;
    let consumed = 1;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (c === 'c') return unknown(command, program, 'python runs inline code (-c)', [interpreter]);
      if (c === 'm') {
        const module = arg.length > j + 1 ? arg.slice(j + 1) : args[i + 1];
        const rest = args.slice(arg.length > j + 1 ? i + 1 : i + 2);
        if (module === undefined || module === '') return malformed(command, program, 'python -m names no module', [interpreter]);
        const tool = TOOL_MODULES[module];
        const launcherTarget = moduleTarget(module, 'the launcher', { needsMain: true });
        if (tool) return tool(command, rest, { name: module, target: launcherTarget });
        if (badModule(module)) return malformed(command, program, `python -m "${module}" is not a module name`, [interpreter]);
        return {
          command,
          launcher: program,
          kind: EntryKind.MODULE,
          target: module,
          targets: [moduleTarget(module, 'the main module', { needsMain: true }), interpreter],
          cwdOnPath: true,
          searchRoots: [],
        };
      }
      if (PYTHON_VALUED.has(c)) {
        if (j === arg.length - 1) consumed = 2;
        break;
      }
      if (c === 'h' || c === 'V' || c === '?') return unknown(command, program, `python -${c} starts no program`, [interpreter]);
    }
    i += consumed;
  }
  const script = args[i];
  if (script === undefined) return unknown(command, program, 'python starts an interactive interpreter (no script, no -m)', [interpreter]);
  return {
    command,
    launcher: program,
    kind: EntryKind.SCRIPT,
    target: script,
    targets: [{ kind: TargetKind.FILE, name: script, role: 'the script' }, interpreter],
    // sys.path[0] is the script's folder, not the working directory
    cwdOnPath: false,
    searchRoots: [],
  };
}

/** Removes `env [-i] [-u NAME] [NAME=VALUE...]`, `exec`, `tini [--]`, `dumb-init [--]` in front of the real program. */
function unwrap(args: readonly string[]): readonly string[] {
  let rest = args;
  for (;;) {
    const head = rest[0] === undefined ? '' : basename(rest[0]);
    if (head === 'exec') {
      rest = rest.slice(1);
    } else if (head === 'env') {
      let i = 1;
      while (i < rest.length) {
        if (rest[i] === '-u' || rest[i] === '--unset') {i += 2;} else if (rest[i] === '--') { i += 1; break; } else if (rest[i].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[i])) {i += 1;} else {break;}
      }
      rest = rest.slice(i);
    } else if (head === 'tini' || head === 'dumb-init') {
      let i = 1;
      while (i < rest.length && rest[i].startsWith('-') && rest[i] !== '--') i += 1;
      if (rest[i] === '--') i += 1;
      rest = rest.slice(i);
    } else {
      return rest;
    }
  }
}

/**
 * Reads an exec-form `command` into its entry. Never throws: an empty or non-string command
 * is malformed, a shell string or inline code is UNKNOWN.
 */
export function parseEntry(command: readonly string[]): ParsedEntry {
  if (!Array.isArray(command) || command.some((part) => typeof part !== 'string')) {
    return malformed([], '', 'the command is not a list of strings');
  }
  const args = unwrap(command);
  if (args.length === 0 || args[0] === '') return malformed(command, '', 'the command names no program');
  const program = args[0];
  const name = basename(program);
  const rest = args.slice(1);
  if (PYTHON.test(name)) return parsePython(command, program, rest);
  if (SHELLS.has(name)) {
    const shell: EntryTarget = { kind: TargetKind.PROGRAM, name: program, role: 'the shell', interpreter: true };
    const scan = scanOptions(rest, { valued: ['-o', '+o'], unknownTakesValue: false });
    if (scan.options.some((o) => /^-[a-z]*c/.test(o.name))) return unknown(command, name, `${name} -c runs a shell command string`, [shell]);
    const script = rest[scan.positional];
    if (script === undefined) return unknown(command, name, `${name} starts an interactive shell`, [shell]);
    return {
      command,
      launcher: name,
      kind: EntryKind.SCRIPT,
      target: script,
      targets: [{ kind: TargetKind.FILE, name: script, role: 'the shell script' }, shell],
      cwdOnPath: false,
      searchRoots: [],
    };
  }
  const tool = TOOLS[name];
  const launcher: Launcher = { name, target: { kind: TargetKind.PROGRAM, name: program, role: 'the launcher' } };
  if (tool) return tool(command, rest, launcher);
  if (program.includes('/')) {
    // a path: a file shipped with the code (./run.sh, /app/bin/serve) or a program of the image (/usr/bin/x)
    return {
      command,
      launcher: name,
      kind: EntryKind.SCRIPT,
      target: program,
      targets: [{ kind: TargetKind.FILE, name: program, role: 'the program' }],
      cwdOnPath: false,
      searchRoots: [],
    };
  }
  return {
    command,
    launcher: name,
    kind: EntryKind.PROGRAM,
    target: name,
    targets: [{ kind: TargetKind.PROGRAM, name, role: 'the console script' }],
    cwdOnPath: true,
    searchRoots: [],
  };
}
