/**
 * `sources` as the build context will hold them: an empty folder (a submodule not checked out)
 * gives the image no code, and a symlink whose target lies outside every source reaches the
 * image dangling (BuildKit sends the link, not the file). Links into another source resolve
 * in the image (each source keeps its project path under /app) and pass.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PythonService } from '../src';
import { newProject, synth, validationError } from './util';

function projectWith(files: Record<string, string>, links: Record<string, string> = {}, dirs: string[] = []) {
  const project = newProject();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(project.outdir, path, '..'), { recursive: true });
    writeFileSync(join(project.outdir, path), text);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(join(project.outdir, path, '..'), { recursive: true });
    symlinkSync(target, join(project.outdir, path));
  }
  for (const dir of dirs) mkdirSync(join(project.outdir, dir), { recursive: true });
  return project;
}

const CODE = { 'app/__init__.py': '', 'app/main.py': 'print("hi")\n', 'shared/util.py': 'X = 1\n' };
const api = (sources: string[]) => ({ command: ['python', '-m', 'app.main'], sources });

test('an empty folder listed in .gitmodules is refused naming the submodule and the command that fetches it', () => {
  const project = projectWith({ ...CODE, '.gitmodules': '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = https://example.org/lib.git\n' },
    {}, ['vendor/lib']);
  const error = validationError(() => new PythonService(project, 'api', api(['app', 'vendor/lib'])));
  expect(error.message).toContain('[vision/api] sources[1] is an empty folder: the git submodule vendor/lib (.gitmodules) was not checked out: got "vendor/lib"');
  expect(error.message).toContain('git submodule update --init vendor/lib');
});

test('an empty folder that is no submodule is refused too', () => {
  const project = projectWith(CODE, {}, ['plugins']);
  expect(validationError(() => new PythonService(project, 'api', api(['app', 'plugins']))).message)
    .toContain('sources[1] is an empty folder, so the image would get no code from it: got "plugins"; expected a folder with the code');
});

test('a symlink to a file outside every source is refused with the reason; one into another source passes', () => {
  const outside = projectWith(CODE, { 'app/util.py': '../shared/util.py' });
  const error = validationError(() => new PythonService(outside, 'api', api(['app'])));
  expect(error.message).toContain('sources[0] holds a symlink app/util.py to shared/util.py, which the build context does not hold');
  expect(error.message).toContain('add "shared/util.py" to sources');
  const inside = projectWith(CODE, { 'app/util.py': '../shared/util.py' });
  new PythonService(inside, 'api', api(['app', 'shared']));
  expect(synth(inside)['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 shared /app/shared');
});

test('a source that is itself a link to another folder of the project is refused; links the ignore files drop are not looked at', () => {
  const linked = projectWith({ 'src/app/__init__.py': '', 'src/app/main.py': '' }, { app: 'src/app' });
  expect(validationError(() => new PythonService(linked, 'api', api(['app']))).message)
    .toContain('sources[0] holds a symlink app to src/app');
  const venv = projectWith(CODE, { 'app/.venv/bin/python': '/usr/bin/python3' });
  new PythonService(venv, 'api', api(['app']));
  expect(synth(venv)['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 app /app/app');
});
