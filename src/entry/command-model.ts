/**
 * What a service `command` starts, as the parsers of `command.ts` read it: the entry's kinds,
 * its targets (what must exist for the container to start) and the small builders every
 * launcher family's parser shares. Pure: no file system, no data.
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
  /**
   * A file the container runs directly (`./start.sh`): the kernel executes it, so it needs the executable
   * bit.
   */
  readonly executable?: boolean;
  /**
   * The object a launcher loads from this file or module (`Svc` of `service.py:Svc`): it must be
   * named there.
   */
  readonly object?: string;
}

/** A command read into its entry. */
export interface ParsedEntry {
  /** The command as given. */
  readonly command: readonly string[];
  /**
   * The program that starts it (`python`, `uvicorn`, `torchrun`, a console script, `sh`), wrappers (`env`,
   * `exec`, `tini --`) removed.
   */
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
  /**
   * Folders (relative to the working directory, or absolute) the launcher puts on `sys.path` (`--app-dir`,
   * `--chdir`, `--pythonpath`).
   */
  readonly searchRoots: readonly string[];
  /** Why the entry is UNKNOWN, or what is malformed in the command (then the check fails). */
  readonly reason?: string;
  /** Whether the command is malformed (e.g. `uvicorn` without an app, `python -m` without a module). */
  readonly malformed?: boolean;
}

export const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function basename(program: string): string {
  const i = program.lastIndexOf('/');
  return i < 0 ? program : program.slice(i + 1);
}

export interface Launcher {
  /** The launcher as a target: a console script, or the module of `python -m`. */
  readonly target: EntryTarget;
  readonly name: string;
}

export function unknown(
  command: readonly string[], launcher: string, reason: string, extra: readonly EntryTarget[] = [],
): ParsedEntry {
  return {
    command,
    launcher,
    kind: EntryKind.UNKNOWN,
    target: '',
    targets: extra,
    cwdOnPath: true,
    searchRoots: [],
    reason,
  };
}

/** How an entry's module targets are found, and the object the command names in its module. */
export interface EntryPlaces {
  /** The object in the module (`app` of `pkg.mod:app`). */
  readonly attribute?: string;
  /** Whether the working directory is on `sys.path`. Default true. */
  readonly cwdOnPath?: boolean;
  /** Folders the launcher puts on `sys.path`. Default none. */
  readonly searchRoots?: readonly string[];
}

/**
 * An entry a command starts (a module, a script or a program) with everything that must exist, the main
 * target first.
 */
export function started(
  command: readonly string[], launcher: string, kind: EntryKind, target: string,
  targets: readonly EntryTarget[], places: EntryPlaces = {},
): ParsedEntry {
  return {
    command,
    launcher,
    kind,
    target,
    ...('attribute' in places ? { attribute: places.attribute } : {}),
    targets,
    cwdOnPath: places.cwdOnPath ?? true,
    searchRoots: places.searchRoots ?? [],
  };
}

/**
 * A launcher run for something else than starting an entry (`streamlit hello`, `accelerate config`): the
 * launcher is the program.
 */
export function launcherOnly(command: readonly string[], launcher: Launcher): ParsedEntry {
  return started(command, launcher.name, EntryKind.PROGRAM, launcher.name, [launcher.target]);
}

/** A configuration a server reads: `python:pkg.mod` is a module, `file:path` or a bare path a file. */
export function configTarget(config: string, role: string): EntryTarget {
  return config.startsWith('python:') ? moduleTarget(config.slice('python:'.length), role)
    : { kind: TargetKind.FILE, name: config.replace(/^file:/, ''), role };
}

export function malformed(
  command: readonly string[], launcher: string, reason: string, extra: readonly EntryTarget[] = [],
): ParsedEntry {
  return { ...unknown(command, launcher, reason, extra), malformed: true };
}

/** `module:attribute` (gunicorn also `module:factory()`, hypercorn `path/file.py:app`). */
export function splitAppSpec(spec: string): { module: string; attribute?: string } {
  const colon = spec.indexOf(':');
  if (colon < 0) return { module: spec };
  return { module: spec.slice(0, colon), attribute: spec.slice(colon + 1) || undefined };
}

export function moduleTarget(name: string, role: string, extra: Partial<EntryTarget> = {}): EntryTarget {
  return { kind: TargetKind.MODULE, name, role, ...extra };
}

export function badModule(name: string): boolean {
  return !IDENT_PATH.test(name);
}

export type ToolParser = (
  command: readonly string[], args: readonly string[], launcher: Launcher,
) => ParsedEntry;
