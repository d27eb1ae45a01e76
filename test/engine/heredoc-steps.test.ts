/**
 * Real engine: the build-step heredoc guard against BuildKit's own reading (Docker 26, built-in
 * frontend: `dockerfileSyntax: false`).
 *
 * Proves: every form the guard refuses (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`, `<<\EOF`,
 * `0<<EOF`, `1<<3`, two in one RUN) is a heredoc to BuildKit: in a hand-written Dockerfile the
 * line after such a RUN becomes the heredoc's body, not an instruction; and the forms the
 * guard accepts (a quoted `<<`, an arithmetic `$((1<<3))`, a here-string inside `bash -c`)
 * are not: a generated Dockerfile with them as build steps, in the builder and as root in the
 * runtime stages, builds to prod and each step runs as written.
 *
 * Does not prove: a frontend other than Docker 26's built-in one (`# syntax=` needs a registry).
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BuildStepStage, PythonService } from '../../src';
import { heredocWords } from '../../src/image/heredoc-words';
import { newProject, synth, validationError } from '../util';
import { PYTHON_STANDIN, docker, dockerTry, requireEngine, tempDir } from './support/engine';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

/** The refused forms, each a RUN whose next line is a body only a heredoc reading would swallow. */
const REFUSED: Array<[string, string]> = [
  ['plain', 'cat <<EOF > /out'],
  ['dash', 'cat <<-EOF > /out'],
  ['double-quoted', 'cat <<"EOF" > /out'],
  ['single-quoted', 'cat <<\'EOF\' > /out'],
  ['escaped', 'cat <<\\EOF > /out'],
  ['file descriptor', 'cat 0<<EOF > /out'],
];

const ACCEPTED = [
  'python -c "assert (1 << 3) == 8" && echo "<<EOF" > /tmp/q && grep -qx "<<EOF" /tmp/q',
  'test $((1<<3)) -eq 8',
  'bash -c "cat <<<word" | grep -qx word',
];

beforeAll(() => requireEngine());

test.each(REFUSED)('the %s form is refused at synth, and BuildKit reads it as a heredoc', (_form, run) => {
  expect(heredocWords(run)).toHaveLength(1);
  const error = validationError(() => {
    new PythonService(newProject(), 'api', { command: ['python', '-m', 'api.main'], buildSteps: [{ name: 'x', run }] });
  });
  expect(error.message).toContain('has a heredoc');
  // The same RUN by hand: "NOT-AN-INSTRUCTION" is the body (an instruction would fail to parse).
  const dir = tempDir('engine-heredoc-');
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${PYTHON_STANDIN}\nRUN ${run}\n\tNOT-AN-INSTRUCTION body\nEOF\n`
    + 'RUN grep -q "NOT-AN-INSTRUCTION body" /out\n');
  const built = dockerTry(['build', '--progress', 'plain', '--network', 'host', '-t', `engine-heredoc/${RUN_ID}:x`, '.'],
    { cwd: dir });
  expect({ status: built.status, log: built.status === 0 ? '' : built.stderr.slice(-2000) }).toEqual({ status: 0, log: '' });
});

test('two heredocs in one RUN and a digit name are refused, and BuildKit reads both bodies', () => {
  for (const run of ['cat <<A <<B', 'sort 1<<3']) {
    expect(heredocWords(run).length).toBeGreaterThan(0);
    expect(validationError(() => {
      new PythonService(newProject(), 'api', { command: ['python', '-m', 'api.main'], buildSteps: [{ name: 'x', run }] });
    }).message).toContain('has a heredoc');
  }
  const dir = tempDir('engine-heredoc-');
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${PYTHON_STANDIN}\nRUN cat /dev/null <<A <<B > /out\nfirst\nA\nsecond\nB\n`
    + 'RUN test -e /out\n');
  expect(dockerTry(['build', '--progress', 'plain', '--network', 'host', '.'], { cwd: dir }).status).toBe(0);
});

test('the accepted near-misses build as written, in the builder and as root in the runtime stages', () => {
  const project = newProject({ dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    buildSteps: [
      ...ACCEPTED.map((run, i) => ({ name: `builder-${i}`, run })),
      ...ACCEPTED.map((run, i) => ({ name: `root-${i}`, run, stage: BuildStepStage.RUNTIME_ROOT })),
    ],
  });
  synth(project);
  docker(['build', '--progress', 'plain', '--network', 'host', '-f', 'docker/api/Dockerfile', '--target',
    'prod', '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '-t', `engine-heredoc/api-${RUN_ID}:prod`, '.'],
  { cwd: project.outdir });
  const dockerfile = readFileSync(join(project.outdir, 'docker', 'api', 'Dockerfile'), 'utf-8');
  // each once in the builder and once in each runtime stage (dev, prod) the build went through
  for (const run of ACCEPTED) expect(dockerfile.split(`RUN ${run}\n`).length - 1).toBeGreaterThanOrEqual(2);
});
