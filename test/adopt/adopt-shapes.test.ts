/**
 * Adoption of repositories written in code, one per common shape (a FastAPI service, a Flask
 * app behind a Procfile, a torchrun trainer, a package with a console script): the definition
 * says what runs, every value with the file it came from, and it synthesizes.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { adopt, prose, read, repoOf, serviceProps, synthAdopted } from './support';
import { holdsPythonProject } from '../../src/project/adoption';

describe('a FastAPI service with requirements.txt and a README command', () => {
  const dir = repoOf({
    'app/__init__.py': '',
    'app/main.py':
      'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/healthz")\ndef health(): ...\n',
    'requirements.txt': 'fastapi==0.115.6\nuvicorn==0.32.1\n',
    'README.md':
      '# Service\n\n```bash\npip install -r requirements.txt\nuvicorn app.main:app --reload ' +
      '--port 8080\n```\n',
    '.gitignore': '.venv/\n*.sqlite\n',
  });
  const adoption = adopt(dir);

  test(
    "a CPU server: the README's uvicorn line bound to every interface, its port, the app's health " +
      'route',
    () => {
      expect(adoption.plan.services.map((s) => [s.kind, s.id])).toEqual([['PythonService', 'api']]);
      expect(serviceProps(adoption)).toMatchObject({
        command: ['uvicorn', 'app.main:app', '--port', '8080', '--host', '0.0.0.0'],
        port: 8080,
        healthCheckPath: '/healthz',
        sources: ['app'],
      });
      expect(prose(adoption.text)).toContain(
        "// README.md:5; --reload dropped (a development server's " +
          "reloader: the image's code never changes); added --host 0.0.0.0",
      );
      expect(adoption.text).toContain('// app/main.py:3 @app.get("/healthz")');
      expect(adoption.text).toContain(
        'dependencies: Dependencies.fromRequirementsFiles({ ml: ' + "['requirements.txt'] }),",
      );
    },
  );

  test("it synthesizes, and the repository's .gitignore keeps its lines", () => {
    synthAdopted(dir, adoption.text);
    expect(read(dir, 'docker/api/Dockerfile')).toContain(
      'CMD ["uvicorn", "app.main:app", "--port", ' + '"8080", "--host", "0.0.0.0"]',
    );
    expect(read(dir, '.gitignore')).toContain('\n.venv/\n*.sqlite\n');
    expect(read(dir, 'compose.yaml')).toContain('127.0.0.1:8080:8080');
  });
});

test('a Flask app run by its Procfile under gunicorn: the web process, on the PORT it is given', () => {
  const dir = repoOf({
    'wsgi.py': 'from flask import Flask\napp = Flask(__name__)\n@app.route("/")\ndef index(): ...\n',
    'requirements.txt': 'flask==3.1.0\ngunicorn==23.0.0\n',
    'Procfile': 'web: gunicorn wsgi:app --bind 0.0.0.0:$PORT --workers 2\nworker: python jobs.py\n',
  });
  const adoption = adopt(dir);
  expect(adoption.refused).toEqual([]);
  expect(serviceProps(adoption)).toMatchObject({
    command: ['gunicorn', 'wsgi:app', '--bind', '0.0.0.0:8000', '--workers', '2'],
    port: 8000,
    healthCheckPath: '/',
    sources: ['wsgi.py'],
  });
  expect(prose(adoption.text)).toContain('// Procfile:1; $PORT written out as "8000"');
  expect(prose(adoption.text)).toContain('Procfile:2: worker: python jobs.py');
  synthAdopted(dir, adoption.text);
  expect(existsSync(join(dir, 'docker/api/Dockerfile'))).toBe(true);
});

test('a torchrun trainer from the README, with torch pinned in requirements.txt: a GPU job', () => {
  const dir = repoOf({
    'train.py': 'import torch\nfrom model import Net\nif __name__ == "__main__":\n    ...\n',
    'model.py': 'import torch\nclass Net: ...\n',
    'configs/base.yaml': 'lr: 0.1\n',
    'requirements.txt': 'torch==2.5.1\nnumpy==2.1.3\n',
    'README.md': '## Train\n\n```\ntorchrun --nproc_per_node=1 train.py --config configs/base.yaml\n```\n',
  });
  const adoption = adopt(dir);
  expect(adoption.refused).toEqual([]);
  expect(adoption.plan.services.map((s) => s.kind)).toEqual(['GpuTrainer']);
  expect(serviceProps(adoption)).toMatchObject({
    command: ['torchrun', '--nproc_per_node=1', 'train.py', '--config', 'configs/base.yaml'],
    torchVersion: '2.5.1',
    sources: ['configs', 'model.py', 'train.py'],
  });
  expect(serviceProps(adoption).disableHealthCheck).toBeUndefined();
  expect(adoption.text).toContain('// requirements.txt:1 torch==2.5.1');
  synthAdopted(dir, adoption.text);
  expect(read(dir, 'docker/train/requirements-torch.txt')).toContain('torch==2.5.1');
});

test('a package with a __main__ and no document: python -m of the package', () => {
  const dir = repoOf({
    'tool/__init__.py': '',
    'tool/__main__.py': 'import argparse\nif __name__ == "__main__":\n    ...\n',
    'requirements.txt': 'rich==13.9.4\n',
  });
  const adoption = adopt(dir);
  expect(serviceProps(adoption)).toMatchObject({ command: ['python', '-m', 'tool'], sources: ['tool'] });
  expect(adoption.plan.services[0].kind).toBe('PythonService');
  synthAdopted(dir, adoption.text);
});

describe('what is a python project', () => {
  test('code or a dependency file is; what projen new itself adds is not', () => {
    expect(holdsPythonProject(repoOf({ 'x.py': '' }))).toBe(true);
    expect(holdsPythonProject(repoOf({ 'pyproject.toml': '[project]\nname = "x"\n' }))).toBe(true);
    expect(holdsPythonProject(repoOf({ 'cog.yaml': 'build: {}\n' }))).toBe(true);
    expect(holdsPythonProject(repoOf({ 'requirements/base.txt': 'numpy==2.1.3\n' }))).toBe(true);
    expect(holdsPythonProject(repoOf({}, { commit: false }))).toBe(false);
    expect(
      holdsPythonProject(
        repoOf({ 'package.json': '{"devDependencies":{}}', 'README.md': '# notes\n' }, { commit: false }),
      ),
    ).toBe(false);
  });
});
