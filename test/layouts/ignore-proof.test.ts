/**
 * Ignore files never drop code or configuration: data and weights stay out by extension, a code
 * package named `data` (or `datasets`, `checkpoints`, `wandb`) reaches the image, the synth-time
 * proof fires on an ignore text that would drop code, and the generated .gitignore hides no
 * tracked code folder.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { GpuInference, MlDockerValidationError, PythonService } from '../../src';
import { ignoreFileLines } from '../../src/core/dockerignore';
import { Problems } from '../../src/core/problems';
import { checkServiceImage, readImageTree } from '../../src/service/image-checks';
import { newProject, synth } from '../util';

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-ignore-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const WORKER = {
  'services/worker/__init__.py': '',
  'services/worker/main.py': '',
  'services/worker/data/__init__.py': '',
  'services/worker/data/queues.py': '',
  'services/worker/datasets/coco.yaml': 'nc: 80\n',
  'services/worker/checkpoints/__init__.py': '',
  'services/worker/utils/loggers/wandb/__init__.py': '',
  'services/worker/templates/page.html.j2': '',
  // beside the code, as a user has them
  'services/worker/data/train.csv': 'a,b\n',
  'services/worker/data/images/cat.jpg': 'jpg',
  'services/worker/checkpoints/last.ckpt': 'w',
  'services/worker/model.safetensors': 'w',
  'services/worker/wandb/run-20240101_000000-abc/files/config.yaml': 'x: 1\n',
  'services/worker/.venv/lib/python3.11/site-packages/x.py': '',
  'services/worker/.env': 'TOKEN=x\n',
  'data/raw/part-0.parquet': 'p',
};

function messages(problems: Problems): string {
  try {
    problems.throwIfAny();
  } catch (e) {
    return (e as MlDockerValidationError).problems.join('\n');
  }
  return '';
}

describe('code packages named like data folders', () => {
  test.each(['docker/worker/Dockerfile.dockerignore', '.dockerignore'])('%s sends every code and config file, and no data, weights, runs, venvs or .env', (file) => {
    const project = newProject({ outdir: layout(WORKER) });
    new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'], entryCheck: true });
    const out = synth(project);
    const matcher = ignore().add(String(out[file]).split('\n'));
    for (const path of ['services/worker/data/queues.py', 'services/worker/data/__init__.py', 'services/worker/datasets/coco.yaml',
      'services/worker/checkpoints/__init__.py', 'services/worker/utils/loggers/wandb/__init__.py', 'services/worker/templates/page.html.j2']) {
      expect({ path, ignored: matcher.ignores(path) }).toEqual({ path, ignored: false });
    }
    for (const path of ['services/worker/data/train.csv', 'services/worker/data/images/cat.jpg', 'services/worker/checkpoints/last.ckpt',
      'services/worker/model.safetensors', 'services/worker/wandb/run-20240101_000000-abc/files/config.yaml',
      'services/worker/.venv/lib/python3.11/site-packages/x.py', 'services/worker/.env', 'data/raw/part-0.parquet']) {
      expect({ path, ignored: matcher.ignores(path) }).toEqual({ path, ignored: true });
    }
  });

  test('a sourceDir or a source named data is accepted now (it was refused as always excluded)', () => {
    const dir = layout({ 'data/__init__.py': '', 'data/prep.py': '', 'data/big.parquet': 'x' });
    const project = newProject({ outdir: dir });
    new PythonService(project, 'prep', { command: ['python', '-m', 'data.prep'], sources: ['data'] });
    const out = synth(project);
    expect(out['docker/prep/Dockerfile']).toContain('COPY --chown=10001:10001 data /app/data');
    expect(ignore().add(String(out['docker/prep/Dockerfile.dockerignore']).split('\n')).ignores('data/big.parquet')).toBe(true);
  });
});

/** The checks as a service runs them: the tree read once, under the Dockerfile's context paths. */
const checkImage = (problems: Problems, f: Parameters<typeof checkServiceImage>[1]) =>
  checkServiceImage(problems, f, readImageTree(f.root, f.contextPaths));

describe('the synth-time proof', () => {
  const files = Object.keys(WORKER);
  const facts = (ignoreText: string) => ({
    root: layout(WORKER),
    command: ['python', '-m', 'worker.main'],
    copies: [{ from: 'services/worker', to: '/app/worker' }],
    plannedFiles: [],
    workdir: '/app',
    pythonPath: ['/app'],
    pythonMinor: '3.11',
    ignoreText,
    requirements: [],
    checkCommand: true,
    contextPaths: ['services/worker'],
    artefactsAllowedUnder: [],
  });

  test('passes on our ignore file and reports the artefacts it keeps out', () => {
    const problems = new Problems('vision/worker');
    const check = checkImage(problems, facts(ignoreFileLines(['services/worker']).join('\n')));
    expect(problems.count).toBe(0);
    expect(check.excludedArtefacts).toEqual(expect.arrayContaining(['services/worker/checkpoints/last.ckpt', 'services/worker/data/train.csv', 'services/worker/model.safetensors']));
    expect(check.buildCheck?.args.slice(0, 3)).toEqual(['python', '-m', 'mldocker_runtime.entry_check']);
    expect(files.length).toBeGreaterThan(10);
  });

  test('refuses an ignore text that re-excludes a data folder wholesale (the old rule), naming the dropped file', () => {
    const problems = new Problems('vision/worker');
    const ignoreText = ['*', '!services/worker', '**/data', '**/*.ckpt', '**/*.safetensors', '**/*.csv']
      .join('\n');
    checkImage(problems, facts(ignoreText));
    expect(messages(problems)).toContain('drops a code or configuration file the image needs: got "services/worker/data/queues.py"');
  });

  test('refuses an ignore text that lets weights in', () => {
    const problems = new Problems('vision/worker');
    const ignoreText = [
      '*', '!services/worker', '**/.env', '**/.venv', '**/wandb/run-*', '**/*.csv', '**/*.jpg',
    ]
      .join('\n');
    checkImage(problems, facts(ignoreText));
    expect(messages(problems)).toContain('a weights or data file would be sent to the build context: got "services/worker/checkpoints/last.ckpt"');
  });
});

describe('a baked model', () => {
  test('keeps its config.json, tokenizer files and weights; data beside it stays out', () => {
    const dir = layout({
      'models/llm/config.json': '{}',
      'models/llm/tokenizer.json': '{}',
      'models/llm/tokenizer.model': 'sp',
      'models/llm/tokenizer_config.json': '{}',
      'models/llm/model-00001-of-00002.safetensors': 'w',
      'models/llm/pytorch_model.bin': 'w',
      'models/llm/eval.csv': 'x',
    });
    const project = newProject({ outdir: dir });
    new GpuInference(project, 'llm', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'llm.serve'], modelDir: 'models/llm', bakeModel: true });
    const out = synth(project);
    const matcher = ignore().add(String(out['docker/llm/Dockerfile.dockerignore']).split('\n'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer.model', 'tokenizer_config.json', 'model-00001-of-00002.safetensors', 'pytorch_model.bin']) {
      expect({ f, ignored: matcher.ignores(`models/llm/${f}`) }).toEqual({ f, ignored: false });
    }
    expect(matcher.ignores('models/llm/eval.csv')).toBe(true);
  });
});

describe('the generated .gitignore', () => {
  test('hides no tracked code folder (data/, models/, checkpoints/), only data and weights files', () => {
    const dir = layout({ 'data/__init__.py': '', 'data/coco.yaml': '', 'models/yolo.py': '', 'models/hub/yolov5s.yaml': '', 'checkpoints/__init__.py': '' });
    const project = newProject({ outdir: dir });
    new PythonService(project, 'api', { command: ['python', '-m', 'models.yolo'], sources: ['data', 'models', 'checkpoints'] });
    synth(project);
    const check = (path: string) => spawnSync('git', ['-C', dir, 'check-ignore', '--no-index', '-q', path]).status === 0;
    expect(spawnSync('git', ['-C', dir, 'init', '-q']).status).toBe(0);
    for (const path of ['data/__init__.py', 'data/coco.yaml', 'models/yolo.py', 'models/hub/yolov5s.yaml', 'checkpoints/__init__.py']) {
      expect({ path, ignored: check(path) }).toEqual({ path, ignored: false });
    }
    for (const path of ['data/train.csv', 'models/best.pt', 'checkpoints/last.ckpt', 'data/images/a.jpg', '.env', 'secrets/x', '.venv/bin/python']) {
      expect({ path, ignored: check(path) }).toEqual({ path, ignored: true });
    }
  });
});
