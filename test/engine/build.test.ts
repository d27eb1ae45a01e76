/**
 * Real engine: the generated Dockerfile of a PythonService builds
 * on Docker 26 (BuildKit, built-in frontend: `dockerfileSyntax: false`) and its image runs
 * under the hardening compose.yaml gives it.
 *
 * Proves: the Dockerfile's stages, cache/bind/secret mounts and COPY sources work on a real
 * builder; the tiers install from a private index given as PIP_INDEX_URL, and the dev tier
 * reaches only the dev/test targets; index credentials given as the BuildKit secret `netrc`
 * reach pip and stay out of every image layer; the prod image runs as 10001 with tini as
 * PID 1 on a read-only root with no capabilities and no-new-privileges, serves its port, and
 * its own HEALTHCHECK (HTTP for the API, the heartbeat file for a worker that asks for it, the
 * process for a job that writes no heartbeat) turns healthy; a job that never beats is healthy
 * while it runs and ends with its own exit status; the test
 * target's CMD runs the sample's tests; nothing is written outside the /tmp tmpfs.
 *
 * Does not prove: the official python:3.11.16-slim-bookworm base (a debootstrapped bookworm
 * with Debian's Python 3.11.2 stands in, through the PYTHON_IMAGE build arg), real PyPI
 * packages (a local index with stub wheels), the pinned `# syntax=docker/dockerfile:...` frontend
 * (not pullable here), torch/GPU services, or other engines (podman, rootless, Kubernetes).
 */
import { spawnSync } from 'child_process';
import { rmSync } from 'fs';
import { PythonService } from '../../src';
import { newProject, synth } from '../util';
import {
  IndexServer, PYTHON_STANDIN, docker, dockerTry, requireEngine, startIndexServer, tempDir, waitFor,
  waitHealthy, writeFile, writeWheelhouse,
} from './support/engine';

const API = {
  command: ['python', '-m', 'api.main'],
  port: 8000,
  requirements: { core: ['mlstub==1.0.0'], dev: ['mlstub-dev==1.0.0'] },
};

/** What compose.yaml sets on every app service, as `docker run` flags. */
const HARDENING = [
  '--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL',
  '--security-opt', 'no-new-privileges:true', '--memory', '1g', '--cpus', '1', '--pids-limit', '512',
];

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const NETWORK = `engine-build-${RUN_ID}`;
const API_CONTAINER = `engine-build-api-${RUN_ID}`;
const WORKER_CONTAINER = `engine-build-worker-${RUN_ID}`;
const JOB_CONTAINER = `engine-build-job-${RUN_ID}`;

let dir = '';
let wheels = '';
let scratch = '';
let index: IndexServer;

/** `docker build` of one target from the project directory, as a user on a private index would. */
function build(
  service: string, target: string, options: { tag?: string; indexUrl?: string; extra?: string[] } = {},
): string {
  const tag = options.tag ?? `engine-test/${service}:${target}`;
  docker(['build', '--progress', 'plain', '--network', 'host', '-f', `docker/${service}/Dockerfile`, '--target', target,
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `PIP_INDEX_URL=${options.indexUrl ?? index.url}`,
    ...(options.extra ?? []), '-t', tag, '.'], { cwd: dir });
  return tag;
}

/** Runs a one-off command in an image with the hardening and no network. */
function runOnce(image: string, command: string[]): { status: number; output: string } {
  const res = dockerTry(['run', '--rm', '--network', 'none', ...HARDENING, image, ...command]);
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

beforeAll(async () => {
  requireEngine();
  const project = newProject({ dockerfileSyntax: false });
  new PythonService(project, 'api', API);
  new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'], heartbeat: true });
  new PythonService(project, 'job', { command: ['python', '-m', 'job.main'] });
  synth(project);
  dir = project.outdir;
  wheels = writeWheelhouse();
  scratch = tempDir('engine-build-');
  index = await startIndexServer(wheels);

  build('api', 'prod');
  build('worker', 'prod');
  build('job', 'prod');
  // A network of its own (the engine has no default bridge): the port is published on
  // 127.0.0.1 only, as compose publishes it.
  docker(['network', 'create', NETWORK]);
  docker(['run', '-d', '--name', API_CONTAINER, '--network', NETWORK, '-p', '127.0.0.1::8000', ...HARDENING, 'engine-test/api:prod']);
  docker(['run', '-d', '--name', WORKER_CONTAINER, '--network', NETWORK, ...HARDENING, 'engine-test/worker:prod']);
});

afterAll(async () => {
  for (const c of [API_CONTAINER, WORKER_CONTAINER, JOB_CONTAINER]) dockerTry(['rm', '-f', '-v', c]);
  dockerTry(['network', 'rm', NETWORK]);
  await index?.close();
  for (const d of [dir, wheels, scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('PythonService image on a real engine', () => {
  test('the prod image runs as uid 10001 under tini, with no capabilities and no-new-privileges', () => {
    expect(docker(['exec', API_CONTAINER, 'id', '-u']).trim()).toBe('10001');
    expect(docker(['exec', API_CONTAINER, 'id', '-g']).trim()).toBe('10001');
    expect(docker(['exec', API_CONTAINER, 'cat', '/proc/1/comm']).trim()).toBe('tini');
    const status = docker(['exec', API_CONTAINER, 'cat', '/proc/1/status']);
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // The root filesystem is read-only for the app; only /tmp is writable.
    expect(dockerTry(['exec', API_CONTAINER, 'touch', '/app/written']).status).not.toBe(0);
    expect(docker(['exec', API_CONTAINER, 'sh', '-c', 'echo ok > /tmp/probe && cat /tmp/probe']).trim()).toBe('ok');
  });

  test('the app answers on its published 127.0.0.1 port', async () => {
    const published = docker(['port', API_CONTAINER, '8000/tcp']).trim().split('\n')[0];
    expect(published).toMatch(/^127\.0\.0\.1:\d+$/);
    const body = await waitFor('the api to answer', 30_000, () => {
      const res = spawnSync('python3', ['-c',
        `import urllib.request; print(urllib.request.urlopen("http://${published}/health", timeout=2).read().decode())`], { encoding: 'utf-8' });
      return res.status === 0 ? String(res.stdout).trim() : undefined;
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  test('prod has the core tier (from the private index build arg) and not the dev tier', () => {
    expect(runOnce('engine-test/api:prod', ['python', '-c', 'import mlstub; print(mlstub.__version__)']))
      .toEqual({ status: 0, output: '1.0.0\n' });
    const dists = runOnce('engine-test/api:prod', ['python', '-c',
      'import importlib.metadata as m; print(" ".join(sorted(d.metadata["Name"].lower() for d in m.distributions())))']);
    expect(dists.status).toBe(0);
    expect(dists.output.trim().split(' ')).toContain('mlstub');
    expect(dists.output.trim().split(' ')).not.toContain('mlstub-dev');
    const devImport = runOnce('engine-test/api:prod', ['python', '-c', 'import mlstub_dev']);
    expect(devImport.status).not.toBe(0);
    expect(devImport.output).toContain("No module named 'mlstub_dev'");
    // (That the tiers come from the PIP_INDEX_URL build arg is shown by the uncached builds
    // of the private-index test below: a warm build here may not ask the index at all.)
  });

  test('the dev target has the dev tier, and the test target runs the sample tests (exit 0)', () => {
    const dev = build('api', 'dev');
    expect(runOnce(dev, ['python', '-c', 'import mlstub_dev; print(mlstub_dev.check())'])).toEqual({ status: 0, output: 'True\n' });
    const test = build('api', 'test');
    const run = runOnce(test, []);
    expect(run.output).toMatch(/Ran [1-9]\d* tests? in/);
    expect(run.output).toMatch(/\nOK\s*$/);
    expect(run.status).toBe(0);
  });

  test('private index credentials come only through the netrc BuildKit secret and stay out of the image', () => {
    // Without the secret the private index refuses pip (401): the build fails.
    const before = index.requests().length;
    expect(() => build('api', 'prod', { tag: 'engine-test/api:no-secret', indexUrl: index.privateUrl, extra: ['--no-cache'] }))
      .toThrow(/exited [1-9]/);
    expect(index.requests().slice(before)).toContain('/private/simple/mlstub/ auth=none');

    // With it, pip sends the credentials and the build succeeds. --no-cache: the secret is
    // not part of BuildKit's cache key, so a cached layer would prove nothing.
    const netrc = writeFile(scratch, 'netrc', `machine 127.0.0.1 login ${index.login} password ${index.password}\n`);
    const mark = index.requests().length;
    const image = build('api', 'prod', { tag: 'engine-test/api:private', indexUrl: index.privateUrl, extra: ['--no-cache', '--secret', `id=netrc,src=${netrc}`] });
    const seen = index.requests().slice(mark);
    expect(seen).toContain('/private/simple/mlstub/ auth=ok');
    expect(seen.filter((r) => !r.endsWith('auth=ok'))).toEqual([]);

    // Not in the layers' metadata, the config, or any layer's content.
    expect(docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image])).not.toContain(index.password);
    expect(docker(['image', 'inspect', image])).not.toContain(index.password);
    expect(runOnce(image, ['sh', '-c', 'test ! -e /run/secrets/netrc && echo absent'])).toEqual({ status: 0, output: 'absent\n' });
    const saved = `${scratch}/image.tar`;
    docker(['save', '-o', saved, image]);
    const grep = (needle: string) => spawnSync('grep', ['-c', '-a', '-F', needle, saved], { encoding: 'utf-8' }).status;
    // Control: the saved layers are plain tar, so text from a layer (the wheel's metadata in
    // the venv) is found; then the password must not be.
    expect(grep('Summary: Offline test stand-in package mlstub')).toBe(0);
    expect(grep(index.password)).toBe(1);
    expect(grep(`login ${index.login}`)).toBe(1);
  });

  test("the API's own HEALTHCHECK (HTTP, stdlib probe) turns healthy", async () => {
    const config = JSON.parse(docker(['inspect', '--format', '{{json .Config.Healthcheck}}', API_CONTAINER]));
    expect(config.Test).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'http', 'http://127.0.0.1:8000/health']);
    await waitHealthy(API_CONTAINER, 120_000);
  });

  test('a job that writes no heartbeat is healthy while it runs and ends with its own status', async () => {
    // a step far longer than one probe interval, and not a single beat()
    docker(['run', '-d', '--name', JOB_CONTAINER, '--network', 'none', ...HARDENING, 'engine-test/job:prod',
      'python', '-c', 'import time; time.sleep(40)']);
    const config = JSON.parse(docker(['inspect', '--format', '{{json .Config.Healthcheck}}', JOB_CONTAINER]));
    expect(config.Test).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'process']);
    await waitHealthy(JOB_CONTAINER, 30_000);
    expect(docker(['wait', JOB_CONTAINER]).trim()).toBe('0');
    const log = JSON.parse(docker(['inspect', '--format', '{{json .State.Health.Log}}', JOB_CONTAINER]));
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((probe: { ExitCode: number }) => probe.ExitCode !== 0)).toEqual([]);
  }, 90_000);

  test('a worker that asks for the heartbeat check turns healthy through it', async () => {
    const config = JSON.parse(docker(['inspect', '--format', '{{json .Config.Healthcheck}}', WORKER_CONTAINER]));
    expect(config.Test.slice(0, 5)).toEqual(['CMD', 'python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat']);
    await waitHealthy(WORKER_CONTAINER, 120_000);
    expect(docker(['exec', WORKER_CONTAINER, 'id', '-u']).trim()).toBe('10001');
  });

  test('nothing is written outside the /tmp tmpfs (docker diff), after the health probes ran', () => {
    for (const c of [API_CONTAINER, WORKER_CONTAINER]) {
      expect(docker(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.CapDrop}}', c]).trim()).toBe('true ["ALL"]');
      const changed = docker(['diff', c]).split('\n').filter((l) => l.trim() !== '');
      expect(changed.filter((l) => !/^[ACD] \/tmp(\/|$)/.test(l))).toEqual([]);
    }
  });
});
