/**
 * Model weights as a locked input: `models:lock` against a stand-in Hugging Face Hub on
 * 127.0.0.1 (test/support/fake-hub.js), the lock's text, what synthesis makes of it (the
 * Dockerfile's weights stage, the manifest, the containers guide), and the runtime helper
 * that fetches and checks the files, run with the machine's python3.
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { newProject, synth } from './util';
import { GpuInference, ModelWeights, PythonService } from '../src';
import { CacheReport } from '../src/cache-report/cache-report';
import { cacheReportOfProject } from '../src/cache-report/project-report';
import { Problems } from '../src/core/problems';
import { lockModels } from '../src/service/model-hub';
import { ModelSpec, checkModels, matchesInclude } from '../src/service/model-weights';
import { renderModelsLock } from '../src/service/models-lock';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFakeHub } = require('./support/fake-hub.js') as {
  startFakeHub: (repos: object, log?: string) => Promise<{ url: string; close: () => Promise<void> }>;
};

const REV = '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a';
const CONFIG = '{"hidden_size": 8}\n';
const WEIGHTS = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const REPOS = {
  'org/tiny': {
    revision: REV,
    files: {
      'config.json': { base64: b64(CONFIG) },
      'model.safetensors': { base64: b64(WEIGHTS), lfs: true },
      'unet/config.json': { base64: b64('{}') },
      'README.md': { base64: b64('# tiny\n') },
    },
  },
};

let hub: { url: string; close: () => Promise<void> };
let log = '';
let scratch = '';
const requests = () => readFileSync(log, 'utf-8').split('\n').filter(Boolean);

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'mld-models-'));
  log = join(scratch, 'hub.log');
  writeFileSync(log, '');
  hub = await startFakeHub(REPOS, log);
});
afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function specs(...models: ModelWeights[]): ModelSpec[] {
  const problems = new Problems('vision/api');
  const checked = checkModels(problems, models);
  problems.throwIfAny();
  return checked;
}

const tiny = (include?: string[]) => ModelWeights.huggingFace('org/tiny', { revision: REV, include });

describe('models:lock against a hub', () => {
  test('records each file of the revision the globs take: an LFS file from the API, a git file by fetching it', async () => {
    writeFileSync(log, '');
    const lock = await lockModels(specs(tiny(['*.json', '*.safetensors'])), { endpoint: hub.url, root: scratch });
    expect(lock.models).toEqual({
      [`huggingface:org/tiny@${REV}`]: {
        include: ['*.json', '*.safetensors'],
        files: [
          { path: 'config.json', size: CONFIG.length, sha256: sha(CONFIG) },
          { path: 'model.safetensors', size: 300, sha256: sha(WEIGHTS) },
          // `*` spans folders, as huggingface_hub's allow_patterns (fnmatch) reads it
          { path: 'unet/config.json', size: 2, sha256: sha('{}') },
        ],
      },
    });
    expect(requests()).toEqual([
      `GET /api/models/org/tiny/revision/${REV}`,
      `GET /org/tiny/resolve/${REV}/config.json`,
      `GET /org/tiny/resolve/${REV}/unet/config.json`,
    ]);
  });

  test('without include, every file of the revision', async () => {
    const lock = await lockModels(specs(tiny()), { endpoint: hub.url, root: scratch });
    expect(lock.models[`huggingface:org/tiny@${REV}`].files.map((f) => f.path))
      .toEqual(['README.md', 'config.json', 'model.safetensors', 'unet/config.json']);
  });

  test('the lock text is the same for the same models, whatever order they come in', async () => {
    mkdirSync(join(scratch, 'models', 'labels'), { recursive: true });
    writeFileSync(join(scratch, 'models', 'labels', 'b.txt'), 'b');
    writeFileSync(join(scratch, 'models', 'labels', 'a.txt'), 'a');
    const folder = ModelWeights.path('models/labels');
    const one = renderModelsLock(await lockModels(specs(tiny(['*.json']), folder), { endpoint: hub.url, root: scratch }));
    const two = renderModelsLock(await lockModels(specs(folder, tiny(['*.json'])), { endpoint: hub.url, root: scratch }));
    expect(one).toBe(two);
    expect(Object.keys(JSON.parse(one).models)).toEqual([`huggingface:org/tiny@${REV}`, 'path:models/labels']);
    expect(JSON.parse(one).models['path:models/labels'].files).toEqual([
      { path: 'a.txt', size: 1, sha256: sha('a') }, { path: 'b.txt', size: 1, sha256: sha('b') },
    ]);
  });

  test('a glob that takes no file of the revision is refused', async () => {
    await expect(lockModels(specs(tiny(['*.gguf'])), { endpoint: hub.url, root: scratch }))
      .rejects.toThrow(`huggingface:org/tiny@${REV}: no file of the revision matches include ["*.gguf"]`);
  });

  test('a revision the hub does not have is refused with the address asked', async () => {
    const other = ModelWeights.huggingFace('org/tiny', { revision: 'f'.repeat(40) });
    await expect(lockModels(specs(other), { endpoint: hub.url, root: scratch })).rejects.toThrow(
      `huggingface:org/tiny@${'f'.repeat(40)}: ${hub.url}/api/models/org/tiny/revision/${'f'.repeat(40)}?blobs=true answered 404`);
  });

  test('a URL is downloaded and hashed; a sha256 the definition gives must be the one downloaded', async () => {
    // the definition accepts https only; the lock's own code is reached here with the hub's http address
    const url: ModelSpec = {
      source: 'url',
      location: `${hub.url}/org/tiny/resolve/${REV}/model.safetensors`,
      include: [],
      into: '/models/m',
      delivery: specs(tiny())[0].delivery,
      key: 'url:x',
    };
    const lock = await lockModels([url], { endpoint: hub.url, root: scratch });
    expect(lock.models['url:x'].files).toEqual([{ path: 'model.safetensors', size: 300, sha256: sha(WEIGHTS) }]);
    await expect(lockModels([{ ...url, sha256: 'a'.repeat(64) }], { endpoint: hub.url, root: scratch }))
      .rejects.toThrow(`url:x: sha256 ${sha(WEIGHTS)}, but the definition gives ${'a'.repeat(64)}`);
  });

  test('one model given twice with different globs is refused', async () => {
    await expect(lockModels(specs(tiny(['*.json']), ModelWeights.huggingFace('org/tiny', { revision: REV, include: ['*.safetensors'], into: '/models/b' })), { endpoint: hub.url, root: scratch }))
      .rejects.toThrow('is given twice with different include lists (["*.json"] and ["*.safetensors"])');
  });

  test('the project task writes models.lock, then leaves it as it is; synthesis then reads it', async () => {
    const project = newProject();
    new PythonService(project, 'api', {
      command: ['python', '-m', 'api.main'], port: 8000, models: [tiny(['*.json', '*.safetensors'])],
    });
    const first = await project._lockModels({ HF_ENDPOINT: `${hub.url}/` });
    expect(first).toBe('models:lock: 1 model(s), 3 file(s) written to models.lock');
    const text = readFileSync(join(project.outdir, 'models.lock'), 'utf-8');
    expect(await project._lockModels({ HF_ENDPOINT: hub.url })).toBe('models:lock: 1 model(s), 3 file(s) unchanged in models.lock');
    expect(readFileSync(join(project.outdir, 'models.lock'), 'utf-8')).toBe(text);
    const out = synth(project);
    expect(out['docker/api/models.json'].files.map((f: { dest: string }) => f.dest))
      .toEqual(['/models/tiny/config.json', '/models/tiny/model.safetensors', '/models/tiny/unet/config.json']);
    rmSync(project.outdir, { recursive: true, force: true });
  });
});

test('include globs read as fnmatch reads them', () => {
  expect(matchesInclude('a/b/model.safetensors', ['*.safetensors'])).toBe(true);
  expect(matchesInclude('model.safetensors.index.json', ['*.safetensors'])).toBe(false);
  expect(matchesInclude('model-1.bin', ['model-?.bin'])).toBe(true);
  expect(matchesInclude('model+1.bin', ['model?1.bin'])).toBe(true);
  expect(matchesInclude('modelx1.bin', ['model.1.bin'])).toBe(false);
  expect(matchesInclude('anything', [])).toBe(true);
});

describe('synthesis of a service with models', () => {
  function lockedProject(build: (p: ReturnType<typeof newProject>) => void, lock: object) {
    const project = newProject();
    build(project);
    writeFileSync(join(project.outdir, 'models.lock'), JSON.stringify({ version: 1, models: lock }));
    return project;
  }
  const LOCK = {
    [`huggingface:org/tiny@${REV}`]: {
      include: ['*.json', '*.safetensors'],
      files: [{ path: 'config.json', size: 19, sha256: 'a'.repeat(64) }, { path: 'model.safetensors', size: 300, sha256: 'b'.repeat(64) }],
    },
    'path:models/labels': { include: [], files: [{ path: 'labels.bin', size: 8, sha256: 'c'.repeat(64) }] },
  };

  test('a CPU service: the weights stage, the manifest, the ignore file and the guide', () => {
    const project = lockedProject((p) => new PythonService(p, 'api', {
      command: ['python', '-m', 'api.main'],
      port: 8000,
      models: [tiny(['*.json', '*.safetensors']), ModelWeights.path('models/labels', { into: '/models/labels' })],
    }), LOCK);
    const out = synth(project);
    const dockerfile: string = out['docker/api/Dockerfile'];
    expect(dockerfile.slice(dockerfile.indexOf('# ---- weights'), dockerfile.indexOf('# ---- prod'))).toMatchSnapshot();
    expect(dockerfile.slice(dockerfile.indexOf('USER 10001:10001', dockerfile.indexOf('FROM base AS prod')))).toMatchSnapshot();
    expect(out['docker/api/models.json']).toMatchSnapshot();
    // the build context: the manifest and the baked folder with its weights, no other weights
    const ignore: string = out['docker/api/Dockerfile.dockerignore'];
    expect(ignore).toContain('!docker/api/models.json\n');
    expect(ignore).toContain('!models/labels\n');
    expect(ignore).toContain('!models/labels/**/*.bin\n');
    expect(ignore).not.toMatch(/^!models\/?$/m);
    // the cache report reads the weights stage as the model describes it; a code change keeps the fetch
    const report = cacheReportOfProject(project);
    expect(JSON.stringify(report.toJson()))
      .toBe(JSON.stringify(CacheReport.fromProject(project.outdir).toJson()));
    const prod = report.service('api').targets.find((t) => t.target === 'prod')!;
    const fetch = prod.steps.find((st) => st.stage === 'weights' && st.keyword === 'RUN')!;
    expect(prod.impacts.find((i) => i.change === 'app-code')!.kept).toContain(fetch.label);
    expect(prod.impacts.find((i) => i.change === 'requirements:core')?.kept ?? [fetch.label]).toContain(fetch.label);
    const guide: string = out['docs/containers.md'];
    expect(guide.slice(guide.indexOf('## Models'), guide.indexOf('\n## ', guide.indexOf('## Models') + 1))).toMatchSnapshot();
    rmSync(project.outdir, { recursive: true, force: true });
  });

  test('a GPU inference server: the check after the driver check, and no model folder mounted at /models', () => {
    const project = lockedProject((p) => new GpuInference(p, 'inference', {
      command: ['python', '-m', 'inference.serve'],
      port: 8080,
      torchVersion: '2.5.1',
      models: [tiny(['*.json', '*.safetensors'])],
    }), LOCK);
    const out = synth(project);
    expect(out['docker/inference/Dockerfile']).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", '
      + '"mldocker_runtime.driver_check", "python", "-m", "mldocker_runtime.weights", "check", "/opt/mldocker/models.json"]');
    expect(out['docker/inference/Dockerfile']).toContain('COPY --from=weights /models/tiny /models/tiny\n');
    expect(out['docker/inference/Dockerfile']).not.toContain('MLDOCKER_MODEL_DIR');
    rmSync(project.outdir, { recursive: true, force: true });
  });

  test('the models:lock task runs the definition with the lock switch on', () => {
    const out = synth(newProject());
    expect(out['.projen/tasks.json'].tasks['models:lock']).toEqual(expect.objectContaining({
      env: { MLDOCKER_MODELS_LOCK: '1' },
      steps: [{ spawn: 'default' }],
    }));
  });
});

describe('the runtime helper (python3, standard library only)', () => {
  const run = promisify(execFile);
  const helper = join(__dirname, '..', 'templates', 'runtime');

  async function helperRun(
    args: string[], env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number; stderr: string; stdout: string }> {
    try {
      const { stdout, stderr } = await run('python3', ['-c', 'import runpy, sys; sys.argv[0] = "weights"; '
        + `sys.path.insert(0, ${JSON.stringify(helper)}); runpy.run_path(${JSON.stringify(join(helper, 'weights.py'))}, run_name="__main__")`,
      ...args], { env: { ...process.env, ...env } });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stderr: string; stdout: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  function manifest(dir: string): string {
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify({
      '//': 'test',
      'files': [
        { source: 'huggingface', from: 'org/tiny', revision: REV, path: 'config.json', dest: join(dir, 'tiny', 'config.json'), size: CONFIG.length, sha256: sha(CONFIG) },
        { source: 'huggingface', from: 'org/tiny', revision: REV, path: 'model.safetensors', dest: join(dir, 'tiny', 'model.safetensors'), size: 300, sha256: sha(WEIGHTS) },
      ],
    }));
    return file;
  }

  test('fetch downloads and checks every file; check passes, then runs the command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-weights-'));
    const file = manifest(dir);
    const fetched = await helperRun(['fetch', file], { HF_ENDPOINT: hub.url });
    expect(fetched).toEqual({ code: 0, stdout: '', stderr: `weights: 2 file(s), ${CONFIG.length + 300} bytes, match models.lock\n` });
    expect(readFileSync(join(dir, 'tiny', 'model.safetensors'))).toEqual(WEIGHTS);
    const checked = await helperRun(['check', file, 'echo', 'server started']);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toBe('server started\n');
    rmSync(dir, { recursive: true, force: true });
  });

  test('one changed byte stops the check with the file named, and the command never runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-weights-'));
    const file = manifest(dir);
    expect((await helperRun(['fetch', file], { HF_ENDPOINT: hub.url })).code).toBe(0);
    const bad = Buffer.from(WEIGHTS);
    bad[7] = (bad[7] + 1) % 256;
    writeFileSync(join(dir, 'tiny', 'model.safetensors'), bad);
    const checked = await helperRun(['check', file, 'echo', 'server started']);
    expect(checked).toEqual({
      code: 3,
      stdout: '',
      stderr: `weights: ${join(dir, 'tiny', 'model.safetensors')}: sha256 ${sha(bad)} (300 bytes) differs from models.lock: `
        + `sha256 ${sha(WEIGHTS)} (300 bytes), huggingface org/tiny@${REV}, model.safetensors\n`,
    });
    rmSync(join(dir, 'tiny', 'config.json'));
    expect((await helperRun(['check', file, 'true'])).stderr).toBe(
      `weights: ${join(dir, 'tiny', 'config.json')}: missing (models.lock: huggingface org/tiny@${REV}, config.json)\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a fetch the hub refuses stops the build with the file and address named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-weights-'));
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify({ files: [{ source: 'huggingface', from: 'org/none', revision: REV, path: 'x.bin', dest: join(dir, 'x.bin'), size: 1, sha256: 'a'.repeat(64) }] }));
    const fetched = await helperRun(['fetch', file], { HF_ENDPOINT: hub.url });
    expect(fetched.code).toBe(4);
    expect(fetched.stderr).toBe(`weights: ${join(dir, 'x.bin')}: cannot download ${hub.url}/org/none/resolve/${REV}/x.bin: HTTP Error 404: Not Found\n`);
    rmSync(dir, { recursive: true, force: true });
  });
});
