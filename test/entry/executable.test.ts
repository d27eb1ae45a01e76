/**
 * A file the container runs directly (`command: ['./start.sh']`) needs its executable bit in
 * the build context: the synth check reads it on disk and in git's index (a checkout, the CI
 * build, gets git's mode), names the file and the fix; the prod stage checks it again at build.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { PythonService } from '../../src';
import { executableFacts, executableProblem, projectPathOf, readProjectTree } from '../../src/entry';
import { newProject, problemsOf, synth } from '../util';

const START = '#!/bin/sh\nexec python app.py\n';

function layout(files: Record<string, [string, number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-exec-'));
  for (const [path, [text, mode]] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    chmodSync(join(dir, path), mode);
  }
  return dir;
}

function git(dir: string, ...args: string[]): void {
  const result = spawnSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { encoding: 'utf-8' });
  expect({ args, status: result.status, stderr: result.stderr })
    .toEqual({ args, status: 0, stderr: expect.any(String) });
}

function service(dir: string, command = ['./start.sh'], sources = ['app.py', 'start.sh']) {
  const project = newProject({ outdir: dir });
  new PythonService(project, 'api', { command, sources });
  return project;
}

describe('synth', () => {
  test('a 0644 script run directly is refused, naming the file and chmod +x', () => {
    const dir = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o644] });
    expect(problemsOf(() => synth(service(dir)))).toEqual([
      '[vision/api] command: the program "./start.sh" (start.sh) is not executable, so the container cannot start it (exec fails with "permission denied"):'
      + ' got ["./start.sh"]; expected an executable file: chmod +x start.sh; or start it through its interpreter (["sh", "./start.sh"])',
    ]);
  });

  test('an executable script passes, and the prod stage checks it again with --executable', () => {
    const dir = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o755] });
    const dockerfile: string = synth(service(dir))['docker/api/Dockerfile'];
    expect(dockerfile).toContain('RUN ["python", "-m", "mldocker_runtime.entry_check", "--command=./start.sh", "--root=/app", "--root=/opt/mldocker", "--executable=/app/start.sh"]');
    expect(dockerfile).toContain('# Entry check: the command\'s entry (executable file /app/start.sh)');
    expect(dockerfile).not.toContain('--file=/app/start.sh');
  });

  test('in a copied folder, through tini and env: the same check', () => {
    const dir = layout({ 'bin/serve': [START, 0o640], 'app.py': ['', 0o644] });
    expect(problemsOf(() => synth(service(dir, ['tini', '--', 'env', 'A=1', 'bin/serve'], ['bin', 'app.py'])))).toEqual([
      expect.stringContaining('command: the program "bin/serve" (bin/serve) is not executable'),
    ]);
  });

  test('a script the shell or python reads needs no executable bit', () => {
    const dir = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o644] });
    expect(synth(service(dir, ['sh', 'start.sh']))['docker/api/Dockerfile']).toContain('"--file=/app/start.sh"');
    const dir2 = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o644] });
    expect(synth(service(dir2, ['python', 'app.py']))['docker/api/Dockerfile']).toContain('"--file=/app/app.py"');
  });

  test('a folder run directly is refused (the kernel cannot execute it)', () => {
    const dir = layout({ 'cli/__main__.py': ['', 0o644] });
    expect(problemsOf(() => synth(service(dir, ['./cli'], ['cli'])))).toEqual([
      expect.stringContaining('command: the program "./cli" is a folder (/app/cli), which the container cannot execute'),
    ]);
  });

  test('git records it without the bit (core.fileMode false, a commit from another machine): refused with git update-index', () => {
    const dir = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o755] });
    git(dir, 'init', '-q');
    git(dir, 'add', 'app.py', 'start.sh');
    git(dir, 'update-index', '--chmod=-x', 'start.sh');
    expect(problemsOf(() => synth(service(dir)))).toEqual([
      '[vision/api] command: the program "./start.sh" (start.sh) is executable on disk, but git records it without the executable bit (mode 100644), so a checkout (the CI build) cannot start it:'
      + ' got ["./start.sh"]; expected git update-index --chmod=+x start.sh, then commit it; or start it through its interpreter (["sh", "./start.sh"])',
    ]);
    git(dir, 'update-index', '--chmod=+x', 'start.sh');
    expect(problemsOf(() => synth(service(dir)))).toEqual([]);
  });

  test('tracked without the bit anywhere: the fix names both commands', () => {
    const dir = layout({ 'app.py': ['', 0o644], 'start.sh': [START, 0o644] });
    git(dir, 'init', '-q');
    git(dir, 'add', 'app.py', 'start.sh');
    expect(problemsOf(() => synth(service(dir)))).toEqual([
      expect.stringContaining('expected an executable file: chmod +x start.sh, then git update-index --chmod=+x start.sh and commit'),
    ]);
  });
});

describe('the pure parts', () => {
  test('projectPathOf maps an image path back through the copies (the last copy wins)', () => {
    const copies = [{ from: 'services/api', to: '/app/api' }, { from: 'start.sh', to: '/app/start.sh' }, { from: 'other', to: '/app/api' }];
    expect(projectPathOf('/app/start.sh', copies)).toBe('start.sh');
    expect(projectPathOf('/app/api/run.sh', copies)).toBe('other/run.sh');
    expect(projectPathOf('/usr/bin/x', copies)).toBeUndefined();
  });

  test('on Windows the disk has no executable bit: only git\'s mode counts', () => {
    const dir = layout({ 'start.sh': [START, 0o644] });
    const tree = readProjectTree(dir, { paths: ['start.sh'] });
    expect(executableFacts(dir, 'start.sh', tree, 'win32')).toEqual({});
    expect(executableProblem('the program', './start.sh', 'start.sh', {})).toBeUndefined();
    expect(executableFacts(dir, 'start.sh', tree, 'linux')).toEqual({ onDisk: false });
    expect(executableProblem('the program', './run.py', 'run.py', { onDisk: false })?.expected).toContain('(["python", "./run.py"])');
  });
});
