import { loadData } from '../core/data';
import { normalizePackageName } from '../core/names';

interface ImportNamesData {
  readonly importNames: Readonly<Record<string, readonly string[]>>;
  readonly consoleScripts: Readonly<Record<string, readonly string[]>>;
}

interface StdlibData {
  readonly versions: readonly string[];
  readonly modules: readonly string[];
}

function importNamesData(): ImportNamesData {
  return loadData<ImportNamesData>('import-names.json');
}

let stdlib: ReadonlySet<string> | undefined;
/** Top-level standard library modules of every supported Python (data/python-stdlib-modules.json). */
export function stdlibModules(): ReadonlySet<string> {
  stdlib ??= new Set(loadData<StdlibData>('python-stdlib-modules.json').modules);
  return stdlib;
}

/** The Python versions whose standard library `stdlibModules` covers. */
export function stdlibVersions(): readonly string[] {
  return loadData<StdlibData>('python-stdlib-modules.json').versions;
}


/** A declared requirement reduced to what the entry check needs. */
export interface RequirementName {
  /** The PEP 503-normalized distribution name. */
  readonly name: string;
  /** The extras it names, normalized, sorted. */
  readonly extras: readonly string[];
}

const REQUIREMENT = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?/;

/**
 * The distribution name and extras of one requirement line (`torch==2.5.1`,
 * `uvicorn[standard]>=0.30; python_version>"3.9"`, `fastapi`); undefined for lines that name no
 * distribution (comments, options, URLs without `name @`).
 */
export function parseRequirementName(line: string): RequirementName | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  if (text === '' || text.startsWith('-')) return undefined;
  const match = REQUIREMENT.exec(text);
  if (!match) return undefined;
  const rest = text.slice(match[0].length).trimStart();
  if (/^[:/]/.test(rest)) return undefined; // a bare URL or path such as https://... or ./pkg
  const extras = (match[2] ?? '').split(',').map((e) => normalizePackageName(e.trim())).filter((e) => e !== '');
  return { name: normalizePackageName(match[1]), extras: [...new Set(extras)].sort() };
}

/**
 * The import names a distribution provides (data/import-names.json, else the rule: the
 * normalized name with `-` as `_`). Dotted names are subpackages of a namespace package.
 */
export function importNamesOf(distribution: string): readonly string[] {
  const name = normalizePackageName(distribution);
  return importNamesData().importNames[name] ?? [name.replace(/-/g, '_')];
}

/** The requirements (`name` or `name[extra]`) any of which puts `script` on PATH, if we know the script. */
export function consoleScriptProviders(script: string): readonly string[] | undefined {
  return importNamesData().consoleScripts[script];
}

/** Every console script the reference data knows. */
export function knownConsoleScripts(): readonly string[] {
  return Object.keys(importNamesData().consoleScripts).sort();
}

/** Whether one of `requirements` satisfies a provider spec `name` or `name[extra]`. */
export function providerDeclared(provider: string, requirements: readonly RequirementName[]): boolean {
  const wanted = parseRequirementName(provider);
  if (!wanted) return false;
  return requirements.some((r) => r.name === wanted.name && wanted.extras.every((e) => r.extras.includes(e)));
}
