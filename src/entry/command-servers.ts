import { collect, lastValue, hasOption, OptionSpec } from './argv-scan';
import { badModule, basename, configTarget, EntryKind, EntryTarget, Launcher, malformed, moduleTarget, ParsedEntry, splitAppSpec, started, unknown } from './command-model';

/** The ASGI/WSGI servers a command starts an app with: uvicorn, gunicorn, hypercorn. */

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

export function parseUvicorn(
  command: readonly string[], args: readonly string[], launcher: Launcher,
): ParsedEntry {
  const { scan, positionals } = collect(args, UVICORN);
  const appDir = lastValue(scan, '--app-dir');
  const app = positionals[0];
  if (app === undefined) return malformed(command, launcher.name, 'uvicorn names no application (expected "module:attribute")', [launcher.target]);
  const { module, attribute } = splitAppSpec(app);
  if (attribute === undefined || badModule(module)) {
    return malformed(command, launcher.name, `uvicorn's application "${app}" is not in the form "module:attribute"`, [launcher.target]);
  }
  return started(command, launcher.name, EntryKind.MODULE, module, [moduleTarget(module, 'the app module'), launcher.target],
    { attribute, searchRoots: appDir ? [appDir] : [] });
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

export function parseGunicorn(
  command: readonly string[], args: readonly string[], launcher: Launcher,
): ParsedEntry {
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
  if (config) targets.push(configTarget(config, 'the gunicorn configuration'));
  if (hasOption(scan, '--paste')) return unknown(command, launcher.name, 'gunicorn loads a PasteDeploy application (--paste)', [launcher.target, ...targets]);
  const app = positionals[0];
  if (app === undefined) {
    if (config) return unknown(command, launcher.name, 'gunicorn takes the application from its configuration file (wsgi_app)', [launcher.target, ...targets]);
    return malformed(command, launcher.name, 'gunicorn names no application (expected "module:variable")', [launcher.target, ...targets]);
  }
  const { module, attribute } = splitAppSpec(app);
  if (badModule(module)) return malformed(command, launcher.name, `gunicorn's application "${app}" is not in the form "module:variable"`, [launcher.target, ...targets]);
  // gunicorn puts its --chdir (default: the working directory) first on sys.path
  return started(command, launcher.name, EntryKind.MODULE, module, [moduleTarget(module, 'the app module'), launcher.target, ...targets],
    { attribute: attribute ?? 'application', cwdOnPath: chdir === undefined, searchRoots: roots });
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

export function parseHypercorn(
  command: readonly string[], args: readonly string[], launcher: Launcher,
): ParsedEntry {
  const { scan, positionals } = collect(args, HYPERCORN);
  const targets: EntryTarget[] = [];
  const config = lastValue(scan, '-c', '--config');
  if (config) targets.push(configTarget(config, 'the hypercorn configuration'));
  const app = positionals[0];
  if (app === undefined) return malformed(command, launcher.name, 'hypercorn names no application (expected "module:app")', [launcher.target, ...targets]);
  const { module, attribute } = splitAppSpec(app);
  if (module.includes('/') || module.endsWith('.py')) {
    // hypercorn imports a path: its folder goes on sys.path, the file's stem is the module
    const slash = module.lastIndexOf('/');
    const dir = slash < 0 ? '' : module.slice(0, slash);
    const stem = basename(module).replace(/\.py$/, '');
    return started(command, launcher.name, EntryKind.MODULE, stem, [moduleTarget(stem, 'the app module'), launcher.target, ...targets],
      { attribute: attribute ?? 'app', cwdOnPath: dir === '', searchRoots: dir ? [dir] : [] });
  }
  if (badModule(module)) return malformed(command, launcher.name, `hypercorn's application "${app}" is not in the form "module:app"`, [launcher.target, ...targets]);
  return started(command, launcher.name, EntryKind.MODULE, module, [moduleTarget(module, 'the app module'), launcher.target, ...targets],
    { attribute: attribute ?? 'app' });
}
