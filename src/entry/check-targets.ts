import { posix } from 'path';
import { EntryTarget, isPythonProgram, TargetKind } from './command';
import { EntryOrigin, EntryStatus, TargetResult } from './entry-check-types';
import { findInstalled, Prepared, requirementFor, resolveDir } from './entry-prepared';
import { isPackageLocation } from './module-finder';
import { nearest } from './nearest';
import { consoleScriptProviders, knownConsoleScripts, providerDeclared, stdlibModules } from './requirements-index';
import { credentialPatternOf, reExclusionOf } from '../core/dockerignore';
import { normalizePackageName } from '../core/names';

/**
 * Where each kind of target of a command is found in an image: a module (copied sources,
 * standard library, provided modules, installed project, requirements), a file, a program
 * (project scripts, console scripts of requirements). A target found nowhere gets a problem,
 * what is expected and the nearest match.
 */

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * Why a file under a copied path is dropped: the re-exclusion it matches (data, environments, credentials).
 */
function why(path: string): string {
  const pattern = reExclusionOf(path);
  if (pattern === undefined) return '';
  return credentialPatternOf(path) !== undefined
    ? ` (it matches ${pattern}: credential names never reach an image, at any depth)`
    : ` (it matches ${pattern}, re-excluded at any depth)`;
}

export function checkModule(p: Prepared, target: EntryTarget, roots: readonly string[]): TargetResult {
  const name = target.name;
  const candidates = target.mayBeAttribute ? [name, name.slice(0, name.lastIndexOf('.'))] : [name];
  for (const candidate of candidates) {
    for (const root of roots) {
      const location = p.finder.find(root, candidate);
      if (location === undefined) continue;
      if (target.needsMain && candidate === name && isPackageLocation(location)
        && !p.finder.hasMain(location)) {
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
  if (stdlibModules().has(top)) {
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.STDLIB, location: top };
  }
  if (p.provided.has(top)) {
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.PROVIDED, location: top };
  }
  for (const candidate of candidates) {
    const location = findInstalled(p, candidate);
    if (location !== undefined) {
      return { target, status: EntryStatus.FOUND, origin: EntryOrigin.INSTALLED_PROJECT, location };
    }
  }
  const requirement = requirementFor(p, name);
  if (requirement) {
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: requirement };
  }

  const dropped = roots.map((r) => p.finder.droppedFile(r, name)).find((f) => f !== undefined);
  const importable = [...p.finder.modules(roots), ...p.requirementModules.keys()];
  const suggestion = nearest(name, importable);
  const where = roots.length > 0 ? roots.join(', ') : '(no folder)';
  const problem = dropped
    ? `${target.role} "${name}" is in the project (${dropped}) but the ignore file drops it from the build context${why(dropped)}`
    : `${target.role} "${name}" is not importable in the image: no ${name.split('.').join('/')}.py, ${name.split('.').join('/')}/__init__.py or namespace package under ${where}, and no declared requirement provides it`;
  const expected = suggestion
    ? `a module in the copied sources or of a declared requirement; did you mean "${suggestion}"?`
    : `a module in the copied sources (under ${where}) or of a declared requirement`;
  return { target, status: EntryStatus.MISSING, problem, expected, suggestion };
}

export function checkFile(p: Prepared, target: EntryTarget): TargetResult {
  const workdir = resolveDir('/', p.ctx.workdir);
  const path = resolveDir(workdir, target.name);
  if (p.index.present.has(path)) {
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.IMAGE, location: path };
  }
  if (target.executable && p.index.dirs.has(path)) {
    return {
      target,
      status: EntryStatus.MISSING,
      location: path,
      problem: `${target.role} "${target.name}" is a folder (${path}), which the container cannot execute`,
      expected: `an executable file, or a package folder run by python (["python", "${target.name}"] with a __main__.py, or python -m)`,
    };
  }
  if (p.index.present.has(`${path}/__main__.py`)) return { target, status: EntryStatus.FOUND, origin: EntryOrigin.IMAGE, location: `${path}/__main__.py` };
  if (target.name.startsWith('/')) {
    // an absolute path outside every copied folder (/usr/local/bin/x) belongs to the base image: not ours to
    // see
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
      problem: `${target.role} "${target.name}" is in the project (${path}) but the ignore file drops it from the build context${why(path)}`,
      expected: 'a file that reaches the image (rename it, or move it out of the excluded folder)',
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

/**
 * The interpreter must be the image's: `python`, `python3` or `python3.<minor>` of its Python (the
 * official images and the virtualenv have exactly those names); a shell is the base image's.
 */
function checkInterpreter(p: Prepared, target: EntryTarget): TargetResult {
  const found = { target, status: EntryStatus.FOUND, origin: EntryOrigin.INTERPRETER, location: target.name };
  const minor = p.ctx.pythonMinor;
  const name = target.name.slice(target.name.lastIndexOf('/') + 1);
  if (minor === undefined || !isPythonProgram(name)) return found;
  const names = ['python', `python${minor.split('.')[0]}`, `python${minor}`];
  if (names.includes(name)) return found;
  return {
    target,
    status: EntryStatus.MISSING,
    problem: `${target.role} "${target.name}" is not the image's python (${minor}), so the container cannot start it`,
    expected: `one of ${names.map(quote).join(', ')} (the image's interpreter)`
      + (/^python\d+\.\d+$/.test(name) ? `, or pythonVersion "${name.slice(6)}"` : ''),
  };
}

export function checkProgram(p: Prepared, target: EntryTarget, extra: TargetResult[]): TargetResult {
  if (target.interpreter) return checkInterpreter(p, target);
  const name = target.name.slice(target.name.lastIndexOf('/') + 1);
  const scripts = p.ctx.projectScripts ?? {};
  if (Object.prototype.hasOwnProperty.call(scripts, name)) {
    const spec = scripts[name].split(':')[0].trim();
    if (p.projectIndex && spec) {
      const moduleTargetOfScript: EntryTarget = { kind: TargetKind.MODULE, name: spec, role: `the module of project script "${name}"` };
      const found = findInstalled(p, spec);
      extra.push(found !== undefined
        ? {
          target: moduleTargetOfScript,
          status: EntryStatus.FOUND,
          origin: EntryOrigin.INSTALLED_PROJECT,
          location: found,
        }
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
    if (declared) {
      return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: declared };
    }
    return {
      target,
      status: EntryStatus.MISSING,
      problem: `${target.role} "${name}" comes from ${providers.map(quote).join(' or ')}, which no declared requirement provides`,
      expected: `${providers.map(quote).join(' or ')} among the requirements`,
    };
  }
  const sameName = p.requirements.find((r) => r.name === normalizePackageName(name));
  if (sameName) {
    return { target, status: EntryStatus.FOUND, origin: EntryOrigin.REQUIREMENT, location: sameName.name };
  }
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
