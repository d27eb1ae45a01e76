import { spawnSync } from 'child_process';
import { Dirent, existsSync, lstatSync, readdirSync } from 'fs';
import { join, posix, sep } from 'path';

/** Folder names never listed: installed packages and VCS metadata. */
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);

/** How a project tree was read. */
export enum ProjectTreeSource {
  /** `git ls-files` of the repository the project root is in. */
  GIT = 'git',
  /** A walk of the file system (no git repository, or git not installed). */
  FILESYSTEM = 'filesystem',
}

/** Options of {@link readProjectTree}. */
export interface ProjectTreeOptions {
  /**
   * Paths (folders or files, relative to the root, `/`-separated) to list; the whole root when empty.
   * @default [] (the whole root)
   */
  readonly paths?: readonly string[];
  /**
   * Also list files git ignores (data, weights, venvs a user has beside the code): they are in a
   * Docker build context even though git does not track them. No effect on a file-system walk,
   * which lists every file.
   * @default false
   */
  readonly includeIgnored?: boolean;
}

/** The files of a project, as git sees them when there is a repository. */
export interface ProjectTree {
  /** How the tree was read. */
  readonly source: ProjectTreeSource;
  /** Every listed file, relative to the root, `/`-separated, sorted by code unit. */
  readonly files: readonly string[];
  /** The subset of `files` git ignores (only with `includeIgnored` and a repository); sorted. */
  readonly ignored: readonly string[];
  /** The subset of `files` git tracks (in the index); empty for a file-system walk; sorted. */
  readonly tracked: readonly string[];
  /**
   * The subset of `tracked` git records as executable (index mode 100755): what a checkout gets
   * with the executable bit, whatever the work tree's modes; sorted.
   * @default []
   */
  readonly trackedExecutable?: readonly string[];
  /** Requested `paths` that do not exist under the root, in the order given. */
  readonly missing: readonly string[];
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function skipped(file: string): boolean {
  return file.split('/').some((part) => SKIPPED_DIRS.has(part));
}

/** Runs git in `root`; undefined when git is missing or fails. NUL-separated output split. */
function git(root: string, args: readonly string[]): string[] | undefined {
  const result = spawnSync('git', ['-C', root, '--literal-pathspecs', '-c', 'core.quotePath=false', ...args], {
    encoding: 'utf-8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.split('\0').filter((line) => line.length > 0);
}

/** Whether `root` is inside a git work tree (and git runs). */
function inGitWorkTree(root: string): boolean {
  const out = git(root, ['rev-parse', '--is-inside-work-tree']);
  return out !== undefined && out.join('').trim() === 'true';
}

/** Lists every file under `dir` (relative to `root`), skipping node_modules and .git; symlinks are files. */
function walk(root: string, dir: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(root, rel, out);
    else out.push(rel);
  }
}

/** Walks one requested path: a file is itself, a folder its files. */
function walkPath(root: string, path: string, out: string[]): void {
  const stat = lstatSync(join(root, path), { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isDirectory()) walk(root, path, out);
  else if (!skipped(path)) out.push(path);
}

function cleanPath(path: string): string {
  return posix.normalize(path.split(sep).join('/')).replace(/^\.\/?/, '').replace(/\/+$/, '');
}

/**
 * Lists the files under `paths` of a project root. In a git work tree this is git's view, read
 * with two or three `git ls-files` runs: tracked and untracked-but-not-ignored files, minus
 * tracked files deleted from the work tree, plus git-ignored files with `includeIgnored`.
 * Without git, a file-system walk. `node_modules` and `.git` are never listed; gitlinks
 * (submodules) are walked on disk. Order: sorted by code unit, so output is deterministic.
 */
export function readProjectTree(root: string, options: ProjectTreeOptions = {}): ProjectTree {
  const paths = (options.paths ?? []).map(cleanPath);
  const missing = (options.paths ?? []).filter((_, i) => paths[i] !== '' && !existsSync(join(root, paths[i])));
  const wanted = paths.filter((p) => p !== '' && existsSync(join(root, p)));
  const whole = paths.length === 0 || paths.includes('');
  if (!whole && wanted.length === 0) {
    const source = inGitWorkTree(root) ? ProjectTreeSource.GIT : ProjectTreeSource.FILESYSTEM;
    return { source, files: [], ignored: [], tracked: [], trackedExecutable: [], missing };
  }
  const spec = whole ? [] : ['--', ...wanted];
  // Index entries read "<mode> <object> <stage>\t<path>" (-s: mode 160000 is a gitlink, 100755 an
  // executable); with --deleted, an entry whose file left the work tree is listed a second time.
  // ls-files fails outside a work tree (or without git): the file system is walked instead.
  const staged = git(root, ['ls-files', '-z', '-s', '--cached', '--deleted', ...spec]);
  const others = staged && git(root, ['ls-files', '-z', '--others', '--exclude-standard', ...spec]);
  const ignored = others && (options.includeIgnored ? git(root, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', ...spec]) : []);
  if (staged && others && ignored) {
    const seen = new Set<string>();
    const gone = new Set<string>();
    for (const entry of staged) {
      if (seen.has(entry)) gone.add(entry.slice(entry.indexOf('\t') + 1));
      seen.add(entry);
    }
    const files = new Set<string>();
    const trackedFiles: string[] = [];
    const add = (
      list: readonly string[], into?: string[], gitlinks: ReadonlySet<string> = new Set(),
    ): void => {
      for (const file of list) {
        if (gone.has(file) || skipped(file)) continue;
        if (gitlinks.has(file) || file.endsWith('/')) {
          // a submodule, or a nested repository (listed as "path/"): its files as on disk
          const inner: string[] = [];
          walk(root, file.replace(/\/$/, ''), inner);
          inner.forEach((f) => files.add(f));
          into?.push(...inner);
        } else {
          files.add(file);
          into?.push(file);
        }
      }
    };
    const entries = [...seen];
    const pathOf = (entry: string) => entry.slice(entry.indexOf('\t') + 1);
    const tracked = entries.map(pathOf);
    const gitlinks = new Set(entries.filter((entry) => entry.startsWith('160000 ')).map(pathOf));
    const executable = entries.filter((entry) => entry.startsWith('100755 ')).map(pathOf);
    add(tracked, trackedFiles, gitlinks);
    add(others);
    const ignoredFiles: string[] = [];
    add(ignored, ignoredFiles);
    return {
      source: ProjectTreeSource.GIT,
      files: [...files].sort(byCodeUnit),
      ignored: [...new Set(ignoredFiles)].sort(byCodeUnit),
      tracked: [...new Set(trackedFiles)].sort(byCodeUnit),
      trackedExecutable: [...new Set(executable.filter((f) => files.has(f)))].sort(byCodeUnit),
      missing,
    };
  }
  const out: string[] = [];
  if (whole) walk(root, '', out);
  else wanted.forEach((p) => walkPath(root, p, out));
  const files = [...new Set(out)].sort(byCodeUnit);
  return {
    source: ProjectTreeSource.FILESYSTEM, files, ignored: [], tracked: [], trackedExecutable: [], missing,
  };
}

/** Whether `file` is one of `paths` or lies under one of them ('' is the whole root). */
function under(file: string, paths: readonly string[]): boolean {
  return paths.some((p) => p === '' || file === p || file.startsWith(`${p}/`));
}

/**
 * The part of a tree under `paths` (as `readProjectTree(root, { paths })` of the same root would
 * list it, when `tree` was read for a superset of `paths`): one read of the project serves every
 * service's copied paths.
 */
export function projectSubtree(root: string, tree: ProjectTree, paths: readonly string[]): ProjectTree {
  const clean = paths.map(cleanPath);
  const missing = paths.filter((_, i) => clean[i] !== '' && !existsSync(join(root, clean[i])));
  const keep = (list: readonly string[]) =>
    (clean.length === 0 ? [...list] : list.filter((f) => under(f, clean)));
  return {
    source: tree.source,
    files: keep(tree.files),
    ignored: keep(tree.ignored),
    tracked: keep(tree.tracked),
    trackedExecutable: keep(tree.trackedExecutable ?? []),
    missing,
  };
}

/**
 * The paths git ignores under a project root, a wholly ignored folder listed once as
 * `folder/` (`git ls-files --others --ignored --exclude-standard --directory`), sorted by code
 * unit; empty outside a git work tree (a file-system walk ignores nothing).
 */
export function readIgnoredPaths(root: string): string[] {
  const listed = git(root, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  if (listed === undefined) return [];
  return [...new Set(listed.filter((p) => !skipped(p.replace(/\/$/, ''))))].sort(byCodeUnit);
}
