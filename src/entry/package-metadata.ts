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
