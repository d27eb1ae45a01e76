import { Problems } from '../core/problems';
import { Table, isTable, parseToml, tableAt } from '../deps/toml';

/** What `installProject` needs from a `pyproject.toml`. */
export interface PyprojectFacts {
  /** `[project] name`. */
  readonly name?: string;
  /** `[build-system] build-backend`. */
  readonly buildBackend?: string;
  /** `[build-system] requires` (requirement strings). */
  readonly buildRequires: readonly string[];
  /** `[project.scripts]`: name -> `module:function`, sorted by name. */
  readonly scripts: Readonly<Record<string, string>>;
  /** `[project] readme` when it names a file (a string, or `{ file = ... }`). */
  readonly readme?: string;
  /** `[project] license = { file = ... }`. */
  readonly licenseFile?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the keys the project install needs from a `pyproject.toml`, parsed as TOML
 * (`deps/toml.ts`). Invalid TOML adds one problem (file, line, column) and reads as empty;
 * values of another type than expected read as absent.
 */
export function readPyproject(text: string, problems: Problems = new Problems('pyproject.toml'), file = 'pyproject.toml'): PyprojectFacts {
  const doc: Table = parseToml(problems, file, text) ?? {};
  const project = tableAt(doc, 'project') ?? {};
  const build = tableAt(doc, 'build-system') ?? {};
  const scriptsTable = tableAt(doc, 'project', 'scripts') ?? {};
  const scripts: Record<string, string> = {};
  for (const key of Object.keys(scriptsTable).sort()) {
    const value = str(scriptsTable[key]);
    if (value !== undefined) scripts[key] = value;
  }
  const readme = isTable(project.readme) ? str(project.readme.file) : str(project.readme);
  const licenseFile = isTable(project.license) ? str(project.license.file) : undefined;
  const requires = Array.isArray(build.requires) ? build.requires.filter((r): r is string => typeof r === 'string') : [];
  return { name: str(project.name), buildBackend: str(build['build-backend']), buildRequires: requires, scripts, readme, licenseFile };
}
