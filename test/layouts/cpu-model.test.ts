/**
 * CPU services get what GpuInference has for models and caches (the same module, src/service/model-dir.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import * as YAML from 'yaml';
import { ComposeStack, PythonService } from '../../src';
import { composeConfig } from '../support/compose-cli';
import { expectValidationError, newProject, synth } from '../util';

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-cpu-model-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const TREE = {
  'app/__init__.py': '',
  'app/main.py': '',
  'models/clf/config.json': '{}',
  'models/clf/tokenizer.json': '{}',
  'models/clf/model.safetensors': 'w',
  'models/clf/train.csv': 'x',
};
const CMD = ['python', '-m', 'app.main'];

test('a mounted model folder (read-only at /models) and a cache volume owned by the app user', () => {
  const project = newProject({ outdir: layout(TREE) });
  new PythonService(project, 'api', { command: CMD, port: 8000, sources: ['app'], modelDir: 'models/clf', cacheVolume: true });
  new ComposeStack(project, 'stack');
  const out = synth(project);
  const dockerfile: string = out['docker/api/Dockerfile'];
  expect(dockerfile).toContain('RUN install -d -o 10001 -g 10001 /cache');
  expect(dockerfile).toContain('HF_HOME="/cache/huggingface"');
  expect(dockerfile).toContain('MLDOCKER_MODEL_DIR="/models"');
  expect(dockerfile).not.toContain('COPY --chown=10001:10001 models/clf');
  const compose = YAML.parse(out['compose.yaml']);
  expect(compose.services.api.volumes).toEqual(['./models/clf:/models:ro', 'api-cache:/cache']);
  expect(Object.keys(compose.volumes)).toContain('api-cache');
  expect(composeConfig(project.outdir, out['compose.yaml'])).toMatchObject({ ok: true });
});

test('a baked model keeps its config, tokenizer and weights; data beside it stays out', () => {
  const project = newProject({ outdir: layout(TREE) });
  new PythonService(project, 'api', { command: CMD, sources: ['app'], modelDir: 'models/clf', bakeModel: true });
  const out = synth(project);
  expect(out['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 models/clf /models');
  expect(out['docker/api/Dockerfile']).toContain('HF_HUB_OFFLINE="1"');
  const matcher = ignore().add(String(out['docker/api/Dockerfile.dockerignore']).split('\n'));
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) expect({ f, ignored: matcher.ignores(`models/clf/${f}`) }).toEqual({ f, ignored: false });
  expect(matcher.ignores('models/clf/train.csv')).toBe(true);
});

test('bad model props: bakeModel without modelDir, a model folder inside the code, one holding secrets', () => {
  const dir = layout(TREE);
  expectValidationError(() => new PythonService(newProject({ outdir: dir }), 'api', { command: CMD, sources: ['app'], bakeModel: true }), 'vision/api', 'true', 'a modelDir to copy');
  expectValidationError(() => new PythonService(newProject({ outdir: dir }), 'api', { command: CMD, sources: ['app'], modelDir: 'app/models' }), 'vision/api', '"app/models"', 'outside the code');
  expectValidationError(() => new PythonService(newProject({ outdir: dir }), 'api', { command: CMD, sources: ['app'], modelDir: 'secrets' }), 'vision/api', '"secrets"', 'would mount credentials');
});
