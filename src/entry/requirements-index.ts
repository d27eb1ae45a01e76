import { loadData } from '../core/data';
import { normalizePackageName } from '../core/names';
import { requirementName, RequirementName } from '../core/requirement-grammar';

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


/** A declared requirement's name and extras, read with the requirement grammar of `core/`. */
export { requirementName as parseRequirementName } from '../core/requirement-grammar';
export type { RequirementName } from '../core/requirement-grammar';

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
  const wanted = requirementName(provider);
  if (!wanted) return false;
  return requirements.some((r) => r.name === wanted.name && wanted.extras.every((e) => r.extras.includes(e)));
}
