/**
 * The README's dependency set-ups (the `typescript` blocks of "Dependencies from the
 * files you already have"), each run as written inside a project holding the files it names:
 * our own requirement-file and uv fixtures here; the real uv and Poetry projects of the shared
 * corpus in test/corpus/deps-readme-setups.test.ts. They are `typescript` blocks, not `ts`, so the
 * README program of test/readme.test.ts (and its output digests) stays as it is.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { PYPROJECT, uvLock } from './lock-fixtures';
import { copyOf, projectWith } from './support';
import { runDefinition } from '../support/run-definition';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf-8');
const section = readme.slice(readme.indexOf('### Dependencies from the files you already have'), readme.indexOf('## Compose'));
const blocks = [...section.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1]);

const HEAD = "import { Dependencies, MlDockerProject, PythonService } from 'projen-ml-docker';\nconst project = new MlDockerProject({ name: 'demo' });\n";
const run = (block: string, dir: string) => runDefinition(`${HEAD}${block}\nproject.synth();\n`, dir);
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');

test('the README shows five set-ups: requirement files, pyproject + uv.lock, Poetry, a Cog model, setup.py', () => {
  expect(blocks).toHaveLength(5);
  expect(blocks[0]).toContain('Dependencies.fromRequirementsFiles(');
  expect(blocks[1]).toContain('uv.lock');
  expect(blocks[2]).toContain("lockFile: 'poetry.lock'");
  expect(blocks[3]).toContain('Dependencies.fromCogYaml(');
  expect(blocks[4]).toContain('Dependencies.fromSetupPy(');
});

test('setup.py: install_requires and the extra asked for in their tiers, another extra left out', () => {
  const dir = projectWith({
    'setup.py': 'from setuptools import setup\n\nsetup(\n    name="api",\n    install_requires=["numpy==2.1.3"],\n'
      + '    extras_require={"server": ["gunicorn==23.0.0"], "dev": ["pytest==8.3.4"]},\n)\n',
    'api/__init__.py': '',
    'api/main.py': 'app = None\n',
  });
  run(blocks[4], dir);
  expect(read(dir, 'docker/api/requirements-ml.txt')).toContain('numpy==2.1.3');
  expect(read(dir, 'docker/api/requirements-core.txt')).toContain('gunicorn==23.0.0');
  expect(read(dir, 'docker/api/requirements-core.txt')).not.toContain('pytest');
});

test('a Cog model: its packages in the tiers, its python and system packages on the service, the handled step left out', () => {
  const dir = projectWith({
    'cog.yaml': 'build:\n  python_version: "3.12"\n  system_packages: ["ffmpeg"]\n  python_packages: ["numpy==1.26.4", "cog==0.11.3"]\n'
      + '  run:\n    - curl -o /usr/local/bin/pget ...\npredict: "predict.py:Predictor"\n',
  });
  run(blocks[3], dir);
  expect(read(dir, 'docker/model/requirements-ml.txt')).toContain('numpy==1.26.4');
  expect(read(dir, 'docker/model/requirements-core.txt')).toContain('cog==0.11.3');
  const dockerfile = read(dir, 'docker/model/Dockerfile');
  expect(dockerfile).toContain('ARG PYTHON_IMAGE=python:3.12.');
  expect(dockerfile).toContain('tini ffmpeg');
  expect(dockerfile).not.toContain('pget');
});

test('requirement files: ranges installed as declared, the dev file in the dev tier', () => {
  const dir = copyOf(join(__dirname, 'fixtures', 'requirements-plain'));
  run(blocks[0], dir);
  expect(read(dir, 'docker/api/requirements-core.txt')).toContain('fastapi>=0.110,<1.0');
  expect(read(dir, 'docker/api/requirements-dev.txt')).toContain('pytest==8.3.4');
  expect(read(dir, 'docker/api/Dockerfile')).not.toContain('--require-hashes');
});

test('pyproject.toml + uv.lock (our fixture): hash-locked tiers, sqlmodel and its closure in the ml tier', () => {
  const dir = projectWith({
    'pyproject.toml': PYPROJECT.replace('"numpy>=2",', '"numpy>=2",\n    "sqlmodel>=0.0.22",'),
    'uv.lock': uvLock([
      { name: 'fastapi', version: '0.115.6', deps: ['starlette'] },
      { name: 'numpy', version: '2.1.3' },
      { name: 'pytest', version: '8.3.4' },
      { name: 'sqlalchemy', version: '2.0.36' },
      { name: 'sqlmodel', version: '0.0.22', deps: ['sqlalchemy'] },
      { name: 'starlette', version: '0.41.3' },
    ]).replace('dependencies = [{ name = "fastapi" }, { name = "numpy" }]', 'dependencies = [{ name = "fastapi" }, { name = "numpy" }, { name = "sqlmodel" }]'),
  });
  run(blocks[1], dir);
  const ml = read(dir, 'docker/api/requirements-ml.txt');
  expect(ml).toMatch(/^sqlmodel==0\.0\.22 \\$/m);
  expect(ml).toMatch(/^sqlalchemy==2\.0\.36 \\$/m);
  expect(read(dir, 'docker/api/requirements-core.txt')).toMatch(/^fastapi==0\.115\.6 \\\n {4}--hash=sha256:[0-9a-f]{64}/m);
  expect(read(dir, 'docker/api/requirements-dev.txt')).toMatch(/^pytest==8\.3\.4 \\$/m);
  expect(read(dir, 'docker/api/Dockerfile')).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-ml.txt');
});
