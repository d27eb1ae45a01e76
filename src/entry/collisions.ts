import { posix } from 'path';
import { ImageIndex, moduleStem } from './image-files';
import { importNamesOf, parseRequirementName, stdlibModules, stdlibVersions } from './requirements-index';

/** What a top-level module of the code hides. */
export enum ShadowKind {
  /** A standard library module (data/python-stdlib-modules.json): the image breaks. */
  STDLIB = 'stdlib',
  /** The runtime helpers' package: the health check breaks. */
  RUNTIME = 'runtime',
  /** A module of a declared requirement: the requirement cannot be imported. */
  REQUIREMENT = 'requirement',
}

/** One top-level name of the code that hides another module. */
export interface ModuleShadow {
  /** The top-level module name. */
  readonly name: string;
  /** The image path that provides it (a package folder or a module file). */
  readonly location: string;
  readonly kind: ShadowKind;
  /** The requirement it hides (REQUIREMENT). */
  readonly requirement?: string;
  /** Lowercase sentence for an error. */
  readonly problem: string;
}

/**
 * What a single module name (a service id's module name, a top-level source folder) would hide:
 * the standard library of every supported Python, or one of `runtimePackages`; undefined when safe.
 * Reuses the table the service id check reads (data/python-stdlib-modules.json).
 */
export function moduleNameCollision(
  name: string, runtimePackages: readonly string[] = [],
): ShadowKind | undefined {
  if (runtimePackages.includes(name)) return ShadowKind.RUNTIME;
  if (stdlibModules().has(name)) return ShadowKind.STDLIB;
  return undefined;
}

/** Top-level modules importable from `root` of an image: name -> location. */
function topLevel(index: ImageIndex, root: string): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = root === '/' ? '/' : `${root}/`;
  for (const file of [...index.present].sort()) {
    if (!file.startsWith(prefix)) continue;
    const parts = file.slice(prefix.length).split('/');
    if (parts.length === 1) {
      const stem = moduleStem(parts[0]);
      if (stem && stem !== '__init__' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(stem) && !out.has(stem)) out.set(stem, file);
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(parts[0]) && (index.present.has(`${prefix}${parts[0]}/__init__.py`) || index.pythonDirs.has(`${prefix}${parts[0]}`))) {
      if (!out.has(parts[0])) out.set(parts[0], `${prefix}${parts[0]}/`);
    }
  }
  return out;
}

/**
 * Every top-level module under `roots` (the working directory and PYTHONPATH folders that come
 * before the standard library and site-packages on `sys.path`) that hides a standard library
 * module, a runtime package, or a module of a declared requirement. Sorted by name.
 */
export function findShadowedModules(
  imageFiles: ReadonlyMap<string, boolean>,
  roots: readonly string[],
  options: { readonly runtimePackages?: readonly string[]; readonly requirements?: readonly string[] } = {},
): ModuleShadow[] {
  const index = new ImageIndex(imageFiles);
  const requirementOf = new Map<string, string>();
  for (const line of options.requirements ?? []) {
    const requirement = parseRequirementName(line);
    if (!requirement) continue;
    for (const module of importNamesOf(requirement.name)) {
      const top = module.split('.')[0];
      if (!requirementOf.has(top)) requirementOf.set(top, requirement.name);
    }
  }
  const shadows = new Map<string, ModuleShadow>();
  for (const root of roots.map((r) => posix.normalize(r).replace(/(.)\/$/, '$1'))) {
    for (const [name, location] of topLevel(index, root)) {
      if (shadows.has(name)) continue;
      const kind = moduleNameCollision(name, options.runtimePackages ?? []);
      if (kind === ShadowKind.RUNTIME) {
        shadows.set(name, { name, location, kind, problem: `${location} provides the python module "${name}", which hides the runtime helpers' package of that name` });
      } else if (kind === ShadowKind.STDLIB) {
        shadows.set(name, {
          name,
          location,
          kind,
          problem: `${location} provides the python module "${name}", which hides the standard library module of that name (python ${stdlibVersions().join(', ')})`,
        });
      } else if (requirementOf.has(name)) {
        const requirement = requirementOf.get(name)!;
        shadows.set(name, {
          name,
          location,
          kind: ShadowKind.REQUIREMENT,
          requirement,
          problem: `${location} provides the python module "${name}", which hides the module of the declared requirement "${requirement}"`,
        });
      }
    }
  }
  return [...shadows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
