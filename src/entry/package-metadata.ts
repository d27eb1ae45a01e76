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
