import { posix } from 'path';
import ignore from '@balena/dockerignore';

/** One `COPY` of project files into the image. */
export interface CopySource {
  /** The project path copied (a folder or a file), relative to the project root, `/`-separated. */
  readonly from: string;
  /** Where it lands: the folder a copied folder becomes, or the file a copied file becomes (absolute). */
  readonly to: string;
}

/**
 * The files a set of `COPY` sources puts in the image: image path -> whether it gets there
 * (`false`: the project has it, but the ignore text drops it from the build context).
 * `files` is the project tree (root-relative paths, e.g. from `readProjectTree`).
 * Later copies win over earlier ones on the same image path, as in a Dockerfile.
 */
export function imageFileMap(files: readonly string[], copies: readonly CopySource[], dockerignore = ''): Map<string, boolean> {
  const matcher = ignore().add(dockerignore.split(/\r?\n/));
  const map = new Map<string, boolean>();
  for (const copy of copies) {
    const from = copy.from.replace(/^\.\/?/, '').replace(/\/+$/, '');
    const to = posix.normalize(copy.to).replace(/\/+$/, '') || '/';
    for (const file of files) {
      let target: string | undefined;
      if (from === '' ) target = posix.join(to, file);
      else if (file === from) target = to;
      else if (file.startsWith(`${from}/`)) target = posix.join(to, file.slice(from.length + 1));
      if (target !== undefined) map.set(target, !matcher.ignores(file));
    }
  }
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Presence lookups over an image file map, computed once. */
export class ImageIndex {
  /** Files that reach the image. */
  public readonly present: ReadonlySet<string>;
  /** Files the project has that the ignore text drops. */
  public readonly dropped: ReadonlySet<string>;
  /** Folders holding a present `.py` file at any depth (namespace packages, package folders). */
  public readonly pythonDirs: ReadonlySet<string>;
  /** Folders holding any present file. */
  public readonly dirs: ReadonlySet<string>;

  constructor(files: ReadonlyMap<string, boolean>) {
    const present = new Set<string>();
    const dropped = new Set<string>();
    const pythonDirs = new Set<string>();
    const dirs = new Set<string>();
    for (const [file, there] of files) {
      const path = posix.normalize(file);
      if (!there) {
        dropped.add(path);
        continue;
      }
      present.add(path);
      const python = isPythonSource(path);
      for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
        dirs.add(dir);
        if (python) pythonDirs.add(dir);
        if (dir === '/' || dir === '.') break;
      }
    }
    this.present = present;
    this.dropped = dropped;
    this.pythonDirs = pythonDirs;
    this.dirs = dirs;
  }

}

/**
 * A Python source or extension module file name: `x.py`, `x.cpython-311-x86_64-linux-gnu.so`, `x.abi3.so`,
 * `x.so`.
 */
export function isPythonSource(path: string): boolean {
  return /\.py$/.test(path) || /\.so$/.test(path);
}

/** The module name a file defines (`a.py`, `a.cpython-311-x86_64-linux-gnu.so` -> `a`), or undefined. */
export function moduleStem(fileName: string): string | undefined {
  if (fileName.endsWith('.py')) return fileName.slice(0, -3);
  if (fileName.endsWith('.so')) return fileName.split('.')[0];
  return undefined;
}
