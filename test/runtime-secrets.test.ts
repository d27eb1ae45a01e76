/**
 * What a service reads and writes at run time besides /tmp: its secrets (files at /run/secrets,
 * the environment holding only their paths), its cache volume and the folders its code writes
 * next to itself, rendered for compose and Kubernetes and checked by the real clients.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { composeConfig } from './support/compose-cli';
import { newProject, synth, withExtensionFolders } from './util';
import {
  BackingService, ComposeStack, GpuBase, GpuInference, GpuTrainer, KubernetesBackingMode, KubernetesManifests,
  MlDockerProject, PythonService,
} from '../src';
import { BACKING_LINK_ENV, IMAGE_ENV, IMAGE_SET_ENV } from '../src/core/environment';
import { Problems } from '../src/core/problems';
import { resolveSecrets } from '../src/service/service-secrets';

const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz0123456789AB';

function define(p: MlDockerProject): void {
  const api = new PythonService(p, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    secrets: [{ name: 'hf_token', pathEnv: 'HF_TOKEN_PATH', description: 'a Hugging Face read token' }],
    writablePaths: ['sdxl-cache', 'outputs/images'],
  });
  new GpuInference(p, 'inference', {
    torchVersion: '2.5.1',
    port: 8080,
    command: ['python', '-m', 'inference.serve'],
    secrets: [{ name: 'hf_token' }, { name: 'openai_key', pathEnv: 'OPENAI_KEY_PATH' }],
    cacheSize: '50g',
  });
  new GpuTrainer(p, 'trainer', {
    torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], cacheVolume: true,
  });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
  new KubernetesManifests(p, 'k8s', {
    backingServices: [BackingService.POSTGRES],
    backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
  });
  void api;
}

function sh(script: string, cwd: string): { status: number | null; stderr: string } {
  const res = spawnSync('sh', [script], { cwd, encoding: 'utf-8' });
  return { status: res.status, stderr: res.stderr };
}

function mode(path: string): string {
  return statSync(path).mode.toString(8).slice(-3);
}

describe('secrets of app services', () => {
  const p = newProject();
  define(p);
  const out = synth(p);
  const compose = YAML.parse(out['compose.yaml']);

  test('compose mounts each secret and gives only its path in the variable', () => {
    expect(compose.services.api.secrets).toEqual(['hf_token', 'postgres_password']);
    expect(compose.services.api.environment.HF_TOKEN_PATH).toBe('/run/secrets/hf_token');
    expect(compose.services.inference.secrets).toEqual(['hf_token', 'openai_key', 'postgres_password']);
    expect(compose.services.inference.environment).toMatchObject({
      HF_TOKEN_FILE: '/run/secrets/hf_token', OPENAI_KEY_PATH: '/run/secrets/openai_key',
    });
    expect(compose.services.trainer.secrets).toEqual(['postgres_password']);
    expect(compose.secrets).toEqual({
      hf_token: { file: './secrets/hf_token' },
      openai_key: { file: './secrets/openai_key' },
      postgres_password: { file: './secrets/postgres_password' },
    });
  });

  test('docker compose config accepts the stack with every profile', () => {
    for (const profiles of [[], ['gpu'], ['gpu', 'train']]) {
      expect(composeConfig(p.outdir, out['compose.yaml'], profiles)).toEqual({ ok: true, output: '' });
    }
  });

  test('ensure-secrets.sh creates app secrets empty with the note, keeps what the user wrote', () => {
    const first = sh('docker/ensure-secrets.sh', p.outdir);
    expect(first.status).toBe(0);
    const dir = join(p.outdir, 'secrets');
    expect(mode(dir)).toBe('700');
    expect(readFileSync(join(dir, 'hf_token'), 'utf-8')).toBe('');
    expect(mode(join(dir, 'hf_token'))).toBe('644');
    expect(readFileSync(join(dir, 'postgres_password'), 'utf-8')).toMatch(/^[0-9a-f]{96}$/);
    expect(first.stderr).toContain('created secrets/hf_token (empty)');
    expect(first.stderr).toContain('secrets/hf_token is empty: write into it a Hugging Face read token; '
      + 'read by api (HF_TOKEN_PATH) and inference (HF_TOKEN_FILE)');
    expect(first.stderr).toContain('secrets/openai_key is empty: write into it the value read by inference '
      + '(OPENAI_KEY_PATH)');
    writeFileSync(join(dir, 'hf_token'), TOKEN);
    const second = sh('docker/ensure-secrets.sh', p.outdir);
    expect(second.status).toBe(0);
    expect(readFileSync(join(dir, 'hf_token'), 'utf-8')).toBe(TOKEN);
    expect(second.stderr).not.toContain('hf_token');
  });

  test('no generated file holds a value or a variable that would: only names and paths', () => {
    for (const [path, text] of Object.entries(out)) {
      if (typeof text !== 'string' || path.startsWith('secrets/')) continue;
      expect(text).not.toContain(TOKEN);
      expect(`${path}: ${text}`).not.toMatch(/HF_TOKEN=|HF_TOKEN:/);
    }
    expect(out['docker/api/Dockerfile']).not.toMatch(/hf_token|HF_TOKEN/);
    expect(out['docker/inference/Dockerfile']).not.toMatch(/hf_token|HF_TOKEN|openai/i);
  });

  test('Kubernetes: the stack Secret carries the keys, each pod mounts its own at /run/secrets', () => {
    const kustomization = YAML.parse(out['k8s/base/kustomization.yaml']);
    expect(kustomization.secretGenerator[0].files).toEqual([
      'hf_token=secrets/hf_token', 'openai_key=secrets/openai_key', 'postgres_password=secrets/postgres_password',
    ]);
    const inference = YAML.parseAllDocuments(out['k8s/base/inference.yaml']).map((d) => d.toJS())
      .find((d) => d.kind === 'Deployment');
    const pod = inference.spec.template.spec;
    const secretVolume = pod.volumes.find((v: any) => v.secret);
    expect(secretVolume.secret.items.map((i: any) => i.key)).toEqual(['hf_token', 'openai_key', 'postgres_password']);
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'HF_TOKEN_FILE', value: '/run/secrets/hf_token' },
      { name: 'OPENAI_KEY_PATH', value: '/run/secrets/openai_key' },
    ]));
    expect(out['k8s/README.md']).toContain('- `hf_token`: a Hugging Face read token; read by api (HF_TOKEN_PATH)');
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
  const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
  (hasKustomize ? test : test.skip)('k8s:secrets creates the app secrets empty (0600); kustomize builds the Secret', () => {
    const run = sh('k8s/ensure-secrets.sh', p.outdir);
    expect(run.status).toBe(0);
    const file = join(p.outdir, 'k8s/base/secrets/hf_token');
    expect(mode(file)).toBe('600');
    expect(run.stderr).toContain('k8s/base/secrets/hf_token is empty: write into it a Hugging Face read token');
    writeFileSync(file, TOKEN);
    const rendered = execFileSync('kubectl', ['kustomize', 'k8s/'], { cwd: p.outdir, encoding: 'utf8' });
    const secret = YAML.parseAllDocuments(rendered).map((d) => d.toJS()).find((d) => d.kind === 'Secret');
    expect(Buffer.from(secret.data.hf_token, 'base64').toString()).toBe(TOKEN);
    expect(Buffer.from(secret.data.openai_key, 'base64').toString()).toBe('');
  });
});

describe('the generated files, as recorded', () => {
  const p = newProject();
  define(p);
  const out = synth(p);

  test.each([
    'docker/ensure-secrets.sh', 'k8s/ensure-secrets.sh', 'compose.yaml', 'k8s/base/api.yaml', 'k8s/base/inference.yaml',
    'k8s/base/volumes.yaml',
  ])('%s', (file) => {
    expect(out[file]).toMatchSnapshot();
  });

  test('the runtime block of a Dockerfile with writable paths, and of one with a cache volume', () => {
    const block = (file: string) => String(out[file]).split('FROM base AS prod')[1].split('USER 10001')[0];
    expect(block('docker/api/Dockerfile')).toMatchSnapshot();
    expect(block('docker/inference/Dockerfile')).toMatchSnapshot();
  });
});

describe('path variables of secrets', () => {
  test('every variable a generated Dockerfile sets is refused as a path variable', () => {
    const p = withExtensionFolders(newProject(), 'ext');
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], cacheVolume: true, modelDir: 'models', bakeModel: true });
    new GpuInference(p, 'inference', {
      torchVersion: '2.5.1',
      port: 8080,
      command: ['python', '-m', 'inference.serve'],
      cacheVolume: true,
      cudaExtensions: ['ext'],
      gpuFleet: ['H100'],
    });
    new GpuTrainer(p, 'trainer', {
      torchVersion: '2.9.0',
      command: ['python', '-m', 'trainer.train'],
      gpuBase: GpuBase.CUDNN_RUNTIME,
      hostDriverVersion: '570.26',
    });
    mkdirSync(join(p.outdir, 'ext'), { recursive: true });
    mkdirSync(join(p.outdir, 'models'), { recursive: true });
    writeFileSync(join(p.outdir, 'ext', 'setup.py'), '');
    const out = synth(p);
    const names = new Set<string>();
    for (const [path, text] of Object.entries(out)) {
      if (!path.endsWith('/Dockerfile')) continue;
      for (const m of String(text).matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
        for (const pair of m[1].split(/\s*\\\n\s*/)) names.add(pair.split('=')[0].trim());
      }
    }
    expect(names.size).toBeGreaterThan(15);
    for (const name of names) {
      const problems = new Problems('vision/api');
      resolveSecrets(problems, [{ name: 'token_file', pathEnv: name }], {});
      expect([name, problems.count]).toEqual([name, 1]);
    }
    expect([...IMAGE_ENV, ...IMAGE_SET_ENV].length).toBeGreaterThan(0);
  });

  test('every variable a backing service gives the apps is refused as a path variable', () => {
    const p = newProject();
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'] });
    new ComposeStack(p, 'stack', {
      backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW],
    });
    const compose = YAML.parse(synth(p)['compose.yaml']);
    const linked = Object.keys(compose.services.api.environment);
    expect(linked.length).toBeGreaterThan(3);
    for (const name of linked) expect(BACKING_LINK_ENV).toContain(name);
  });
});

describe('cache volume on every kind', () => {
  const p = newProject();
  define(p);
  const out = synth(p);
  const compose = YAML.parse(out['compose.yaml']);

  test('a named volume at /cache; the caches move there; /tmp stays a tmpfs for temporary files', () => {
    expect(compose.services.inference.volumes).toContain('inference-cache:/cache');
    expect(compose.services.trainer.volumes).toContain('trainer-cache:/cache');
    expect(compose.volumes).toHaveProperty(['inference-cache']);
    expect(compose.services.inference.tmpfs).toEqual(['/tmp:exec,mode=1777,size=2g']);
    const dockerfile: string = out['docker/inference/Dockerfile'];
    for (const line of ['XDG_CACHE_HOME="/cache"', 'HF_HOME="/cache/huggingface"', 'TORCH_HOME="/cache/torch"',
      'TRITON_CACHE_DIR="/cache/triton"']) {
      expect(dockerfile).toContain(line);
    }
    // each variable once per ENV: the cache replaces the /tmp places, never sets a second value
    expect(dockerfile).not.toContain('/tmp/.cache');
    expect(dockerfile).toContain('RUN install -d -o 10001 -g 10001 /cache');
    expect(out['docker/api/Dockerfile']).not.toMatch(/"\/cache/);
  });

  test('Kubernetes: a claim of cacheSize (else volumeSize) mounted at /cache', () => {
    const claims = YAML.parseAllDocuments(out['k8s/base/volumes.yaml']).map((d) => d.toJS());
    const size = (name: string) => claims.find((c) => c.metadata.name === name)
      ?.spec.resources.requests.storage;
    expect(size('inference-cache')).toBe('50Gi');
    expect(size('trainer-cache')).toBe('20Gi');
  });
});

describe('writable paths', () => {
  const p = newProject();
  define(p);
  const out = synth(p);
  const compose = YAML.parse(out['compose.yaml']);

  test('folders owned by the app user in the image, a named volume each under compose', () => {
    expect(out['docker/api/Dockerfile']).toContain('RUN install -d -o 10001 -g 10001 /app/sdxl-cache /app/outputs/images\n');
    expect(compose.services.api.volumes).toEqual([
      'api-writable-sdxl-cache:/app/sdxl-cache', 'api-writable-outputs-images:/app/outputs/images',
    ]);
    expect(compose.services.api.read_only).toBe(true);
  });

  test('Kubernetes: an emptyDir of the pod each, never a claim', () => {
    const api = YAML.parseAllDocuments(out['k8s/base/api.yaml']).map((d) => d.toJS())
      .find((d) => d.kind === 'Deployment');
    const pod = api.spec.template.spec;
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'scratch-app-sdxl-cache', emptyDir: {} },
      { name: 'scratch-app-outputs-images', emptyDir: {} },
    ]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'scratch-app-sdxl-cache', mountPath: '/app/sdxl-cache' },
    ]));
    expect(out['k8s/base/volumes.yaml']).not.toContain('writable');
  });
});
