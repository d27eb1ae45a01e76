import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { ProjectTreeSource, projectSubtree, readProjectTree } from '../../src/entry';

let root: string;

function write(rel: string, text = 'x\n'): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: root, stdio: 'ignore' });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mld-entry-tree-'));
  write('services/worker/__init__.py');
  write('services/worker/data/queues.py');
  write('services/worker/data/big.parquet');
  write('train.py');
  write('configs/a.yaml');
  write('node_modules/x/index.js');
  write('services/worker/node_modules/y.js');
  write('.venv/lib/site.py');
  write('weights/model.safetensors');
  write('Zeta.py');
  write('é.py');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('without git', () => {
  test('walks the file system, skipping node_modules and .git, sorted by code unit', () => {
    write('.git/HEAD'); // a stray .git folder that is not a repository
    const tree = readProjectTree(root);
    expect(tree.source).toBe(ProjectTreeSource.FILESYSTEM);
    expect(tree.files).toEqual([
      '.venv/lib/site.py', 'Zeta.py', 'configs/a.yaml', 'services/worker/__init__.py', 'services/worker/data/big.parquet',
      'services/worker/data/queues.py', 'train.py', 'weights/model.safetensors', 'é.py',
    ]);
    expect(tree.tracked).toEqual([]);
    expect(tree.ignored).toEqual([]);
  });

  test('lists only the given paths (folders and files), and names the missing ones', () => {
    const tree = readProjectTree(root, { paths: ['services/worker/', './train.py', 'nope', 'configs'] });
    expect(tree.files).toEqual(['configs/a.yaml', 'services/worker/__init__.py', 'services/worker/data/big.parquet', 'services/worker/data/queues.py', 'train.py']);
    expect(tree.missing).toEqual(['nope']);
    expect(readProjectTree(root, { paths: ['nope'] })).toMatchObject({ files: [], missing: ['nope'] });
  });

  test('a symlink is listed as a file, never followed', () => {
    symlinkSync(root, join(root, 'loop'));
    expect(readProjectTree(root).files).toContain('loop');
  });
});

describe('with git', () => {
  beforeEach(() => {
    write('.gitignore', '.venv/\nweights/\n*.parquet\ndata/\n!services/worker/data/\n');
    git('init', '-q');
    git('add', '.gitignore', 'services/worker/__init__.py', 'train.py', 'Zeta.py');
    git('commit', '-q', '-m', 'init');
  });

  test('lists tracked and untracked-but-not-ignored files, as git sees them', () => {
    const tree = readProjectTree(root);
    expect(tree.source).toBe(ProjectTreeSource.GIT);
    expect(tree.files).toEqual(['.gitignore', 'Zeta.py', 'configs/a.yaml', 'services/worker/__init__.py', 'services/worker/data/queues.py', 'train.py', 'é.py']);
    expect(tree.tracked).toEqual(['.gitignore', 'Zeta.py', 'services/worker/__init__.py', 'train.py']);
    expect(tree.ignored).toEqual([]);
  });

  test('includeIgnored adds what git ignores (data, weights, venvs), marked as ignored', () => {
    const tree = readProjectTree(root, { includeIgnored: true });
    expect(tree.ignored).toEqual(['.venv/lib/site.py', 'services/worker/data/big.parquet', 'weights/model.safetensors']);
    expect(tree.files).toEqual(expect.arrayContaining(tree.ignored));
    expect(tree.files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  test('a tracked file deleted from the work tree is not listed; paths restrict the listing', () => {
    unlinkSync(join(root, 'Zeta.py'));
    expect(readProjectTree(root).files).not.toContain('Zeta.py');
    const tree = readProjectTree(root, { paths: ['services', 'missing.py'], includeIgnored: true });
    expect(tree.files).toEqual(['services/worker/__init__.py', 'services/worker/data/big.parquet', 'services/worker/data/queues.py']);
    expect(tree.missing).toEqual(['missing.py']);
  });

  test('a project in a subfolder of the repository lists paths relative to itself', () => {
    const tree = readProjectTree(join(root, 'services'));
    expect(tree.source).toBe(ProjectTreeSource.GIT);
    expect(tree.files).toEqual(['worker/__init__.py', 'worker/data/queues.py']);
  });

  test('a nested repository (as a vendored checkout) is listed by its files on disk, without its .git', () => {
    write('vendor/lib/inner.py');
    execFileSync('git', ['init', '-q'], { cwd: join(root, 'vendor', 'lib') });
    const files = readProjectTree(root).files;
    expect(files).toContain('vendor/lib/inner.py');
    expect(files.some((f) => f.startsWith('vendor/lib/.git'))).toBe(false);
  });

  test('reads thousands of files', () => {
    for (let i = 0; i < 3000; i++) write(`pkg/m${Math.floor(i / 100)}/f${i}.py`);
    const tree = readProjectTree(root, { includeIgnored: true });
    expect(tree.files.filter((f) => f.startsWith('pkg/'))).toHaveLength(3000);
  });

  test('one read of the union of several paths, cut to each, is what a read of each path gives', () => {
    write('services/api/main.py');
    write('services/api/run.sh', '#!/bin/sh\n');
    git('add', 'services/api/main.py', 'services/api/run.sh', 'configs/a.yaml');
    git('update-index', '--chmod=+x', 'services/api/run.sh');
    git('commit', '-q', '-m', 'api');
    unlinkSync(join(root, 'services/api/main.py')); // tracked, deleted from the work tree
    write('vendor/lib/inner.py');
    execFileSync('git', ['init', '-q'], { cwd: join(root, 'vendor', 'lib') });
    const sets = [['services/worker'], ['services/api', 'train.py'], ['configs', 'weights', 'nope'], ['vendor/lib', 'Zeta.py'], ['.']];
    const union = readProjectTree(root, { paths: sets.flat(), includeIgnored: true });
    for (const paths of sets) {
      expect([paths, projectSubtree(root, union, paths)])
        .toEqual([paths, readProjectTree(root, { paths, includeIgnored: true })]);
    }
    const api = projectSubtree(root, union, ['services/api']);
    expect(api.files).toEqual(['services/api/run.sh']);
    expect(api.trackedExecutable).toEqual(['services/api/run.sh']);
  });
});
