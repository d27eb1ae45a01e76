import { EntryTarget, ParsedEntry } from './command';

/** What `checkEntry` is given and what it returns. */

/** The outcome of an entry check. */
export enum EntryStatus {
  /** Every target of the command resolves. */
  FOUND = 'found',
  /** A target resolves nowhere (or the command is malformed): the container would not start. */
  MISSING = 'missing',
  /** The command starts something we cannot see into (`sh -c`, a program we do not know). */
  UNKNOWN = 'unknown',
}

/** Where a target was found. */
export enum EntryOrigin {
  /** A file copied into the image. */
  IMAGE = 'image',
  /** The standard library. */
  STDLIB = 'stdlib',
  /** A module the image provides besides the code (e.g. the runtime helpers on PYTHONPATH). */
  PROVIDED = 'provided',
  /** The project's own package, installed into the venv (`installProject`). */
  INSTALLED_PROJECT = 'installed-project',
  /** A console script of the project's `[project.scripts]` (`installProject`). */
  PROJECT_SCRIPT = 'project-script',
  /** A declared requirement. */
  REQUIREMENT = 'requirement',
  /** The interpreter or shell itself. */
  INTERPRETER = 'interpreter',
}

/** What the check needs to know about one image. */
export interface EntryContext {
  /**
   * Files the image gets: absolute image path -> present (`false`: the project has it, the ignore file drops
   * it). See `imageFileMap`.
   */
  readonly imageFiles: ReadonlyMap<string, boolean>;
  /** The container's working directory (absolute), e.g. `/app`. */
  readonly workdir: string;
  /**
   * The image's `PYTHONPATH` folders (absolute).
   * @default []
   */
  readonly pythonPath?: readonly string[];
  /**
   * Declared requirements (requirement lines or bare names, every tier the image installs).
   * @default []
   */
  readonly requirements?: readonly string[];
  /**
   * Top-level modules the image has besides the code and requirements (e.g. the runtime helpers' package).
   * @default []
   */
  readonly providedModules?: readonly string[];
  /**
   * The `[project.scripts]` of the project's `pyproject.toml` (name -> `module:function`), when
   * `installProject` is on.
   * @default {} (no project scripts)
   */
  readonly projectScripts?: Readonly<Record<string, string>>;
  /**
   * The project files the installed project's wheel is built from (root-relative), when `installProject` is
   * on; its modules are then importable from the venv.
   * @default [] (no installed project)
   */
  readonly installedProjectFiles?: readonly string[];
  /**
   * Folders of `installedProjectFiles` where its packages live (`""` flat layout, `"src"` src layout).
   * @default ["", "src"]
   */
  readonly installedProjectRoots?: readonly string[];
  /**
   * The image's Python as major.minor (`3.11`): an interpreter named by version must be it
   * (`python3.12` on a 3.11 image is not there).
   * @default - any python interpreter name is taken as the image's
   */
  readonly pythonMinor?: string;
}

/** One target's outcome. */
export interface TargetResult {
  readonly target: EntryTarget;
  readonly status: EntryStatus;
  /** Where it was found. */
  readonly origin?: EntryOrigin;
  /** The image path, requirement or script that provides it. */
  readonly location?: string;
  /** Lowercase sentence: what is wrong (MISSING/UNKNOWN). */
  readonly problem?: string;
  /** Lowercase phrase: what would be accepted (MISSING/UNKNOWN). */
  readonly expected?: string;
  /** The nearest existing name ("did you mean ..."). */
  readonly suggestion?: string;
}

/** What the prod stage's build-time check verifies (see `buildCheckFlags`). */
export interface BuildCheckPlan {
  /** The command, for the failure message. */
  readonly command: readonly string[];
  /** Folders put first on `sys.path` as the launcher does (absolute). */
  readonly roots: readonly string[];
  /** Modules that must be found (`needsMain`: a package needs `__main__`). */
  readonly modules: readonly {
    readonly name: string; readonly needsMain: boolean; readonly mayBeAttribute: boolean;
  }[];
  /** Files that must exist (absolute). */
  readonly files: readonly string[];
  /**
   * Files the container runs directly, which must exist and be executable (absolute).
   * @default []
   */
  readonly executables?: readonly string[];
  /** Programs that must be on PATH. */
  readonly programs: readonly string[];
}

/** The outcome of `checkEntry`. */
export interface EntryCheckResult {
  readonly status: EntryStatus;
  readonly entry: ParsedEntry;
  readonly targets: readonly TargetResult[];
  /**
   * The first failing target's (or the command's) problem, a lowercase sentence; for
   * `Problems.add(problem, command, expected)`.
   */
  readonly problem?: string;
  /** What would be accepted, a lowercase phrase ending in the suggestion when there is one. */
  readonly expected?: string;
  /** The nearest match of the first failing target. */
  readonly suggestion?: string;
  /** What the build-time check verifies (FOUND only). */
  readonly buildCheck?: BuildCheckPlan;
}
