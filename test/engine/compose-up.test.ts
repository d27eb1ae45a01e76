/**
 * Real engine (`compose up --wait`): the CPU part of a
 * generated stack (api + worker + BackingService.POSTGRES + BackingService.REDIS) comes up
 * healthy on Docker 26 / Compose 2.26 from the generated, unchanged compose.yaml.
 *
 * How: the app images are built by `docker compose build` with an override file that only
 * adds what this engine needs (`build.network: host`, no default bridge) and the test's
 * build args (stand-in base image, local index); secrets come from the generated
 * docker/ensure-secrets.sh; then `docker compose -f compose.yaml up -d --wait --pull never`
 * runs the generated file alone.
 *
 * Proves: compose.yaml's build sections, image names, secrets, depends_on (service_healthy)
 * order, healthchecks, hardening (read-only roots, cap_drop ALL, no-new-privileges, user
 * 999:999 for postgres and redis with fresh named volumes, tmpfs for their sockets and
 * config) and networks work together on a real engine: every service turns healthy; the api
 * reaches postgres and redis by service name over the internal network, with nothing but
 * the URLs and *_PASSWORD_FILE paths compose gives it, and a wrong password is refused;
 * postgres initialised itself from POSTGRES_USER/POSTGRES_DB/POSTGRES_PASSWORD_FILE; redis
 * never sees its password as a process argument; `down -v` leaves nothing behind.
 *
 * Does not prove: the official postgres:17.11-bookworm and redis:7.4.11-bookworm images.
 * Docker Hub is unreachable here, so scripts/engine/standin-backing.sh builds stand-ins
 * under those names from Debian bookworm's postgresql-15 and redis-server 7.0 with our own
 * entrypoints (its header lists what they reproduce and what not): our reading of the
 * official entrypoints (user 999, *_FILE, volume ownership) is tested against itself, not
 * against the real images. MLflow is left out: there is no Debian package to build a
 * stand-in for ghcr.io/mlflow/mlflow from. GPU services are checked with `compose config`
 * only (no NVIDIA driver), in the unit tests.
 */
import { spawnSync } from 'child_process';
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BackingService, ComposeStack, PythonService } from '../../src';
import { newProject, synth } from '../util';
import {
  IndexServer, PYTHON_STANDIN, RunResult, docker, dockerTry, freePort, requireEngine, startIndexServer, tail,
  tempDir, waitFor, writeWheelhouse,
} from './support/engine';

const SERVICES = ['api', 'postgres', 'redis', 'worker'];

let dir = '';
let wheels = '';
let scratch = '';
let index: IndexServer;
let hostPort = 0;
let composeName = '';
let up: RunResult & { seconds: number };

/** `docker compose` on the generated compose.yaml only (plus extra -f files when given). */
function compose(args: string[], options: { files?: string[]; input?: string } = {}): RunResult {
  const files = ['compose.yaml', ...(options.files ?? [])].flatMap((f) => ['-f', f]);
  return dockerTry(['compose', ...files, ...args], { cwd: dir, input: options.input });
}

function composeOk(args: string[], options: { files?: string[]; input?: string } = {}): string {
  const res = compose(args, options);
  if (res.status !== 0) throw new Error(`docker compose ${args.join(' ')} exited ${res.status}\n${tail(res.stdout)}\n${tail(res.stderr)}`);
  return res.stdout;
}

/** `docker compose ps` as objects (Compose 2.21+ prints one JSON object per line). */
function ps(): Array<{ Service: string; State: string; Health: string }> {
  const out = composeOk(['ps', '--all', '--format', 'json']).trim();
  if (out === '') return [];
  return out.startsWith('[') ? JSON.parse(out) : out.split('\n').map((l) => JSON.parse(l));
}

/** Runs support/probe-backing.py in the api container; returns its JSON. */
function probe(kind: 'redis' | 'postgres'): any {
  const script = readFileSync(join(__dirname, 'support', 'probe-backing.py'), 'utf-8');
  return JSON.parse(composeOk(['exec', '-T', 'api', 'python', '-', kind], { input: script }));
}

beforeAll(async () => {
  requireEngine();
  hostPort = await freePort();
  const project = newProject({ dockerfileSyntax: false });
  const api = new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    hostPort,
    requirements: { core: ['mlstub==1.0.0'], dev: ['mlstub-dev==1.0.0'] },
  });
  new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'], dependsOn: [api] });
  new ComposeStack(project, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS] });
  const files = synth(project);
  dir = project.outdir;
  composeName = /^name: (\S+)$/m.exec(files['compose.yaml'])![1];
  wheels = writeWheelhouse();
  scratch = tempDir('engine-compose-');
  index = await startIndexServer(wheels);

  // Only what this engine and this test need, beside the generated file.
  const override = join(scratch, 'compose.build.yaml');
  const build = { network: 'host', args: { PYTHON_IMAGE: PYTHON_STANDIN, PIP_INDEX_URL: index.url } };
  writeFileSync(override, JSON.stringify({ services: { api: { build }, worker: { build } } }, null, 2));
  composeOk(['down', '--volumes', '--remove-orphans', '--timeout', '1']); // leftovers of an aborted run
  composeOk(['build'], { files: [override] });
  const secrets = spawnSync('sh', ['docker/ensure-secrets.sh'], { cwd: dir, encoding: 'utf-8' });
  if (secrets.status !== 0) throw new Error(`ensure-secrets.sh failed: ${secrets.stderr}`);

  const start = Date.now();
  const res = compose(['up', '--detach', '--wait', '--wait-timeout', '240', '--pull', 'never']);
  up = { ...res, seconds: Math.round((Date.now() - start) / 1000) };
  console.log(`docker compose up --wait: exit ${up.status} after ${up.seconds} s`);
});

afterAll(async () => {
  if (dir) compose(['down', '--volumes', '--remove-orphans', '--timeout', '1']);
  await index?.close();
  for (const d of [dir, wheels, scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('compose up --wait on a real engine (backing services: Debian stand-ins)', () => {
  test('the generated compose.yaml comes up with every service healthy', () => {
    const state = ps();
    const report = `up exited ${up?.status} after ${up?.seconds} s\n${tail(up?.stderr ?? '')}\n` +
      `${JSON.stringify(state)}\n${tail(compose(['logs', '--no-color', '--tail', '20']).stdout, 80)}`;
    expect({ up: up.status, report }).toEqual({ up: 0, report });
    expect(state.map((s) => [s.Service, s.State, s.Health]).sort()).toEqual(SERVICES.map((s) => [s, 'running', 'healthy']));
  });

  test('the api answers on its port, published on 127.0.0.1 only', async () => {
    expect(composeOk(['port', 'api', '8000']).trim()).toBe(`127.0.0.1:${hostPort}`);
    const body = await waitFor('the api', 10_000, () => {
      const res = spawnSync('python3', ['-c',
        `import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:${hostPort}/health", timeout=2).read().decode())`], { encoding: 'utf-8' });
      return res.status === 0 ? res.stdout.trim() : undefined;
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  test('the api reaches redis by name on the internal network, with the password from its secret file', () => {
    const result = probe('redis');
    expect(result.url).toBe('redis://redis:6379/0');
    expect(result.without_auth[0]).toMatch(/^-NOAUTH/);
    expect(result.wrong_password[0]).toMatch(/^-WRONGPASS/);
    expect(result.with_secret).toEqual(['+OK', '+PONG']);
  });

  test('the api logs in to postgres as the app user (SCRAM) with the password from its secret file', () => {
    const result = probe('postgres');
    expect(result.url).toBe('postgresql://app@postgres:5432/app');
    expect(result.wrong_password).toMatch(/^28P01 password authentication failed for user "app"/);
    expect(result.with_secret).toHaveLength(1);
    expect(result.with_secret[0].slice(0, 2)).toEqual(['app', 'app']);
  });

  test('postgres runs as 999, initialised its fresh named volume, and pg_isready accepts the app user', () => {
    expect(composeOk(['exec', '-T', 'postgres', 'pg_isready', '-U', 'app', '-d', 'app', '-h', '127.0.0.1']))
      .toMatch(/accepting connections/);
    expect(composeOk(['exec', '-T', 'postgres', 'id', '-u']).trim()).toBe('999');
    expect(composeOk(['exec', '-T', 'postgres', 'sh', '-c', 'stat -c "%u:%g %a" "$PGDATA" && test -s "$PGDATA/PG_VERSION" && echo initialised']).trim())
      .toBe('999:999 700\ninitialised');
  });

  test('redis runs as 999 with its data on the named volume and no password in its arguments', () => {
    expect(composeOk(['exec', '-T', 'redis', 'id', '-u']).trim()).toBe('999');
    expect(composeOk(['exec', '-T', 'redis', 'sh', '-c', 'stat -c "%u:%g" /data && ls /data']).trim().split('\n'))
      .toEqual(['999:999', 'appendonlydir']);
    const password = readFileSync(join(dir, 'secrets', 'redis_password'), 'utf-8').trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    const cmdline = composeOk(['exec', '-T', 'redis', 'sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done']);
    expect(cmdline).toMatch(/^redis-server \S+:6379/m); // redis rewrites its process title
    expect(cmdline).not.toContain(password);
    expect(docker(['inspect', composeOk(['ps', '-q', 'redis']).trim()])).not.toContain(password);
  });

  test('backing services sit on the internal network only and publish nothing', () => {
    expect(docker(['network', 'inspect', '--format', '{{.Internal}}', `${composeName}_backend`]).trim()).toBe('true');
    for (const name of ['postgres', 'redis']) {
      const id = composeOk(['ps', '-q', name]).trim();
      const networks = Object.keys(JSON.parse(docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', id])));
      expect(networks).toEqual([`${composeName}_backend`]);
      expect(docker(['inspect', '--format', '{{json .HostConfig.PortBindings}}', id]).trim()).toMatch(/^(\{\}|null)$/);
      expect(docker(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.CapDrop}} {{.Config.User}}', id]).trim())
        .toBe('true ["ALL"] 999:999');
    }
  });

  test('down -v removes the containers, networks and volumes', () => {
    composeOk(['down', '--volumes', '--timeout', '5']);
    expect(ps()).toEqual([]);
    const volumes = docker(['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${composeName}`]).trim();
    expect(volumes).toBe('');
    const networks = docker(['network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${composeName}`]).trim();
    expect(networks).toBe('');
  });
});
