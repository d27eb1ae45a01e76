import { spawnSync } from 'child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { BuildCheckPlan, EntryStatus, buildCheckArgs, buildCheckFlags, buildCheckSubjects, checkEntry } from '../../src/entry';

/**
 * The build-time check is run with the machine's python3 against temp trees laid out like an
 * image's /app: the plan comes from the synth-time check, as the wiring will use it, and the
 * runtime helper is imported from a copy of `templates/runtime` named like the image's package.
 */
let root: string;
let helpers: string;
const MARKER = 'executed.marker';

function write(rel: string, text = '# code\n'): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mld-entry-build-check-'));
  helpers = mkdtempSync(join(tmpdir(), 'mld-entry-helpers-'));
  cpSync(join(__dirname, '..', '..', 'templates', 'runtime'), join(helpers, 'mldocker_runtime'), { recursive: true });
  // every package __init__ would leave a marker if it were executed: the check must run nothing
  const trap = `open(${JSON.stringify(join(root, MARKER))}, "w").write("ran")\nraise SystemExit("project code was executed")\n`;
  write('gateway/__init__.py', trap);
  write('gateway/main.py', trap);
  write('ns/sub/mod.py', trap);
  write('cli/__init__.py', trap);
  write('cli/__main__.py', trap);
  write('train.py', trap);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(helpers, { recursive: true, force: true });
});

/** The image map of the temp tree, as the wiring computes it for /app. */
function files(): Map<string, boolean> {
  return new Map(['gateway/__init__.py', 'gateway/main.py', 'ns/sub/mod.py', 'cli/__init__.py', 'cli/__main__.py', 'train.py'].map((f) => [join(root, f), true]));
}

function run(plan: BuildCheckPlan) {
  const [python, ...args] = buildCheckArgs(plan, 'python3');
  expect(args.slice(0, 2)).toEqual(['-m', 'mldocker_runtime.entry_check']);
  const result = spawnSync(python, args, { cwd: tmpdir(), env: { ...process.env, PYTHONPATH: helpers }, encoding: 'utf-8' });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

function planFor(command: string[], requirements: string[] = []): BuildCheckPlan {
  const result = checkEntry(command, { imageFiles: files(), workdir: root, pythonPath: [], requirements });
  expect(result.status).toBe(EntryStatus.FOUND);
  return result.buildCheck!;
}

test('a module found at synth is found at build, without running the package', () => {
  const plan = planFor(['python', '-m', 'gateway.main']);
  expect(buildCheckSubjects(plan)).toEqual(['module gateway.main (with __main__)']);
  expect(run(plan)).toEqual({ status: 0, stderr: '', stdout: '' });
  expect(existsSync(join(root, MARKER))).toBe(false);
});

test('a namespace package (no __init__.py) is found', () => {
  expect(run(planFor(['python', '-m', 'ns.sub.mod'])).status).toBe(0);
});

test('python -m of a package with __main__ passes; a script file passes; a program on PATH passes', () => {
  expect(run(planFor(['python', '-m', 'cli'])).status).toBe(0);
  expect(run(planFor(['python', 'train.py'])).status).toBe(0);
  expect(run({ command: ['x'], roots: [], modules: [], files: [], programs: ['python3'] }).status).toBe(0);
  expect(existsSync(join(root, MARKER))).toBe(false);
});

test('a missing module fails the build with our message', () => {
  const plan: BuildCheckPlan = { command: ['uvicorn', 'api.main:app'], roots: [root], modules: [{ name: 'api.main', needsMain: false, mayBeAttribute: false }], files: [], programs: [] };
  const result = run(plan);
  expect(result.status).toBe(1);
  expect(result.stderr).toBe([
    'entry check failed: the command \'uvicorn api.main:app\' cannot start in this image:',
    `  - module 'api.main' cannot be found (searched ${root} and the installed packages)`,
    'fix the service\'s command or sources in .projenrc.ts (or turn the entry check off for it)',
    '',
  ].join('\n'));
});

test('a missing submodule of a present package, a package without __main__, a missing file and program all fail together', () => {
  const result = run({
    command: ['python', '-m', 'gateway'],
    roots: [root],
    modules: [{ name: 'gateway.nope', needsMain: false, mayBeAttribute: false }, { name: 'gateway', needsMain: true, mayBeAttribute: false }],
    files: [join(root, 'missing.py')],
    programs: ['no-such-program-mld'],
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("  - module 'gateway.nope' cannot be found");
  expect(result.stderr).toContain("  - package 'gateway' has no __main__ module, so python -m cannot run it");
  expect(result.stderr).toContain(`  - file ${join(root, 'missing.py')} is not in the image`);
  expect(result.stderr).toContain("  - program 'no-such-program-mld' is not on PATH");
  expect(existsSync(join(root, MARKER))).toBe(false);
});

test('a celery attribute path passes when its parent module exists; standard library modules pass', () => {
  expect(run({ command: ['celery'], roots: [root], modules: [{ name: 'gateway.app', needsMain: false, mayBeAttribute: true }], files: [], programs: [] }).status).toBe(0);
  expect(run({ command: ['python'], roots: [], modules: [{ name: 'http.server', needsMain: true, mayBeAttribute: false }], files: [], programs: [] }).status).toBe(0);
});

test('names with quotes and shell characters cannot break out: each value is one argument', () => {
  const plan: BuildCheckPlan = { command: ['x', '"; import os; os.system("touch pwned"); "'], roots: ['/a"b'], modules: [{ name: 'a\'"b', needsMain: false, mayBeAttribute: false }], files: ['$(touch pwned)'], programs: [] };
  expect(buildCheckFlags(plan)).toEqual(['--command=x "; import os; os.system("touch pwned"); "', '--root=/a"b', '--module=a\'"b', '--file=$(touch pwned)']);
  const result = run(plan);
  expect(result.status).toBe(1);
  expect(existsSync(join(tmpdir(), 'pwned'))).toBe(false);
  expect(result.stderr).toContain('cannot be found');
});

test('a flag the helper does not know, even a prefix of a known one, is a usage error, not a pass; a value may start with "-"', () => {
  const result = spawnSync('python3', ['-m', 'mldocker_runtime.entry_check', '--command=x', '--modul=a'], { cwd: root, env: { ...process.env, PYTHONPATH: helpers }, encoding: 'utf-8' });
  expect(result.status).toBe(2);
  const dash = spawnSync('python3', ['-m', 'mldocker_runtime.entry_check', '--command=-x', '--file=-missing'], { cwd: root, env: { ...process.env, PYTHONPATH: helpers }, encoding: 'utf-8' });
  expect(dash.status).toBe(1);
  expect(dash.stderr).toContain('file -missing is not in the image');
});

describe('a file the container runs directly must be executable', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mld-entry-exec-'));
    writeFileSync(join(dir, 'start.sh'), '#!/bin/sh\nexec python app.py\n', { mode: 0o755 });
    writeFileSync(join(dir, 'plain.sh'), '#!/bin/sh\nexec python app.py\n', { mode: 0o644 });
    chmodSync(join(dir, 'start.sh'), 0o755); // whatever the umask
    chmodSync(join(dir, 'plain.sh'), 0o644);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const image = () => new Map([[join(dir, 'start.sh'), true], [join(dir, 'plain.sh'), true]]);
  const planOf = (command: string[]): BuildCheckPlan => {
    const result = checkEntry(command, { imageFiles: image(), workdir: dir, pythonPath: [] });
    expect(result.status).toBe(EntryStatus.FOUND);
    return result.buildCheck!;
  };

  test('./start.sh is planned as an executable, "sh plain.sh" as a file (the shell reads it)', () => {
    const plan = planOf(['./start.sh']);
    expect(plan.executables).toEqual([join(dir, 'start.sh')]);
    expect(plan.files).toEqual([]);
    expect(buildCheckFlags(plan)).toEqual(['--command=./start.sh', `--executable=${join(dir, 'start.sh')}`]);
    expect(buildCheckSubjects(plan)).toEqual([`executable file ${join(dir, 'start.sh')}`]);
    const viaShell = planOf(['sh', 'plain.sh']);
    expect(viaShell.executables).toBeUndefined();
    expect(viaShell.files).toEqual([join(dir, 'plain.sh')]);
  });

  test('the helper passes an executable file and fails a 0644 one with its mode and the fix', () => {
    expect(run(planOf(['./start.sh']))).toEqual({ status: 0, stderr: '', stdout: '' });
    const result = run(planOf(['./plain.sh']));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`  - file ${join(dir, 'plain.sh')} is not executable (mode 0644), so the container cannot run it: mark it executable in the repository (chmod +x, and git update-index --chmod=+x for a checkout)`);
    // a missing executable is "not in the image", as a missing file
    expect(run({ command: ['./x'], roots: [], modules: [], files: [], executables: [join(dir, 'nope.sh')], programs: [] }).stderr)
      .toContain(`file ${join(dir, 'nope.sh')} is not in the image`);
  });
});
