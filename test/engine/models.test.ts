/**
 * Real engine: model weights as a locked input, baked into a PythonService's image.
 *
 * How: a stand-in Hugging Face Hub (test/support/fake-hub.js, a child process on 127.0.0.1)
 * serves one revision of `org/tiny` (a config kept in git, an LFS weights file); the same code
 * `npx projen models:lock` runs (`MlDockerProject._lockModels`) asks it for the files, and a
 * repository folder is locked beside it; then the project synthesizes and its prod image is
 * built with `HF_ENDPOINT` pointing at the stand-in.
 *
 * Proves: models:lock records the hub's sizes and sha256 (the LFS file's from the API, the git
 * file's by fetching it) and the folder's; the weights stage fetches the files at build and
 * checks them; the prod image starts under the hardening compose gives it, its entrypoint's
 * check passes and says so, and the server turns healthy; a code change rebuilds without
 * fetching the weights again (the weights stage is cached, the hub sees no request); one
 * changed byte in a weights file stops the start with that file named and no server started.
 *
 * Does not prove: the real Hugging Face Hub (its API shapes are modeled, not fetched), a URL
 * source (https only, and this engine has no certificate for a loopback server), the mount and
 * download deliveries (not built), GPU services.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ModelWeights, PythonService } from '../../src';
import { newProject, synth } from '../util';
import { PYTHON_STANDIN, docker, dockerTry, requireEngine, tempDir, waitFor, waitHealthy } from './support/engine';

const REVISION = '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a';
const WEIGHTS = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
const CONFIG = '{"model_type": "tiny", "hidden_size": 8}\n';
/** The bytes of the three locked files: the weights, the config, the folder's labels. */
const TOTAL = WEIGHTS.length + CONFIG.length + 8;
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const CONTAINER = `engine-models-${RUN_ID}`;
const IMAGE = `engine-test/models-api:${RUN_ID}`;
/** What compose.yaml sets on every app service, as `docker run` flags. */
const HARDENING = [
  '--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL',
  '--security-opt', 'no-new-privileges:true', '--memory', '1g', '--cpus', '1', '--pids-limit', '512',
];

let dir = '';
let scratch = '';
let hub: ChildProcess | undefined;
let hubUrl = '';
let hubLog = '';
let lockLine = '';
let firstBuild = '';

/** The build's output: docker writes BuildKit's plain progress to stderr, read again with `2>&1`. */
function buildLog(): string {
  const res = dockerTry(['build', '--progress', 'plain', '--network', 'host', '-f', 'docker/api/Dockerfile',
    '--target', 'prod', '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `HF_ENDPOINT=${hubUrl}`,
    '-t', IMAGE, '.'], { cwd: dir });
  if (res.status !== 0) throw new Error(`build failed\n${res.stdout}\n${res.stderr}`);
  return res.stderr;
}

async function startHub(): Promise<void> {
  scratch = tempDir('engine-models-');
  hubLog = join(scratch, 'hub.log');
  writeFileSync(hubLog, '');
  const config = join(scratch, 'hub.json');
  writeFileSync(config, JSON.stringify({
    log: hubLog,
    repos: {
      'org/tiny': {
        revision: REVISION,
        files: {
          'config.json': { base64: Buffer.from(CONFIG).toString('base64') },
          'model.safetensors': { base64: WEIGHTS.toString('base64'), lfs: true },
          'README.md': { base64: Buffer.from('# tiny\n').toString('base64') },
        },
      },
    },
  }));
  const out = join(scratch, 'hub.out');
  const fd = openSync(out, 'w');
  hub = spawn(process.execPath, [join(__dirname, '..', 'support', 'fake-hub.js'), config], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const port = await waitFor('the fake hub', 10_000, () => /^port (\d+)$/m.exec(readFileSync(out, 'utf-8'))?.[1], 50);
  hubUrl = `http://127.0.0.1:${port}`;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hubRequests = () => readFileSync(hubLog, 'utf-8').split('\n').filter(Boolean);

beforeAll(async () => {
  requireEngine();
  await startHub();
  const project = newProject({ dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    models: [
      ModelWeights.huggingFace('org/tiny', { revision: REVISION, include: ['*.json', '*.safetensors'] }),
      ModelWeights.path('models/labels', { into: '/models/labels' }),
    ],
  });
  dir = project.outdir;
  mkdirSync(join(dir, 'models', 'labels'), { recursive: true });
  writeFileSync(join(dir, 'models', 'labels', 'labels.bin'), Buffer.from('cat\ndog\n'));
  lockLine = await project._lockModels({ HF_ENDPOINT: hubUrl });
  synth(project);
  firstBuild = buildLog();
}, 600_000);

afterAll(async () => {
  dockerTry(['rm', '-f', '-v', CONTAINER]);
  dockerTry(['image', 'rm', '-f', IMAGE]);
  if (hub && hub.exitCode === null) hub.kill('SIGTERM');
  for (const d of [dir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('locked model weights on a real engine', () => {
  test('models:lock records every file with the sizes and sha256 the hub and the folder give', () => {
    expect(lockLine).toBe('models:lock: 2 model(s), 3 file(s) written to models.lock');
    const lock = JSON.parse(readFileSync(join(dir, 'models.lock'), 'utf-8'));
    expect(lock.models).toEqual({
      [`huggingface:org/tiny@${REVISION}`]: {
        include: ['*.json', '*.safetensors'],
        files: [
          { path: 'config.json', size: CONFIG.length, sha256: sha(CONFIG) },
          { path: 'model.safetensors', size: WEIGHTS.length, sha256: sha(WEIGHTS) },
        ],
      },
      'path:models/labels': { include: [], files: [{ path: 'labels.bin', size: 8, sha256: sha('cat\ndog\n') }] },
    });
    // the LFS file's sha256 came from the API; only the file kept in git was fetched
    expect(hubRequests()).toEqual([
      `GET /api/models/org/tiny/revision/${REVISION}`,
      `GET /org/tiny/resolve/${REVISION}/config.json`,
      // the weights stage's fetch, at build
      `GET /org/tiny/resolve/${REVISION}/config.json`,
      `GET /org/tiny/resolve/${REVISION}/model.safetensors`,
    ]);
    expect(firstBuild).toContain(`weights: 3 file(s), ${TOTAL} bytes, match models.lock`);
  });

  test('the prod image starts once its check passes, and serves', async () => {
    docker(['run', '-d', '--name', CONTAINER, '--network', 'none', ...HARDENING, IMAGE]);
    await waitHealthy(CONTAINER, 120_000);
    const logs = dockerTry(['logs', CONTAINER]);
    expect(logs.stderr).toContain(`weights: 3 file(s), ${TOTAL} bytes, match models.lock`);
    expect(docker(['exec', CONTAINER, 'cat', '/models/tiny/config.json'])).toBe(CONFIG);
    expect(docker(['exec', CONTAINER, 'sha256sum', '/models/labels/labels.bin']).split(' ')[0])
      .toBe(sha('cat\ndog\n'));
    // README.md was not included, and the weights are not the app user's to change
    expect(dockerTry(['exec', CONTAINER, 'test', '-e', '/models/tiny/README.md']).status).not.toBe(0);
    expect(dockerTry(['exec', CONTAINER, 'sh', '-c', 'echo x >> /models/tiny/model.safetensors']).status).not.toBe(0);
  });

  test('a code change rebuilds without fetching the weights again', () => {
    const before = hubRequests().length;
    writeFileSync(join(dir, 'services', 'api', 'changed.py'), 'CHANGED = True\n');
    const log = buildLog();
    expect(hubRequests().length).toBe(before);
    // BuildKit's plain progress: the fetch step's line, then CACHED under the same step number
    const step = /#(\d+) \[weights \d+\/\d+\] RUN \["python", "-m", "mldocker_runtime\.weights", "fetch"/.exec(log);
    expect(step).not.toBeNull();
    expect(log).toMatch(new RegExp(`^#${step![1]} CACHED$`, 'm'));
  });

  test('one changed byte stops the start, naming the file', () => {
    const bad = Buffer.from(WEIGHTS);
    bad[100] = (bad[100] + 1) % 256;
    const file = join(scratch, 'model.safetensors');
    writeFileSync(file, bad, { mode: 0o644 });
    const res = dockerTry(['run', '--rm', '--network', 'none', ...HARDENING,
      '-v', `${file}:/models/tiny/model.safetensors:ro`, IMAGE]);
    expect(res.status).toBe(3);
    expect(res.stderr).toContain('weights: /models/tiny/model.safetensors: sha256 ');
    expect(res.stderr).toContain(`differs from models.lock: sha256 ${sha(WEIGHTS)} `
      + `(4096 bytes), huggingface org/tiny@${REVISION}, model.safetensors`);
  });
});
