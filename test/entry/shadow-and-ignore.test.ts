import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ShadowKind, auditIgnore, findShadowedModules, isArtefact, isCodeOrConfig, moduleNameCollision,
} from '../../src/entry';

function image(...paths: string[]): Map<string, boolean> {
  return new Map(paths.map((p) => [p, true]));
}

describe('module name collisions', () => {
  test('reuses data/python-stdlib-modules.json: every listed module collides, ids with a suffix do not', () => {
    const data = JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'python-stdlib-modules.json'), 'utf-8'));
    for (const name of ['queue', 'json', 'asyncio', 'distutils', 'tomllib']) {
      expect(data.modules).toContain(name);
      expect(moduleNameCollision(name)).toBe(ShadowKind.STDLIB);
    }
    expect(moduleNameCollision('queue_service')).toBeUndefined();
    expect(moduleNameCollision('mldocker_runtime', ['mldocker_runtime'])).toBe(ShadowKind.RUNTIME);
  });

  test('top-level modules of an image that hide the standard library, the runtime or a requirement are listed, sorted', () => {
    const files = image(
      '/app/queue/__init__.py', '/app/queue/jobs.py', '/app/logging.py', '/app/datasets/__init__.py', '/app/datasets/coco.py',
      '/app/mldocker_runtime/x.py', '/app/gateway/main.py', '/app/README.md', '/app/assets/logo.png', '/opt/lib/yaml/__init__.py',
    );
    const shadows = findShadowedModules(files, ['/app', '/opt/lib'], { runtimePackages: ['mldocker_runtime'], requirements: ['datasets>=2', 'PyYAML'] });
    expect(shadows.map((s) => [s.name, s.kind, s.location, s.requirement])).toEqual([
      ['datasets', ShadowKind.REQUIREMENT, '/app/datasets/', 'datasets'],
      ['logging', ShadowKind.STDLIB, '/app/logging.py', undefined],
      ['mldocker_runtime', ShadowKind.RUNTIME, '/app/mldocker_runtime/', undefined],
      ['queue', ShadowKind.STDLIB, '/app/queue/', undefined],
      ['yaml', ShadowKind.REQUIREMENT, '/opt/lib/yaml/', 'pyyaml'],
    ]);
    expect(shadows.find((s) => s.name === 'queue')!.problem).toMatch(/^\/app\/queue\/ provides the python module "queue", which hides the standard library module of that name \(python 3\.10/);
  });

  test('folders without python files and dropped files hide nothing', () => {
    const files = new Map([['/app/json/schema.json', true], ['/app/queue.py', false]]);
    expect(findShadowedModules(files, ['/app'])).toEqual([]);
  });
});

describe('ignore audit', () => {
  const tree = [
    'services/worker/__init__.py', 'services/worker/data/__init__.py', 'services/worker/data/queues.py', 'services/worker/data/schema.json',
    'services/worker/templates/mail.j2', 'services/worker/checkpoints/best.ckpt', 'services/worker/cache/emb.npy', 'services/worker/model.safetensors',
    'services/worker/.env', 'data/train.parquet', 'train.py', 'configs/base.yaml',
  ];
  const copied = ['services/worker', 'train.py'];

  test('an ignore file that re-excludes data everywhere drops code: every dropped code or config file is named', () => {
    const text = ['*', '!services/worker', '!train.py', '**/data', '**/checkpoints', '**/*.safetensors', '**/.env'].join('\n');
    const audit = auditIgnore(tree, copied, text);
    expect(audit.droppedCode).toEqual(['services/worker/data/__init__.py', 'services/worker/data/queues.py', 'services/worker/data/schema.json']);
    expect(audit.excludedArtefacts).toEqual(['services/worker/checkpoints/best.ckpt', 'services/worker/model.safetensors']);
    expect(audit.includedArtefacts).toEqual(['services/worker/cache/emb.npy']);
    expect(audit.sent).not.toContain('services/worker/.env');
  });

  test('an ignore file that excludes artefacts by extension keeps every code file and lets no artefact in', () => {
    const text = ['*', '!services/worker', '!train.py', '**/.env', '**/*.ckpt', '**/*.npy', '**/*.safetensors', '**/*.parquet'].join('\n');
    const audit = auditIgnore(tree, copied, text);
    expect(audit.droppedCode).toEqual([]);
    expect(audit.includedArtefacts).toEqual([]);
    expect(audit.sent).toEqual([
      'services/worker/__init__.py', 'services/worker/data/__init__.py', 'services/worker/data/queues.py', 'services/worker/data/schema.json',
      'services/worker/templates/mail.j2', 'train.py',
    ]);
  });

  test('a baked model folder keeps its config, tokenizer and weights: its artefacts are allowed, not flagged', () => {
    const files = ['models/bert/config.json', 'models/bert/tokenizer.json', 'models/bert/model.safetensors', 'models/bert/onnx/model.onnx', 'app/main.py', 'app/cache.npy'];
    const audit = auditIgnore(files, ['models/bert', 'app'], '*\n!models/bert\n!app\n', ['models/bert']);
    expect(audit).toMatchObject({
      droppedCode: [],
      includedArtefacts: ['app/cache.npy'],
      excludedArtefacts: [],
      allowedArtefacts: ['models/bert/model.safetensors', 'models/bert/onnx/model.onnx'],
    });
    expect(audit.sent).toEqual(expect.arrayContaining(['models/bert/config.json', 'models/bert/tokenizer.json']));
  });

  test('files outside the copied paths are not audited', () => {
    expect(auditIgnore(tree, ['train.py'], '*\n').droppedCode).toEqual(['train.py']);
  });

  test.each([
    ['a/b.py', true], ['a/b.pyi', true], ['cfg/x.yaml', true], ['cfg/x.yml', true], ['pyproject.toml', true], ['setup.cfg', true],
    ['tox.ini', true], ['requirements.txt', true], ['t/mail.j2', true], ['t/page.jinja', true], ['t/page.html', true], ['Makefile', true],
    ['x/tokenizer.json', true], ['w/model.pt', false], ['d/x.parquet', false], ['.env', false], ['img.png', false],
  ])('%s is code or configuration: %s', (path, code) => {
    expect(isCodeOrConfig(path)).toBe(code);
  });

  test.each([
    ['w/model.pt', true], ['w/model.pth', true], ['w/x.ckpt', true], ['w/x.safetensors', true], ['data/train.bin', true], ['m.onnx', true],
    ['m.h5', true], ['a.npy', true], ['a.npz', true], ['t.parquet', true], ['t.arrow', true], ['b.tar', true], ['b.tar.gz', true],
    ['b.zip', true], ['m.gguf', true], ['train.py', false], ['config.json', false], ['tokenizer.model', false],
  ])('%s is a large binary artefact: %s', (path, artefact) => {
    expect(isArtefact(path)).toBe(artefact);
  });
});
