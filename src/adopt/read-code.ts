import { Place, Repo } from './repo';
import { logicalLines } from './shell-words';

/**
 * What a repository's Python code and documents say about how it runs, read as text (nothing
 * is imported or executed): web app objects and their routes, main guards, imports, the
 * command lines of its READMEs and docs, the Python versions its CI sets up. Pure functions
 * over the repository's text.
 */

/** A web application object defined at the top of a module (`app = FastAPI()`). */
export interface AppObject {
  /** The module's file. */
  readonly file: string;
  readonly variable: string;
  readonly framework: 'FastAPI' | 'Flask' | 'Starlette' | 'Quart' | 'Sanic';
  readonly line: number;
}

/** A route declared on an app object (`@app.get("/api/ping")`). */
export interface Route {
  readonly file: string;
  readonly variable: string;
  readonly method: string;
  readonly path: string;
  readonly line: number;
}

export interface CodeFacts {
  readonly apps: readonly AppObject[];
  readonly routes: readonly Route[];
  /** Files with `if __name__ == '__main__':`. */
  readonly mainGuards: ReadonlySet<string>;
  /** Top-level import names per file (`torch`, `whisper`, `wis`). */
  readonly imports: ReadonlyMap<string, ReadonlySet<string>>;
  /** `@click.option('--port', default=8000)` and the like, per file. */
  readonly optionDefaults: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /**
   * Relative imports of a module the tree does not have (`from .version import ...`, a file a build step
   * writes).
   */
  readonly missingRelative: ReadonlyArray<{
    readonly file: string;
    readonly module: string;
    readonly line: number;
  }>;
}

/** Python files that are not the application's (tests, docs, notebooks' exports, vendored tools). */
const NOT_APP = /(^|\/)(tests?|testing|docs?|examples?|benchmarks?|notebooks?|scripts\/matlab_scripts)\//;
/** How many Python files are read for app objects and imports. */
const MAX_PY = 3000;

const APP = new RegExp(String.raw`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_.]+\s*)?=\s*`
  + String.raw`(?:[A-Za-z_][A-Za-z0-9_]*\.)?(FastAPI|Flask|Starlette|Quart|Sanic)\(`);
const ROUTE = new RegExp(String.raw`^@([A-Za-z_][A-Za-z0-9_]*)\.`
  + String.raw`(get|post|put|delete|patch|head|route|api_route)\(`
  + String.raw`\s*(?:path\s*=\s*)?(['"])([^'"\n]*)\3`);
const MAIN = /^if\s+__name__\s*==\s*(['"])__main__\1\s*:/;
const IMPORT = new RegExp(String.raw`^\s*(?:from\s+([A-Za-z_][A-Za-z0-9_.]*)\s+import\b`
  + String.raw`|import\s+([A-Za-z_][A-Za-z0-9_.]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_.]*)*))`);
const OPTION = /^@click\.option\(\s*['"](--[a-z0-9-]+)['"][^)]*?\bdefault\s*=\s*(['"]?)([^,'")\s]+)\2/;

export function readCode(repo: Repo): CodeFacts {
  const apps: AppObject[] = [];
  const routes: Route[] = [];
  const mainGuards = new Set<string>();
  const imports = new Map<string, Set<string>>();
  const optionDefaults = new Map<string, Record<string, string>>();
  const missingRelative: Array<{ file: string; module: string; line: number }> = [];
  const files = repo.files.filter((f) => f.endsWith('.py')).slice(0, MAX_PY);
  for (const file of files) {
    const text = repo.text(file);
    if (text === undefined) continue;
    const names = new Set<string>();
    const options: Record<string, string> = {};
    text.split(/\r?\n/).forEach((line, i) => {
      const app = APP.exec(line);
      if (app && !NOT_APP.test(file)) {
        apps.push({ file, variable: app[1], framework: app[2] as AppObject['framework'], line: i + 1 });
      }
      const route = ROUTE.exec(line);
      if (route) routes.push({ file, variable: route[1], method: route[2], path: route[4], line: i + 1 });
      if (MAIN.test(line)) mainGuards.add(file);
      const imp = IMPORT.exec(line);
      if (imp) {
        if (imp[1] && !imp[1].startsWith('.')) names.add(imp[1].split('.')[0]);
        if (imp[2]) imp[2].split(',').forEach((n) => names.add(n.trim().split('.')[0]));
      }
      const relative = /^from\s+\.([A-Za-z_][A-Za-z0-9_]*)\s+import\b/.exec(line);
      if (relative) {
        const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
        const base = `${dir ? `${dir}/` : ''}${relative[1]}`;
        if (!repo.has(`${base}.py`) && !repo.isFolder(base)) {
          missingRelative.push({ file, module: `.${relative[1]}`, line: i + 1 });
        }
      }
      const option = OPTION.exec(line);
      if (option) options[option[1]] = option[3];
    });
    imports.set(file, names);
    if (Object.keys(options).length > 0) optionDefaults.set(file, options);
  }
  return { apps, routes, mainGuards, imports, optionDefaults, missingRelative };
}

/** A module's file (`wis.audio` -> `wis/audio.py` or `wis/audio/__init__.py`) under a folder of the '
  + 'repository. */
export function moduleFile(repo: Repo, module: string, under = ''): string | undefined {
  const base = `${under ? `${under}/` : ''}${module.replace(/\./g, '/')}`;
  return [`${base}.py`, `${base}/__init__.py`].find((f) => repo.has(f));
}

/** A command line written in a README or a document. */
export interface DocCommand {
  readonly text: string;
  readonly at: Place;
}

/** READMEs and the documents they usually link for installing and running. */
export function docFiles(repo: Repo): string[] {
  return repo.files.filter(
    (f) =>
      /^(README|INSTALL|USAGE|GETTING_STARTED)[^/]*\.(md|rst|txt)$/i.test(f) ||
      /^docs?\/[^/]*\.md$/i.test(f) ||
      /^[^/]+\/README\.md$/i.test(f),
  );
}

const SHELL_FENCES = [
  '',
  'bash',
  'sh',
  'shell',
  'console',
  'zsh',
  'shell-session',
  'sh-session',
  'text',
  'python',
];

/**
 * The command lines of a Markdown document: fenced blocks of shell (and untagged ones),
 * indented blocks, and blockquoted commands; `$ ` prompts dropped, continuations joined.
 */
export function docCommands(file: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = text.split(/\r?\n/);
  const push = (block: Array<{ line: number; text: string }>) => {
    const joined = logicalLines(block.map((b) => b.text).join('\n'));
    for (const l of joined) {
      const cmd = l.text.trim().replace(/^\$\s+/, '');
      if (cmd === '' || cmd.startsWith('#')) continue;
      out.push({ text: cmd, at: { file, line: block[l.line - 1]?.line } });
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(```|~~~)\s*([A-Za-z-]*)/.exec(lines[i]);
    if (fence) {
      const block: Array<{ line: number; text: string }> = [];
      let j = i + 1;
      for (; j < lines.length && !lines[j].trim().startsWith(fence[1]); j++) {
        block.push({ line: j + 1, text: lines[j] });
      }
      if (SHELL_FENCES.includes(fence[2].toLowerCase())) push(block);
      i = j;
      continue;
    }
    if (/^( {4}|\t)\S/.test(lines[i]) && (i === 0 || lines[i - 1].trim() === '')) {
      const block: Array<{ line: number; text: string }> = [];
      let j = i;
      for (; j < lines.length && (/^( {4}|\t)/.test(lines[j]) || lines[j].trim() === ''); j++) {
        block.push({ line: j + 1, text: lines[j].replace(/^( {4}|\t)/, '') });
      }
      push(block);
      i = j - 1;
      continue;
    }
    if (/^>\s?\S/.test(lines[i])) {
      const block: Array<{ line: number; text: string }> = [];
      let j = i;
      for (; j < lines.length && /^>/.test(lines[j]); j++) {
        block.push({ line: j + 1, text: lines[j].replace(/^>\s?/, '').replace(/\\+$/, '\\') });
      }
      push(block);
      i = j - 1;
    }
  }
  return out;
}

/** Python versions a CI workflow sets up (`python-version: "3.11"`, or a matrix list). */
export function workflowPythons(
  file: string,
  text: string,
): Array<{ readonly version: string; readonly at: Place }> {
  const out: Array<{ version: string; at: Place }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /python-version\s*:\s*(.*)$/.exec(line);
    if (!m) return;
    for (const v of m[1].matchAll(/(?<![\d.])(3\.\d{1,2})(?![\d.])/g)) {
      out.push({ version: v[1], at: { file, line: i + 1 } });
    }
  });
  return out;
}
