/**
 * Our own compose rules (data/compose-rules.json, checked at synth) against the real
 * `docker compose config` (which validates with the official Compose Specification schema and
 * compose's own rules): whatever our rules accept compose accepts, and the hostile overrides
 * compose refuses our rules refuse too. (Against the schema file itself, key by key:
 * test/corpus/compose-schema.test.ts.)
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, GpuInference, GpuTrainer, PythonService } from '../src';
import { composeConfig } from './support/compose-cli';
import { newProject, synth, validationError } from './util';
import { validateComposeSchema } from '../src/stack/compose-schema';


/** The project folder the compose documents of this file are checked in. */
let dir = '';

/** What the real compose says of a document, checked in the generated project's folder. */
function composeSays(doc: unknown, profiles: readonly string[] = []): { ok: boolean; output: string } {
  return composeConfig(dir, YAML.stringify(doc), profiles);
}

function generated(overrides: Array<[string, unknown]> = []): Record<string, any> {
  const project = newProject();
  dir = project.outdir;
  const api = new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000, healthCheckPath: '/health', environment: { A: 'b$c' } });
  new PythonService(project, 'worker', { command: ['python', '-m', 'worker.main'], dependsOn: [api] });
  new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], gpuDeviceIds: ['0', '1'] });
  new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], gpuCount: 1 });
  const stack = new ComposeStack(project, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW] });
  for (const [key, value] of overrides) stack.addOverride('api', key, value);
  return YAML.parse(synth(project)['compose.yaml']);
}

test('generated documents pass both', () => {
  const doc = generated();
  expect(composeSays(doc)).toEqual({ ok: true, output: '' });
  expect(validateComposeSchema(doc)).toEqual([]);
});

// [key, value]: overrides compose refuses.
const HOSTILE: Array<[string, unknown]> = [
  ['stop_grace_period', { nope: true }],
  ['stop_grace_period', 30],
  ['labels', { team: { nested: 'x' } }],
  ['labels', 'team=vision'],
  ['environment', { '': 'x' }],
  ['environment', { A: ['x'] }],
  ['healthcheck', { test: ['CMD', 1] }],
  ['healthcheck', { interval: 5 }],
  ['healthcheck', { tset: ['CMD', 'true'] }],
  ['deploy', { resources: { limits: { memory: 512 } } }],
  ['deploy', { resources: { limits: { gpus: 1 } } }],
  ['deploy', { resources: { reservations: { devices: [{ driver: 'nvidia' }] } } }],
  ['deploy', { replica: 2 }],
  ['ulimits', { nofile: true }],
  ['ulimits', { nofile: { soft: 1024 } }],
  ['ulimits', { nofile: 1.5 }],
  ['depends_on', { api: { condition: 'service_ready' } }],
  ['depends_on', { api: {} }],
  ['logging', { driver: 'json-file', options: { 'max-size': ['10m'] } }],
  ['logging', { drivr: 'json-file' }],
  ['profiles', 'train'],
  ['profiles', ['train', 'train']],
  ['command', { run: 'x' }],
  ['command', ['python', 3]],
  ['ports', [true]],
  ['tmpfs', 7],
  ['restart', true],
  ['image', null],
  ['networks', ['default', 'default']],
  ['networks', { 'bad name': null }],
  ['volumes', 'data:/data'],
  ['build', { context: '.', dockerfile: 1 }],
  ['build', { contxt: '.' }],
  ['init', 1],
  ['dns', [1]],
  ['extra_hosts', 'host:1.2.3.4'],
  ['shm_size', true],
  ['cpus', [2]],
  ['sysctls', 5],
  ['secrets', 'token'],
  ['env_file', 3],
  ['group_add', [true]],
  ['hostname', 1],
  ['stop_signal', ['TERM']],
];

// Refused by the official schema (uniqueItems; test/corpus/compose-schema.test.ts) and by our
// rules, though compose 2 itself accepts them.
const SCHEMA_ONLY: Array<[string, unknown]> = [
  ['labels', ['a=1', 'a=1']],
  ['expose', ['80', '80']],
];

test.each(SCHEMA_ONLY.map(([k, v]) => [`${k}: ${JSON.stringify(v)}`, k, v] as const))('%s: refused by our rules as by the schema', (_name, key, value) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(validateComposeSchema(doc)).not.toEqual([]);
});

test.each(HOSTILE.map(([k, v]) => [`${k}: ${JSON.stringify(v)}`, k, v] as const))('%s: compose refuses it, so do our rules', (_name, key, value) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(composeSays(doc).ok).toBe(false);
  expect(validateComposeSchema(doc)).not.toEqual([]);
});

// Valid overrides: our rules accept them, and so does compose.
const VALID: Array<[string, unknown]> = [
  ['stop_grace_period', '1m30s'], ['labels', { team: 'vision', tier: 2, on: true, off: null }], ['labels', ['team=vision']],
  ['annotations', { 'com.example/owner': 'ml' }], ['healthcheck', { test: 'curl -f localhost', retries: 5, disable: false }],
  ['deploy', { replicas: 2, resources: { limits: { cpus: '4', memory: '8g', pids: 1024 } } }], ['ulimits', { nofile: { soft: 1024, hard: 4096 }, nproc: 512 }],
  ['logging', { driver: 'local', options: { 'max-size': '20m', 'compress': null } }], ['profiles', ['debug']], ['extra_hosts', ['host.docker.internal:host-gateway']],
  ['dns', '1.1.1.1'], ['dns_search', ['example.com']], ['init', true], ['tty', 'true'], ['stop_signal', 'SIGINT'], ['hostname', 'api'],
  ['working_dir', '/srv'], ['mem_reservation', '256m'], ['cpu_shares', 512], ['sysctls', { 'net.core.somaxconn': 1024 }],
  ['env_file', ['.env']], ['expose', ['9000', 9001]], ['group_add', ['video', 44]], ['tmpfs', '/run'], ['command', null],
  ['depends_on', { inference: { condition: 'service_started', restart: true, required: false } }],
  ['networks', { default: null, backend: { aliases: ['api-internal'] } }],
];

test.each(VALID.map(([k, v]) => [`${k}: ${JSON.stringify(v)}`, k, v] as const))('%s: accepted by our rules and compose', (_name, key, value) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(validateComposeSchema(doc)).toEqual([]);
  // an env_file must exist for compose to read it
  if (key === 'env_file') writeFileSync(join(dir, '.env'), 'A=1\n');
  expect(composeSays(doc, key === 'profiles' ? value as string[] : [])).toEqual({ ok: true, output: '' });
});

test('addOverride goes through our rules at synth, with a clear error and no schema file read', () => {
  const doc = generated([['stop_grace_period', '30s'], ['labels', { team: 'vision' }]]);
  expect(doc.services.api.stop_grace_period).toBe('30s');
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
  new ComposeStack(project, 'stack').addOverride('api', 'x_custom', 1);
  const error = validationError(() => synth(project));
  expect(error.message).toContain('compose.yaml with overrides breaks the compose specification');
  expect(error.message).toContain('/services/api/x_custom is not a key our compose rules allow');
});

// Other spellings of the deploy limits every service has: valid for the schema, refused by
// compose ("can't set distinct values on ..."), so refused at synth with the typed prop to use.
test.each([
  ['pids_limit', 100, 'pids', 'pidsLimit'],
  ['mem_limit', '3g', 'memory', 'memoryLimit'],
  ['cpus', 1.5, 'cpus', 'cpuLimit'],
] as const)('%s: compose refuses it beside the deploy limit; so does the synth, naming the prop', (key, value, limit, prop) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(composeSays(doc).output).toContain(`can't set distinct values on '${key}' and 'deploy.resources.limits.${limit}'`);
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
  new ComposeStack(project, 'stack').addOverride('api', key, value);
  expect(validationError(() => synth(project)).problems).toContain(
    `[vision/stack] override services.api.${key}: got ${typeof value === 'string' ? `"${value}"` : value}; expected no ${key}: compose reads it as `
    + `deploy.resources.limits.${limit}, which the service already sets; change the service's ${prop} instead`);
});
