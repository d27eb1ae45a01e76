import { posix } from 'path';
import { ParsedEntry } from './command';
import { EntryContext } from './entry-check-types';
import { ImageIndex } from './image-files';
import { ModuleFinder } from './module-finder';
import { importNamesOf, parseRequirementName, RequirementName } from './requirements-index';

/**
 * One image as the entry check sees it, prepared once per check: its files indexed, the
 * modules its requirements provide, the installed project's files, and the folders a
 * command's modules are imported from.
 */

export function resolveDir(workdir: string, dir: string): string {
  return posix.normalize(dir.startsWith('/') ? dir : posix.join(workdir, dir)).replace(/(.)\/+$/, '$1');
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export interface Prepared {
  readonly ctx: EntryContext;
  readonly index: ImageIndex;
  readonly finder: ModuleFinder;
  readonly requirements: readonly RequirementName[];
  readonly requirementModules: ReadonlyMap<string, string>;
  readonly provided: ReadonlySet<string>;
  readonly projectIndex?: ImageIndex;
  readonly projectRoots: readonly string[];
}

export function prepare(ctx: EntryContext): Prepared {
  const index = new ImageIndex(ctx.imageFiles);
  const requirements = (ctx.requirements ?? []).map(parseRequirementName)
    .filter((r): r is RequirementName => r !== undefined);
  const requirementModules = new Map<string, string>();
  for (const requirement of requirements) {
    for (const module of importNamesOf(requirement.name)) {
      if (!requirementModules.has(module)) requirementModules.set(module, requirement.name);
    }
  }
  const projectFiles = ctx.installedProjectFiles ?? [];
  const projectIndex = projectFiles.length > 0 ? new ImageIndex(new Map(projectFiles.map((f) => [`/project/${f}`, true]))) : undefined;
  const projectRoots = (ctx.installedProjectRoots ?? ['', 'src']).map((r) => posix.join('/project', r).replace(/\/$/, '') || '/');
  return {
    ctx,
    index,
    finder: new ModuleFinder(index),
    requirements,
    requirementModules,
    provided: new Set(ctx.providedModules ?? []),
    projectIndex,
    projectRoots,
  };
}

/**
 * The requirement providing module `name` (exact top-level, or a dotted import name such as google.protobuf).
 */
export function requirementFor(p: Prepared, name: string): string | undefined {
  for (const [module, requirement] of p.requirementModules) {
    if (name === module || name.startsWith(`${module}.`)) return requirement;
  }
  return undefined;
}

export function moduleRoots(p: Prepared, entry: ParsedEntry): string[] {
  const workdir = resolveDir('/', p.ctx.workdir);
  return unique([
    ...(entry.cwdOnPath ? [workdir] : []),
    ...entry.searchRoots.map((r) => resolveDir(workdir, r)),
    ...(p.ctx.pythonPath ?? []).map((r) => resolveDir('/', r)),
  ]);
}

/** Where the installed project provides module `name` (root-relative), or undefined. */
export function findInstalled(p: Prepared, name: string): string | undefined {
  if (!p.projectIndex) return undefined;
  const finder = new ModuleFinder(p.projectIndex);
  const location = p.projectRoots.map((r) => finder.find(r, name)).find((l) => l !== undefined);
  return location?.replace(/^\/project\//, '');
}
