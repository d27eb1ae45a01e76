/**
 * Runs `.projenrc.ts` in plain node, the way a generated project's default task does:
 *
 *   node --require projen-ml-docker/lib/projenrc-register .projenrc.ts
 *
 * Why not tsx (`node --import tsx`)? Start-up is most of a re-synth. tsx registers module
 * hooks that sit in front of every module node loads (projen alone is hundreds) and turns
 * on source maps for all of them; that costs about a quarter of a second per `npx projen`.
 * Here only TypeScript files (`.ts`, `.cts`) get a hook, and each is transpiled once:
 * esbuild (the copy tsx installs) strips its types, and the result is cached under
 * `node_modules/.cache/projen-ml-docker/projenrc/`, keyed on the file's path and bytes,
 * this runner, the node major version and the text of `tsconfig.projen.json`.
 * An unchanged definition never loads esbuild; an edited one costs one transform.
 *
 * Like tsx, this strips types without checking them (the `typecheck` task does that) and
 * loads `.projenrc.ts` as CommonJS (as tsx does in a package without `"type": "module"`).
 * Relative imports of other `.ts` and `.cts` files work; tsconfig `paths` aliases and
 * imported `.mts`/`.tsx` files do not: `projenrcRunner: ProjenrcRunner.TSX` switches a
 * project to tsx for those. An entry point node loads as an ES module (`"type": "module"`
 * in package.json, or a `.mts` file) is run by `node --import tsx` in a child process:
 * CommonJS hooks never see it.
 *
 * Errors are reported for people: a bad definition (MlDockerValidationError) prints its
 * problems and the `.projenrc.ts` line they came from, without a stack trace; anything
 * else prints its stack with `.ts` positions mapped back to the source.
 *
 * This file is loaded on its own before anything else: it uses node built-ins only.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as Module from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

/** Extensions this runner compiles. `.mts` is an ES module, which CommonJS cannot load. */
const TS_EXTENSIONS = ['.ts', '.cts'];
const CACHE_DIR = path.join('node_modules', '.cache', 'projen-ml-docker', 'projenrc');
const TSCONFIG = 'tsconfig.projen.json';
/** Environment variable naming another tsconfig than `tsconfig.projen.json` (relative to cwd). */
const TSCONFIG_ENV = 'MLDOCKER_PROJENRC_TSCONFIG';
/** Set in the child that runs an ES-module entry point with tsx: report errors, hook nothing. */
const CHILD_ENV = 'MLDOCKER_PROJENRC_TSX_CHILD';
/** Set to `1` to log each compile as a cache hit or miss on stderr (used by the tests). */
const DEBUG_ENV = 'MLDOCKER_PROJENRC_DEBUG';

/** An error of this runner, reported as its message alone. */
class RunnerError extends Error {}

const cwd = process.cwd();
/** The code this process compiled, by absolute file name: maps stack positions back. */
const compiled = new Map<string, string>();
let runnerHash: string | undefined;
let tsconfigCache: { raw: string; display: string } | undefined;
let esbuildCache: { transformSync: (source: string, options: object) => { code: string } } | undefined;

function sha256(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** This runner's own identity: any change to it invalidates every cached transform. */
function runner(): string {
  runnerHash ??= sha256(fs.readFileSync(__filename, 'utf8'));
  return runnerHash;
}

/** The tsconfig named by MLDOCKER_PROJENRC_TSCONFIG, or `tsconfig.projen.json` (relative to cwd). */
function tsconfigName(): string {
  return process.env[TSCONFIG_ENV] || TSCONFIG;
}

/**
 * The text of `tsconfig.projen.json` (the file itself, not `extends`), as esbuild takes it:
 * esbuild reads JSON with comments and trailing commas, and the compiler options it
 * honours. It is not parsed here: an unchanged definition never needs it parsed.
 */
function tsconfig(): { raw: string; display: string } {
  if (tsconfigCache) return tsconfigCache;
  const name = tsconfigName();
  try {
    tsconfigCache = { raw: fs.readFileSync(path.resolve(cwd, name), 'utf8'), display: name };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || process.env[TSCONFIG_ENV]) {
      throw new RunnerError(`cannot read ${name}: ${(e as Error).message}`);
    }
    tsconfigCache = { raw: '{}', display: '(none)' };
  }
  return tsconfigCache;
}

/**
 * esbuild, from where tsx (a devDependency of every generated project) installed it, or
 * else from the project. Loaded only when a file has to be transpiled.
 */
function esbuild(filename: string): NonNullable<typeof esbuildCache> {
  if (esbuildCache) return esbuildCache;
  const from: string[] = [];
  try {
    from.push(path.dirname(require.resolve('tsx/package.json', { paths: [cwd] })));
  } catch {
    // no tsx: try the project itself
  }
  from.push(cwd);
  for (const dir of from) {
    let resolved: string;
    try {
      resolved = require.resolve('esbuild', { paths: [dir] });
    } catch {
      continue;
    }
    // a path found at run time (tsx's copy of esbuild): nothing to import statically
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    esbuildCache = require(resolved);
    return esbuildCache!;
  }
  throw new RunnerError(`cannot transpile ${display(filename)}: esbuild is not installed (it comes with tsx, a devDependency of this project); run \`npm install\``);
}

function display(filename: string): string {
  const rel = path.relative(cwd, filename);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : filename;
}

function debug(message: string): void {
  if (process.env[DEBUG_ENV] === '1') process.stderr.write(`projenrc-register: ${message}\n`);
}

/** The CommonJS code of a TypeScript file: from the cache, or transpiled and cached. */
function compile(filename: string): string {
  const source = fs.readFileSync(filename, 'utf8');
  const config = tsconfig();
  const nodeMajor = process.versions.node.split('.')[0];
  const key = sha256(runner(), nodeMajor, config.raw, filename, source);
  const dir = path.join(cwd, CACHE_DIR);
  const prefix = `${sha256(filename).slice(0, 16)}-`;
  const cacheFile = path.join(dir, `${prefix}${key.slice(0, 40)}.js`);
  try {
    const code = fs.readFileSync(cacheFile, 'utf8');
    debug(`hit ${display(filename)}`);
    return code;
  } catch {
    // not cached yet
  }
  debug(`miss ${display(filename)}`);
  const code = transpile(source, filename, config, nodeMajor);
  store(dir, prefix, cacheFile, code);
  return code;
}

/** An error esbuild reports (the fields used here). */
interface EsbuildMessage {
  readonly text: string;
  readonly location?: {
    readonly file: string; readonly line: number; readonly column: number; readonly lineText: string;
  } | null;
}

function transpile(
  source: string, filename: string, config: { raw: string; display: string }, nodeMajor: string,
): string {
  const { transformSync } = esbuild(filename);
  try {
    return transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      target: `node${nodeMajor}`,
      sourcemap: 'inline',
      sourcefile: filename,
      tsconfigRaw: config.raw,
    }).code;
  } catch (e) {
    const errors = (e as { errors?: EsbuildMessage[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw e;
    // esbuild parses the tsconfig text too, and names it `<tsconfig.json>` in its errors
    const inTsconfig = errors.find((err) => err.location?.file === '<tsconfig.json>');
    if (inTsconfig) {
      throw new RunnerError(`${config.display} is not valid JSON (${inTsconfig.text}, line ${inTsconfig.location!.line}, column ${inTsconfig.location!.column + 1})`);
    }
    const lines = errors.map((err) => {
      const at = err.location ? `${display(filename)}:${err.location.line}:${err.location.column + 1}` : display(filename);
      const excerpt = err.location ? `\n    ${err.location.lineText}\n    ${' '.repeat(err.location.column)}^` : '';
      return `  ${at}: ${err.text}${excerpt}`;
    });
    throw new RunnerError(`cannot transpile ${display(filename)} (${errors.length === 1 ? '1 error' : `${errors.length} errors`}; tsconfig: ${config.display}):\n${lines.join('\n')}`);
  }
}

/**
 * Writes one cache entry (a temporary file renamed into place, so a concurrent run never
 * reads half of one) and removes older entries of the same file. The cache only saves
 * time: if it cannot be written (a read-only node_modules), the run goes on without it.
 */
function store(dir: string, prefix: string, cacheFile: string, code: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cacheFile);
    for (const entry of fs.readdirSync(dir)) {
      if (entry.startsWith(prefix) && path.join(dir, entry) !== cacheFile && entry.endsWith('.js')) fs.rmSync(path.join(dir, entry), { force: true });
    }
  } catch (e) {
    debug(`cache not written: ${(e as Error).message}`);
  }
}

function load(module: NodeJS.Module, filename: string): void {
  const code = compile(filename);
  compiled.set(filename, code);
  (module as unknown as { _compile(code: string, filename: string): void })._compile(code, filename);
}

// ---------------------------------------------------------------------------------------
// Error reporting

/** The source map esbuild inlined into a compiled file. */
function sourceMapOf(filename: string): Module.SourceMap | undefined {
  const code = compiled.get(filename);
  const match = code ? /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code) : null;
  if (!match) return undefined;
  try {
    return new Module.SourceMap(JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')));
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A stack with every position in a compiled file mapped back to its TypeScript source. */
function mapStack(stack: string): string {
  let out = stack;
  for (const filename of compiled.keys()) {
    const map = sourceMapOf(filename);
    if (!map) continue;
    out = out.replace(new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`, 'g'), (whole, line: string, column: string) => {
      const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as {
        originalLine?: number; originalColumn?: number;
      };
      if (entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
      return `${filename}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
  }
  return out;
}

/**
 * The first stack position in the user's TypeScript (a `.ts`, `.cts` or `.mts` file outside
 * node_modules), as `file:line:column` relative to cwd.
 */
function userFrame(mappedStack: string): string | undefined {
  for (const line of mappedStack.split('\n').slice(1)) {
    // `at fn (/a dir/.projenrc.ts:3:7)` or `at /a dir/.projenrc.ts:3:7` (paths may hold spaces)
    const match = /(?:\(|^\s*at )((?:file:\/\/)?[^()]+?\.[cm]?ts):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!match) continue;
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (file.split(/[\\/]/).includes('node_modules')) continue;
    return `${display(file)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

function report(error: unknown): string {
  if (error instanceof RunnerError) return `projen-ml-docker: ${error.message}\n`;
  if (!(error instanceof Error)) return `projen-ml-docker: .projenrc threw a value that is not an Error: ${String(error)}\n`;
  const stack = mapStack(error.stack ?? `${error.name}: ${error.message}`);
  const problems = (error as { problems?: unknown }).problems;
  if (error.name === 'MlDockerValidationError' && Array.isArray(problems)) {
    const where = userFrame(stack);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return `projen-ml-docker: the definition is not valid (${count}${where ? `, at ${where}` : ''}); nothing was written:\n${problems.map((p) => `  ${String(p)}`).join('\n')}\n`;
  }
  return `${stack}\n`;
}

function fail(error: unknown): void {
  let text: string;
  try {
    text = report(error);
  } catch {
    text = `${String((error as Error)?.stack ?? error)}\n`;
  }
  fs.writeSync(2, text);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------
// Registration

/**
 * Whether node loads the entry point as an ES module: a `.mts` file, or a `.ts` file whose
 * nearest package.json says `"type": "module"`. CommonJS hooks never see such a file.
 */
function entryIsModule(entry: string | undefined): boolean {
  if (!entry) return false;
  if (entry.endsWith('.mts')) return true;
  if (!entry.endsWith('.ts')) return false;
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      // no package.json here: look further up
    }
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * Runs an entry point node loads as an ES module with tsx as node's loader, in a child
 * process (`node --import tsx`, what `ProjenrcRunner.TSX` runs), and exits with its status:
 * CommonJS hooks never see such a file.
 */
function runWithTsx(entry: string): never {
  try {
    require.resolve('tsx/package.json', { paths: [cwd] });
  } catch {
    throw new RunnerError(`${display(entry)} is loaded as an ES module (a .mts file, or "type": "module" in package.json), which needs tsx: it is not installed (it is a devDependency of this project); run \`npm install\``);
  }
  const env = { ...process.env };
  if (!env.TSX_TSCONFIG_PATH && fs.existsSync(path.resolve(cwd, tsconfigName()))) {
    env.TSX_TSCONFIG_PATH = tsconfigName();
  }
  debug(`${display(entry)} is an ES module: running it with node --import tsx`);
  // the child loads this file too, for its error reports only
  env[CHILD_ENV] = '1';
  const child = spawnSync(process.execPath, ['--require', __filename, '--import', 'tsx', entry, ...process.argv.slice(2)], { stdio: 'inherit', env });
  process.exit(child.status ?? 1);
}

process.on('uncaughtException', fail);
const entry = process.argv[1];
if (process.env[CHILD_ENV] === '1') {
  // tsx loads the entry point (see runWithTsx); processes this one starts are ordinary again
  delete process.env[CHILD_ENV];
} else if (entryIsModule(entry)) {
  runWithTsx(entry!);
} else {
  for (const extension of TS_EXTENSIONS) {
    type Loader = (module: NodeJS.Module, filename: string) => void;
    (Module as unknown as { _extensions: Record<string, Loader> })._extensions[extension] = load;
  }
}
