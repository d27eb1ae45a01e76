/**
 * Model weights as a locked input (`models`, `models.lock`): the definition's sources, folders
 * and globs, and a lock that does not hold the models as the definition gives them.
 */
import { AcceptRow, Row, any, inference, svc } from './support';
import { ModelWeights } from '../../src';

const REV = '0123456789abcdef0123456789abcdef01234567';
const SHA = 'ab'.repeat(32);
const hub = (options: Record<string, unknown> = {}) =>
  ModelWeights.huggingFace('org/tiny', any({ revision: REV, include: ['*.json'], ...options }));
/** A models.lock holding org/tiny at REV with these globs and files. */
const lock = (include: string[], files: unknown[] = [{ path: 'config.json', size: 3, sha256: SHA }]) =>
  JSON.stringify({ version: 1, models: { [`huggingface:org/tiny@${REV}`]: { include, files } } });
const LOCKED = { 'models.lock': lock(['*.json']) };

export const rows: Row[] = [
  { name: 'models: a branch name as revision', build: svc({ port: 8000, models: [hub({ revision: 'main' })] }), path: 'vision/api', got: 'models[0].revision: got "main"', expected: 'a commit of the model repository, 40 lowercase hexadecimal characters (a branch or tag moves)' },
  { name: 'models: a short commit as revision', build: svc({ port: 8000, models: [hub({ revision: '0123abc' })] }), path: 'vision/api', got: 'models[0].revision: got "0123abc"', expected: 'a commit of the model repository, 40 lowercase hexadecimal characters' },
  { name: 'models: a repository without its organisation', build: svc({ port: 8000, models: [ModelWeights.huggingFace('tiny', { revision: REV })] }), path: 'vision/api', got: 'models[0] repository: got "tiny"', expected: 'a Hugging Face model repository "org/name"' },
  { name: 'models: a model landing outside /models', build: svc({ port: 8000, models: [hub({ into: '/app/weights' })] }), path: 'vision/api', got: 'models[0].into: got "/app/weights"', expected: 'a folder under /models, e.g. "/models/classifier"' },
  { name: 'models: a model landing at /models itself', build: svc({ port: 8000, models: [hub({ into: '/models' })] }), path: 'vision/api', got: 'models[0].into: got "/models"', expected: 'a folder under /models' },
  { name: 'models: a model climbing out of /models', build: svc({ port: 8000, models: [hub({ into: '/models/../etc' })] }), path: 'vision/api', got: 'models[0].into: got "/models/../etc"', expected: 'a folder under /models' },
  { name: 'models: two models in one folder', build: svc({ port: 8000, models: [hub(), ModelWeights.path('models/tiny')] }), path: 'vision/api', got: 'models[1].into overlaps models[0].into ("/models/tiny"): got "/models/tiny"', expected: 'a folder of its own for each model' },
  { name: 'models: an include glob climbing out of the revision', build: svc({ port: 8000, models: [hub({ include: ['../secrets/*'] })] }), path: 'vision/api', got: 'models[0].include[0]: got "../secrets/*"', expected: 'a relative glob of letters, digits' },
  { name: 'models: an absolute include glob', build: svc({ port: 8000, models: [hub({ include: ['/etc/*'] })] }), path: 'vision/api', got: 'models[0].include[0]: got "/etc/*"', expected: 'a relative glob' },
  { name: 'models: an include glob with a character class', build: svc({ port: 8000, models: [hub({ include: ['model-[0-9].bin'] })] }), path: 'vision/api', got: 'models[0].include[0]: got "model-[0-9].bin"', expected: 'a relative glob' },
  { name: 'models: an empty include list', build: svc({ port: 8000, models: [hub({ include: [] })] }), path: 'vision/api', got: 'models[0].include: got []', expected: 'a non-empty list of globs' },
  { name: 'models: include on a URL', build: svc({ port: 8000, models: [ModelWeights.url('https://example.org/m.onnx', any({ include: ['*'] }))] }), path: 'vision/api', got: 'models[0].include is only read for Hugging Face models', expected: 'no include' },
  { name: 'models: a URL without https', build: svc({ port: 8000, models: [ModelWeights.url('http://example.org/model.onnx')] }), path: 'vision/api', got: 'models[0] url: got "http://example.org/model.onnx"', expected: 'an https URL of one file, without credentials, query or fragment' },
  { name: 'models: a URL with credentials', build: svc({ port: 8000, models: [ModelWeights.url('https://user:pw@example.org/model.onnx')] }), path: 'vision/api', got: 'models[0] url: got "https://user:pw@example.org/model.onnx"', expected: 'an https URL of one file, without credentials' },
  { name: 'models: a URL sha256 that is not hex', build: svc({ port: 8000, models: [ModelWeights.url('https://example.org/model.onnx', { sha256: 'abc' })] }), path: 'vision/api', got: 'models[0].sha256: got "abc"', expected: 'the file\'s sha256, 64 lowercase hexadecimal characters' },
  { name: 'models: a repository folder outside the repository', build: svc({ port: 8000, models: [ModelWeights.path('../weights')] }), path: 'vision/api', got: 'models[0] path: got "../weights"', expected: 'a folder of the repository relative to its root' },
  { name: 'models: a plain object instead of ModelWeights', build: svc({ port: 8000, models: [{ source: 'huggingface' }] }), path: 'vision/api', got: 'models[0]: got {"source":"huggingface"}', expected: 'ModelWeights.huggingFace(...), ModelWeights.url(...) or ModelWeights.path(...)' },
  { name: 'models: an unknown delivery', build: svc({ port: 8000, models: [hub({ delivery: 'ship' })] }), path: 'vision/api', got: 'models[0].delivery: got "ship"', expected: 'one of: bake' },
  { name: 'models beside a modelDir', build: svc({ port: 8000, modelDir: 'models', models: [hub()] }), path: 'vision/api', got: 'models is set with a modelDir (both land at /models): got "models"', expected: 'either models (locked weights) or a modelDir, not both' },
  { name: 'models on GpuInference beside a modelDir', build: inference({ modelDir: 'weights', models: [hub()] }), path: 'vision/inference', got: 'models is set with a modelDir (both land at /models): got "weights"', expected: 'either models (locked weights) or a modelDir' },
  { name: 'models on GpuInference: a branch name as revision', build: inference({ models: [hub({ revision: 'v1.0' })] }), path: 'vision/inference', got: 'models[0].revision: got "v1.0"', expected: 'a commit of the model repository' },
  { name: 'models without a models.lock', build: svc({ port: 8000, models: [hub()] }), path: 'vision/api', got: `models[0] has no entry in models.lock: got "huggingface:org/tiny@${REV}"`, expected: 'run `npx projen models:lock` to lock it' },
  { name: 'models at a revision the lock does not hold', build: svc({ port: 8000, models: [hub({ revision: 'f'.repeat(40) })] }), files: LOCKED, path: 'vision/api', got: `models[0] has no entry in models.lock: got "huggingface:org/tiny@${'f'.repeat(40)}"`, expected: 'run `npx projen models:lock` to lock it' },
  { name: 'models whose include the lock does not match', build: svc({ port: 8000, models: [hub({ include: ['*.json', '*.safetensors'] })] }), files: LOCKED, path: 'vision/api', got: 'models[0] does not match models.lock: it was locked with include ["*.json"]: got ["*.json","*.safetensors"]', expected: 'run `npx projen models:lock` to lock it' },
  {
    name: 'a URL whose sha256 the lock does not match',
    build: svc({ port: 8000, models: [ModelWeights.url('https://example.org/model.onnx', { sha256: 'cd'.repeat(32) })] }),
    files: { 'models.lock': JSON.stringify({ version: 1, models: { 'url:https://example.org/model.onnx': { include: [], files: [{ path: 'model.onnx', size: 3, sha256: SHA }] } } }) },
    path: 'vision/api',
    got: `models[0] does not match models.lock: its sha256 there is ${SHA}: got "${'cd'.repeat(32)}"`,
    expected: 'run `npx projen models:lock` to lock it',
  },
  { name: 'a models.lock that is not JSON', build: svc({ port: 8000, models: [hub()] }), files: { 'models.lock': '{ models: ' }, path: 'vision/api', got: 'models.lock is not JSON', expected: 'the file `npx projen models:lock` writes' },
  { name: 'a models.lock of another version', build: svc({ port: 8000, models: [hub()] }), files: { 'models.lock': '{"version": 2, "models": {}}' }, path: 'vision/api', got: 'models.lock has no version 1 "models" object: got 2', expected: 'the file `npx projen models:lock` writes (run it again)' },
  { name: 'a models.lock file climbing out of its model', build: svc({ port: 8000, models: [hub()] }), files: { 'models.lock': lock(['*.json'], [{ path: '../../etc/passwd', size: 3, sha256: SHA }]) }, path: 'vision/api', got: 'models.lock: a file of model "huggingface:org/tiny@0123456789abcdef0123456789abcdef01234567": got {"path":"../../etc/passwd"', expected: 'a relative "path" without "..", a "size" in bytes and a "sha256" of 64 lowercase hexadecimal characters' },
  { name: 'a models.lock file with a short sha256', build: svc({ port: 8000, models: [hub()] }), files: { 'models.lock': lock(['*.json'], [{ path: 'config.json', size: 3, sha256: 'abc' }]) }, path: 'vision/api', got: '"sha256":"abc"}', expected: 'a "sha256" of 64 lowercase hexadecimal characters' },
];

export const accepts: AcceptRow[] = [
  {
    name: 'models locked in models.lock: a weights stage, the copies after the code and the start-up check',
    build: svc({ port: 8000, models: [hub()] }),
    files: LOCKED,
    writes: {
      'docker/api/Dockerfile': [
        'FROM base AS weights',
        'RUN ["python", "-m", "mldocker_runtime.weights", "fetch", "/opt/mldocker/models.json"]',
        'COPY --from=weights /models/tiny /models/tiny',
        'ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "mldocker_runtime.weights", "check", "/opt/mldocker/models.json"]',
      ],
      'docker/api/models.json': ['"dest": "/models/tiny/config.json"', `"sha256": "${SHA}"`],
      'docker/runtime/mldocker_runtime/weights.py': ['def verify(entry: dict) -> None:'],
    },
  },
];
