import { collect, lastValue, OptionSpec, scanOptions } from './argv-scan';
import {
  badModule, EntryKind, EntryPlaces, EntryTarget, IDENT_PATH, Launcher, launcherOnly, malformed, moduleTarget,
  ParsedEntry, started, TargetKind, ToolParser,
} from './command-model';

/**
 * Launchers that load an app from a file or a `file:object`/`module:object` spec: the FastAPI
 * CLI, BentoML, Gradio's reload mode, Flask's CLI and Panel. The file (or module) must be in the
 * image, and the object, where the syntax names one, must be named in it.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A file target, with the object the launcher loads from it when one is named. */
function fileTarget(path: string, role: string, object?: string): EntryTarget {
  return { kind: TargetKind.FILE, name: path, role, ...object !== undefined ? { object } : {} };
}

function placesOf(object: string | undefined): EntryPlaces {
  return object === undefined ? {} : { attribute: object };
}

function bad(command: readonly string[], launcher: Launcher, reason: string): ParsedEntry {
  return malformed(command, launcher.name, reason, [launcher.target]);
}

/** `path.py:object`, `pkg.mod:object` (a call such as `create_app()` names its function). */
function appSpec(spec: string): { path: string; object?: string; isFile: boolean } {
  const colon = spec.lastIndexOf(':');
  const path = colon < 0 ? spec : spec.slice(0, colon);
  const object = colon < 0 ? undefined : spec.slice(colon + 1).replace(/\(.*\)$/, '');
  const isFile = path.endsWith('.py') || path.includes('/');
  return { path, object: object === '' ? undefined : object, isFile };
}

/** An app spec's entry: a file or a module, its object checked for grammar. */
function appEntry(
  command: readonly string[], launcher: Launcher, spec: string, role: string, what: string,
): ParsedEntry {
  const { path, object, isFile } = appSpec(spec);
  if (object !== undefined && !IDENT.test(object)) {
    return bad(command, launcher, `${what} "${spec}" names no python object after ":"`);
  }
  if (isFile) {
    const targets = [fileTarget(path, role, object), launcher.target];
    return started(command, launcher.name, EntryKind.SCRIPT, path, targets, placesOf(object));
  }
  if (badModule(path)) return bad(command, launcher, `${what} "${spec}" is neither a .py file nor a module path`);
  const target = moduleTarget(path, role, object === undefined ? {} : { object });
  return started(command, launcher.name, EntryKind.MODULE, path, [target, launcher.target], placesOf(object));
}

/** An entry of one file, with the object an option names (checked for grammar). */
function fileEntry(
  command: readonly string[], launcher: Launcher, path: string, role: string, object: string | undefined,
  option: string,
): ParsedEntry {
  if (object !== undefined && !IDENT.test(object)) {
    return bad(command, launcher, `${launcher.name}'s ${option} "${object}" is not a python name`);
  }
  const targets = [fileTarget(path, role, object), launcher.target];
  return started(command, launcher.name, EntryKind.SCRIPT, path, targets, placesOf(object));
}

const FASTAPI: OptionSpec = {
  valued: ['--host', '--port', '--app', '--entrypoint', '-e', '--root-path', '--workers',
    '--forwarded-allow-ips'],
  flags: ['--reload', '--no-reload', '--proxy-headers', '--no-proxy-headers', '--help'],
  unknownTakesValue: false,
};

/** `fastapi run|dev [path] [--app name]` or `--entrypoint module:app`; without either FastAPI searches. */
export const parseFastapi: ToolParser = (command, args, launcher) => {
  if (args[0] !== 'run' && args[0] !== 'dev') return launcherOnly(command, launcher);
  const { scan, positionals } = collect(args.slice(1), FASTAPI);
  const entrypoint = lastValue(scan, '--entrypoint', '-e');
  if (entrypoint !== undefined) {
    return appEntry(command, launcher, entrypoint, 'the fastapi app module', 'fastapi\'s entrypoint');
  }
  const path = positionals[0];
  if (path === undefined) return launcherOnly(command, launcher);
  return fileEntry(command, launcher, path, 'the fastapi app file', lastValue(scan, '--app'), '--app');
};

const BENTOML: OptionSpec = {
  flags: ['--reload', '--development', '--production', '--help'],
  unknownTakesValue: true,
};

/** `bentoml serve service.py:Svc` or `service:Svc`; a bento tag or a folder is BentoML's own to find. */
export const parseBentoml: ToolParser = (command, args, launcher) => {
  if (args[0] !== 'serve' && args[0] !== 'serve-http') return launcherOnly(command, launcher);
  const target = collect(args.slice(1), BENTOML).positionals[0];
  if (target === undefined || target === '.') return launcherOnly(command, launcher);
  const { path, object, isFile } = appSpec(target);
  // a bento tag is name:version in lowercase letters, digits, "_", "-" and "." (BentoML's tag rule), so
  // only a spec with a capital (module:Class) is surely a service; a lowercase one is left to BentoML
  const service = object !== undefined && IDENT_PATH.test(path) && IDENT.test(object) && /[A-Z]/.test(target);
  if (!isFile && !service) return launcherOnly(command, launcher);
  return appEntry(command, launcher, target, 'the bentoml service', 'bentoml\'s service');
};

/** `gradio app.py [--demo-name demo]` (its reload mode). */
export const parseGradio: ToolParser = (command, args, launcher) => {
  const { scan, positionals } = collect(args, { valued: ['--demo-name', '--watch-dirs'], unknownTakesValue: false });
  const script = positionals[0];
  if (script === undefined || !script.endsWith('.py')) return launcherOnly(command, launcher);
  return fileEntry(command, launcher, script, 'the gradio app file', lastValue(scan, '--demo-name'), '--demo-name');
};

/**
 * `flask --app module:app run` (also `path/file.py`, `module:create_app()`); without --app,
 * FLASK_APP decides.
 */
export const parseFlask: ToolParser = (command, args, launcher) => {
  const scan = scanOptions(args, { valued: ['--app', '-A', '--env-file', '-e'], unknownTakesValue: false });
  const app = lastValue(scan, '--app', '-A');
  if (app === undefined) return launcherOnly(command, launcher);
  return appEntry(command, launcher, app, 'the flask app', 'flask\'s --app');
};

const PANEL: OptionSpec = {
  flags: ['--show', '--dev', '--autoreload', '--warm', '--admin', '--oauth-optional', '--help',
    '--rest-session-info', '--reuse-sessions', '--global-loading-spinner', '--liveness', '--setup', '--profiler'],
  unknownTakesValue: true,
};

/** `panel serve app.py [more.py ...]`: every app file must be in the image. */
export const parsePanel: ToolParser = (command, args, launcher) => {
  if (args[0] !== 'serve') return launcherOnly(command, launcher);
  const files = collect(args.slice(1), PANEL).positionals.filter((p) => /\.(py|ipynb|md)$/.test(p));
  if (files.length === 0) return bad(command, launcher, 'panel serve names no app file');
  return started(command, launcher.name, EntryKind.SCRIPT, files[0],
    [...files.map((f) => fileTarget(f, 'the panel app file')), launcher.target]);
};
