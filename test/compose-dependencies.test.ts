/**
 * The `depends_on` graph of compose.yaml (src/stack/compose-dependencies.ts): every accepted
 * wait, typed (`dependsOn`) or written by an override, gives a file real `docker compose
 * config` accepts with no profile, with the profile `docker:up` adds (`gpu`), with the
 * trainers' (`train`) and with both; each wait waits for something that happens (a health
 * check that exists, a job that ends); and every refused wait is one compose itself refuses.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, GpuInference, GpuTrainer, IMlService, MlDockerProject, PythonService } from '../src';
import { compose, composeConfig } from './support/compose-cli';
import { newProject, synth, validationError } from './util';
import { profilesAllowWait, waitCondition } from '../src/stack/compose-dependencies';

/** The profile sets compose is run with: none, docker:up's on a GPU host, a trainer's, both. */
const PROFILE_SETS: string[][] = [[], ['gpu'], ['train'], ['gpu', 'train']];

type Kind = 'server' | 'bare' | 'gpu' | 'job' | 'job2';
/** Each kind of service, with the id it gets and what a service waiting for it waits for. */
const KINDS: Record<Kind, {
  id: string; until: string; add: (p: MlDockerProject, deps: IMlService[]) => IMlService;
}> = {
  server: { id: 'web', until: 'service_healthy', add: (p, deps) => new PythonService(p, 'web', { command: ['python', '-m', 'web.main'], port: 8001, dependsOn: deps }) },
  bare: { id: 'worker', until: 'service_started', add: (p, deps) => new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'], disableHealthCheck: true, dependsOn: deps }) },
  gpu: { id: 'inference', until: 'service_healthy', add: (p, deps) => new GpuInference(p, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], dependsOn: deps }) },
  job: { id: 'trainer', until: 'service_completed_successfully', add: (p, deps) => new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], dependsOn: deps }) },
  job2: { id: 'prep', until: 'service_completed_successfully', add: (p, deps) => new GpuTrainer(p, 'prep', { torchVersion: '2.5.1', command: ['python', '-m', 'prep.train'], dependsOn: deps }) },
};
const SERVERS: Kind[] = ['server', 'bare', 'gpu'];
const JOBS: Kind[] = ['job', 'job2'];

/** A stack (with postgres, which every app waits for) where `from` waits for `to` when `wait` is set. */
function pair(from: Kind, to: Kind, wait = true): MlDockerProject {
  const p = newProject();
  const target = KINDS[to].add(p, []);
  KINDS[from].add(p, wait ? [target] : []);
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
  return p;
}

/** The profile sets under which compose refuses the text (empty: it accepts every one). */
function refusedUnder(dir: string, text: string): string[] {
  return PROFILE_SETS.filter((profiles) => !composeConfig(dir, text, profiles).ok).map((s) => s.join('+') || 'none');
}

describe('what a service waits for', () => {
  test('a job to finish, a service with a health check to be healthy, any other to be started', () => {
    const health = { test: ['true'], shell: false, interval: 1, timeout: 1, startPeriod: 1, startInterval: 1, retries: 1 };
    expect(waitCondition({ workload: 'job', healthcheck: health })).toBe('service_completed_successfully');
    expect(waitCondition({ workload: 'server', healthcheck: health })).toBe('service_healthy');
    expect(waitCondition({ workload: 'server', healthcheck: undefined })).toBe('service_started');
  });

  test('a wait is allowed when the other service runs whenever the waiting one does', () => {
    expect(profilesAllowWait([], [])).toBe(true);
    expect(profilesAllowWait(['train'], [])).toBe(true);
    expect(profilesAllowWait(['train'], ['train'])).toBe(true);
    expect(profilesAllowWait(['train'], ['train', 'gpu'])).toBe(true);
    expect(profilesAllowWait([], ['gpu'])).toBe(false);
    expect(profilesAllowWait(['train'], ['gpu'])).toBe(false);
    expect(profilesAllowWait(['train', 'gpu'], ['gpu'])).toBe(false);
  });
});

describe('typed dependsOn between every two kinds of service', () => {
  const kinds = Object.keys(KINDS) as Kind[];
  const pairs = kinds.flatMap((from) => kinds.filter((to) => to !== from).map((to) => [from, to] as const));
  const refused = (from: Kind, to: Kind) => (SERVERS.includes(from) && JOBS.includes(to)) || (JOBS.includes(from) && to === 'gpu');

  test.each(pairs)('%s waits for %s: refused at synth exactly when compose cannot run it, else valid under every profile set', (from, to) => {
    const p = pair(from, to);
    if (refused(from, to)) {
      const err = validationError(() => synth(p));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toMatch(new RegExp(`^\\[vision/${KINDS[from].id}\\] dependsOn a (job|service of compose profile "gpu")`));
      expect(err.problems[0]).toContain(`got "${KINDS[to].id}"`);
      expect(err.problems[0]).toContain('; expected services ');
      // the wait we refuse, written by hand into the same stack without it, is one compose refuses too
      const q = pair(from, to, false);
      const doc = YAML.parse(synth(q)['compose.yaml']);
      doc.services[KINDS[from].id].depends_on[KINDS[to].id] = { condition: KINDS[to].until };
      expect(refusedUnder(q.outdir, YAML.stringify(doc))).not.toEqual([]);
      return;
    }
    const out = synth(p);
    const doc = YAML.parse(out['compose.yaml']);
    const waiting = doc.services[KINDS[from].id];
    expect(waiting.depends_on[KINDS[to].id]).toEqual({ condition: KINDS[to].until });
    expect(waiting.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    // a server that waits for a GPU service joins its profile, so docker:up starts both or neither
    if (to === 'gpu' && !JOBS.includes(from)) expect(waiting.profiles).toEqual(['gpu']);
    expect(refusedUnder(p.outdir, out['compose.yaml'])).toEqual([]);
    // the diagram of docs/containers.md labels the wait with what it waits for
    const label = { service_healthy: 'healthy', service_started: 'started', service_completed_successfully: 'completed' }[KINDS[to].until];
    const node = (k: Kind) => `n_${KINDS[k].id}`;
    expect(out['docs/containers.md']).toContain(`  ${node(from)} -->|${label}| ${node(to)}\n`);
    expect(out['docs/containers.md'].includes('labelled with what the service waits for')).toBe(label !== 'healthy');
    // every wait for health waits for a health check that exists
    for (const [name, svc] of Object.entries<any>(doc.services)) {
      for (const [dep, entry] of Object.entries<any>(svc.depends_on ?? {})) {
        if (entry.condition === 'service_healthy') expect({ name, dep, health: doc.services[dep].healthcheck !== undefined }).toEqual({ name, dep, health: true });
      }
    }
  });

  test('the profile passes on along a chain: a server waiting for a server that waits for a GPU service starts with it, a job may not wait for either', () => {
    const p = newProject();
    const inference = KINDS.gpu.add(p, []);
    const gateway = new PythonService(p, 'gateway', { command: ['python', '-m', 'gateway.main'], port: 8000, dependsOn: [inference] });
    new PythonService(p, 'web', { command: ['python', '-m', 'web.main'], port: 8001, dependsOn: [gateway] });
    new ComposeStack(p, 'stack');
    const out = synth(p);
    const doc = YAML.parse(out['compose.yaml']);
    expect([doc.services.gateway.profiles, doc.services.web.profiles]).toEqual([['gpu'], ['gpu']]);
    expect(refusedUnder(p.outdir, out['compose.yaml'])).toEqual([]);

    const q = newProject();
    const gpu = KINDS.gpu.add(q, []);
    const gw = new PythonService(q, 'gateway', { command: ['python', '-m', 'gateway.main'], port: 8000, dependsOn: [gpu] });
    KINDS.job.add(q, [gw]);
    new ComposeStack(q, 'stack');
    expect(validationError(() => synth(q)).problems).toEqual([
      '[vision/trainer] dependsOn a service of compose profile "gpu", which compose does not start with trainer: got "gateway"; expected services compose starts whenever trainer runs (it has compose profile "train"): services without a profile or with that one (a service that waits for a GPU service joins the "gpu" profile by itself; a job\'s own profile is never passed on)',
    ]);
  });

  test('addDependsOn is held to the same rules as the prop', () => {
    const p = newProject();
    const trainer = KINDS.job.add(p, []);
    (KINDS.gpu.add(p, []) as GpuInference).addDependsOn(trainer);
    new ComposeStack(p, 'stack');
    expect(validationError(() => synth(p)).message).toContain('[vision/inference] dependsOn a job, which inference cannot wait for: got "trainer"');
  });

  test('a job may wait for another job: it starts once that one has finished, under the train profile', () => {
    const p = pair('job', 'job2');
    const file = join(p.outdir, 'compose.yaml');
    synth(p);
    const resolved = YAML.parse(compose(['-f', file, '--project-directory', p.outdir, '--profile', 'train', 'config'], p.outdir).stdout);
    expect(resolved.services.trainer.depends_on.prep.condition).toBe('service_completed_successfully');
  });
});

describe('depends_on written by an override goes through the same graph checks', () => {
  /** api (port 8000), worker (no health check), trainer and prep (jobs), postgres. */
  function base(p: MlDockerProject): ComposeStack {
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'], disableHealthCheck: true });
    KINDS.job.add(p, []);
    KINDS.job2.add(p, []);
    return new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
  }
  const plain = newProject();
  base(plain);
  const plainDoc = YAML.parse(synth(plain)['compose.yaml']);

  // [name, service, key, value, the problem's start, compose refuses the same document]
  const REFUSED: Array<[string, string, string, unknown, string, boolean]> = [
    ['a service of no stack', 'api', 'depends_on', { nope: { condition: 'service_healthy' } }, 'override services.api.depends_on.nope: got "nope"; expected a service of the stack', true],
    ['a service of no stack, list form', 'api', 'depends_on', ['nope'], 'override services.api.depends_on[0]: got "nope"', true],
    ['a cycle through a backing service', 'postgres', 'depends_on', { api: { condition: 'service_healthy' } }, 'override services.postgres.depends_on.api closes a cycle: got "api -> postgres -> api"', true],
    ['a server waiting for a job', 'api', 'depends_on', { trainer: { condition: 'service_completed_successfully' } }, 'override services.api.depends_on.trainer waits for a job: got "trainer"', true],
    ['the health of a service without a health check', 'api', 'depends_on', { worker: { condition: 'service_healthy' } }, 'override services.api.depends_on.worker.condition: got "service_healthy"; expected "service_started" or "service_completed_successfully": worker has no health check', false],
    ['the end of a server', 'trainer', 'depends_on', { api: { condition: 'service_completed_successfully' } }, 'override services.trainer.depends_on.api.condition: got "service_completed_successfully"; expected "service_healthy" or "service_started": api keeps running', false],
    ['a profile on a service others wait for', 'postgres', 'profiles', ['debug'], 'override services.api.depends_on.postgres names a service of compose profile "debug", which compose does not start with api: got "postgres"', true],
  ];

  test.each(REFUSED)('refuses %s, naming the override', (_name, service, key, value, problem, composeRefuses) => {
    const p = newProject();
    base(p).addOverride(service, key, value);
    const err = validationError(() => synth(p));
    expect(err.problems.some((m) => m.startsWith(`[vision/stack] ${problem}`))).toBe(true);
    // the same override applied by hand: compose refuses the document (or, for an impossible
    // condition, accepts it and would fail or hang at `up`, which config does not run)
    const doc = JSON.parse(JSON.stringify(plainDoc));
    const current = doc.services[service][key];
    doc.services[service][key] = current && !Array.isArray(current) && !Array.isArray(value) && typeof value === 'object' ? { ...current, ...(value as object) } : value;
    expect(refusedUnder(plain.outdir, YAML.stringify(doc)).length > 0).toBe(composeRefuses);
  });

  test('accepted depends_on overrides are valid for compose under every profile set', () => {
    const p = newProject();
    const stack = base(p);
    stack.addOverride('worker', 'depends_on', { api: { condition: 'service_started' } });
    // a wait compose may skip may name a service of another profile
    stack.addOverride('api', 'depends_on', { trainer: { condition: 'service_started', required: false } });
    const err = validationError(() => synth(p));
    // ... but a server still never waits for a job, skippable or not
    expect(err.problems).toEqual([expect.stringContaining('override services.api.depends_on.trainer waits for a job')]);

    const q = newProject();
    const ok = base(q);
    ok.addOverride('worker', 'depends_on', { api: { condition: 'service_started', restart: true } });
    ok.addOverride('trainer', 'depends_on', ['prep', 'api']);
    ok.addOverride('prep', 'profiles', ['train', 'debug']);
    const out = synth(q);
    const doc = YAML.parse(out['compose.yaml']);
    expect(doc.services.worker.depends_on.api).toEqual({ condition: 'service_started', restart: true });
    expect(doc.services.trainer.depends_on).toEqual(['prep', 'api']);
    expect(refusedUnder(q.outdir, out['compose.yaml'])).toEqual([]);
  });

  test('a wait with required: false may name a service compose does not start', () => {
    const p = newProject();
    const stack = base(p);
    stack.addOverride('worker', 'profiles', ['debug']);
    stack.addOverride('api', 'depends_on', { worker: { condition: 'service_started', required: false } });
    const out = synth(p);
    expect(refusedUnder(p.outdir, out['compose.yaml'])).toEqual([]);
    const q = newProject();
    const required = base(q);
    required.addOverride('worker', 'profiles', ['debug']);
    required.addOverride('api', 'depends_on', { worker: { condition: 'service_started' } });
    expect(validationError(() => synth(q)).message).toContain('or "required: false" for a wait compose may skip');
  });
});

describe('an override cannot reach past a service\'s boundary', () => {
  function stackWith(p: MlDockerProject): ComposeStack {
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    return new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS] });
  }

  test('env_file is refused: it reads any host file into the environment, past the secret and host-path checks', () => {
    const p = newProject();
    stackWith(p).addOverride('api', 'env_file', ['/etc/shadow']);
    expect(validationError(() => synth(p)).problems).toEqual([
      '[vision/stack] override services.api.env_file: got ["/etc/shadow"]; expected no env_file (it reads a file of the host into the environment, past the checks on inline secrets and host paths): plain values go in the service\'s environment (or an environment override), credentials in compose secrets read through <NAME>_FILE',
    ]);
    // why: compose config reads the file and puts its values into the service's environment
    const q = newProject();
    stackWith(q);
    const doc = YAML.parse(synth(q)['compose.yaml']);
    writeFileSync(join(q.outdir, 'host.env'), 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n');
    doc.services.api.env_file = [join(q.outdir, 'host.env')];
    const file = join(q.outdir, 'with-env-file.yaml');
    writeFileSync(file, YAML.stringify(doc));
    const resolved = YAML.parse(compose(['-f', file, '--project-directory', q.outdir, 'config'], q.outdir).stdout);
    expect(resolved.services.api.environment.AWS_SECRET_ACCESS_KEY).toBe('wJalrXUtnFEMI');
    // an empty list reads nothing and stays allowed
    const r = newProject();
    stackWith(r).addOverride('api', 'env_file', []);
    expect(composeConfig(r.outdir, synth(r)['compose.yaml']).ok).toBe(true);
  });

  test.each([
    ['short form', ['postgres-data:/pg']],
    ['short form, read-only', ['redis-data:/r:ro']],
    ['long form', [{ type: 'volume', source: 'postgres-data', target: '/pg' }]],
  ])('an app mounting a backing service\'s data volume is refused (%s), even when declared again', (_name, volumes) => {
    const p = newProject();
    const stack = stackWith(p);
    stack.addVolume(typeof volumes[0] === 'string' ? volumes[0].split(':')[0] : volumes[0].source);
    stack.addOverride('api', 'volumes', volumes);
    const err = validationError(() => synth(p));
    expect(err.message).toMatch(/override services\.api\.volumes\[0\]: got .*; expected a volume other than a backing service's data \((postgres|redis)-data holds (postgres|redis)'s files/);
  });

  test('app services still share their own volumes (an inference server reading the trainer\'s checkpoints)', () => {
    const p = newProject();
    KINDS.job.add(p, []);
    KINDS.gpu.add(p, []);
    const stack = new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
    stack.addOverride('inference', 'volumes', ['trainer-checkpoints:/checkpoints:ro']);
    const out = synth(p);
    expect(YAML.parse(out['compose.yaml']).services.inference.volumes).toEqual(['trainer-checkpoints:/checkpoints:ro']);
    expect(refusedUnder(p.outdir, out['compose.yaml'])).toEqual([]);
  });

  test('a service holds only the secrets the definition gives it', () => {
    const p = newProject();
    const stack = stackWith(p);
    stack.addOverride('redis', 'secrets', ['redis_password', 'postgres_password']);
    expect(validationError(() => synth(p)).problems).toEqual([
      '[vision/stack] override services.redis.secrets[1]: got "postgres_password"; expected only the secrets the definition gives redis (one of: "redis_password"): an override cannot hand a service another service\'s credentials',
    ]);
    const q = newProject();
    new PythonService(q, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new ComposeStack(q, 'stack').addOverride('api', 'secrets', ['api_token']);
    expect(validationError(() => synth(q)).message).toContain('override services.api.secrets[0]: got "api_token"; expected only the secrets the definition gives api (none)');
    // dropping one is fine
    const r = newProject();
    stackWith(r).addOverride('api', 'secrets', ['postgres_password']);
    expect(YAML.parse(synth(r)['compose.yaml']).services.api.secrets).toEqual(['postgres_password']);
  });

  test('a service without GPUs may not set the NVIDIA runtime\'s variables, typed or by override; GPU services keep theirs', () => {
    const typed = newProject();
    expect(validationError(() => new PythonService(typed, 'api', { command: ['python', '-m', 'api.main'], environment: { NVIDIA_VISIBLE_DEVICES: 'all', nvidia_driver_capabilities: 'all', NVIDIA_REQUIRE_CUDA: 'cuda>=12' } })).problems)
      .toEqual(['NVIDIA_VISIBLE_DEVICES', 'nvidia_driver_capabilities', 'NVIDIA_REQUIRE_CUDA'].map((name) =>
        `[vision/api] environment.${name} is read by the nvidia container runtime and would hand a service without gpus the host's gpus: got "${name}"; expected a name not starting with NVIDIA_ in any letter case on a service that gets no gpu (only GpuTrainer and GpuInference get gpus, chosen with gpuCount or gpuDeviceIds)`));
    // a GPU service is refused them too, for its own reason (the gpu machinery sets them)
    expect(validationError(() => new GpuInference(newProject(), 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], environment: { NVIDIA_VISIBLE_DEVICES: '0' } })).message)
      .toContain('environment.NVIDIA_VISIBLE_DEVICES is set by the gpu machinery');
    for (const [service, env] of [['api', { NVIDIA_VISIBLE_DEVICES: 'all' }], ['redis', ['NVIDIA_DRIVER_CAPABILITIES=all']]] as const) {
      const p = newProject();
      stackWith(p).addOverride(service, 'environment', env);
      expect(validationError(() => synth(p)).message).toContain(`[vision/stack] override services.${service}.environment`);
    }
    const g = newProject();
    KINDS.job.add(g, []);
    new ComposeStack(g, 'stack');
    expect(YAML.parse(synth(g)['compose.yaml']).services.trainer.environment.NVIDIA_VISIBLE_DEVICES).toBe('all');
  });
});
