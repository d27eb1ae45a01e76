import { spawnSync } from 'child_process';
import { Dirent, lstatSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';

/**
 * A repository as adoption reads it: its files as git sees them (tracked and untracked, not
 * ignored), or a walk of the folder without git; each text file read at most once, never a big
 * one, never through a link that leads out.
 */

/** Folders never read: installed packages, environments, VCS metadata, caches. */
const SKIPPED = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
]);
/** Files larger than this are not read as text (a lock of several MB still is). */
const MAX_TEXT = 8 * 1024 * 1024;
/** At most this many files are listed (a walk of a folder that is not a repository). */
const MAX_FILES = 50_000;

/** Where a value was read: a file and, where known, its line. */
export interface Place {
  readonly file: string;
  readonly line?: number;
}

/** `Dockerfile:12`, or the file alone. */
export function placeText(place: Place): string {
  return place.line !== undefined ? `${place.file}:${place.line}` : place.file;
}

export class Repo {
  /** Every file, relative and `/`-separated, sorted by code unit. */
  public readonly files: readonly string[];
  /** The files git tracks (empty without git). */
  public readonly tracked: ReadonlySet<string>;
  /** The files git tracks as executable. */
  public readonly executable: ReadonlySet<string>;
  private readonly texts = new Map<string, string | undefined>();

  constructor(public readonly root: string) {
    const listed = gitFiles(root);
    this.files = (listed?.files ?? walk(root))
      .filter((f) => !f.split('/').some((p) => SKIPPED.has(p)))
      .sort(byCodeUnit);
    this.tracked = new Set(listed?.tracked ?? []);
    this.executable = new Set(listed?.executable ?? []);
  }

  public has(file: string): boolean {
    return this.files.includes(file);
  }

  /** Files whose path matches. */
  public find(pattern: RegExp): string[] {
    return this.files.filter((f) => pattern.test(f));
  }

  /** A folder holds at least one listed file. */
  public isFolder(dir: string): boolean {
    return this.files.some((f) => f.startsWith(`${dir}/`));
  }

  /** A file's text (UTF-8, a BOM dropped), or undefined: missing, a link, a folder, too big, binary. */
  public text(file: string): string | undefined {
    if (this.texts.has(file)) return this.texts.get(file);
    let text: string | undefined;
    try {
      const stat = lstatSync(join(this.root, file));
      if (stat.isFile() && stat.size <= MAX_TEXT) {
        const bytes = readFileSync(join(this.root, file));
        text = bytes.includes(0) ? undefined : bytes.toString('utf-8').replace(/^\ufeff/, '');
      }
    } catch {
      text = undefined;
    }
    this.texts.set(file, text);
    return text;
  }

  /** The size of a file in bytes, or undefined. */
  public size(file: string): number | undefined {
    try {
      return lstatSync(join(this.root, file)).size;
    } catch {
      return undefined;
    }
  }
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function git(root: string, args: string[]): string[] | undefined {
  const result = spawnSync('git', ['-C', root, '-c', 'core.quotePath=false', ...args], {
    encoding: 'utf-8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.split('\0').filter((l) => l !== '');
}

function gitFiles(root: string): { files: string[]; tracked: string[]; executable: string[] } | undefined {
  const inside = git(root, ['rev-parse', '--show-prefix']);
  if (inside === undefined) return undefined;
  const staged = git(root, ['ls-files', '-z', '-s', '--cached']);
  const others = git(root, ['ls-files', '-z', '--others', '--exclude-standard']);
  const deleted = new Set(git(root, ['ls-files', '-z', '--deleted']) ?? []);
  if (!staged || !others) return undefined;
  const pathOf = (entry: string) => entry.slice(entry.indexOf('\t') + 1);
  const tracked = staged
    .filter((e) => !e.startsWith('160000 '))
    .map(pathOf)
    .filter((f) => !deleted.has(f));
  const executable = staged.filter((e) => e.startsWith('100755 ')).map(pathOf);
  return { files: [...new Set([...tracked, ...others])], tracked, executable };
}

function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name)) visit(rel);
      } else {
        out.push(rel);
      }
    }
  };
  visit('');
  return out;
}
