/**
 * What `projen new --from projen-ml-docker` runs, in process: the project type's constructor
 * with projen's `__new__` options, then its synth. A folder with a Python project is adopted, the
 * example only with `--example` (or in an empty folder); a folder name is made a valid project
 * name, whatever it holds; a folder with uncommitted changes stops before anything is written.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { git, repoOf } from './support';
import { MlDockerProject, MlDockerProjectOptions } from '../../src';
import { projectNameFromFolder } from '../../src/core/project-name';
import { tree, validationError, withoutPostSynth } from '../util';

/**
 * The options `projen new` gives the constructor: the CLI's, plus `__new__` (a type projen's own
 * inventory resolves without a compiled .jsii of this package).
 */
function created(outdir: string, name: string, extra: Record<string, unknown> = {}): MlDockerProject {
  const args = { name, outdir, devDeps: ['projen-ml-docker@file:/tmp/x.tgz'], ...extra };
  return new MlDockerProject({
    ...args,
    __new__: { fqn: 'projen.javascript.NodeProject', args, comments: 'none', synth: true, post: false },
  } as unknown as MlDockerProjectOptions);
}

function createIn(outdir: string, name: string, extra: Record<string, unknown> = {}): string {
  withoutPostSynth(() => created(outdir, name, extra).synth());
  return readFileSync(join(outdir, '.projenrc.ts'), 'utf-8');
}

const APP = {
  'app.py': 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/health")\ndef h(): ' + '...\n',
  'requirements.txt': 'fastapi==0.115.6\nuvicorn==0.32.1\n',
};

describe('the project name comes from the folder, made valid', () => {
  test.each([
    ['MyRepo', 'myrepo'],
    ['FastChat', 'fastchat'],
    ['ComfyUI', 'comfyui'],
    ['my repo (copy)', 'my-repo-copy'],
    ['Café Modèle', 'cafe-modele'],
    ['2024 experiments', '2024-experiments'],
    ['..hidden', 'hidden'],
    ['_private', 'private'],
    ['模型服务', 'project'],
    ['!!!@@@###', 'project'],
    ['a'.repeat(300), 'a'.repeat(50)],
    ['line\nbreak\u2028and\ttab', 'line-break-and-tab'],
    ["'; process.exit(1); //", 'process-exit-1'],
  ])('%j -> %s', (folder, name) => {
    expect(projectNameFromFolder(folder)).toBe(name);
    const dir = repoOf({}, { commit: false });
    const project = created(dir, folder);
    expect(project.name).toBe(name);
  });

  test(
    "the folder's own name is the description when it had to change, in package.json and the adopted " +
      'definition',
    () => {
      const dir = repoOf(APP, { folder: 'MyRepo' });
      const text = createIn(dir, 'MyRepo');
      expect(text).toContain("  name: 'myrepo',\n");
      expect(text).toContain("  description: 'MyRepo',\n");
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf-8')).description).toBe('MyRepo');
    },
  );

  test(
    'a name typed in .projenrc.ts is still checked as it is (only projen new makes a folder name ' +
      'valid)',
    () => {
      expect(
        validationError(
          () => new MlDockerProject({ name: 'MyRepo', outdir: repoOf({}, { commit: false }) }),
        ).message,
      ).toContain('[MyRepo] name: got "MyRepo"; expected a lowercase npm-style package name');
    },
  );
});

describe('adopt, or the example', () => {
  test('a folder holding a Python project is adopted', () => {
    const text = createIn(repoOf(APP), 'repo');
    expect(text).toContain('// Adopted by `projen new --from projen-ml-docker`');
    expect(text).toContain("new PythonService(project, 'api', {");
    expect(text).toContain("devDeps: ['projen-ml-docker@file:/tmp/x.tgz'],");
    expect(text).not.toContain("'trainer'");
  });

  test('--example writes the example stack there instead', () => {
    const text = createIn(repoOf(APP), 'repo', { example: true });
    expect(text).toContain("new GpuTrainer(project, 'trainer', {");
    expect(text).not.toContain('Adopted by');
  });

  test('an empty folder gets the example', () => {
    const text = createIn(repoOf({}, { commit: false }), 'vision');
    expect(text).toContain("new GpuTrainer(project, 'trainer', {");
  });

  test('example in .projenrc.ts is refused: it only chooses what projen new writes', () => {
    expect(
      validationError(
        () => new MlDockerProject({ name: 'vision', outdir: repoOf({}, { commit: false }), example: true }),
      ).problems,
    ).toEqual([
      '[vision] example is only read by projen new (it writes the example stack instead of ' +
        'adopting the folder): got true; expected no example in .projenrc.ts',
    ]);
  });
});

describe('uncommitted changes stop the adoption before anything is written', () => {
  test('a modified file and an untracked one are listed; the error carries no stack trace', () => {
    const dir = repoOf(APP);
    writeFileSync(join(dir, 'app.py'), 'changed\n');
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    // what projen new's npm install leaves is not the user's change
    writeFileSync(join(dir, 'package.json'), '{"devDependencies":{"projen":"^0.103.25"}}\n');
    const before = tree(dir);
    let error: Error | undefined;
    try {
      created(dir, 'repo');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.split('\n').slice(0, 3)).toEqual([
      `projen-ml-docker: ${dir} has changes git has not committed; projen new commits the folder after ` +
        'adopting it, so it would commit them too:',
      '   M app.py',
      '  ?? notes.txt',
    ]);
    expect(error?.stack).toBe(error?.message);
    expect(tree(dir)).toEqual(before);
  });

  test('a clean tree adopts, and the commit projen new makes holds only what adoption added', () => {
    const dir = repoOf({ ...APP, '.gitignore': 'notes/\n' });
    writeFileSync(join(dir, 'package.json'), '{"devDependencies":{"projen":"^0.103.25"}}\n');
    createIn(dir, 'repo');
    git(dir, 'add', '.');
    const staged = git(dir, 'diff', '--cached', '--name-status').trim().split('\n');
    expect(staged.filter((l) => !l.startsWith('A\t'))).toEqual(['M\t.gitignore']);
    expect(staged).toContain('A\t.projenrc.ts');
    expect(
      git(dir, 'diff', '--cached', '.gitignore')
        .split('\n')
        .filter((l) => l.startsWith('-') && !l.startsWith('---')),
    ).toEqual([]);
  });
});

describe('a repository whose files hold generated paths', () => {
  test('its own docs/containers.md: the guide goes beside it, in projen new\'s first synth too', () => {
    const dir = repoOf({ ...APP, 'docs/containers.md': '# How we run our containers\n' });
    const text = createIn(dir, 'repo');
    expect(text).toContain("  containersDoc: 'docs/mldocker-containers.md',\n");
    expect(readFileSync(join(dir, 'docs/containers.md'), 'utf-8')).toBe('# How we run our containers\n');
    expect(readFileSync(join(dir, 'docs/mldocker-containers.md'), 'utf-8')).toContain('~~ Generated by projen');
  });

  test('its own CI workflow named like ours is left alone: an adopted project writes no workflow', () => {
    const dir = repoOf({ ...APP, '.github/workflows/containers.yml': 'on: push\njobs: {}\n' });
    const text = createIn(dir, 'repo');
    expect(text).toContain('  ciWorkflow: false,\n');
    expect(readFileSync(join(dir, '.github/workflows/containers.yml'), 'utf-8')).toBe('on: push\njobs: {}\n');
  });

  test('a package.json git tracks cannot be adopted in place: said before anything is written, no stack trace', () => {
    const dir = repoOf({ ...APP, 'package.json': '{ "name": "web", "scripts": { "dev": "vite" } }\n' });
    let error: Error | undefined;
    try {
      created(dir, 'repo');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain('package.json is the repository\'s own (git tracks it)');
    expect(error?.stack).toBe(error?.message);
  });
});
