import { existsSync, readFileSync, realpathSync, statSync } from 'fs';
import { isAbsolute, join, normalize, relative, sep } from 'path';
import { Problems } from '../core/problems';

/**
 * Reads the dependency files of one service: paths are relative to the project root, in
 * POSIX form, and must stay inside it (also through symbolic links). Every file read is
 * recorded, for re-synthesis when one changes.
 */
export class ProjectFiles {
  /** Files read, relative to the project root, in the order first read. */
  public readonly inputs: string[] = [];
  private readonly rootReal: string;

  constructor(public readonly root: string, private readonly problems: Problems) {
    this.rootReal = realpathSync(root);
  }

  /**
   * Normalizes a project-relative path; undefined (after a problem) when it is absolute or
   * leaves the project. `field` names where the path was given.
   */
  public checkPath(field: string, path: string): string | undefined {
    const expected = 'a path relative to the project root, inside the project';
    if (path.trim() === '' || isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) {
      this.problems.add(`${field} is not a relative path`, path, expected);
      return undefined;
    }
    const rel = normalize(path).split(sep).join('/');
    if (rel === '..' || rel.startsWith('../')) {
      this.problems.add(`${field} is outside the project`, path, expected);
      return undefined;
    }
    return rel;
  }

  /** True when the project has this file (a relative path checked with `checkPath`). */
  public has(rel: string): boolean {
    const full = join(this.root, rel);
    return existsSync(full) && statSync(full).isFile();
  }

  /** Reads a file; undefined (after a problem) when it is missing or resolves outside the project. */
  public read(field: string, rel: string): string | undefined {
    const full = join(this.root, rel);
    if (!existsSync(full) || !statSync(full).isFile()) {
      this.problems.add(`${field} does not exist`, rel, 'a file of the project (paths are relative to the project root)');
      return undefined;
    }
    const real = realpathSync(full);
    const fromRoot = relative(this.rootReal, real);
    if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot)) {
      this.problems.add(`${field} links outside the project`, rel, 'a file inside the project (symbolic links may not leave it)');
      return undefined;
    }
    if (!this.inputs.includes(rel)) this.inputs.push(rel);
    return readFileSync(full, 'utf-8').replace(/^\uFEFF/, '');
  }
}

/** `dir/a.txt` + `../b.txt` -> `b.txt` (POSIX, unchecked). */
export function joinRelative(fromFile: string, target: string): string {
  const dir = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
  return normalize(join(dir, target)).split(sep).join('/');
}
