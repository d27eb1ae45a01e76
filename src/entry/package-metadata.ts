import { Problems } from '../core/problems';
import { Table, isTable, parseToml, tableAt } from '../deps/toml';

/** What `installProject` needs from a `pyproject.toml`. */
export interface PyprojectFacts {
  /** `[project] name`, else Poetry 1.x's `[tool.poetry] name`. */
  readonly name?: string;
  /** `[build-system] build-backend`. */
  readonly buildBackend?: string;
  /** `[build-system] requires` (requirement strings). */
  readonly buildRequires: readonly string[];
  /** `[project.scripts]` (or Poetry's `[tool.poetry.scripts]`): name -> `module:function`, sorted by name. */
  readonly scripts: Readonly<Record<string, string>>;
  /** `[project] readme` (or `[tool.poetry] readme`) when it names a file (a string, or `{ file = ... }`). */
  readonly readme?: string;
  /** `[project] license = { file = ... }`. */
  readonly licenseFile?: string;
  /**
   * Where the metadata comes from when there is no `[project]` table: Poetry 1.x's
   * `[tool.poetry]`, with its version and the `packages` it includes (`from` folder and name).
   */
  readonly poetry?: {
    readonly version?: string;
    readonly packages: ReadonlyArray<{ readonly include: string; readonly from?: string }>;
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Console scripts of a table: `name = "module:function"`, or Poetry's
 * `{ reference = ..., type = "console" }`.
 */
function scriptsOf(table: Table): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const key of Object.keys(table).sort()) {
    const value = table[key];
    const reference = isTable(value) && (value.type === undefined || value.type === 'console') ? str(value.reference ?? value.callable) : str(value);
    if (reference !== undefined) scripts[key] = reference;
  }
  return scripts;
}

/**
 * Reads the keys the project install needs from a `pyproject.toml`, parsed as TOML
 * (`deps/toml.ts`). Invalid TOML adds one problem (file, line, column) and reads as empty;
 * values of another type than expected read as absent. Without a `[project]` table the
 * metadata of Poetry 1.x's `[tool.poetry]` is read (poetry-core builds from it).
 */
export function readPyproject(text: string, problems: Problems = new Problems('pyproject.toml'), file = 'pyproject.toml'): PyprojectFacts {
  const facts = readFacts(text, problems, file);
  checkFacts(problems, file, facts);
  return facts;
}

/** A PEP 508 distribution name. */
const DISTRIBUTION_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
/** A console script's name: a file name on PATH. */
const SCRIPT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** An entry point's object reference: `module.path:attr.path`, optionally with `[extras]`. */
const SCRIPT_REFERENCE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?( *\[[A-Za-z0-9_, .-]*\])?$/;
/** A file the build reads, relative to the project root. */
const RELATIVE_FILE = /^[A-Za-z0-9_.+@-]+(\/[A-Za-z0-9_.+@-]+)*$/;

/**
 * What the file says reaches generated files (the name a Dockerfile comment, the readme and
 * license a COPY, the scripts the build-time check): each is held to its grammar first, so no
 * value read from the file can add a line or a path outside the project to them.
 */
function checkFacts(problems: Problems, file: string, facts: PyprojectFacts): void {
  if (facts.name !== undefined && !DISTRIBUTION_NAME.test(facts.name)) {
    problems.add(`${file}: the project name is not a package name`, facts.name,
      'a PEP 508 name: letters, digits, ".", "_" and "-", starting and ending with a letter or digit');
  }
  for (const [what, path] of [['readme', facts.readme], ['license file', facts.licenseFile]] as const) {
    if (path !== undefined && (!RELATIVE_FILE.test(path) || path.split('/').some((p) => p === '.' || p === '..'))) {
      problems.add(`${file}: the ${what} is not a clean path inside the project`, path,
        'a relative path of letters, digits, "_", ".", "+", "@", "-" and "/", without "." or ".." parts');
    }
  }
  for (const [name, reference] of Object.entries(facts.scripts)) {
    if (!SCRIPT_NAME.test(name)) {
      problems.add(`${file}: a script name is not a file name`, name, 'letters, digits, "_", "." and "-"');
    } else if (!SCRIPT_REFERENCE.test(reference)) {
      problems.add(`${file}: script "${name}" does not point at module:function`, reference,
        'an entry point such as "mypkg.cli:main"');
    }
  }
}

function readFacts(text: string, problems: Problems, file: string): PyprojectFacts {
  const doc: Table = parseToml(problems, file, text) ?? {};
  const project = tableAt(doc, 'project');
  const build = tableAt(doc, 'build-system') ?? {};
  const requires = Array.isArray(build.requires) ? build.requires.filter((r): r is string => typeof r === 'string') : [];
  const backend = str(build['build-backend']);
  const poetry = tableAt(doc, 'tool', 'poetry');
  if (!project && poetry) {
    const readme = Array.isArray(poetry.readme) ? str(poetry.readme[0]) : str(poetry.readme);
    const packages = (Array.isArray(poetry.packages) ? poetry.packages : []).filter(isTable)
      .map((p) => ({ include: str(p.include) ?? '', from: str(p.from) })).filter((p) => p.include !== '');
    return {
      name: str(poetry.name),
      buildBackend: backend,
      buildRequires: requires,
      scripts: scriptsOf(tableAt(poetry, 'scripts') ?? {}),
      readme,
      licenseFile: undefined,
      poetry: { version: str(poetry.version), packages },
    };
  }
  const table = project ?? {};
  const readme = isTable(table.readme) ? str(table.readme.file) : str(table.readme);
  const licenseFile = isTable(table.license) ? str(table.license.file) : undefined;
  return {
    name: str(table.name), buildBackend: backend, buildRequires: requires, scripts: scriptsOf(tableAt(doc, 'project', 'scripts') ?? {}), readme, licenseFile,
  };
}

/** A version computed by a plugin from the repository's git tags. */
export enum ScmVersionPlugin {
  /** hatch-vcs: `[tool.hatch.version] source = "vcs"`. */
  HATCH_VCS = 'hatch-vcs',
  /** setuptools-scm: a `[tool.setuptools_scm]` table, or `use_scm_version` in setup.py. */
  SETUPTOOLS_SCM = 'setuptools-scm',
}

/** Where a project's build backend finds its packages, and where its version comes from. */
export interface PackageSettings {
  /**
   * Folders (root-relative, `""` the root) the wheel's packages are found under: the root and
   * `src`, and the folders the backend's own settings name (`lib` of
   * `[tool.setuptools.packages.find] where = ["lib"]`), sorted, each once.
   */
  readonly roots: readonly string[];
  /** The plugin that computes the version from git tags, if any. */
  readonly scm?: ScmVersionPlugin;
  /**
   * The top-level packages the settings name one by one, as root-relative paths (`src/pkg`) or,
   * for setuptools' `packages` and `packages.find include`, as name patterns (`pkg*`); undefined
   * when the backend discovers its packages itself.
   */
  readonly packages?: readonly string[];
}

/** A clean relative folder (`lib`, `python/src`): nothing that leaves the root. */
const CLEAN_DIR = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

function folderOf(path: string): string {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
  return clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/')) : '';
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The lines of one section of a setup.cfg (`[options]`), each `key = value` with its continuation lines. */
function cfgValue(text: string, section: string, key: string): string | undefined {
  let inSection = false;
  let value: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      if (value) break;
      inSection = header[1].trim() === section;
      continue;
    }
    if (!inSection) continue;
    if (value && /^\s+\S/.test(line)) {
      value.push(line.trim());
      continue;
    }
    if (value) break;
    const pair = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && pair[1] === key) value = [pair[2].trim()];
  }
  return value?.filter((v) => v !== '').join('\n');
}

/**
 * Reads where the build backend looks for packages (pyproject.toml's setuptools, Poetry, Hatch,
 * PDM and scikit-build-core settings; setup.cfg's `package_dir` and `packages.find`; a setup.py's
 * literal `package_dir={"": ...}` or `find_packages("...")`) and whether its version comes from
 * git tags. Paths that are not clean relative folders are left out (they reach no generated file).
 */
export function readPackageSettings(pyproject: string, setupCfg = '', setupPy = ''): PackageSettings {
  const doc: Table = parseToml(new Problems('pyproject.toml'), 'pyproject.toml', pyproject) ?? {};
  const tool = tableAt(doc, 'tool') ?? {};
  const roots = ['', 'src'];
  const setuptools = tableAt(tool, 'setuptools') ?? {};
  const packageDir = tableAt(setuptools, 'package-dir');
  if (packageDir) roots.push(...strings(packageDir['']));
  roots.push(...strings(tableAt(setuptools, 'packages', 'find')?.where));
  const poetry = tableAt(tool, 'poetry');
  for (const pkg of Array.isArray(poetry?.packages) ? poetry!.packages : []) {
    if (isTable(pkg)) roots.push(...strings(pkg.from));
  }
  roots.push(...strings(tableAt(tool, 'hatch', 'build', 'targets', 'wheel')?.packages).map(folderOf));
  roots.push(...strings(tableAt(tool, 'pdm', 'build')?.['package-dir']));
  const skbuild = tableAt(tool, 'scikit-build') ?? {};
  roots.push(...strings(tableAt(skbuild, 'wheel')?.packages ?? skbuild['wheel.packages']).map(folderOf));
  const cfgDir = cfgValue(setupCfg, 'options', 'package_dir');
  for (const line of (cfgDir ?? '').split('\n')) {
    const pair = /^\s*=\s*(\S+)\s*$/.exec(line);
    if (pair) roots.push(pair[1]);
  }
  const cfgWhere = cfgValue(setupCfg, 'options.packages.find', 'where') ?? '';
  roots.push(...cfgWhere.split('\n').map((w) => w.trim()));
  const pyDir = /package_dir\s*=\s*\{\s*(["'])\1\s*:\s*["']([^"']+)["']/.exec(setupPy);
  if (pyDir) roots.push(pyDir[2]);
  const pyFind = /find(?:_namespace)?_packages\(\s*(?:where\s*=\s*)?["']([^"']+)["']/.exec(setupPy);
  if (pyFind) roots.push(pyFind[1]);
  const clean = roots.map((r) => r.replace(/^\.\/?/, '').replace(/\/+$/, ''));
  const valid = [...new Set(clean.filter((r) => r === '' || CLEAN_DIR.test(r)))]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const explicit: string[] = [];
  const setuptoolsPackages = strings(setuptools.packages).map((p) => p.split('.')[0]);
  const findInclude = strings(tableAt(setuptools, 'packages', 'find')?.include);
  explicit.push(...setuptoolsPackages, ...findInclude.map((p) => p.split('.')[0]));
  for (const pkg of Array.isArray(poetry?.packages) ? poetry!.packages : []) {
    const include = isTable(pkg) ? str(pkg.include) : undefined;
    const from = strings(isTable(pkg) ? pkg.from : undefined);
    if (include !== undefined) explicit.push([...from, include].join('/'));
  }
  explicit.push(...strings(tableAt(tool, 'hatch', 'build', 'targets', 'wheel')?.packages));
  explicit.push(...strings(tableAt(skbuild, 'wheel')?.packages ?? skbuild['wheel.packages']));
  const hatchVcs = str(tableAt(tool, 'hatch', 'version')?.source) === 'vcs';
  const dynamic = strings(tableAt(doc, 'project')?.dynamic).includes('version');
  const requires = strings(tableAt(doc, 'build-system')?.requires);
  const scmRequired = dynamic && requires.some((r) => /^\s*setuptools[-_.]scm\b/i.test(r));
  const setuptoolsScm = tableAt(tool, 'setuptools_scm') !== undefined || scmRequired
    || /\buse_scm_version\s*=/.test(setupPy);
  const scm = hatchVcs ? ScmVersionPlugin.HATCH_VCS
    : setuptoolsScm ? ScmVersionPlugin.SETUPTOOLS_SCM : undefined;
  const cleanPackages = explicit.map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''));
  const packages = [...new Set(cleanPackages.filter((p) => p !== ''))];
  return { roots: valid, ...scm ? { scm } : {}, ...packages.length > 0 ? { packages } : {} };
}
