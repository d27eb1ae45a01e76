/**
 * What a hash-locked install needs beyond its tiers: the build requirements of `installProject`
 * (from `buildRequirements`, from the lock when it holds them with their hashes, or from exact
 * pins in `[build-system] requires`, installed only in the stage that builds the wheel; Poetry
 * 1.x metadata read for the wheel), and the torch tier installed with `--require-hashes` when
 * the lock holds torch's files for the image.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { PYPROJECT, Pkg, sha, uvLock } from './lock-fixtures';
import { projectWith } from './support';
import { Dependencies, GpuTrainer, PythonService } from '../../src';
import { problemsOf, synthIn } from '../util';

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');
const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const projectStage = (dir: string, id = 'api') => read(dir, `docker/${id}/Dockerfile`).split('# ---- project')[1].split('\n# ---- ')[0];

const BASE: Pkg[] = [{ name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3' }, { name: 'pytest', version: '8.3.4' }];
const HATCH = '\n[build-system]\nrequires = ["hatchling>=1.26"]\nbuild-backend = "hatchling.build"\n';
const CODE = { 'demo/__init__.py': '', 'demo/main.py': '' };

function api(extra: Record<string, unknown> = {}) {
  return (p: any) => new PythonService(p, 'api', {
    command: ['python', '-m', 'demo.main'], sources: ['demo'], installProject: true, dependencies: Dependencies.fromPyproject(), ...extra,
  });
}

describe('installProject with a hash-locked install', () => {
  test('the lock holds the backend: its pins, hashes and what it needs, installed only in the project stage', () => {
    const pkgs: Pkg[] = [...BASE, { name: 'hatchling', version: '1.26.3', deps: ['packaging', 'pathspec'] },
      { name: 'packaging', version: '24.2' }, { name: 'pathspec', version: '0.12.1' }];
    const dir = projectWith({ 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(pkgs), ...CODE });
    synthIn(dir, {}, api());
    expect(body(read(dir, 'docker/api/requirements-build.txt')).filter((l) => !l.startsWith(' '))).toEqual([
      'hatchling==1.26.3 \\', 'packaging==24.2 \\', 'pathspec==0.12.1 \\',
    ]);
    const stage = projectStage(dir);
    expect(stage).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-build.txt');
    expect(stage).toContain('with its build requirements (hatchling==1.26.3, from\n# uv.lock)');
    // never in a runtime tier
    for (const tier of ['core', 'dev']) expect(read(dir, `docker/api/requirements-${tier}.txt`)).not.toContain('hatchling');
  });

  test('buildRequirements: typed pins for the wheel, which a locked install no longer refuses', () => {
    const dir = projectWith({ 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(BASE), ...CODE });
    synthIn(dir, {}, api({ buildRequirements: ['hatchling==1.26.3', 'packaging==24.2', 'pathspec==0.12.1', 'pluggy==1.5.0', 'trove-classifiers==2024.10.21.16'] }));
    expect(body(read(dir, 'docker/api/requirements-build.txt'))).toEqual([
      'hatchling==1.26.3', 'packaging==24.2', 'pathspec==0.12.1', 'pluggy==1.5.0', 'trove-classifiers==2024.10.21.16',
    ]);
    expect(projectStage(dir)).toContain('NETRC=/run/secrets/netrc pip install -r /tmp/requirements/requirements-build.txt');
    expect(read(dir, 'docker/api/Dockerfile.dockerignore')).toContain('!docker/api/requirements-build.txt');
  });

  test('the lock lacks the backend and nothing pins it: one error naming what is missing and the ways out', () => {
    const dir = projectWith({ 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(BASE), ...CODE });
    expect(problemsOf(() => synthIn(dir, {}, api()))).toEqual([
      '[vision/api] installProject: uv.lock does not hold hatchling of what the wheel\'s build needs: got ["hatchling"]; '
      + 'expected buildRequirements: ["<backend>==<version>", ...] on the service (installed only where the wheel is built), '
      + 'exact pins in [build-system] requires, or a lock that holds them (uv lock, poetry lock)',
    ]);
  });

  test('exact pins in [build-system] requires are used when the lock lacks them', () => {
    const pinned = '\n[build-system]\nrequires = ["hatchling==1.26.3"]\nbuild-backend = "hatchling.build"\n';
    const dir = projectWith({ 'pyproject.toml': PYPROJECT + pinned, 'uv.lock': uvLock(BASE), ...CODE });
    synthIn(dir, {}, api());
    expect(body(read(dir, 'docker/api/requirements-build.txt'))).toEqual(['hatchling==1.26.3']);
    expect(read(dir, 'docker/api/requirements-build.txt')).toContain('from [build-system] requires;');
  });

  test('buildRequirements must pin the backend, each exactly, and only with installProject', () => {
    const dir = projectWith({ 'pyproject.toml': PYPROJECT + HATCH, 'uv.lock': uvLock(BASE), ...CODE });
    expect(problemsOf(() => synthIn(dir, {}, api({ buildRequirements: ['packaging==24.2'] }))).join('\n'))
      .toContain('buildRequirements do not pin the build backend\'s distribution "hatchling": got ["packaging==24.2"]');
    expect(problemsOf(() => synthIn(dir, {}, api({ buildRequirements: ['hatchling>=1'] }))).join('\n'))
      .toContain('buildRequirements[0] is not pinned to one exact version: got "hatchling>=1"');
    expect(problemsOf(() => synthIn(dir, {}, api({ installProject: false, buildRequirements: ['hatchling==1.26.3'] }))).join('\n'))
      .toContain('buildRequirements is set without installProject: got ["hatchling==1.26.3"]');
  });
});

describe('installProject of a poetry 1.x project ([tool.poetry] metadata)', () => {
  const poetry = (extra = '') => [
    '[tool.poetry]', 'name = "demo"', 'version = "0.1.0"', 'description = ""', 'authors = ["a <a@example.invalid>"]',
    'packages = [{ include = "demo" }]', extra, '', '[tool.poetry.scripts]', 'demo-serve = "demo.main:run"', '',
    '[tool.poetry.dependencies]', 'python = "^3.10"', 'rich = "13.9.4"', '',
    '[build-system]', 'requires = ["poetry-core==1.9.1"]', 'build-backend = "poetry.core.masonry.api"', '',
  ].join('\n');

  test('name, version and scripts come from [tool.poetry]; its console script runs as command', () => {
    const dir = projectWith({ 'pyproject.toml': poetry(), ...CODE });
    synthIn(dir, {}, api({ command: ['demo-serve'] }));
    expect(body(read(dir, 'docker/api/requirements-build.txt'))).toEqual(['poetry-core==1.9.1']);
    expect(projectStage(dir)).toContain('the project\'s own package (demo) as a wheel');
  });

  test('a package poetry includes that the project does not have is refused', () => {
    const dir = projectWith({ 'pyproject.toml': poetry().replace('{ include = "demo" }', '{ include = "demo", from = "src" }'), ...CODE });
    expect(problemsOf(() => synthIn(dir, {}, api())).join('\n'))
      .toContain('installProject: [tool.poetry] packages includes a folder the project does not have: got "src/demo"; '
        + 'expected a package folder (or module) of the project, from its root or the "from" folder');
  });
});

describe('the torch tier from a lock', () => {
  const w = (v: string) => `torch-${v}-cp311-cp311-linux_x86_64.whl`;
  const pyproject = '[project]\nname = "demo"\nversion = "0.1"\nrequires-python = ">=3.10"\ndependencies = ["torch==2.5.1", "numpy>=2"]\n';
  const lockWith = (version: string, index: string) => uvLock([
    { name: 'torch', version, wheels: [w(version)], sdist: false, deps: ['filelock'], source: `{ registry = "${index}" }` },
    { name: 'numpy', version: '2.1.3' }, { name: 'filelock', version: '3.16.1' },
  ]).replace('dependencies = [{ name = "fastapi" }, { name = "numpy" }]', 'dependencies = [{ name = "torch" }, { name = "numpy" }]');
  const trainer = (p: any) => new GpuTrainer(p, 'trainer', {
    torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], dependencies: Dependencies.fromPyproject(),
  });
  const code = { 'services/trainer/__init__.py': '', 'services/trainer/train.py': '' };

  test('the lock\'s files of the variant: pinned with their hashes, installed with --require-hashes --no-deps', () => {
    const dir = projectWith({ 'pyproject.toml': pyproject, 'uv.lock': lockWith('2.5.1+cu124', 'https://download.pytorch.org/whl/cu124'), ...code });
    synthIn(dir, {}, trainer);
    expect(body(read(dir, 'docker/trainer/requirements-torch.txt'))).toEqual(['torch==2.5.1+cu124 \\', `    --hash=sha256:${sha(w('2.5.1+cu124'))}`]);
    expect(read(dir, 'docker/trainer/Dockerfile'))
      .toContain('pip install --index-url "$TORCH_INDEX_URL" --require-hashes --no-deps \\\n      -r /tmp/requirements/requirements-torch.txt');
    // what torch needs comes from the lock, in the tiers
    expect(read(dir, 'docker/trainer/requirements-core.txt')).toContain('filelock==3.16.1 \\');
  });

  test('a lock of PyPI\'s plain torch holds other files than the index serves: no hashes, and a note says why', () => {
    const dir = projectWith({ 'pyproject.toml': pyproject, 'uv.lock': lockWith('2.5.1', 'https://pypi.org/simple'), ...code });
    synthIn(dir, {}, trainer);
    expect(body(read(dir, 'docker/trainer/requirements-torch.txt'))).toEqual(['torch==2.5.1+cu124']);
    expect(read(dir, 'docker/trainer/Dockerfile')).toContain('pip install --index-url "$TORCH_INDEX_URL" -r');
    expect(read(dir, 'docs/containers.md'))
      .toContain('the torch tier installs torch==2.5.1+cu124 without hashes (the lock pins 2.5.1, whose files are not the index\'s)');
  });
});
