/**
 * Real engine: what a service reads and writes at run time, from the generated compose.yaml.
 *
 * How: a CPU service (stand-in Python base, no requirements) with a secret, a cache volume and a
 * writable path is built with an override file that only adds what this engine needs (host
 * network builds, the stand-in base); `docker/ensure-secrets.sh` creates the secret file empty,
 * the test writes a token into it as a user would, then the generated file alone comes up.
 *
 * Proves: the token reaches the service as a file at the path its variable holds, and is in
 * neither its environment nor `docker inspect` of the container or the image; the writable path
 * is writable by the app user while the root filesystem stays read-only; what the service wrote
 * to its cache volume is still there after the project's `docker:down` task and a new `up`.
 */
import { spawnSync } from 'child_process';
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ComposeStack, PythonService } from '../../src';
import { newProject, synth } from '../util';
import {
  DOCKER, PYTHON_STANDIN, RunResult, docker, dockerTry, freePort, requireEngine, tail, tempDir,
} from './support/engine';

const TOKEN = 'hf_EngineTestTokenValue0123456789abcdef';

let dir = '';
let scratch = '';
let composeName = '';
let override = '';

function compose(args: string[], files: string[] = []): RunResult {
  return dockerTry(['compose', ...['compose.yaml', ...files].flatMap((f) => ['-f', f]), ...args], { cwd: dir });
}

function composeOk(args: string[], files: string[] = []): string {
  const res = compose(args, files);
  if (res.status !== 0) throw new Error(`docker compose ${args.join(' ')} exited ${res.status}\n${tail(res.stdout)}\n${tail(res.stderr)}`);
  return res.stdout;
}

/** Runs Python in the running api container (as its own user) and returns what it printed. */
function inApi(code: string): string {
  return composeOk(['exec', '-T', 'api', 'python', '-c', code]).trim();
}

function up(): void {
  composeOk(['up', '--detach', '--wait', '--wait-timeout', '120', '--pull', 'never']);
}

beforeAll(async () => {
  requireEngine();
  const project = newProject({ dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    hostPort: await freePort(),
    secrets: [{ name: 'hf_token', pathEnv: 'HF_TOKEN_PATH', description: 'a Hugging Face read token' }],
    cacheVolume: true,
    writablePaths: ['sdxl-cache'],
  });
  new ComposeStack(project, 'stack');
  const files = synth(project);
  dir = project.outdir;
  composeName = /^name: (\S+)$/m.exec(files['compose.yaml'])![1];
  scratch = tempDir('engine-runtime-');
  override = join(scratch, 'compose.build.yaml');
  const build = { network: 'host', args: { PYTHON_IMAGE: PYTHON_STANDIN } };
  writeFileSync(override, JSON.stringify({ services: { api: { build } } }, null, 2));
  composeOk(['down', '--volumes', '--remove-orphans', '--timeout', '1']);
  composeOk(['build'], [override]);
  const secrets = spawnSync('sh', ['docker/ensure-secrets.sh'], { cwd: dir, encoding: 'utf-8' });
  if (secrets.status !== 0) throw new Error(`ensure-secrets.sh failed: ${secrets.stderr}`);
  expect(readFileSync(join(dir, 'secrets', 'hf_token'), 'utf-8')).toBe('');
  writeFileSync(join(dir, 'secrets', 'hf_token'), TOKEN);
  up();
});

afterAll(() => {
  if (dir) compose(['down', '--volumes', '--remove-orphans', '--timeout', '1']);
  for (const d of [dir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('secrets, caches and writable paths on a real engine', () => {
  test('the secret is a file at the path its variable holds; the value is in no environment or inspect output', () => {
    expect(inApi('import os; print(os.environ["HF_TOKEN_PATH"])')).toBe('/run/secrets/hf_token');
    expect(inApi('import os; print(open(os.environ["HF_TOKEN_PATH"]).read())')).toBe(TOKEN);
    const environment = inApi('import os; print("\\n".join(f"{k}={v}" for k, v in os.environ.items()))');
    expect(environment).toContain('HF_TOKEN_PATH=/run/secrets/hf_token');
    expect(environment).not.toContain(TOKEN);
    const container = composeOk(['ps', '-q', 'api']).trim();
    expect(docker(['inspect', container])).not.toContain(TOKEN);
    const image = docker(['inspect', '--format', '{{.Image}}', container]).trim();
    expect(docker(['image', 'inspect', image])).not.toContain(TOKEN);
    expect(docker(['image', 'history', '--no-trunc', image])).not.toContain(TOKEN);
  });

  test('the writable path is writable by the app user; the root filesystem stays read-only', () => {
    const container = composeOk(['ps', '-q', 'api']).trim();
    expect(docker(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}}', container]).trim())
      .toBe('true 10001:10001');
    expect(inApi([
      'import os',
      'open("sdxl-cache/out.bin", "wb").write(b"x")',
      'print(os.getuid(), os.stat("sdxl-cache").st_uid, os.path.getsize("sdxl-cache/out.bin"))',
      'try:\n    open("/app/elsewhere", "w")\nexcept OSError as e:\n    print(e.errno == 30)',
    ].join('\n'))).toBe('10001 10001 1\nTrue');
  });

  test('the cache volume outlives the project\'s docker:down task and serves the next up', () => {
    expect(inApi('import os; print(os.environ["HF_HOME"], os.environ["XDG_CACHE_HOME"])'))
      .toBe('/cache/huggingface /cache');
    inApi('import os; os.makedirs(os.environ["HF_HOME"], exist_ok=True); '
      + 'open(os.environ["HF_HOME"] + "/weights.txt", "w").write("downloaded once")');
    const tasks = JSON.parse(readFileSync(join(dir, '.projen', 'tasks.json'), 'utf-8'));
    const down: string = tasks.tasks['docker:down'].steps[0].exec;
    expect(down).toBe('docker compose -f compose.yaml down');
    const res = spawnSync('sh', ['-c', down.replace(/^docker /, `${DOCKER} `)],
      { cwd: dir, encoding: 'utf-8', env: process.env });
    expect({ status: res.status, stderr: tail(res.stderr) })
      .toEqual({ status: 0, stderr: expect.any(String) });
    expect(composeOk(['ps', '--all', '-q']).trim()).toBe('');
    const volumes = docker(['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${composeName}`]);
    expect(volumes.trim().split('\n')).toContain(`${composeName}_api-cache`);
    up();
    expect(inApi('import os; print(open(os.environ["HF_HOME"] + "/weights.txt").read())')).toBe('downloaded once');
  });
});
