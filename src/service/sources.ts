import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'fs';
import { join, relative, sep } from 'path';
import ignore from '@balena/dockerignore';
import { ALWAYS_EXCLUDED, alwaysExcludedPattern } from '../core/dockerignore';
import { Problems } from '../core/problems';
import { SourceCopy } from '../image/image-model';
import { APP_DIR, SHARED_CODE_DIR, RUNTIME_HELPERS_DIR } from '../image/image-paths';

const REL_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;
const ABS_PATH = /^\/[A-Za-z0-9_./-]*$/;

export { APP_DIR };

/** A path relative to the project root, inside it, with no `..` escape (a folder or a file). */
export function checkRelativeDir(problems: Problems, field: string, value: string): void {
  const parts = value.split('/');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    problems.add(`${field} is absolute`, value, 'a path relative to the project root, e.g. "services/api"');
  } else if (parts.includes('..')) {
    problems.add(`${field} escapes the project`, value, 'a path inside the project, without ".."');
  } else if (!REL_PATH.test(value) || parts.some((p) => p === '' || p === '.') || value.endsWith('/')) {
    problems.add(field, value, 'a clean relative path of letters, digits, "_", "-", "." and "/", e.g. "services/api"');
  }
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/**
 * Checks a service's `sources` against the project on disk and returns one copy per entry, each
 * landing at `/app/<path>`: a clean relative path, present under `root` and really inside it (a
 * symlink may not lead out), not a folder the ignore files always exclude, listed once and not
 * inside another entry, and not where the generated or shared files go (`docker/`, `services/common`,
 * `/app/common`). Problems are added to `problems`; the copies of the valid entries are returned.
 */
export function resolveSources(problems: Problems, root: string, sources: readonly string[]): SourceCopy[] {
  if (sources.length === 0) {
    problems.add('sources is empty', sources, 'at least one folder or file of the project, e.g. ["src/app", "train.py"], or no sources (then sourceDir is used)');
    return [];
  }
  const copies: SourceCopy[] = [];
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  sources.forEach((source, i) => {
    const field = `sources[${i}]`;
    const before = problems.count;
    checkRelativeDir(problems, field, source);
    if (problems.count > before) return;
    const first = sources.indexOf(source);
    if (first !== i) {
      problems.add(`${field} is listed twice`, source, 'each path once');
      return;
    }
    const outer = sources.find((other) => other !== source && inside(source, other));
    if (outer !== undefined) {
      problems.add(`${field} is inside another source ("${outer}"), which already copies it`, source, `each file copied once: drop "${source}" or "${outer}"`);
      return;
    }
    if (inside(source, 'docker') || inside(source, RUNTIME_HELPERS_DIR)) {
      problems.add(`${field} names the generated docker/ folder`, source, 'a folder or file of your code, not a generated one');
      return;
    }
    if (inside(source, 'common')) {
      problems.add(`${field} lands on ${APP_DIR}/common, where the shared code (${SHARED_CODE_DIR}) is copied: one copy would hide the other's files`, source,
        `a path outside "common/" (put shared code in ${SHARED_CODE_DIR})`);
      return;
    }
    const excludedBy = alwaysExcludedPattern(source);
    if (excludedBy) {
      problems.add(`${field} names a path the ignore files always exclude (${excludedBy})`, source, 'a code folder or file whose path has no environment, cache or secrets folder in it');
      return;
    }
    const full = join(root, ...source.split('/'));
    if (!existsSync(full)) {
      problems.add(`${field} does not exist in the project`, source, `a folder or file under ${root}`);
      return;
    }
    const real = realpathSync(full);
    const rel = relative(realRoot, real);
    if (rel.startsWith('..') || rel === '' || rel.split(sep)[0] === '..') {
      problems.add(`${field} leads out of the project (a symlink to ${real})`, source, 'a folder or file inside the project');
      return;
    }
    if (statSync(real).isDirectory() && readdirSync(real).length === 0) {
      const submodule = submodulePaths(root).includes(source);
      problems.add(submodule
        ? `${field} is an empty folder: the git submodule ${source} (.gitmodules) was not checked out`
        : `${field} is an empty folder, so the image would get no code from it`, source,
      submodule ? `its files: git submodule update --init ${source} (or clone with --recursive)`
        : 'a folder with the code, or no such entry');
      return;
    }
    const link = danglingLink(root, realRoot, source, sources);
    if (link) {
      problems.add(`${field} holds a symlink ${link.path} to ${link.target}, which the build context does not hold `
        + '(BuildKit sends the link, not the file it points to)', source,
      `the link's target inside the copied sources (add "${link.target}" to sources), or the file itself in place of the link`);
      return;
    }
    copies.push({ from: source, to: `${APP_DIR}/${source}` });
  });
  return copies;
}

/** The `path = ...` entries of the project's `.gitmodules`, if any. */
function submodulePaths(root: string): string[] {
  const file = join(root, '.gitmodules');
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf-8').matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) => m[1].replace(/\/+$/, ''));
}

/**
 * The first symlink at or under a source whose target the build context lacks: the target (as a
 * project path) lies outside every source, so the link reaches the image dangling. A link into
 * another source resolves in the image too, as every source keeps its project path under /app.
 */
function danglingLink(
  root: string, realRoot: string, source: string, sources: readonly string[],
): { path: string; target: string } | undefined {
  // what the ignore files leave out never reaches the image, links or not (a .venv's bin/python)
  const excluded = ignore().add([...ALWAYS_EXCLUDED]);
  const walk = (rel: string): { path: string; target: string } | undefined => {
    if (excluded.ignores(rel)) return undefined;
    const full = join(root, ...rel.split('/'));
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) {
      const target = existsSync(full) ? relative(realRoot, realpathSync(full)).split(sep).join('/') : undefined;
      const held = target !== undefined && !target.startsWith('..')
        && sources.some((s) => inside(target, s));
      return held ? undefined : { path: rel, target: target ?? readlinkSync(full) };
    }
    if (!stat.isDirectory()) return undefined;
    for (const name of readdirSync(full).sort()) {
      const found = walk(`${rel}/${name}`);
      if (found) return found;
    }
    return undefined;
  };
  return walk(source);
}

/** Checks the container's working directory: `/app` or a folder under it. */
export function checkWorkdir(problems: Problems, workdir: string): void {
  const parts = workdir.split('/').slice(1);
  if (!ABS_PATH.test(workdir) || !inside(workdir.replace(/\/$/, ''), APP_DIR) || workdir.endsWith('/') && workdir !== '/'
    || parts.some((p) => p === '' || p === '.' || p === '..')) {
    problems.add('workdir', workdir, `"${APP_DIR}" or a clean absolute folder under it, e.g. "${APP_DIR}/src"`);
  }
}
