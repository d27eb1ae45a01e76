/**
 * What one synth costs in child processes: git's view of the project tree is read once per
 * synth (three `git ls-files` runs over the copied paths of every service), however many
 * services the project has; each synth reads it afresh, so a file added between two synths is seen.
 * Besides, at most one listing of the whole repository looks for Dockerfiles of the user's, whose
 * build context the root `.dockerignore` must not change.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ComposeStack, GpuInference, GpuTrainer, PythonService } from '../src';
import { newProject, synth } from './util';

/**
 * The git commands `fn` runs (their arguments), counted on the child process module every caller goes
 * through.
 */
function gitCalls(fn: () => void): string[] {
  // the module object itself (an ES namespace import would be a frozen copy of it)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const spy = jest.spyOn(require('child_process') as typeof import('child_process'), 'spawnSync');
  try {
    fn();
    return spy.mock.calls.filter(([command]) => command === 'git').map(([, args]) => ((args ?? []) as string[]).join(' '));
  } finally {
    spy.mockRestore();
  }
}

/**
 * The reads of the services' tree (over their copied paths), apart from the look for the user's Dockerfiles.
 */
function treeReads(calls: string[]): string[] {
  return calls.filter((call) => call.includes('--literal-pathspecs'));
}

test('a re-synth of three services and a stack reads git\'s view once; each synth reads afresh', () => {
  const project = newProject();
  execFileSync('git', ['init', '-q'], { cwd: project.outdir });
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
  new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'] });
  new ComposeStack(project, 'stack');
  synth(project); // the first synth writes the starter code the services copy
  const first = treeReads(gitCalls(() => synth(project)));
  expect(first).toHaveLength(3);
  expect(first.every((call) => call.includes(' ls-files '))).toBe(true);
  // every service's copied code is in the one read
  for (const folder of ['services/api', 'services/trainer', 'services/inference']) expect(first[0]).toContain(folder);

  // The next synth reads again: a module written since is seen by the entry check.
  const second = gitCalls(() => {
    mkdirSync(join(project.outdir, 'services', 'api', 'jobs'), { recursive: true });
    writeFileSync(join(project.outdir, 'services', 'api', 'jobs', '__init__.py'), '');
    writeFileSync(join(project.outdir, 'services', 'api', 'jobs', 'nightly.py'), '');
    const again = newProject({ outdir: project.outdir });
    new PythonService(again, 'api', { command: ['python', '-m', 'api.jobs.nightly'], port: 8000 });
    synth(again);
  });
  expect(treeReads(second)).toHaveLength(3);
  expect(second.filter((call) => !call.includes('--literal-pathspecs'))).toEqual(
    second.length > 3 ? [`-C ${project.outdir} ls-files -z --cached --others --exclude-standard`] : []);
});
