import * as z from 'zod/mini';
import { Schema } from '../core/problems';
import { RequirementTier } from '../core/requirements';

/** The kind of a lock file, for `PyprojectDependenciesOptions.lockFileKind`. */
export enum LockFileKind {
  /** `uv.lock`, written by `uv lock`. */
  UV = 'uv',
  /** `poetry.lock`, written by `poetry lock` (lock-version 2.x). */
  POETRY = 'poetry',
  /** PEP 751 `pylock.toml` (or `pylock.<name>.toml`), lock-version 1.x. */
  PYLOCK = 'pylock',
  /**
   * A pip requirement file where every requirement is pinned with `==` and carries
   * `--hash=sha256:` options, as `pip-compile --generate-hashes` and `uv pip compile
   * --generate-hashes` write it.
   */
  PIP_COMPILE = 'pip-compile',
}

/** Pip requirement files per tier, for `Dependencies.fromRequirementsFiles`. */
export interface RequirementsFilesOptions {
  /**
   * Requirement files of the heavy ML tier (installed first, its own cached layer), paths
   * relative to the project root, e.g. `['requirements/ml.txt']`.
   * @default - none
   */
  readonly ml?: string[];
  /**
   * Requirement files of the application tier, e.g. `['requirements.txt']`.
   * @default - none
   */
  readonly core?: string[];
  /**
   * Requirement files of the development tier (only in the `dev` and `test` targets),
   * e.g. `['requirements-dev.txt']`.
   * @default - none
   */
  readonly dev?: string[];
  /**
   * Turns each requirement that is not pinned to one exact version into an error instead of
   * a warning. Files whose requirements all carry `--hash` options are locks and are always
   * exact.
   * @default false
   */
  readonly strictPins?: boolean;
  /**
   * Accepts direct references (`name @ https://...`, `name @ git+https://...`) instead of
   * refusing them. Each is installed from its URL, not from the index, and reported as one
   * warning; with a lock, only archives with a sha256 hash are accepted (pip cannot
   * hash-check a VCS checkout).
   * @default false
   */
  readonly allowDirectReferences?: boolean;
}

/** Where the dependencies of a pyproject.toml go, for `Dependencies.fromPyproject`. */
export interface PyprojectDependenciesOptions {
  /**
   * The pyproject.toml, relative to the project root.
   * @default 'pyproject.toml'
   */
  readonly path?: string;
  /**
   * The lock file, relative to the project root. Without it, a `uv.lock`, `poetry.lock` or
   * `pylock.toml` beside the pyproject.toml is used when exactly one of them exists; with
   * none, the declared ranges are installed and each range is reported as a warning.
   * @default - the one lock file beside the pyproject.toml, if any
   */
  readonly lockFile?: string;
  /**
   * The kind of the lock file.
   * @default - from its name: `uv.lock`, `poetry.lock`, `pylock.toml` / `pylock.*.toml`,
   *            any other name is read as a pip-compile file
   */
  readonly lockFileKind?: LockFileKind;
  /**
   * The tier of the project's own dependencies (`[project.dependencies]`, or
   * `[tool.poetry.dependencies]` in a Poetry project).
   * @default RequirementTier.CORE
   */
  readonly projectTier?: RequirementTier;
  /**
   * Names of the project's dependencies that go to the ML tier with everything they need,
   * e.g. `['numpy', 'transformers']`; each must be one of the project's dependencies.
   * @default - none
   */
  readonly mlPackages?: string[];
  /**
   * Names of packages the project's dependency groups or extras declare (or its own
   * dependencies) that go to the core tier with everything they need, without the rest of their
   * group: a server's web stack kept in a development group (`['fastapi', 'uvicorn']`). Each must
   * be declared somewhere in the pyproject.toml.
   * @default - none
   */
  readonly corePackages?: string[];
  /**
   * Extras of `[project.optional-dependencies]` (or `[tool.poetry.extras]`) installed in the ML tier.
   * @default - none
   */
  readonly mlExtras?: string[];
  /**
   * Extras installed in the core tier.
   * @default - none
   */
  readonly coreExtras?: string[];
  /**
   * Extras installed in the dev tier.
   * @default - none
   */
  readonly devExtras?: string[];
  /**
   * Dependency groups (PEP 735 `[dependency-groups]`, Poetry's `[tool.poetry.group.<name>]`,
   * uv's `[tool.uv] dev-dependencies` as the group `dev`) installed in the ML tier.
   * @default - none
   */
  readonly mlGroups?: string[];
  /**
   * Dependency groups installed in the core tier.
   * @default - none
   */
  readonly coreGroups?: string[];
  /**
   * Dependency groups installed in the dev tier.
   * @default - ['dev'] when the project has a `dev` group, else none
   */
  readonly devGroups?: string[];
  /**
   * Without a lock file: turns each declared range into an error instead of a warning.
   * @default false
   */
  readonly strictPins?: boolean;
  /**
   * Accepts direct references (`name @ https://...`, `name @ git+https://...`) instead of
   * refusing them. Each is installed from its URL, not from the index, and reported as one
   * warning; with a lock, only archives with a sha256 hash are accepted (pip cannot
   * hash-check a VCS checkout).
   * @default false
   */
  readonly allowDirectReferences?: boolean;
}

/** Where the Python packages of a cog.yaml go, for `Dependencies.fromCogYaml`. */
export interface CogYamlOptions {
  /**
   * The cog.yaml, relative to the project root. Its `build.python_requirements` file is read
   * relative to the cog.yaml's folder, as cog reads it.
   * @default 'cog.yaml'
   */
  readonly path?: string;
  /**
   * The tier of the packages of `build.python_packages` (or `build.python_requirements`) and of
   * `pip install` lines in `build.run`.
   * @default RequirementTier.CORE
   */
  readonly projectTier?: RequirementTier;
  /**
   * Names of those packages that go to the ML tier instead, e.g. `['numpy', 'transformers']`;
   * each must be one the cog.yaml lists.
   * @default - none
   */
  readonly mlPackages?: string[];
  /**
   * Commands of `build.run` (and `build.pre_install`) that this definition accounts for
   * elsewhere (as `buildSteps` of the service, or deliberately left out), each exactly as the
   * cog.yaml writes it. Any other step that is not a plain `pip install` of requirements is
   * refused, so a step added to the cog.yaml later is never silently dropped.
   * @default - none
   */
  readonly handledRunSteps?: string[];
  /**
   * Turns each requirement that is not pinned to one exact version into an error instead of
   * a warning.
   * @default false
   */
  readonly strictPins?: boolean;
  /**
   * Accepts direct references (`name @ https://...`) instead of refusing them, as for
   * requirement files.
   * @default false
   */
  readonly allowDirectReferences?: boolean;
}

/** Where the requirement lists of a setup.py go, for `Dependencies.fromSetupPy`. */
export interface SetupPyOptions {
  /**
   * The setup.py, relative to the project root.
   * @default 'setup.py'
   */
  readonly path?: string;
  /**
   * Extras of its `extras_require` installed with `install_requires`, as `pip install ".[name]"`
   * installs them, e.g. `['interactive-demo']`.
   * @default - none
   */
  readonly extras?: string[];
  /**
   * The tier of the requirements (torch, torchvision and torchaudio go to the torch tier, checked
   * against `torchVersion`).
   * @default RequirementTier.CORE
   */
  readonly projectTier?: RequirementTier;
  /**
   * Names of those requirements that go to the ML tier instead, e.g. `['numpy', 'pillow']`; each
   * must be one the installed lists name.
   * @default - none
   */
  readonly mlPackages?: string[];
  /**
   * Turns each requirement that is not pinned to one exact version into an error instead of a
   * warning.
   * @default false
   */
  readonly strictPins?: boolean;
  /**
   * Accepts direct references (`name @ https://...`) instead of refusing them, as for requirement
   * files.
   * @default false
   */
  readonly allowDirectReferences?: boolean;
}

/** What a `dependencies` prop must be built with, for messages. */
export const DEPENDENCIES_EXPECTED = 'Dependencies.fromRequirementsFiles(...), Dependencies.fromPyproject(...), '
  + 'Dependencies.fromCogYaml(...) or Dependencies.fromSetupPy(...)';

/** @internal The options as given, with the factory that took them. */
export type DependencySpec =
  | { readonly kind: 'requirements-files'; readonly options: RequirementsFilesOptions }
  | { readonly kind: 'pyproject'; readonly options: PyprojectDependenciesOptions }
  | { readonly kind: 'cog'; readonly options: CogYamlOptions }
  | { readonly kind: 'setup-py'; readonly options: SetupPyOptions };

/**
 * A service's Python dependencies taken from the files a project already has: pip
 * requirement files per tier, or a pyproject.toml with its lock file (uv.lock, poetry.lock,
 * PEP 751 pylock.toml, or a pip-compile file with hashes).
 *
 * The files are read when the project synthesizes, never fetched. From a lock, each tier
 * holds exact `==` pins with the sha256 hash of every artifact that applies to the image
 * (glibc Linux, its architecture, its exact Python), installed with
 * `pip install --require-hashes --no-deps`.
 */
export class Dependencies {
  /**
   * Pip requirement files, one list per tier. Files may include others (`-r`, `-c`),
   * inside the project only.
   */
  public static fromRequirementsFiles(options: RequirementsFilesOptions): Dependencies {
    return new Dependencies({ kind: 'requirements-files', options });
  }

  /** A pyproject.toml (PEP 621, PEP 735 groups, or Poetry) and its lock file. */
  public static fromPyproject(options: PyprojectDependenciesOptions = {}): Dependencies {
    return new Dependencies({ kind: 'pyproject', options });
  }

  /**
   * A Cog model's `cog.yaml`: `build.python_packages` or the `build.python_requirements` file
   * into tiers (torch, torchvision and torchaudio to the torch tier, checked against
   * `torchVersion`), plain `pip install` lines of `build.run` read as requirements too. The
   * service takes `build.python_version` as its `pythonVersion` when neither it nor the project
   * sets one (a different one is refused), and `build.system_packages` as `aptPackages`. Every
   * other `build.run` step is refused with a pointer to `buildSteps`, unless `handledRunSteps`
   * names it.
   */
  public static fromCogYaml(options: CogYamlOptions = {}): Dependencies {
    return new Dependencies({ kind: 'cog', options });
  }

  /**
   * A setup.py's `install_requires` and the `extras_require` lists asked for, read as Python
   * literals and never run: each argument of its `setup(...)` call must be a list (or dict of
   * lists) of strings, or the name of a module-level assignment of one; any other expression is
   * refused with its line. Its strings are read as the lines of a requirement file (ranges are a
   * warning each, an error with `strictPins`).
   */
  public static fromSetupPy(options: SetupPyOptions = {}): Dependencies {
    return new Dependencies({ kind: 'setup-py', options });
  }

  /** @internal */
  public readonly _spec: DependencySpec;

  private constructor(spec: DependencySpec) {
    this._spec = spec;
  }
}

const TIERS = ['ml', 'core', 'dev'];
const names = (): Schema => z.optional(z.array(z.string()));

/** The shape of `RequirementsFilesOptions`. */
export const REQUIREMENTS_FILES_SHAPE = z.strictObject({
  ml: names(),
  core: names(),
  dev: names(),
  strictPins: z.optional(z.boolean()),
  allowDirectReferences: z.optional(z.boolean()),
});

/** The shape of `PyprojectDependenciesOptions`. */
export const PYPROJECT_SHAPE = z.strictObject({
  path: z.optional(z.string()),
  lockFile: z.optional(z.string()),
  lockFileKind: z.optional(z.enum(['uv', 'poetry', 'pylock', 'pip-compile'])),
  projectTier: z.optional(z.enum(TIERS)),
  mlPackages: names(),
  corePackages: names(),
  mlExtras: names(),
  coreExtras: names(),
  devExtras: names(),
  mlGroups: names(),
  coreGroups: names(),
  devGroups: names(),
  strictPins: z.optional(z.boolean()),
  allowDirectReferences: z.optional(z.boolean()),
});

/** The shape of `CogYamlOptions`. */
export const COG_YAML_SHAPE = z.strictObject({
  path: z.optional(z.string()),
  projectTier: z.optional(z.enum(TIERS)),
  mlPackages: names(),
  handledRunSteps: names(),
  strictPins: z.optional(z.boolean()),
  allowDirectReferences: z.optional(z.boolean()),
});

/** The shape of `SetupPyOptions`. */
export const SETUP_PY_SHAPE = z.strictObject({
  path: z.optional(z.string()),
  extras: names(),
  projectTier: z.optional(z.enum(TIERS)),
  mlPackages: names(),
  strictPins: z.optional(z.boolean()),
  allowDirectReferences: z.optional(z.boolean()),
});
