/**
 * The hardening promises, in one place (cdk8s-plus style): every default that keeps a
 * stack safe is asserted here, over every service of a representative stack, so that a
 * regression is loud. Each opt-out is explicit and has its own test.
 */
import ignore from '@balena/dockerignore';
import { DockerfileParser } from 'dockerfile-ast';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, KubernetesBackingMode, KubernetesManifests, MlDockerProject, PythonService, RequirementTier } from '../src';
import { composeConfig } from './support/compose-cli';
import { DANGEROUS, HARMLESS, Patch } from './support/hostile-overrides';
import { serviceViolations } from './support/security-promises';
import { newProject, synth, validationError } from './util';

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_KEY)/i;

function exampleStack(p: MlDockerProject, overrides: readonly Patch[] = []): void {
  const api = new PythonService(p, 'api', {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
    environment: { LOG_LEVEL: 'info' },
  });
  api.addRequirement(RequirementTier.ML, 'numpy==2.1.3');
  new PythonService(p, 'embedder', { command: ['python', '-m', 'embedder.main'], torchVersion: '2.5.1', aptPackages: ['libgomp1'] });
  const stack = new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW] });
  for (const o of overrides) stack.addOverride(o.service, o.key, o.value);
}

const project = newProject();
exampleStack(project);
const out = synth(project);
const compose = YAML.parse(out['compose.yaml']);

// The same stack after harmless overrides through the escape hatch: every promise below must
// still hold on the final document.
const HARMLESS_HERE = HARMLESS.filter((o) => !['user', 'security_opt', 'tmpfs', 'read_only'].includes(o.key) && !(o.key === 'ports' && typeof (o.value as unknown[])[0] !== 'string'));
const overriddenProject = newProject();
exampleStack(overriddenProject, HARMLESS_HERE);
const overriddenOut = synth(overriddenProject);
const overridden = YAML.parse(overriddenOut['compose.yaml']);
const documents: Array<[string, () => any]> = [['generated', () => compose], ['after harmless overrides', () => overridden]];
const dockerfiles = Object.keys(out).filter((f) => f.endsWith('/Dockerfile'));
const appNames = ['api', 'embedder'];
const backingNames = ['postgres', 'redis', 'mlflow'];

function instructions(file: string) {
  return DockerfileParser.parse(out[file]).getInstructions();
}

/** The instruction as written, with its flags and continuation lines. */
function rawText(
  file: string, instruction: { getRange(): { start: { line: number }; end: { line: number } } },
): string {
  const { start, end } = instruction.getRange();
  return out[file].split('\n').slice(start.line, end.line + 1).join('\n');
}

function lastStage(file: string) {
  const doc = DockerfileParser.parse(out[file]);
  const froms = doc.getFROMs();
  const start = froms[froms.length - 1].getRange().start.line;
  return doc.getInstructions().filter((i) => i.getRange().start.line >= start);
}

describe.each(dockerfiles)('%s', (file) => {
  test('the runtime stage runs as the numeric non-root user 10001', () => {
    const users = lastStage(file).filter((i) => i.getKeyword() === 'USER');
    expect(users.map((u) => u.getArgumentsContent())).toEqual(['10001:10001']);
  });

  test('every stage that runs the app is non-root (dev too)', () => {
    const text = out[file];
    expect(text.match(/^USER 10001:10001$/gm)?.length).toBe(2);
    expect(text).not.toMatch(/^USER (root|0)\b/m);
  });

  test('no ADD, no latest, base image pinned to a full tag', () => {
    const all = instructions(file);
    expect(all.filter((i) => i.getKeyword() === 'ADD')).toEqual([]);
    expect(out[file]).not.toMatch(/:latest\b/);
    const baseArg = /^ARG PYTHON_IMAGE=python:(\d+\.\d+\.\d+)-slim-bookworm$/m.exec(out[file]);
    expect(baseArg).not.toBeNull();
  });

  test('no curl or wget piped into a shell, and no curl at all', () => {
    for (const i of instructions(file)) expect(rawText(file, i)).not.toMatch(/\b(curl|wget)\b/);
  });

  test('no secret-looking names in ARG or ENV', () => {
    const named = instructions(file).filter((i) => ['ARG', 'ENV'].includes(i.getKeyword()));
    for (const i of named) {
      for (const arg of i.getArguments()) {
        const name = arg.getValue().split('=')[0];
        expect(SECRET_NAME.test(name) ? name : '').toBe('');
      }
    }
  });

  test('private-index credentials only through a BuildKit secret mount', () => {
    const pipRuns = instructions(file).filter((i) => i.getKeyword() === 'RUN' && /pip install/.test(i.getArgumentsContent() ?? ''));
    expect(pipRuns.length).toBeGreaterThan(0);
    for (const run of pipRuns) expect(rawText(file, run)).toContain('--mount=type=secret,id=netrc');
  });

  test('torch only through --index-url, never an extra index', () => {
    expect(out[file]).not.toContain('--extra-index-url');
    expect(out[file]).not.toMatch(/PIP_EXTRA_INDEX_URL/);
  });

  test('tini is PID 1, commands in exec form, a health check in prod', () => {
    const last = lastStage(file);
    expect(last.find((i) => i.getKeyword() === 'ENTRYPOINT')?.getArgumentsContent()).toBe('["/usr/bin/tini", "--"]');
    expect(last.find((i) => i.getKeyword() === 'CMD')?.getArgumentsContent()).toMatch(/^\[/);
    expect(last.find((i) => i.getKeyword() === 'HEALTHCHECK')?.getArgumentsContent()).toMatch(/CMD \["python", "-m", "mldocker_runtime\.healthcheck"/);
  });
});

describe.each(dockerfiles)('ignore file of %s', (file) => {
  test('excludes .env, keys, credentials, data and weights, even inside allowed folders', () => {
    const ig = ignore().add(out[`${file}.dockerignore`].split('\n'));
    const id = file.split('/')[1];
    for (const p of ['.env', `services/${id}/.env`, `services/${id}/.env.local`, 'id_rsa', `services/${id}/server.key`, `services/${id}/cert.pem`,
      `services/${id}/credentials.json`, '.netrc', `services/${id}/.pypirc`, 'secrets/postgres_password', `services/${id}/data/x.csv`,
      `services/${id}/model.pt`, `services/${id}/.git/config`]) {
      expect({ p, ignored: ig.ignores(p) }).toEqual({ p, ignored: true });
    }
  });
});

describe.each(documents.flatMap(([label, doc]) => appNames.map((name) => [name, label, doc] as const)))('compose app service %s (%s)', (name, _label, doc) => {
  const svc = () => doc().services[name];

  test('keeps the image user (10001): no user override to root', () => {
    expect(svc().user).toBeUndefined();
  });

  test('read-only root with an exec-able, size-limited /tmp tmpfs', () => {
    expect(svc().read_only).toBe(true);
    expect(svc().tmpfs).toEqual([expect.stringMatching(/^\/tmp:exec,mode=1777,size=\d+[kmg]$/)]);
  });

  test('drops every capability, adds none, no privilege escalation', () => {
    expect(svc().cap_drop).toEqual(['ALL']);
    expect(svc().cap_add).toBeUndefined();
    expect(svc().security_opt).toEqual(['no-new-privileges:true']);
    expect(svc().privileged).toBeUndefined();
  });

  test('memory, cpu and pids limits are set', () => {
    const limits = svc().deploy.resources.limits;
    expect(limits.memory).toMatch(/^\d+[kmg]$/);
    expect(limits.cpus).toBeGreaterThan(0);
    expect(limits.pids).toBeGreaterThan(0);
  });

  test('a health check with a start period', () => {
    expect(svc().healthcheck.test[0]).toBe('CMD');
    expect(svc().healthcheck.start_period).toMatch(/^\d+s$/);
  });

  test('published ports bind to 127.0.0.1 only', () => {
    for (const port of svc().ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  test('no secret values in environment, only *_FILE paths', () => {
    for (const [key, value] of Object.entries<string>(svc().environment ?? {})) {
      if (SECRET_NAME.test(key)) {
        expect(key).toMatch(/_FILE$/);
        expect(value).toMatch(/^\/run\/secrets\//);
      }
      expect(value).not.toMatch(/:\/\/[^/@]*:[^/@]*@/); // no user:password@ in urls
    }
  });

  test('built images are tagged, never latest', () => {
    expect(svc().image).toMatch(/^vision-[a-z]+:local$/);
  });
});

describe.each(documents.flatMap(([label, doc]) => backingNames.map((name) => [name, label, doc] as const)))('compose backing service %s (%s)', (name, _label, doc) => {
  const svc = () => doc().services[name];

  test('pinned to a full version tag, never latest', () => {
    expect(svc().image).toMatch(/:v?\d+\.\d+(\.\d+)?(-bookworm)?$/);
  });

  test('hardened: no capabilities, no privilege escalation, read-only root, limits', () => {
    expect(svc().cap_drop).toEqual(['ALL']);
    expect(svc().cap_add).toBeUndefined();
    expect(svc().security_opt).toEqual(['no-new-privileges:true']);
    expect(svc().read_only).toBe(true);
    expect(svc().deploy.resources.limits.memory).toMatch(/^\d+[kmg]$/);
  });

  test('health-checked, and apps wait for it to be healthy', () => {
    expect(svc().healthcheck.test.length).toBeGreaterThan(1);
    for (const app of appNames) expect(doc().services[app].depends_on[name]).toEqual({ condition: 'service_healthy' });
  });

  test('never publishes on every interface', () => {
    for (const port of svc().ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });
});

test('postgres and redis run as their image users; only mlflow (no user in its image) keeps root, without capabilities', () => {
  expect(compose.services.postgres.user).toBe('999:999');
  expect(compose.services.redis.user).toBe('999:999');
  expect(compose.services.mlflow.user).toBeUndefined();
});

test('postgres and redis are reachable only on the internal network', () => {
  expect(compose.networks.backend.internal).toBe(true);
  expect(compose.services.postgres.networks).toEqual(['backend']);
  expect(compose.services.redis.networks).toEqual(['backend']);
});

test('Kubernetes manifests deny ingress by default: a default deny, and a policy per workload opening only its links', () => {
  const p = newProject();
  exampleStack(p);
  new KubernetesManifests(p, 'k8s', { backingServices: [BackingService.POSTGRES], backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS });
  const files = synth(p);
  const policies = (file: string) => YAML.parseAllDocuments(files[file]).map((d) => d.toJS()).filter((d) => d.kind === 'NetworkPolicy');
  expect(policies('k8s/base/network-policies.yaml')).toEqual([expect.objectContaining({
    metadata: expect.objectContaining({ name: 'default-deny' }), spec: { podSelector: {}, policyTypes: ['Ingress'] },
  })]);
  const postgres = policies('k8s/base/postgres.yaml')[0].spec;
  expect(postgres.ingress).toHaveLength(1);
  expect(postgres.ingress[0].from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['api', 'embedder']);
  // postgres has no way out but the cluster DNS, as on compose's internal network
  expect(postgres.policyTypes).toEqual(['Ingress', 'Egress']);
  expect(postgres.egress.map((r: any) => r.ports.map((x: any) => x.port))).toEqual([[53, 53]]);
  // no service depends on the api and no ingress source is named: nothing opens its port
  expect(policies('k8s/base/api.yaml')[0].spec.ingress).toBeUndefined();
});

describe('opt-outs are explicit', () => {
  function optOut(props: object): any {
    const p = newProject();
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000, ...props });
    new ComposeStack(p, 'stack');
    const files = synth(p);
    return { svc: YAML.parse(files['compose.yaml']).services.api, dockerfile: files['docker/api/Dockerfile'] };
  }

  test('publicPort: true publishes on every interface', () => {
    expect(optOut({}).svc.ports).toEqual(['127.0.0.1:8000:8000']);
    expect(optOut({ publicPort: true }).svc.ports).toEqual(['8000:8000']);
  });

  test('writableRootFilesystem: true turns read_only off', () => {
    expect(optOut({ writableRootFilesystem: true }).svc.read_only).toBe(false);
  });

  test('networkPolicies: false renders no NetworkPolicy', () => {
    const p = newProject();
    exampleStack(p);
    new KubernetesManifests(p, 'k8s', { networkPolicies: false });
    const files = synth(p);
    expect(Object.keys(files).filter((f) => f.startsWith('k8s/') && String(files[f]).includes('kind: NetworkPolicy'))).toEqual([]);
  });

  test('disableHealthCheck: true leaves the image and the service without a health check', () => {
    const { svc, dockerfile } = optOut({ disableHealthCheck: true });
    expect(svc.healthcheck).toBeUndefined();
    expect(dockerfile).not.toContain('HEALTHCHECK');
  });
});

describe('the escape hatch cannot undo a promise', () => {
  test('the harmless overrides are in the final document, which docker compose config accepts', () => {
    expect(overridden.services.api.ports).toEqual(['127.0.0.1:18000:8000']);
    expect(overridden.services.api.deploy.resources.limits).toEqual({ cpus: 1.5, memory: '2g', pids: 512 });
    expect(overridden.services.api.labels).toEqual({ team: 'vision' });
    expect(overridden.services.postgres.shm_size).toBe('256m');
    expect(composeConfig(overriddenProject.outdir, overriddenOut['compose.yaml'])).toEqual({ ok: true, output: '' });
  });

  test.each(documents)('every service of the %s document keeps every promise', (_label, doc) => {
    const optOuts: Record<string, object> = { postgres: { user: '999:999', internalOnly: true }, redis: { user: '999:999', internalOnly: true } };
    for (const [name, svc] of Object.entries<any>(doc().services)) {
      expect({ name, broken: serviceViolations(svc, optOuts[name]) }).toEqual({ name, broken: [] });
    }
  });

  test.each(DANGEROUS.map((o) => [`${o.service}.${o.key} = ${JSON.stringify(o.value)}`, o] as const))('refuses %s, naming the override path', (_name, o) => {
    const p = newProject();
    exampleStack(p, [o]);
    const err = validationError(() => synth(p));
    expect(err.problems.some((m) => m.startsWith(`[vision/stack] override services.${o.service}.${o.key}`))).toBe(true);
    expect(err.message).not.toMatch(/TypeError|at Object\./);
  });

  test('what docker compose config accepts is no guard: the issue\'s hostile values pass it, so only our check refuses them', () => {
    const hostile: Patch[] = [
      { service: 'api', key: 'ports', value: ['0.0.0.0:8000:8000'] },
      { service: 'api', key: 'volumes', value: ['/var/run/docker.sock:/var/run/docker.sock'] },
      { service: 'api', key: 'healthcheck', value: { disable: true } },
      { service: 'api', key: 'cgroup', value: 'host' },
      { service: 'api', key: 'environment', value: { DB_PASSWORD: 'hunter2' } },
      { service: 'api', key: 'deploy', value: { resources: { limits: { memory: '1GB' } } } },
    ];
    for (const o of hostile) {
      const merged = JSON.parse(JSON.stringify(compose));
      merged.services[o.service] = merge(merged.services[o.service], { [o.key]: o.value });
      expect({ o, config: composeConfig(project.outdir, YAML.stringify(merged)).ok })
        .toEqual({ o, config: true });
      expect(serviceViolations(merged.services[o.service]).length).toBeGreaterThan(0);
      const p = newProject();
      exampleStack(p, [o]);
      expect(validationError(() => synth(p)).message).toContain(`override services.${o.service}.${o.key}`);
    }
  });

  test('a volume declared with addVolume can be mounted by an override', () => {
    const p = newProject();
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    const stack = new ComposeStack(p, 'stack');
    stack.addVolume('scratch');
    stack.addOverride('api', 'volumes', ['scratch:/scratch', 'scratch:/more:ro']);
    const files = synth(p);
    expect(YAML.parse(files['compose.yaml']).services.api.volumes[0]).toBe('scratch:/scratch');
    expect(composeConfig(p.outdir, files['compose.yaml']).ok).toBe(true);
  });

  test('the typed opt-outs are honoured after overrides too', () => {
    const p = newProject();
    new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000, publicPort: true, writableRootFilesystem: true, disableHealthCheck: true });
    const stack = new ComposeStack(p, 'stack');
    stack.addOverride('api', 'ports', ['0.0.0.0:9000:8000']);
    stack.addOverride('api', 'read_only', false);
    stack.addOverride('api', 'healthcheck', { disable: true });
    const svc = YAML.parse(synth(p)['compose.yaml']).services.api;
    expect(svc.ports).toEqual(['0.0.0.0:9000:8000']);
    expect(serviceViolations(svc, {
      publicPort: true, writableRootFilesystem: true, disableHealthCheck: true,
    })).toEqual([]);
  });
});

/** Compose's merge of an override: objects deeply, everything else replaced. */
function merge(base: any, extra: any): any {
  const merged = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    merged[k] = isObj(merged[k]) && isObj(v) ? merge(merged[k], v) : v;
  }
  return merged;
}
