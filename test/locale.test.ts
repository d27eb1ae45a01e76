/**
 * Generated output does not depend on the machine's locale. `localeCompare` without a locale
 * follows `LC_ALL`/`LANG` (Danish sorts "aa" after "z", Lithuanian "y" between "i" and "k"),
 * so our renderers order strings by code units (src/core/order.ts), and `npx projen` runs the
 * definition with `LC_ALL=C` so projen's own sorting (.gitignore, .gitattributes,
 * .projen/files.json, package.json) is fixed too. A locale is fixed when node starts: each
 * locale gets its own child process (test/support/locale-synth.ts).
 */
import { spawn } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { pathToFileURL } from 'url';
import { newProject, synth, tree } from './util';
import { byCodeUnits, compareCodeUnits } from '../src/core/order';

const ROOT = join(__dirname, '..');
const SCRIPT = join(__dirname, 'support', 'locale-synth.ts');
const TSX = pathToFileURL(require.resolve('tsx')).href;
const PROJEN_CLI = require.resolve('projen/bin/projen');
/** The files projen itself sorts (with `localeCompare`), not our renderers. */
const PROJEN_SORTED = ['.gitattributes', '.gitignore', '.projen/deps.json', '.projen/files.json', 'package.json'];

interface Run {
  /** The collation the definition ran with, and a sample sorted with it. */
  readonly collation: { locale: string; sample: string[] };
  readonly files: Record<string, string>;
}

/** The environment of a child: the test's, with only `LC_ALL` deciding the locale. */
function localeEnv(locale: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'LANG' && k !== 'LANGUAGE' && !k.startsWith('LC_')) env[k] = v;
  return { ...env, LANG: locale, LC_ALL: locale };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-3000)}`))));
  });
}

function collationOf(stdout: string): Run['collation'] {
  const line = stdout.split('\n').find((l) => l.startsWith('{"locale"'));
  if (!line) throw new Error(`no collation report in: ${stdout.slice(-2000)}`);
  return JSON.parse(line);
}

/** The definition synthesized by node started directly under `locale`. */
async function direct(locale: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mld-locale-'));
  const stdout = await run(process.execPath, ['--import', TSX, SCRIPT, dir], ROOT, localeEnv(locale));
  return { collation: collationOf(stdout), files: tree(dir) };
}

/**
 * The definition synthesized the way `npx projen` runs it: projen's CLI, started under
 * `locale`, runs the project's default task (its environment as MlDockerProject generates
 * it; its one step starts the definition instead of `.projenrc.ts`).
 */
async function throughProjen(locale: string, defaultEnv: Record<string, string>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mld-locale-cli-'));
  mkdirSync(join(dir, '.projen'));
  const exec = `"${process.execPath}" --import ${TSX} "${SCRIPT}" .`;
  writeFileSync(join(dir, '.projen', 'tasks.json'), JSON.stringify({ tasks: { default: { name: 'default', env: defaultEnv, steps: [{ exec }] } } }));
  const stdout = await run(process.execPath, [PROJEN_CLI, '--no-post'], dir, localeEnv(locale));
  return { collation: collationOf(stdout), files: tree(dir) };
}

function without(files: Record<string, string>, paths: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => !paths.includes(f)));
}

const text = (r: Run, path: string) => Buffer.from(r.files[path], 'base64').toString('utf-8');

test('compareCodeUnits orders by UTF-16 code units, as sort() without a comparator does', () => {
  const words = ['yolo', 'aardvark', 'jobs', 'Zeta', 'a_b', 'a-b', 'a.b', 'a/b', 'ab', 'a', 'é', 'z'];
  expect([...words].sort(compareCodeUnits)).toEqual([...words].sort());
  expect([...words].sort(compareCodeUnits)).toEqual(['Zeta', 'a', 'a-b', 'a.b', 'a/b', 'a_b', 'aardvark', 'ab', 'jobs', 'yolo', 'z', 'é']);
  expect([{ n: 'b' }, { n: 'a' }].sort(byCodeUnits((x) => x.n))).toEqual([{ n: 'a' }, { n: 'b' }]);
  expect(compareCodeUnits('a', 'a')).toBe(0);
});

test('src/ has no locale-dependent comparison or formatting', () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {walk(full);} else if (entry.name.endsWith('.ts')) {
        readFileSync(full, 'utf-8').split('\n').forEach((line, i) => {
          if (/\.localeCompare\(|Intl\.Collator|\.toLocale\w*\(/.test(line)) found.push(`${full.slice(ROOT.length + 1)}:${i + 1}`);
        });
      }
    }
  };
  walk(join(ROOT, 'src'));
  expect(found).toEqual([]);
});

describe('one definition under the C, Danish and Lithuanian locales', () => {
  let runs: Record<string, Run>;
  let cli: Record<string, Run>;

  beforeAll(async () => {
    const defaultEnv = synth(newProject())['.projen/tasks.json'].tasks.default.env;
    const [c, da, lt, daCli, ltCli] = await Promise.all([
      direct('C'), direct('da_DK.UTF-8'), direct('lt_LT.UTF-8'), throughProjen('da_DK.UTF-8', defaultEnv), throughProjen('lt_LT.UTF-8', defaultEnv),
    ]);
    runs = { c, da, lt };
    cli = { da: daCli, lt: ltCli };
  }, 300_000);

  test('each child really collates by its locale (so the comparisons below can fail)', () => {
    expect(runs.c.collation.sample).toEqual(['aaa', 'jobs', 'yolo', 'zope']);
    expect(runs.da.collation).toEqual({ locale: 'da-DK', sample: ['jobs', 'yolo', 'zope', 'aaa'] });
    expect(runs.lt.collation).toEqual({ locale: 'lt-LT', sample: ['aaa', 'yolo', 'jobs', 'zope'] });
  });

  test('our files are byte-identical in every locale; volume claims in code-unit order', () => {
    const ours = without(runs.c.files, PROJEN_SORTED);
    expect(Object.keys(ours)).toEqual(expect.arrayContaining(['k8s/base/volumes.yaml', 'k8s/base/aardvark.yaml', 'compose.yaml', 'docker/aardvark/Dockerfile']));
    expect(without(runs.da.files, PROJEN_SORTED)).toEqual(ours);
    expect(without(runs.lt.files, PROJEN_SORTED)).toEqual(ours);
    const claims = [...text(runs.c, 'k8s/base/volumes.yaml').matchAll(/^ {2}name: (\S+)$/gm)].map((m) => m[1]);
    expect(claims).toEqual(['aardvark-cache', 'jobs-cache', 'models', 'yolo-cache', 'yolo-weights']);
  });

  test('through `npx projen` (the default task sets LC_ALL=C), projen\'s own files are identical too', () => {
    for (const r of [cli.da, cli.lt]) {
      expect(r.collation.sample).toEqual(['aaa', 'jobs', 'yolo', 'zope']);
      expect(r.files).toEqual(runs.c.files);
    }
    // the devDependencies projen sorts: "aaa-lib" before "zod", as on a C machine
    const devDeps = Object.keys(JSON.parse(text(cli.da, 'package.json')).devDependencies);
    expect(devDeps.indexOf('aaa-lib')).toBeLessThan(devDeps.indexOf('zod'));
  });
});
