/**
 * Our own compose rules (data/compose-rules.json, checked at synth) against the official
 * Compose Specification schema file (read from the shared reference data): every key they allow
 * exists in the official schema, whatever they accept the schema accepts, and the hostile
 * overrides the schema refuses they refuse too. (Against the real `docker compose config`:
 * test/compose-rules.test.ts.)
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, GpuInference, GpuTrainer, PythonService } from '../../src';
import { validateComposeSchema } from '../../src/stack/compose-schema';
import { officialComposeErrors } from '../support/compose-schema';
import { readSharedJson } from '../support/shared-data';
import { newProject, synth } from '../util';

const rules = JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'compose-rules.json'), 'utf-8'));
const official = readSharedJson('compose-spec.json');

test('every service and top-level key of our rules exists in the official schema', () => {
  const serviceKeys = Object.keys(official.definitions.service.properties);
  expect(Object.keys(rules.service.keys).filter((k) => !serviceKeys.includes(k))).toEqual([]);
  expect(Object.keys(rules.document.keys).filter((k) => !Object.keys(official.properties).includes(k)))
    .toEqual([]);
  const healthKeys = Object.keys(official.definitions.healthcheck.properties);
  expect(Object.keys(rules.service.keys.healthcheck.keys).filter((k) => !healthKeys.includes(k))).toEqual([]);
  const deployKeys = Object.keys(official.definitions.deployment.properties);
  expect(Object.keys(rules.service.keys.deploy.keys).filter((k) => !deployKeys.includes(k))).toEqual([]);
  const deviceKeys = Object.keys(official.definitions.devices.items.properties);
  expect(Object.keys(rules.shapes.device.keys).filter((k) => !deviceKeys.includes(k))).toEqual([]);
});

function generated(overrides: Array<[string, unknown]> = []): Record<string, any> {
  const project = newProject();
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
  expect(officialComposeErrors(doc)).toEqual([]);
  expect(validateComposeSchema(doc)).toEqual([]);
});

// [key, value]: overrides the official schema refuses.
const HOSTILE: Array<[string, unknown]> = [
  ['stop_grace_period', { nope: true }],
  ['stop_grace_period', 30],
  ['labels', { team: { nested: 'x' } }],
  ['labels', ['a=1', 'a=1']],
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
  ['expose', ['80', '80']],
  ['group_add', [true]],
  ['hostname', 1],
  ['stop_signal', ['TERM']],
];

test.each(HOSTILE.map(([k, v]) => [`${k}: ${JSON.stringify(v)}`, k, v] as const))('%s: the official schema refuses it, so do our rules', (_name, key, value) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(officialComposeErrors(doc)).not.toEqual([]);
  expect(validateComposeSchema(doc)).not.toEqual([]);
});

// Valid overrides: our rules accept them, and so does the official schema.
const VALID: Array<[string, unknown]> = [
  ['stop_grace_period', '1m30s'], ['labels', { team: 'vision', tier: 2, on: true, off: null }], ['labels', ['team=vision']],
  ['annotations', { 'com.example/owner': 'ml' }], ['healthcheck', { test: 'curl -f localhost', retries: 5, disable: false }],
  ['deploy', { replicas: 2, resources: { limits: { cpus: '4', memory: '8g', pids: 1024 } } }], ['ulimits', { nofile: { soft: 1024, hard: 4096 }, nproc: 512 }],
  ['logging', { driver: 'local', options: { 'max-size': '20m', 'compress': null } }], ['profiles', ['debug']], ['extra_hosts', ['host.docker.internal:host-gateway']],
  ['dns', '1.1.1.1'], ['dns_search', ['example.com']], ['init', true], ['tty', 'true'], ['stop_signal', 'SIGINT'], ['hostname', 'api'],
  ['working_dir', '/srv'], ['mem_reservation', '256m'], ['cpu_shares', 512], ['pids_limit', 100], ['sysctls', { 'net.core.somaxconn': 1024 }],
  ['env_file', ['.env']], ['expose', ['9000', 9001]], ['group_add', ['video', 44]], ['tmpfs', '/run'], ['command', null],
  ['depends_on', { worker: { condition: 'service_started', restart: true, required: false } }],
  ['networks', { default: null, backend: { aliases: ['api-internal'] } }],
];

test.each(VALID.map(([k, v]) => [`${k}: ${JSON.stringify(v)}`, k, v] as const))('%s: accepted by our rules and the official schema', (_name, key, value) => {
  const doc = generated();
  doc.services.api[key] = value;
  expect(validateComposeSchema(doc)).toEqual([]);
  expect(officialComposeErrors(doc)).toEqual([]);
});

test('count with device_ids: the schema cannot refuse it (compose does; test/gpu.test.ts)', () => {
  const doc = generated();
  doc.services.inference.deploy.resources.reservations.devices[0].device_ids = ['0'];
  expect(officialComposeErrors(doc)).toEqual([]);
  expect(validateComposeSchema(doc)).toEqual([]);
});
