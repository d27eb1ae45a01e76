import { posix } from 'path';
import { EntryKind, EntryTarget, ParsedEntry, TargetKind, parseEntry } from './command';
import { ImageIndex, moduleStem } from './image-files';
import { nearest } from './nearest';
import {
  RequirementName, consoleScriptProviders, importNamesOf, knownConsoleScripts, parseRequirementName, providerDeclared, stdlibModules,
} from './requirements-index';
import { normalizePackageName } from '../core/names';

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
  /** Files the image gets: absolute image path -> present (`false`: the project has it, the ignore file drops it). See `imageFileMap`. */
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
   * The `[project.scripts]` of the project's `pyproject.toml` (name -> `module:function`), when `installProject` is on.
   * @default {} (no project scripts)
   */
  readonly projectScripts?: Readonly<Record<string, string>>;
  /**
   * The project files the installed project's wheel is built from (root-relative), when `installProject` is on;
   * its modules are then importable from the venv.
   * @default [] (no installed project)
   */
  readonly installedProjectFiles?: readonly string[];
  /**
   * Folders of `installedProjectFiles` where its packages live (`""` flat layout, `"src"` src layout).
   * @default ["", "src"]
   */
  readonly installedProjectRoots?: readonly string[];
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
  readonly modules: readonly { readonly name: string; readonly needsMain: boolean; readonly mayBeAttribute: boolean }[];
  /** Files that must exist (absolute). */
  readonly files: readonly string[];
  /** Programs that must be on PATH. */
  readonly programs: readonly string[];
}

/** The outcome of `checkEntry`. */
export interface EntryCheckResult {
  readonly status: EntryStatus;
  readonly entry: ParsedEntry;
  readonly targets: readonly TargetResult[];
  /** The first failing target's (or the command's) problem, a lowercase sentence; for `Problems.add(problem, command, expected)`. */
  readonly problem?: string;
  /** What would be accepted, a lowercase phrase ending in the suggestion when there is one. */
  readonly expected?: string;
  /** The nearest match of the first failing target. */
  readonly suggestion?: string;
  /** What the build-time check verifies (FOUND only). */
  readonly buildCheck?: BuildCheckPlan;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(value: string): string {
  return JSON.stringify(value);
}

function resolveDir(workdir: string, dir: string): string {
  return posix.normalize(dir.startsWith('/') ? dir : posix.join(workdir, dir)).replace(/(.)\/+$/, '$1');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Whether a location returned by `ModuleFinder.find` is a package (folder) rather than a module file. */
function isPackageLocation(location: string): boolean {
  return location.endsWith('/') || location.endsWith('/__init__.py');
}

/** Resolves dotted modules against folders of an image (or of the project). */
class ModuleFinder {
  constructor(private readonly index: ImageIndex) {}

  /** The file or folder that provides `name` under `root`, or undefined. A package needs `__init__.py` or .py files inside (namespace). */
  public find(root: string, name: string): string | undefined {
    const parts = name.split('.');
    let dir = root;
    for (let i = 0; i < parts.length - 1; i++) {
      dir = posix.join(dir, parts[i]);
      if (!this.isPackage(dir)) return undefined;
    }
    const last = posix.join(dir, parts[parts.length - 1]);
    // Python's order within one folder: a regular package, then a module file, then a namespace package
    if (this.index.present.has(`${last}/__init__.py`)) return `${last}/__init__.py`;
    const leaf = parts[parts.length - 1];
    const ext = [...this.index.present].find((f) => posix.dirname(f) === dir && f.endsWith('.so') && moduleStem(posix.basename(f)) === leaf);
    if (ext) return ext;
    if (this.index.present.has(`${last}.py`)) return `${last}.py`;
    if (this.index.pythonDirs.has(last)) return `${last}/`;
    return undefined;
  }

  /** A regular package (`__init__.py`) or a namespace package (a folder with .py files). */
  public isPackage(dir: string): boolean {
    return this.index.present.has(`${dir}/__init__.py`) || this.index.pythonDirs.has(dir);
  }

  /** Whether `pkg/__main__.py` is present for a package location returned by `find`. */
  public hasMain(location: string): boolean {
    const dir = location.endsWith('/__init__.py') ? location.slice(0, -'/__init__.py'.length) : location.replace(/\/$/, '');
    return this.index.present.has(`${dir}/__main__.py`);
  }

  /** The project file that would provide `name` if it were not dropped, for the message. */
  public droppedFile(root: string, name: string): string | undefined {
    const base = posix.join(root, ...name.split('.'));
    return [`${base}.py`, `${base}/__init__.py`].find((f) => this.index.dropped.has(f));
  }

  /** Every module importable from `roots` (dotted names), for suggestions. */
  public modules(roots: readonly string[]): string[] {
    const out = new Set<string>();
    for (const root of roots) {
      const prefix = root === '/' ? '/' : `${root}/`;
      for (const file of this.index.present) {
        if (!file.startsWith(prefix)) continue;
        const parts = file.slice(prefix.length).split('/');
        const stem = moduleStem(parts[parts.length - 1]);
        if (stem === undefined) continue;
        const names = stem === '__init__' ? parts.slice(0, -1) : [...parts.slice(0, -1), stem];
        if (names.length === 0 || !names.every((p) => IDENT.test(p))) continue;
        for (let i = 1; i <= names.length; i++) out.add(names.slice(0, i).join('.'));
      }
    }
    return [...out].sort();
  }
}

interface Prepared {
  readonly ctx: EntryContext;
  readonly index: ImageIndex;
  readonly finder: ModuleFinder;
  readonly requirements: readonly RequirementName[];
  readonly requirementModules: ReadonlyMap<string, string>;
  readonly provided: ReadonlySet<string>;
  readonly projectIndex?: ImageIndex;
  readonly projectRoots: readonly string[];
}

function prepare(ctx: EntryContext): Prepared {
  const index = new ImageIndex(ctx.imageFiles);
  const requirements = (ctx.requirements ?? []).map(parseRequirementName).filter((r): r is RequirementName => r !== undefined);
  const requirementModules = new Map<string, string>();
  for (const requirement of requirements) {
    for (const module of importNamesOf(requirement.name)) if (!requirementModules.has(module)) requirementModules.set(module, requirement.name);
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

/** The requirement providing module `name` (exact top-level, or a dotted import name such as google.protobuf). */
function requirementFor(p: Prepared, name: string): string | undefined {
  for (const [module, requirement] of p.requirementModules) {
    if (name === module || name.startsWith(`${module}.`)) return requirement;
  }
  return undefined;
}

function moduleRoots(p: Prepared, entry: ParsedEntry): string[] {
  const workdir = resolveDir('/', p.ctx.workdir);
  return unique([
    ...(entry.cwdOnPath ? [workdir] : []),
    ...entry.searchRoots.map((r) => resolveDir(workdir, r)),
    ...(p.ctx.pythonPath ?? []).map((r) => resolveDir('/', r)),
  ]);
}

function checkModule(p: Prepared, target: EntryTarget, roots: readonly string[]): TargetResult {
  const name = target.name;
  const candidates = target.mayBeAttribute ? [name, name.slice(0, name.lastIndexOf('.'))] : [name];
  for (const candidate of candidates) {
    for (const root of roots) {
      const location = p.finder.find(root, candidate);
      if (location === undefined) continue;
      if (target.needsMain && candidate === name && isPackageLocation(location) && !p.finder.hasMain(location)) {
        const dir = location.replace(/\/(__init__\.py)?$/, '');
        return {
          target,
          status: EntryStatus.MISSING,
          location,
          problem: `${target.role} "${name}" is a package without a __main__.py (${dir}/__main__.py is not in the image), so "python -m ${name}" cannot run it`,
          expected: `a package with ${dir}/__main__.py, or a module of it, e.g. "${name}.main"`,
        };
      }
      return { target, status: EntryStatus.FOUND, origin: EntryOrigin.IMAGE, location };
    }
  }
  const top = name.split('.')[0];
  if (stdlibModules().has(top)) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.STDLIB, location: top };
  if (p.provided.has(top)) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.PROVIDED, location: top };
  if (p.projectIndex) {
    const finder = new ModuleFinder(p.projectIndex);
    for (const candidate of candidates) {
      for (const root of p.projectRoots) {
        const location = finder.find(root, candidate);
        if (location) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.INSTALLED_PROJECT, location: location.replace(/^\/project\//, '') };
      }
    }
  }
  const requirement = requirementFor(p, name);
  if (requirement) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: requirement };

  const dropped = roots.map((r) => p.finder.droppedFile(r, name)).find((f) => f !== undefined);
  const importable = [...p.finder.modules(roots), ...p.requirementModules.keys()];
  const suggestion = nearest(name, importable);
  const where = roots.length > 0 ? roots.join(', ') : '(no folder)';
  const problem = dropped
    ? `${target.role} "${name}" is in the project (${dropped}) but the ignore file drops it from the build context`
    : `${target.role} "${name}" is not importable in the image: no ${name.split('.').join('/')}.py, ${name.split('.').join('/')}/__init__.py or namespace package under ${where}, and no declared requirement provides it`;
  const expected = suggestion
    ? `a module in the copied sources or of a declared requirement; did you mean "${suggestion}"?`
    : `a module in the copied sources (under ${where}) or of a declared requirement`;
  return { target, status: EntryStatus.MISSING, problem, expected, suggestion };
}

function checkFile(p: Prepared, target: EntryTarget): TargetResult {
  const workdir = resolveDir('/', p.ctx.workdir);
  const path = resolveDir(workdir, target.name);
  if (p.index.present.has(path)) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.IMAGE, location: path };
  if (p.index.present.has(`${path}/__main__.py`)) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.IMAGE, location: `${path}/__main__.py` };
  if (target.name.startsWith('/')) {
    // an absolute path outside every copied folder (/usr/local/bin/x) belongs to the base image: not ours to see
    const ancestors: string[] = [];
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) ancestors.push(dir);
    const copied = ancestors.some((dir) => p.index.dirs.has(dir) || [...p.index.dropped].some((f) => f.startsWith(`${dir}/`)));
    if (!copied) {
      return {
        target,
        status: EntryStatus.UNKNOWN,
        problem: `${target.role} "${target.name}" is outside the copied sources, so it cannot be checked`,
        expected: 'a path under the copied sources, or the entry check turned off for this service',
      };
    }
  }
  if (p.index.dropped.has(path)) {
    return {
      target,
      status: EntryStatus.MISSING,
      location: path,
      problem: `${target.role} "${target.name}" is in the project (${path}) but the ignore file drops it from the build context`,
      expected: 'a file that reaches the image',
    };
  }
  const scripts = [...p.index.present].filter((f) => f.startsWith(`${workdir}/`)).map((f) => f.slice(workdir.length + 1));
  const wanted = target.name.startsWith('/') ? path.slice(workdir.length + 1) : target.name.replace(/^\.\//, '');
  const suggestion = nearest(wanted, scripts.filter((f) => posix.extname(f) === posix.extname(wanted)), '/');
  return {
    target,
    status: EntryStatus.MISSING,
    suggestion,
    problem: `${target.role} "${target.name}" is not in the image (${path} is not under the copied sources; the working directory is ${workdir})`,
    expected: suggestion ? `a file of the copied sources, relative to ${workdir}; did you mean "${suggestion}"?` : `a file of the copied sources, relative to ${workdir}`,
  };
}

function checkProgram(p: Prepared, target: EntryTarget, extra: TargetResult[]): TargetResult {
  if (target.interpreter) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.INTERPRETER, location: target.name };
  const name = target.name.slice(target.name.lastIndexOf('/') + 1);
  const scripts = p.ctx.projectScripts ?? {};
  if (Object.prototype.hasOwnProperty.call(scripts, name)) {
    const spec = scripts[name].split(':')[0].trim();
    if (p.projectIndex && spec) {
      const moduleTargetOfScript: EntryTarget = { kind: TargetKind.MODULE, name: spec, role: `the module of project script "${name}"` };
      const finder = new ModuleFinder(p.projectIndex);
      const found = p.projectRoots.map((r) => finder.find(r, spec)).find((l) => l !== undefined);
      extra.push(found
        ? { target: moduleTargetOfScript, status: EntryStatus.FOUND, origin: EntryOrigin.INSTALLED_PROJECT, location: found.replace(/^\/project\//, '') }
        : {
          target: moduleTargetOfScript,
          status: EntryStatus.MISSING,
          problem: `project script "${name}" points at "${scripts[name]}", whose module "${spec}" is not among the installed project's files`,
          expected: 'a [project.scripts] entry whose module is in the project package',
        });
    }
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.PROJECT_SCRIPT, location: scripts[name] };
  }
  const providers = consoleScriptProviders(name);
  if (providers) {
    const declared = providers.find((prov) => providerDeclared(prov, p.requirements));
    if (declared) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: declared };
    return {
      target,
      status: EntryStatus.MISSING,
      problem: `${target.role} "${name}" comes from ${providers.map(quote).join(' or ')}, which no declared requirement provides`,
      expected: `${providers.map(quote).join(' or ')} among the requirements`,
    };
  }
  const sameName = p.requirements.find((r) => r.name === normalizePackageName(name));
  if (sameName) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: sameName.name };
  const suggestion = nearest(name, [...Object.keys(scripts), ...knownConsoleScripts()], '\0');
  return {
    target,
    status: EntryStatus.UNKNOWN,
    suggestion,
    problem: `${target.role} "${name}" is neither a script of the project's [project.scripts] nor a console script of a declared requirement we know`,
    expected: suggestion
      ? `a known console script (did you mean "${suggestion}"?), or the entry check turned off for this service if the image has it`
      : 'a console script of the project or of a declared requirement, or the entry check turned off for this service if the image has it',
  };
}

function buildPlan(p: Prepared, entry: ParsedEntry, results: readonly TargetResult[], roots: readonly string[]): BuildCheckPlan {
  const modules: { name: string; needsMain: boolean; mayBeAttribute: boolean }[] = [];
  const files: string[] = [];
  const programs: string[] = [];
  const workdir = resolveDir('/', p.ctx.workdir);
  for (const result of results) {
    const { target } = result;
    if (target.kind === TargetKind.MODULE) {
      modules.push({ name: target.name, needsMain: target.needsMain === true, mayBeAttribute: target.mayBeAttribute === true });
    } else if (target.kind === TargetKind.FILE) {
      if (result.origin === EntryOrigin.IMAGE) files.push(resolveDir(workdir, target.name));
    } else if (!target.interpreter) {
      programs.push(target.name);
    }
  }
  return { command: entry.command, roots, modules, files: unique(files), programs: unique(programs) };
}

/**
 * Checks that a service's `command` can start in its image: each module it imports first, script
 * it runs or console script it calls is in the copied sources, the standard library, the installed
 * project or a declared requirement. FOUND carries the build-time check's plan; MISSING a problem,
 * what is expected and the nearest match; UNKNOWN (a shell string, an unknown program) is distinct
 * so that the caller can honour an explicit opt-out.
 */
export function checkEntry(command: readonly string[], ctx: EntryContext): EntryCheckResult {
  const entry = parseEntry(command);
  const p = prepare(ctx);
  const roots = moduleRoots(p, entry);
  const results: TargetResult[] = [];
  const implied: TargetResult[] = [];
  for (const target of entry.targets) {
    if (target.kind === TargetKind.MODULE) results.push(checkModule(p, target, roots));
    else if (target.kind === TargetKind.FILE) results.push(checkFile(p, target));
    else results.push(checkProgram(p, target, implied));
  }
  results.push(...implied);
  if (entry.malformed) {
    return { status: EntryStatus.MISSING, entry, targets: results, problem: `the command is malformed: ${entry.reason}`, expected: 'a command whose entry can be read (see the service\'s command documentation)' };
  }
  const missing = results.find((r) => r.status === EntryStatus.MISSING);
  if (missing) {
    const { problem, expected, suggestion } = missing;
    return { status: EntryStatus.MISSING, entry, targets: results, problem, expected, suggestion };
  }
  if (entry.kind === EntryKind.UNKNOWN) {
    return {
      status: EntryStatus.UNKNOWN,
      entry,
      targets: results,
      problem: `the entry of the command cannot be seen: ${entry.reason}`,
      expected: 'a python module, script or console script the check can read, or the entry check turned off for this service',
    };
  }
  const unknownTarget = results.find((r) => r.status === EntryStatus.UNKNOWN);
  if (unknownTarget) {
    const { problem, expected, suggestion } = unknownTarget;
    return { status: EntryStatus.UNKNOWN, entry, targets: results, problem, expected, suggestion };
  }
  return { status: EntryStatus.FOUND, entry, targets: results, buildCheck: buildPlan(p, entry, results, roots) };
}
