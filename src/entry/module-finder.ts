import { posix } from 'path';
import { ImageIndex, moduleStem } from './image-files';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a location returned by `ModuleFinder.find` is a package (folder) rather than a module file. */
export function isPackageLocation(location: string): boolean {
  return location.endsWith('/') || location.endsWith('/__init__.py');
}

/** Resolves dotted modules against folders of an image (or of the project). */
export class ModuleFinder {
  constructor(private readonly index: ImageIndex) {}

  /**
   * The file or folder that provides `name` under `root`, or undefined. A package needs `__init__.py` or .py
   * files inside (namespace).
   */
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
