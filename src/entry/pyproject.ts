/** What `installProject` needs from a `pyproject.toml`. */
export interface PyprojectFacts {
  /** `[project] name`. */
  readonly name?: string;
  /** `[build-system] build-backend`. */
  readonly buildBackend?: string;
  /** `[project.scripts]` (also written `scripts.x = ...` or `scripts = { ... }` under `[project]`): name -> `module:function`. */
  readonly scripts: Readonly<Record<string, string>>;
  /** `[project] readme` when it names a file (a string, or `{ file = ... }`). */
  readonly readme?: string;
  /** `[project] license = { file = ... }`. */
  readonly licenseFile?: string;
}

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
const STRING = String.raw`(?:"((?:[^"\\]|\\.)*)"|'([^']*)')`;

function unquoteKey(key: string): string {
  const k = key.trim();
  return (k.startsWith('"') && k.endsWith('"')) || (k.startsWith('\'') && k.endsWith('\'')) ? k.slice(1, -1) : k;
}

function stringValue(match: RegExpMatchArray, at: number): string {
  return match[at] !== undefined ? match[at].replace(/\\(["\\])/g, '$1') : match[at + 1];
}

/** `{ a = "x", b = "y" }` -> entries (string values only). */
function inlineTable(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pair = new RegExp(`(${KEY})\\s*=\\s*${STRING}`, 'g');
  for (const m of text.matchAll(pair)) out[unquoteKey(m[1])] = stringValue(m, 2);
  return out;
}

/**
 * Reads the few `pyproject.toml` keys the project install needs. A reader for the common shapes
 * (tables, dotted keys, inline tables, string values), not a TOML parser: values that are not
 * strings are ignored.
 */
export function readPyproject(text: string): PyprojectFacts {
  let table = '';
  let name: string | undefined;
  let buildBackend: string | undefined;
  let readme: string | undefined;
  let licenseFile: string | undefined;
  const scripts: Record<string, string> = {};
  const assign = new RegExp(`^(${KEY}(?:\\s*\\.\\s*${KEY})*)\\s*=\\s*(.*)$`);
  const str = new RegExp(`^${STRING}`);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      table = header[1].split('.').map(unquoteKey).join('.');
      continue;
    }
    const m = assign.exec(line);
    if (!m) continue;
    const path = [...table ? table.split('.') : [], ...m[1].split(/\s*\.\s*(?=(?:[^"']|"[^"]*"|'[^']*')*$)/).map(unquoteKey)];
    const value = m[2].trim();
    const s = str.exec(value);
    const key = path.join('.');
    if (key === 'project.name' && s) name = stringValue(s, 1);
    else if (key === 'build-system.build-backend' && s) buildBackend = stringValue(s, 1);
    else if (key === 'project.readme' && s) readme = stringValue(s, 1);
    else if (key === 'project.readme' && value.startsWith('{')) readme = inlineTable(value).file;
    else if (key === 'project.readme.file' && s) readme = stringValue(s, 1);
    else if (key === 'project.license' && value.startsWith('{')) licenseFile = inlineTable(value).file;
    else if (key === 'project.license.file' && s) licenseFile = stringValue(s, 1);
    else if (key === 'project.scripts' && value.startsWith('{')) Object.assign(scripts, inlineTable(value));
    else if (path.length === 3 && path[0] === 'project' && path[1] === 'scripts' && s) scripts[path[2]] = stringValue(s, 1);
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(scripts).sort()) sorted[k] = scripts[k];
  return { name, buildBackend, scripts: sorted, readme, licenseFile };
}
