/**
 * The `.projenrc.ts` runner of generated projects (src/projenrc-register.ts), run the way the
 * default task runs it: `node --require <register> .projenrc.ts`, in a throw-away project
 * whose node_modules holds tsx (and through it esbuild), as a generated project's does.
 * The register is transpiled from src/ for each test run, so these tests see the source.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..');
const CACHE = join('node_modules', '.cache', 'projen-ml-docker', 'projenrc');
let work: string;
let register: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'projenrc-register-'));
  const source = readFileSync(join(ROOT, 'src', 'projenrc-register.ts'), 'utf8');
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: false,
  };
  const out = ts.transpileModule(source, { compilerOptions });
  mkdirSync(join(work, 'runner'));
  register = join(work, 'runner', 'projenrc-register.js');
  writeFileSync(register, out.outputText);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

let count = 0;

/** A project directory with the given files and a node_modules that holds tsx (unless `tsx: false`). */
function project(files: Record<string, string>, options: { tsx?: boolean; name?: string } = {}): string {
  const dir = join(work, options.name ?? `p${++count}`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  if (options.tsx !== false) symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function runIn(dir: string, env: NodeJS.ProcessEnv = {}) {
  const res = spawnSync(process.execPath, ['--require', register, '.projenrc.ts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, MLDOCKER_PROJENRC_DEBUG: '1', ...env },
  });
  const log = res.stderr.split('\n').filter((l) => l.startsWith('projenrc-register: '));
  const stderr = res.stderr.split('\n').filter((l) => !l.startsWith('projenrc-register: ')).join('\n');
  return { status: res.status, stdout: res.stdout, stderr, log };
}

function cacheEntries(dir: string): string[] {
  return readdirSync(join(dir, CACHE)).sort();
}

const DEFINITION = `import { greet } from './projenrc/greet';
import type { Options } from './projenrc/types';

interface Local { readonly name: string }
const local: Local = { name: 'vision' };
const options: Options = { loud: true };
console.log(greet(local.name, options));
`;
const GREET = `import { SUFFIX, type Options } from './types';
export function greet(name: string, options: Options): string {
  const text: string = \`hello \${name}\${SUFFIX}\`;
  return options.loud ? text.toUpperCase() : text;
}
`;
const TYPES = "export interface Options { readonly loud: boolean }\nexport const SUFFIX: string = '!';\n";

describe('running .projenrc.ts', () => {
  test('strips types from .projenrc.ts and the .ts files it imports, and runs them as CommonJS', () => {
    const dir = project({ '.projenrc.ts': DEFINITION, 'projenrc/greet.ts': GREET, 'projenrc/types.ts': TYPES });
    const res = runIn(dir);
    expect(res.stderr.trim()).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('HELLO VISION!\n');
  });

  test('caches each file\'s transform: an unchanged definition is never transpiled again', () => {
    const dir = project({ '.projenrc.ts': DEFINITION, 'projenrc/greet.ts': GREET, 'projenrc/types.ts': TYPES });
    expect(runIn(dir).log).toEqual(['projenrc-register: miss .projenrc.ts', 'projenrc-register: miss projenrc/greet.ts', 'projenrc-register: miss projenrc/types.ts']);
    const entries = cacheEntries(dir);
    expect(entries).toHaveLength(3);
    const second = runIn(dir);
    expect(second.stdout).toBe('HELLO VISION!\n');
    expect(second.log).toEqual(['projenrc-register: hit .projenrc.ts', 'projenrc-register: hit projenrc/greet.ts', 'projenrc-register: hit projenrc/types.ts']);
    expect(cacheEntries(dir)).toEqual(entries);
  });

  test('an edit re-transpiles only the edited file, and its old cache entry is removed', () => {
    const dir = project({ '.projenrc.ts': DEFINITION, 'projenrc/greet.ts': GREET, 'projenrc/types.ts': TYPES });
    runIn(dir);
    const before = cacheEntries(dir);
    writeFileSync(join(dir, 'projenrc', 'greet.ts'), GREET.replace('hello', 'hi'));
    const res = runIn(dir);
    expect(res.stdout).toBe('HI VISION!\n');
    expect(res.log).toEqual(['projenrc-register: hit .projenrc.ts', 'projenrc-register: miss projenrc/greet.ts', 'projenrc-register: hit projenrc/types.ts']);
    const after = cacheEntries(dir);
    expect(after).toHaveLength(3);
    expect(after.filter((e) => !before.includes(e))).toHaveLength(1);
  });

  test('a change to tsconfig.projen.json (JSON with comments, as projen writes it) invalidates the cache, and its options apply', () => {
    // experimentalDecorators changes what esbuild emits for a decorator: legacy (TypeScript) vs standard.
    const definition = `function tag(target: any, key?: any): any { console.log(typeof key === 'object' ? 'standard' : 'legacy'); return target; }
class Box { @tag method(): void {} }
new Box();
`;
    const dir = project({
      '.projenrc.ts': definition,
      'tsconfig.projen.json': '// ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".\n{\n  "compilerOptions": {\n    "strict": true, /* a comment */\n  },\n}\n',
    });
    const first = runIn(dir);
    expect(first.stderr.trim()).toBe('');
    expect(first.stdout).toBe('standard\n');
    writeFileSync(join(dir, 'tsconfig.projen.json'), '{ "compilerOptions": { "experimentalDecorators": true } }\n');
    const second = runIn(dir);
    expect(second.log).toEqual(['projenrc-register: miss .projenrc.ts']);
    expect(second.stdout).toBe('legacy\n');
  });

  test('a cache that cannot be written only costs time', () => {
    const dir = project({ '.projenrc.ts': DEFINITION, 'projenrc/greet.ts': GREET, 'projenrc/types.ts': TYPES });
    // A file where the cache directory would go: mkdir fails for any user, root included.
    mkdirSync(join(dir, 'node_modules', '.cache'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '.cache', 'projen-ml-docker'), 'not a directory');
    for (let i = 0; i < 2; i++) {
      const res = runIn(dir);
      expect(res.status).toBe(0);
      expect(res.stdout).toBe('HELLO VISION!\n');
      expect(res.log.filter((l) => l.includes('miss'))).toHaveLength(3);
      expect(res.log.some((l) => l.startsWith('projenrc-register: cache not written: '))).toBe(true);
    }
  });

  test('cache entries are renamed into place: no temporary file is left behind', () => {
    const dir = project({ '.projenrc.ts': DEFINITION, 'projenrc/greet.ts': GREET, 'projenrc/types.ts': TYPES });
    runIn(dir);
    expect(cacheEntries(dir)).toHaveLength(3);
    expect(cacheEntries(dir).every((e) => /^[0-9a-f]{16}-[0-9a-f]{40}\.js$/.test(e))).toBe(true);
  });
});

describe('an entry point node loads as an ES module', () => {
  test('"type": "module" in package.json: tsx runs it (top-level await works)', () => {
    const dir = project({
      'package.json': '{ "type": "module" }\n',
      '.projenrc.ts': 'const n: number = await Promise.resolve(2);\nconsole.log(`esm ${n} ${typeof require}`);\n',
    });
    const res = runIn(dir);
    expect(res.stderr.trim()).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('esm 2 undefined\n');
    expect(res.log).toEqual(['projenrc-register: .projenrc.ts is an ES module: running it with node --import tsx']);
  });

  test('its errors are reported the same way, bad definitions with their .projenrc.ts line', () => {
    const errors = join(ROOT, 'src', 'core', 'errors.ts').replace(/\\/g, '/');
    const dir = project({
      'package.json': '{ "type": "module" }\n',
      '.projenrc.ts': `import { MlDockerValidationError } from '${errors}';\nconst port: number = 70000;\nthrow new MlDockerValidationError([\`[vision/api] port: got \${port}; expected an integer from 1 to 65535\`]);\n`,
    });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe([
      'projen-ml-docker: the definition is not valid (1 problem, at .projenrc.ts:3:7); nothing was written:',
      '  [vision/api] port: got 70000; expected an integer from 1 to 65535',
      '',
    ].join('\n'));
  });

  test('without tsx it says what to install', () => {
    const dir = project({ 'package.json': '{ "type": "module" }\n', '.projenrc.ts': 'console.log(1);\n' }, { tsx: false });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe('projen-ml-docker: .projenrc.ts is loaded as an ES module (a .mts file, or "type": "module" in package.json), '
      + 'which needs tsx: it is not installed (it is a devDependency of this project); run `npm install`\n');
  });
});

describe('errors', () => {
  test('a bad definition prints its problems and the .projenrc.ts line, without a stack trace', () => {
    const errors = join(ROOT, 'src', 'core', 'errors.ts').replace(/\\/g, '/');
    const definition = `import { MlDockerValidationError } from '${errors}';

interface Shape { readonly port: number }
const shape: Shape = { port: 80000 };
function check(s: Shape): void {
  if (s.port > 65535) throw new MlDockerValidationError(['[vision/api] port: got 80000; expected an integer from 1 to 65535', '[vision/api] cpus: got 0; expected a number above 0']);
}
check(shape);
`;
    // a directory name with a space: the location is still found
    const dir = project({ '.projenrc.ts': definition }, { name: 'my project' });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe([
      'projen-ml-docker: the definition is not valid (2 problems, at .projenrc.ts:6:29); nothing was written:',
      '  [vision/api] port: got 80000; expected an integer from 1 to 65535',
      '  [vision/api] cpus: got 0; expected a number above 0',
      '',
    ].join('\n'));
  });

  test('any other error prints its stack with positions in the TypeScript source', () => {
    const definition = `interface A { readonly a: string }
interface B { readonly b: string }
type C = A & B;

const value: C = { a: 'x', b: 'y' };
function explode(c: C): never {
  throw new TypeError(\`cannot use \${c.a}\`);
}
explode(value);
`;
    const dir = project({ '.projenrc.ts': definition });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    const lines = res.stderr.split('\n');
    expect(lines[0]).toBe('TypeError: cannot use x');
    // line 7, column 9: the `throw new TypeError` in the source, not in esbuild's output
    expect(lines[1]).toBe(`    at explode (${join(dir, '.projenrc.ts')}:7:9)`);
    expect(lines[2]).toContain(`${join(dir, '.projenrc.ts')}:9:1`);
  });

  test('an error thrown later (a rejected promise) is reported the same way', () => {
    const dir = project({ '.projenrc.ts': 'async function main(): Promise<void> {\n  const n: number = 1;\n  throw new Error(`async ${n}`);\n}\nvoid main();\n' });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr.split('\n').slice(0, 2)).toEqual(['Error: async 1', `    at main (${join(dir, '.projenrc.ts')}:3:9)`]);
  });

  test('a syntax error names the file, line and column, with the line and a caret', () => {
    const dir = project({ '.projenrc.ts': 'const a: number = 1;\nconst b: = 2;\n' });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe([
      'projen-ml-docker: cannot transpile .projenrc.ts (1 error; tsconfig: (none)):',
      '  .projenrc.ts:2:10: Unexpected "="',
      '    const b: = 2;',
      '             ^',
      '',
    ].join('\n'));
  });

  test('without tsx (and so esbuild) installed, it says what to install', () => {
    const dir = project({ '.projenrc.ts': 'const a: number = 1;\nconsole.log(a);\n' }, { tsx: false });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe('projen-ml-docker: cannot transpile .projenrc.ts: esbuild is not installed (it comes with tsx, a devDependency of this project); run `npm install`\n');
  });

  test('an unreadable or malformed tsconfig is named', () => {
    const dir = project({ '.projenrc.ts': 'console.log(1);\n', 'tsconfig.projen.json': '{ "compilerOptions": { "strict": true }\n' });
    const res = runIn(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^projen-ml-docker: tsconfig\.projen\.json is not valid JSON \(.+\)\n$/);
    const missing = runIn(dir, { MLDOCKER_PROJENRC_TSCONFIG: 'nope.json' });
    expect(missing.stderr).toMatch(/^projen-ml-docker: cannot read nope\.json: ENOENT/);
  });
});
