import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, MlDockerProject, PythonService, RequirementTier } from '../src';
import { composeConfig } from './support/compose-cli';
import { newProject, synth, validationError, expectValidationError } from './util';
import { validateComposeSchema } from '../src/stack/compose-schema';

const API = {
  command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
};

/** The permission bits of a file as octal text, e.g. "644". */
function permissions(file: string): string {
  return fs.statSync(file).mode.toString(8).slice(-3);
}

function stackOf(
  build: (p: MlDockerProject) => void,
): { out: Record<string, string>; compose: any; dir: string } {
  const project = newProject();
  build(project);
  const out = synth(project);
  return { out, compose: YAML.parse(out['compose.yaml']), dir: project.outdir };
}

function example(p: MlDockerProject): void {
  const api = new PythonService(p, 'api', API);
  api.addRequirement(RequirementTier.ML, 'numpy==2.1.3');
  new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'], dependsOn: [api], environment: { QUEUE: 'jobs' } });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW] });
}

describe('ComposeStack output', () => {
  test('renders a compose file valid for docker compose config and our own rules', () => {
    const { out, compose, dir } = stackOf(example);
    expect(compose.version).toBeUndefined();
    expect(compose.name).toBe('vision');
    expect(validateComposeSchema(compose)).toEqual([]); // our own rules agree
    expect(composeConfig(dir, out['compose.yaml'])).toEqual({ ok: true, output: '' });
  });

  test('app services build their prod target and wait for healthy backing services', () => {
    const { compose } = stackOf(example);
    expect(compose.services.api.build).toEqual({ context: '.', dockerfile: 'docker/api/Dockerfile', target: 'prod' });
    expect(compose.services.api.image).toBe('vision-api:local');
    expect(compose.services.worker.depends_on).toEqual({
      api: { condition: 'service_healthy' },
      mlflow: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  test('apps get urls without passwords and password file paths, with the secrets mounted', () => {
    const { compose } = stackOf(example);
    const env = compose.services.api.environment;
    expect(env.DATABASE_URL).toBe('postgresql://app@postgres:5432/app');
    expect(env.REDIS_URL).toBe('redis://redis:6379/0');
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(env.MLFLOW_TRACKING_URI).toBe('http://mlflow:5000');
    expect(compose.services.api.secrets).toEqual(['postgres_password', 'redis_password']);
    expect(compose.secrets).toEqual({ postgres_password: { file: './secrets/postgres_password' }, redis_password: { file: './secrets/redis_password' } });
  });

  test('backing services are pinned, health-checked, on the internal network, with named volumes', () => {
    const { compose } = stackOf(example);
    expect(compose.services.postgres.image).toBe('postgres:17.11-bookworm');
    expect(compose.services.redis.image).toBe('redis:7.4.11-bookworm');
    expect(compose.services.mlflow.image).toBe('ghcr.io/mlflow/mlflow:v3.15.2');
    expect(compose.services.postgres.networks).toEqual(['backend']);
    expect(compose.services.redis.networks).toEqual(['backend']);
    expect(compose.networks.backend).toEqual({ internal: true });
    expect(Object.keys(compose.volumes)).toEqual(['mlflow-data', 'postgres-data', 'redis-data']);
    for (const name of ['postgres', 'redis', 'mlflow']) expect(compose.services[name].healthcheck.test.length).toBeGreaterThan(1);
  });

  test('postgres and redis run as their image users, never needing chown capabilities', () => {
    const { compose } = stackOf(example);
    expect(compose.services.postgres.user).toBe('999:999');
    expect(compose.services.redis.user).toBe('999:999');
    expect(compose.services.postgres.cap_add).toBeUndefined();
    expect(compose.services.redis.cap_add).toBeUndefined();
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(compose.services.redis.command.join(' ')).toContain('$$(cat /run/secrets/redis_password)');
  });

  test('postgres 18 mounts its volume one level up', () => {
    const { compose } = stackOf((p) => {
      new PythonService(p, 'api', API);
      new ComposeStack(p, 'stack', { backingServices: [BackingService.postgres({ version: '18', database: 'vision' })] });
    });
    expect(compose.services.postgres.image).toBe('postgres:18.6-bookworm');
    expect(compose.services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql']);
    expect(compose.services.api.environment.DATABASE_URL).toBe('postgresql://app@postgres:5432/vision');
  });

  test('digest pinning renders name:tag@sha256', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const { compose } = stackOf((p) => {
      new PythonService(p, 'api', API);
      new ComposeStack(p, 'stack', { backingServices: [BackingService.redis({ digest })] });
    });
    expect(compose.services.redis.image).toBe(`redis:7.4.11-bookworm@${digest}`);
  });

  test('literal $ in environment values is escaped from compose interpolation', () => {
    const { compose, out, dir } = stackOf((p) => {
      new PythonService(p, 'api', { ...API, environment: { GREETING: 'costs $5' } });
      new ComposeStack(p, 'stack');
    });
    expect(compose.services.api.environment.GREETING).toBe('costs $$5');
    expect(composeConfig(dir, out['compose.yaml']).ok).toBe(true);
  });

  test('public ports and registry prefixes are explicit choices', () => {
    const { compose } = stackOf((p) => {
      new PythonService(p, 'api', { ...API, publicPort: true, hostPort: 18000 });
      new ComposeStack(p, 'stack', { imageRegistry: 'ghcr.io/acme', imageTag: '1.2.3' });
    });
    expect(compose.services.api.ports).toEqual(['18000:8000']);
    expect(compose.services.api.image).toBe('ghcr.io/acme/vision-api:1.2.3');
  });

  test('overrides set unmodelled keys and are checked against the schema', () => {
    const { compose } = stackOf((p) => {
      new PythonService(p, 'api', API);
      const stack = new ComposeStack(p, 'stack');
      stack.addOverride('api', 'stop_grace_period', '30s');
      stack.addOverride('api', 'labels', { team: 'vision' });
    });
    expect(compose.services.api.stop_grace_period).toBe('30s');
    expect(compose.services.api.labels).toEqual({ team: 'vision' });
    const project = newProject();
    new PythonService(project, 'api', API);
    const stack = new ComposeStack(project, 'stack');
    stack.addOverride('api', 'stop_grace_period', { nope: true });
    expect(validationError(() => synth(project)).message).toContain('compose specification');
  });

  test('the docker:up task creates missing secrets before compose up', () => {
    const { out } = stackOf(example);
    const tasks = (out['.projen/tasks.json'] as any).tasks;
    expect(tasks['docker:up'].steps.map((s: any) => s.exec)).toEqual(['sh docker/ensure-secrets.sh', 'sh docker/up.sh']);
    expect(out['docker/ensure-secrets.sh']).toContain('for name in postgres_password redis_password; do');
    expect(out['.gitignore']).toContain('/secrets/');
  });

  test('docker:build type-checks, then builds every image with every profile (trainers, GPU services) and passes extra arguments on', () => {
    const { out } = stackOf(example);
    expect((out['.projen/tasks.json'] as any).tasks['docker:build'].steps).toEqual([
      { spawn: 'typecheck' },
      { exec: 'sh docker/build.sh', receiveArgs: true },
    ]);
    expect(out['docker/build.sh']).toContain("docker compose -f compose.yaml --profile '*' build \"$@\"\n");
  });

  test('without a stack, docker:build builds the prod target of each service with docker build', () => {
    const project = newProject();
    new PythonService(project, 'api', API);
    new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'] });
    const tasks = (synth(project)['.projen/tasks.json'] as any).tasks;
    expect(tasks['docker:build'].steps).toEqual([
      { spawn: 'typecheck' },
      { exec: 'sh docker/build.sh', receiveArgs: true },
    ]);
    const script = (synth(project)['docker/build.sh'] as string).split('\n');
    expect(script.filter((l) => l.startsWith('docker '))).toEqual([
      'docker build -f docker/api/Dockerfile --target prod -t vision-api:local "$@" .',
      'docker build -f docker/worker/Dockerfile --target prod -t vision-worker:local "$@" .',
    ]);
  });

  test('the secrets script creates 0444 files in a 0700 directory and keeps existing ones', () => {
    const { dir } = stackOf(example);
    execFileSync('sh', ['docker/ensure-secrets.sh'], { cwd: dir });
    const secretsDir = path.join(dir, 'secrets');
    expect(permissions(secretsDir)).toBe('700');
    const file = path.join(secretsDir, 'postgres_password');
    expect(permissions(file)).toBe('444');
    const first = fs.readFileSync(file, 'utf-8');
    expect(first).toMatch(/^[0-9a-f]{96}$/);
    execFileSync('sh', ['docker/ensure-secrets.sh'], { cwd: dir });
    expect(fs.readFileSync(file, 'utf-8')).toBe(first);
    expect(fs.readFileSync(path.join(secretsDir, 'redis_password'), 'utf-8')).not.toBe(first);
  });

  test('snapshot of the example stack, and the same bytes twice', () => {
    const a = stackOf(example).out['compose.yaml'];
    const b = stackOf(example).out['compose.yaml'];
    expect(a).toBe(b);
    expect(a).toMatchSnapshot();
  });
});

describe('ComposeStack bad input', () => {
  type Row = [
    name: string, build: (p: MlDockerProject) => void, got: string, expected: string, path?: string,
  ];
  const api = (p: MlDockerProject, extra: object = {}) => new PythonService(p, 'api', { ...API, ...extra });
  const rows: Row[] = [
    ['fails on a second stack in one project', (p) => { api(p); new ComposeStack(p, 'stack'); new ComposeStack(p, 'other'); }, 'got "other"', 'one stack per project', 'vision/other'],
    ['fails on a stack with no services', (p) => { new ComposeStack(p, 'stack'); synth(p); }, 'got []', 'at least one'],
    ['fails when two services publish the same host port', (p) => { api(p); new PythonService(p, 'web', { command: ['x'], port: 8000 }); new ComposeStack(p, 'stack'); synth(p); }, 'got 8000', 'each host port published once'],
    ['fails when an app port collides with mlflow', (p) => { api(p, { port: 5000 }); new ComposeStack(p, 'stack', { backingServices: [BackingService.MLFLOW] }); synth(p); }, 'got 5000', 'each host port published once'],
    ['fails on a dependsOn cycle and shows it', (p) => {
      const a = api(p); const b = new PythonService(p, 'b', { command: ['x'], dependsOn: [a] }); a.addDependsOn(b); new ComposeStack(p, 'stack'); synth(p);
    }, '"api -> b -> api"', 'without cycles'],
    ['fails on dependsOn a service outside the stack', (p) => {
      const a = api(p); const b = new PythonService(p, 'b', { command: ['x'], dependsOn: [a] }); new ComposeStack(p, 'stack', { services: [b] }); synth(p);
    }, 'got ["api"]', 'services of the stack', 'vision/b'],
    ['fails on a service depending on itself', (p) => { const a = api(p); a.addDependsOn(a); }, 'got "api"', 'another service', 'vision/api'],
    ['fails on a backing service added twice', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.REDIS, BackingService.redis()] }); }, 'got "redis"', 'each backing service kind once'],
    ['fails on an unknown postgres version', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.postgres({ version: '13' })] }); synth(p); }, 'got "13"', '"17"'],
    ['fails on a redis version without a bookworm image', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.redis({ version: '8.10' })] }); synth(p); }, 'got "8.10"', '"7.4"'],
    ['fails on a malformed digest', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.postgres({ digest: 'sha256:abc' })] }); synth(p); }, 'got "sha256:abc"', '64 lowercase hex'],
    ['fails on a postgres database name with a quote', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.postgres({ database: "app'; drop" })] }); synth(p); }, 'got "app\'; drop"', 'sql identifier'],
    ['fails on an mlflow version "latest"', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.mlflow({ version: 'latest' })] }); synth(p); }, 'got "latest"', 'never latest'],
    ['fails on a misspelled backing option', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: [BackingService.postgres({ databse: 'x' } as any)] }); synth(p); }, 'unknown property "databse"', 'did you mean "database"'],
    ['fails on an inline password in environment', (p) => { api(p, { environment: { DB_PASSWORD: 'hunter2' } }); }, '"DB_PASSWORD" (value hidden)', 'use a compose secret', 'vision/api'],
    ['fails on an api token in environment', (p) => { api(p, { environment: { HF_TOKEN: 'hf_abc' } }); }, '"HF_TOKEN" (value hidden)', 'use a compose secret', 'vision/api'],
    ['fails on environment keys differing only in case', (p) => { api(p, { environment: { Mode: 'a', MODE: 'b' } }); }, 'got "MODE"', 'one spelling', 'vision/api'],
    ['fails on an app env name a backing service sets', (p) => { api(p, { environment: { DATABASE_URL: 'x' } }); new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] }); synth(p); }, 'got "DATABASE_URL"', 'a name the backing services do not set', 'vision/api'],
    ['fails on an app service named like a backing service', (p) => { new PythonService(p, 'redis', { command: ['x'] }); new ComposeStack(p, 'stack', { backingServices: [BackingService.REDIS] }); synth(p); }, 'got "redis"', 'app service ids other than'],
    ['fails on a memory limit with a space and unit "GB"', (p) => { api(p, { memoryLimit: '8 GB' }); }, 'got "8 GB"', 'e.g. "512m" or "8g"', 'vision/api'],
    ['fails on an ambiguous memory limit without a unit', (p) => { api(p, { memoryLimit: '1024' }); }, 'got "1024"', 'e.g. "512m" or "8g"', 'vision/api'],
    ['fails on an absurd memory limit', (p) => { api(p, { memoryLimit: '999999g' }); }, 'got "999999g"', 'at most 4096g', 'vision/api'],
    ['fails on a negative cpu limit', (p) => { api(p, { cpuLimit: -1 }); }, 'got -1', 'a number of cores', 'vision/api'],
    ['fails on a fractional pids limit', (p) => { api(p, { pidsLimit: 10.5 }); }, 'got 10.5', 'an integer from 16', 'vision/api'],
    ['fails on a host port without a port', (p) => { new PythonService(p, 'w', { command: ['x'], hostPort: 9000 }); }, 'got 9000', 'a port to publish', 'vision/w'],
    ['fails on an image tag "latest"', (p) => { api(p); new ComposeStack(p, 'stack', { imageTag: 'latest' }); }, 'got "latest"', 'not "latest"'],
    ['fails on a registry with a scheme', (p) => { api(p); new ComposeStack(p, 'stack', { imageRegistry: 'https://ghcr.io/acme' }); }, 'got "https://ghcr.io/acme"', 'without a tag'],
    ['fails on a non-service in services (plain javascript)', (p) => { new ComposeStack(p, 'stack', { services: ['api' as any] }); }, 'got "api"', 'a service construct'],
    ['fails on a string in backingServices (plain javascript)', (p) => { api(p); new ComposeStack(p, 'stack', { backingServices: ['postgres' as any] }); }, 'got "postgres"', 'a BackingService'],
    ['fails on an override of a hardening key', (p) => { api(p); new ComposeStack(p, 'stack').addOverride('api', 'privileged', true); synth(p); }, 'override services.api.privileged: got true', 'no privileged mode'],
    ['fails on an override for an unknown service', (p) => { api(p); new ComposeStack(p, 'stack').addOverride('nope', 'labels', {}); synth(p); }, 'got "nope"', 'one of: "api"'],
    ['fails on a misspelled stack prop', (p) => { api(p); new ComposeStack(p, 'stack', { backingService: [] } as any); }, 'unknown property "backingService"', 'did you mean "backingServices"'],
  ];

  test.each(rows)('%s', (_name, build, got, expected, where = 'vision/stack') => {
    const project = newProject();
    expectValidationError(() => build(project), where, got, expected);
  });

  test('addService, addBackingService and addVolume return what they add and refuse duplicates', () => {
    const project = newProject();
    const first = new PythonService(project, 'api', API);
    const worker = new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'] });
    const stack = new ComposeStack(project, 'stack', { services: [first] });
    expect(stack.addService(worker)).toBe(worker);
    expectValidationError(() => stack.addService(worker), 'vision/stack', 'got "worker"', 'each service once');
    expect(stack.addBackingService(BackingService.REDIS)).toBe(BackingService.REDIS);
    expectValidationError(() => stack.addBackingService(BackingService.redis()), 'vision/stack', 'got "redis"', 'each backing service kind once');
    expectValidationError(() => stack.addBackingService('postgres' as any), 'vision/stack', 'got "postgres"', 'a BackingService');
    expect(stack.addVolume('scratch')).toBe('scratch');
    expectValidationError(() => stack.addVolume('scratch'), 'vision/stack', 'got "scratch"', 'each volume once');
    const compose = YAML.parse(synth(project)['compose.yaml']);
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['redis-data', 'scratch']);
  });

  test('compose accepts what we refuse: a port published twice, "8 GB" and an inline password', () => {
    const { out, dir } = stackOf((p) => {
      new PythonService(p, 'api', API);
      new PythonService(p, 'web', { command: ['python', '-m', 'web.main'], port: 8001 });
      new ComposeStack(p, 'stack');
    });
    const doc = YAML.parse(out['compose.yaml']);
    doc.services.web.ports = ['127.0.0.1:8000:8001'];
    doc.services.web.deploy.resources.limits.memory = '8 GB';
    doc.services.web.environment = { DB_PASSWORD: 'hunter2' };
    expect(composeConfig(dir, YAML.stringify(doc)).ok).toBe(true);
  });

  test('compose rejects count with device_ids and a depends_on cycle; we refuse both first', () => {
    const { out, dir } = stackOf(example);
    const doc = YAML.parse(out['compose.yaml']);
    doc.services.api.deploy.resources.reservations = { devices: [{ driver: 'nvidia', count: 1, device_ids: ['0'], capabilities: ['gpu'] }] };
    expect(composeConfig(dir, YAML.stringify(doc)).ok).toBe(false);
    const cyc = YAML.parse(out['compose.yaml']);
    cyc.services.api.depends_on = { worker: { condition: 'service_healthy' } };
    expect(composeConfig(dir, YAML.stringify(cyc)).ok).toBe(false);
    // our side of the cycle case is the 'dependsOn cycle' row above
  });
});
