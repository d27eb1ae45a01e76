import { moduleFile } from './read-code';
import { RepoFacts, appIn } from './repo-facts';

/**
 * What a command is: a server (with its port and app) or a job, and which file of the
 * repository it runs. Pure over the facts.
 */

export interface CommandShape {
  readonly server: boolean;
  /** The repository file the command runs (a script, a module, the app's module). */
  readonly entryFile?: string;
  /** The console script of the project it runs, if any. */
  readonly script?: string;
  /** The port it serves on, and how that is known. */
  readonly port?: number;
  readonly portWhy?: string;
  /**
   * The command with the host set to every interface (a server bound to 127.0.0.1 is unreachable in a
   * container).
   */
  readonly words: string[];
  /** What was added or changed for that, for the comment. */
  readonly changed?: string;
  /** A distributed launcher (torchrun, accelerate, deepspeed, torch.distributed.launch). */
  readonly distributed: boolean;
}

/** Options of the servers that take a value (so the app spec is found among the words). */
const VALUE_OPTIONS = new Set([
  '-b',
  '--bind',
  '-w',
  '--workers',
  '-k',
  '--worker-class',
  '-t',
  '--timeout',
  '--threads',
  '--host',
  '--port',
  '--log-level',
  '--access-logfile',
  '--error-logfile',
  '--log-file',
  '--worker-tmp-dir',
  '--graceful-timeout',
  '--keep-alive',
  '--forwarded-allow-ips',
  '--root-path',
  '--workers-per-core',
  '-c',
  '--config',
  '--chdir',
  '--app-dir',
  '--env-file',
  '--limit-concurrency',
  '--backlog',
]);
const DEFAULT_PORTS: Record<string, number> = {
  gunicorn: 8000,
  uvicorn: 8000,
  hypercorn: 8000,
  flask: 5000,
  streamlit: 8501,
};
const ANY = '0.0.0.0';

function optionValue(
  words: readonly string[],
  names: readonly string[],
): { index: number; value: string } | undefined {
  for (let i = 0; i < words.length; i++) {
    for (const n of names) {
      if (words[i] === n && words[i + 1] !== undefined) return { index: i, value: words[i + 1] };
      if (words[i].startsWith(`${n}=`)) return { index: i, value: words[i].slice(n.length + 1) };
    }
  }
  return undefined;
}

function appSpec(words: readonly string[]): string | undefined {
  for (let i = 1; i < words.length; i++) {
    if (words[i].startsWith('-')) {
      if (VALUE_OPTIONS.has(words[i])) i++;
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_.]*(:[A-Za-z_][A-Za-z0-9_.()]*)?$/.test(words[i])) return words[i];
  }
  return undefined;
}

/** The module of a command's Python target: `python -m a.b`, `python a/b.py`, a launcher's app spec. */
function pythonTarget(
  facts: RepoFacts,
  words: readonly string[],
  under: string,
): { file?: string; module?: string } {
  const m = words.indexOf('-m');
  if (/^python[0-9.]*$/.test(words[0] ?? '') && m > 0 && words[m + 1]) {
    const module = words[m + 1];
    return {
      module,
      file: moduleFile(facts.repo, module, under) ?? moduleFile(facts.repo, `${module}.__main__`, under),
    };
  }
  if (/^python[0-9.]*$/.test(words[0] ?? '')) {
    const file = words.slice(1).find((w) => !w.startsWith('-'));
    const path = file && (under ? `${under}/${file}` : file).replace(/^\.\//, '');
    return { file: path && facts.repo.has(path) ? path : undefined };
  }
  return {};
}

/** The shape of a command run from `under` (the repository folder of the working directory). */
export function commandShape(facts: RepoFacts, input: readonly string[], under = ''): CommandShape {
  // a development server's reloader watches files a container never changes, with a second process
  const reload = input.findIndex(
    (w) => w === '--reload' || (w === '--debug' && /flask/.test(input[0] ?? '')),
  );
  const words = reload > 0 ? [...input.slice(0, reload), ...input.slice(reload + 1)] : [...input];
  const dropped =
    reload > 0
      ? `${input[reload]} dropped (a development server's reloader: the image's code never changes)`
      : undefined;
  const program = (words[0] ?? '').replace(/^.*\//, '');
  const distributed =
    ['torchrun', 'accelerate', 'deepspeed'].includes(program) ||
    (words.includes('-m') &&
      /^torch\.distributed\.(launch|run)$/.test(words[words.indexOf('-m') + 1] ?? ''));
  if (['gunicorn', 'uvicorn', 'hypercorn'].includes(program)) {
    const spec = appSpec(words);
    const module = spec?.split(':')[0];
    const entryFile = module ? moduleFile(facts.repo, module, under) : undefined;
    const bind = optionValue(words, program === 'uvicorn' ? ['--port'] : ['-b', '--bind']);
    const hostOpt = program === 'uvicorn' ? optionValue(words, ['--host']) : undefined;
    let port: number | undefined;
    let portWhy: string | undefined;
    let changed: string | undefined;
    if (program === 'uvicorn') {
      port = bind ? Number(bind.value) : DEFAULT_PORTS.uvicorn;
      portWhy = bind ? `its --port ${bind.value}` : "uvicorn's default port";
      if (!hostOpt) {
        words.push('--host', ANY);
        changed =
          'added --host 0.0.0.0 (uvicorn binds 127.0.0.1 unless told, unreachable from outside the '
            + 'container)';
      } else if (hostOpt.value !== ANY) {
        words[hostOpt.index + 1] = ANY;
        changed = `--host ${hostOpt.value} changed to 0.0.0.0 (unreachable from outside the container)`;
      }
    } else {
      const m = bind ? /^(?:([^:]*):)?(\d+)$/.exec(bind.value) : undefined;
      port = m ? Number(m[2]) : DEFAULT_PORTS[program];
      portWhy = m ? `its --bind ${bind!.value}` : `${program}'s default port`;
      if (!bind) {
        words.splice(1, 0, '--bind', `${ANY}:${port}`);
        changed = `added --bind 0.0.0.0:${port} (${program} binds 127.0.0.1 unless told)`;
      } else if (m && m[1] !== undefined && m[1] !== ANY && m[1] !== '') {
        words[bind.index + 1] = `${ANY}:${m[2]}`;
        changed = `--bind ${bind.value} changed to 0.0.0.0:${m[2]} (unreachable from outside the container)`;
      }
    }
    return {
      server: true,
      entryFile,
      port,
      portWhy,
      words,
      changed: [dropped, changed].filter(Boolean).join('; ') || undefined,
      distributed: false,
    };
  }
  if (program === 'streamlit') {
    const port = optionValue(words, ['--server.port']);
    return {
      server: true,
      entryFile: words[2],
      port: port ? Number(port.value) : DEFAULT_PORTS.streamlit,
      portWhy: port ? 'its --server.port' : "streamlit's default port",
      words,
      distributed: false,
    };
  }
  const scripts = facts.pyproject?.scripts ?? {};
  const script = Object.prototype.hasOwnProperty.call(scripts, program) ? program : undefined;
  let entryFile: string | undefined;
  if (script) {
    entryFile = moduleFile(facts.repo, scripts[script].target.split(':')[0]);
  } else {
    const pyIndex = distributed ? words.findIndex((w) => /\.py$/.test(w)) : -1;
    const path =
      pyIndex >= 0
        ? (under ? `${under}/${words[pyIndex]}` : words[pyIndex]).replace(/^\.\//, '')
        : undefined;
    entryFile =
      path !== undefined
        ? facts.repo.has(path)
          ? path
          : undefined
        : pythonTarget(facts, words, under).file;
  }
  const app = entryFile ? appIn(facts, entryFile) : undefined;
  const portOpt = optionValue(words, ['--port', '-p']);
  const defaults = entryFile ? facts.code.optionDefaults.get(entryFile) : undefined;
  const server = app !== undefined && !distributed;
  let port = portOpt && /^\d+$/.test(portOpt.value) ? Number(portOpt.value) : undefined;
  let portWhy = port !== undefined ? `its --port ${port}` : undefined;
  if (server && port === undefined && defaults?.['--port'] && /^\d+$/.test(defaults['--port'])) {
    port = Number(defaults['--port']);
    portWhy = `the default of --port in ${entryFile}`;
  }
  let changed: string | undefined;
  if (server && defaults?.['--host'] !== undefined && defaults['--host'] !== ANY) {
    const host = optionValue(words, ['--host']);
    if (!host) {
      words.push('--host', ANY);
      changed = `added --host 0.0.0.0 (${entryFile} binds ${defaults['--host']} unless told, unreachable `
        + 'from outside the container)';
    } else if (host.value !== ANY) {
      words[host.index + 1] = ANY;
      changed = `--host ${host.value} changed to 0.0.0.0 (unreachable from outside the container)`;
    }
  }
  return {
    server,
    entryFile,
    script,
    port,
    portWhy,
    words,
    changed: [dropped, changed].filter(Boolean).join('; ') || undefined,
    distributed,
  };
}
