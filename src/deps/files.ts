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

  /**
   * Reads a file, decoded as its tool decodes it (`decodeFile`); undefined (after a problem)
   * when it is missing, resolves outside the project or is not text.
   */
  public read(field: string, rel: string, syntax: FileSyntax = 'pip'): string | undefined {
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
    const decoded = decodeFile(readFileSync(full), syntax);
    if (typeof decoded === 'string') return decoded;
    this.problems.add(`${rel}:${decoded.line} ${decoded.what}`, decoded.got, decoded.expected);
    return undefined;
  }
}

/** How a file is decoded: as pip decodes a requirement file, or as TOML and YAML readers do. */
export type FileSyntax = 'pip' | 'toml' | 'yaml';

/** Why a file cannot be decoded, with the line it happens on. */
interface DecodeFailure {
  readonly line: number;
  readonly what: string;
  readonly got: string;
  readonly expected: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const BOMS: ReadonlyArray<readonly [number[], 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32']> = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe, 0x00, 0x00], 'utf-32'],
  [[0x00, 0x00, 0xfe, 0xff], 'utf-32'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];
// PEP 263, as pip's auto_decode looks for it in the first two lines of a requirement file
const CODING = /coding[:=]\s*([-\w.]+)/;

/**
 * Decodes a file the way its tool does. pip (`pip._internal.utils.encoding.auto_decode`): a byte
 * order mark of UTF-8 or UTF-16 (what `pip freeze > requirements.txt` writes in Windows
 * PowerShell 5) selects the encoding; else a PEP 263 `coding:` comment in the first two lines;
 * else the build's locale, UTF-8 in the official python images. TOML files are UTF-8 (the TOML
 * specification), a UTF-8 byte order mark tolerated; YAML files may be UTF-8 or UTF-16 with a
 * byte order mark (the YAML specification). Bytes that are not text in the encoding are refused
 * with the line they stand on, never replaced. UTF-32 files are refused: pip takes the byte
 * order mark of UTF-32 little-endian for UTF-16's and reads garbage.
 */
export function decodeFile(data: Uint8Array, syntax: FileSyntax): string | DecodeFailure {
  const bom = BOMS.find(([bytes]) => bytes.every((b, i) => data[i] === b));
  const resave = syntax === 'toml' ? 'a toml file in utf-8 (the toml specification)' : 'the file saved as utf-8 (or utf-16 with a byte order mark)';
  if (bom && (bom[1] === 'utf-32' || (syntax === 'toml' && bom[1] !== 'utf-8'))) {
    return { line: 1, what: `is in ${bom[1].replace(/le|be$/, '')}, which ${syntax === 'toml' ? 'toml readers refuse' : 'pip misreads'}`, got: bom[1], expected: resave };
  }
  const body = bom ? data.subarray(bom[0].length) : data;
  let encoding: string = bom ? bom[1] : 'utf-8';
  if (!bom && syntax === 'pip') {
    const firstLines = Buffer.from(data).toString('latin1').split('\n').slice(0, 2);
    const declared = firstLines.map((l) => (l.startsWith('#') ? CODING.exec(l)?.[1] : undefined)).find((e) => e !== undefined);
    if (declared !== undefined) {
      const known = pythonCodec(declared);
      if (!known) {
        return { line: 1 + firstLines.findIndex((l) => l.includes(declared)), what: 'declares an encoding this library does not read', got: declared, expected: `${resave}, or a coding line of utf-8, ascii or latin-1` };
      }
      encoding = known;
    }
  }
  if (encoding === 'latin-1') return Buffer.from(body).toString('latin1');
  const lines = splitBytes(body, encoding);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      const text = encoding === 'utf-8' || encoding === 'ascii' ? UTF8.decode(lines[i]) : new TextDecoder(encoding, { fatal: true }).decode(lines[i]);
      if (encoding === 'ascii' && /[^\x00-\x7f]/.test(text)) throw new TypeError('not ascii');
      out.push(text);
    } catch (e) {
      // TextDecoder's TypeError (of node's own realm: instanceof fails in a test sandbox)
      if ((e as Error)?.name !== 'TypeError') throw e;
      const shown = Buffer.from(lines[i]).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      return { line: i + 1, what: `is not valid ${encoding} text`, got: shown, expected: resave };
    }
  }
  return out.join('\n');
}

/** Python's name of a codec, as a TextDecoder label (the few this library reads), or undefined. */
function pythonCodec(name: string): string | undefined {
  const n = name.toLowerCase().replace(/_/g, '-');
  if (['utf-8', 'utf8', 'u8', 'utf'].includes(n)) return 'utf-8';
  if (['ascii', 'us-ascii', '646'].includes(n)) return 'ascii';
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1', 'cp819'].includes(n)) return 'latin-1';
  return undefined;
}

/**
 * Splits encoded bytes at line feeds (a two-byte one in UTF-16), keeping each line's bytes apart from the
 * feed.
 */
function splitBytes(data: Uint8Array, encoding: string): Uint8Array[] {
  const width = encoding.startsWith('utf-16') ? 2 : 1;
  const isFeed = (i: number): boolean => (width === 1 ? data[i] === 0x0a
    : encoding === 'utf-16le' ? data[i] === 0x0a && data[i + 1] === 0x00 : data[i] === 0x00 && data[i + 1] === 0x0a);
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i + width <= data.length; i += width) {
    if (isFeed(i)) {
      out.push(data.subarray(start, i));
      start = i + width;
    }
  }
  out.push(data.subarray(start));
  return out;
}

/** `dir/a.txt` + `../b.txt` -> `b.txt` (POSIX, unchecked). */
export function joinRelative(fromFile: string, target: string): string {
  const dir = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
  return normalize(join(dir, target)).split(sep).join('/');
}
