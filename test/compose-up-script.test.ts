/**
 * `docker/up.sh`, what `npx projen docker:up` runs, against a stand-in `docker` client that
 * answers `docker info` like a CPU-only or an NVIDIA engine of a given size and records the
 * `docker compose` call. The override it writes for lowered limits is read back through real
 * compose (`config`), which must accept it and apply it. `docker:build` runs through the real
 * projen CLI with stand-in `tsc` and `docker`, to show what reaches compose.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, GpuInference, GpuTrainer, PythonService } from '../src';
import { compose } from './support/compose-cli';
import { newProject, synth } from './util';

const project = newProject();
new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000, cpuLimit: 2 });
new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], cpuLimit: 4, memoryLimit: '16g' });
new ComposeStack(project, 'stack', { backingServices: [BackingService.REDIS] });
const out = synth(project);
const dir = project.outdir;

interface Run { status: number | null; stdout: string; stderr: string; args: string[]; override?: string }

/** Runs docker/up.sh with a fake docker: `info` prints "<ncpu> <memtotal> <runtimes json>". */
function up(ncpu: number, memTotal: number, runtimes: object, extra: string[] = []): Run {
  const bin = join(dir, `.fake-bin-${ncpu}-${memTotal}-${Object.keys(runtimes).join('-')}`);
  mkdirSync(bin, { recursive: true });
  const record = join(bin, 'calls');
  writeFileSync(join(bin, 'docker'), [
    '#!/bin/sh',
    `if [ "$1" = info ]; then echo '${ncpu} ${memTotal} ${JSON.stringify(runtimes)}'; exit 0; fi`,
    // record the arguments one per line, and a copy of every -f file other than compose.yaml
    `printf '%s\\n' "$@" > '${record}'`,
    'prev=""',
    `for a in "$@"; do if [ "$prev" = -f ] && [ "$a" != compose.yaml ]; then cp "$a" '${record}.override'; fi; prev=$a; done`,
    '',
  ].join('\n'));
  chmodSync(join(bin, 'docker'), 0o755);
  const res = spawnSync('sh', ['docker/up.sh', ...extra], { cwd: dir, encoding: 'utf-8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  let override: string | undefined;
  try {
    override = readFileSync(`${record}.override`, 'utf-8');
  } catch {
    override = undefined;
  }
  let args: string[] = [];
  try {
    args = readFileSync(record, 'utf-8').trim().split('\n');
  } catch {
    args = [];
  }
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, args, override };
}

test('docker:up runs the generated up script after creating missing secrets, passing extra arguments on', () => {
  const tasks = out['.projen/tasks.json'].tasks;
  expect(tasks['docker:up'].steps).toEqual([{ exec: 'sh docker/ensure-secrets.sh' }, { exec: 'sh docker/up.sh', receiveArgs: true }]);
});

test('a CPU-only engine: GPU services skipped in one line that says why; the serving stack without them', () => {
  const res = up(8, 32 * 1024 ** 3, { runc: {} });
  expect(res.status).toBe(0);
  expect(res.stdout.trim().split('\n')).toEqual([
    'docker:up: GPU services skipped (inference): the engine has no NVIDIA runtime (docker info lists none); they start on a GPU host with the NVIDIA container toolkit',
  ]);
  expect(res.args).toEqual(['compose', '-f', 'compose.yaml', 'up', '-d', '--wait']);
  expect(res.override).toBeUndefined();
});

test('an NVIDIA engine: --profile gpu, and extra arguments after `up -d --wait`', () => {
  const res = up(8, 32 * 1024 ** 3, { nvidia: {}, runc: {} }, ['--build']);
  expect(res.status).toBe(0);
  expect(res.stdout).toBe('');
  expect(res.args).toEqual(['compose', '-f', 'compose.yaml', '--profile', 'gpu', 'up', '-d', '--wait', '--build']);
});

test('limits above the engine are lowered for the run, said once per service, and compose applies the override', () => {
  const res = up(2, 4 * 1024 ** 3, { nvidia: {}, runc: {} });
  expect(res.status).toBe(0);
  expect(res.stdout.trim().split('\n')).toEqual([
    "docker:up: inference: cpu limit 4 lowered to 2 (the engine's CPU count)",
    `docker:up: inference: memory limit ${16 * 1024 ** 3} bytes lowered to ${4 * 1024 ** 3} (the engine's memory)`,
  ]);
  expect(res.args.slice(0, 7)).toEqual(['compose', '-f', 'compose.yaml', '-f', res.args[4], '--profile', 'gpu']);
  // real compose merges the override: inference gets the engine's size, the rest is unchanged
  const overrideFile = join(dir, '.override-check.yaml');
  writeFileSync(overrideFile, res.override!);
  const merged = compose(['-f', join(dir, 'compose.yaml'), '-f', overrideFile, '--project-directory', dir, '--profile', 'gpu', 'config', '--format', 'json'], dir);
  expect(merged.stderr).toBe('');
  const services = JSON.parse(merged.stdout).services;
  expect(services.inference.deploy.resources.limits)
    .toMatchObject({ cpus: 2, memory: String(4 * 1024 ** 3) });
  expect(services.api.deploy.resources.limits.cpus).toBe(2);
  expect(YAML.parse(out['compose.yaml']).services.inference.deploy.resources.limits.cpus).toBe(4);
});

test('a CPU-only 1-CPU engine: only started services are fitted; skipped GPU services are not mentioned twice', () => {
  const res = up(1, 64 * 1024 ** 3, {});
  expect(res.status).toBe(0);
  expect(res.stdout.trim().split('\n')).toEqual([
    expect.stringContaining('GPU services skipped (inference)'),
    "docker:up: api: cpu limit 2 lowered to 1 (the engine's CPU count)",
  ]);
});

test.each([
  ['without', [] as string[]],
  ['with', ['--']],
])('npx projen docker:build (the real projen CLI), arguments %s a leading --: the type check, then compose build with --build-arg passed on', (_how, dashes) => {
  // Stand-ins for `tsc` and `docker` record their arguments, in call order, one per line.
  const bin = join(dir, `.fake-bin-build${dashes.length}`);
  mkdirSync(bin, { recursive: true });
  const record = join(bin, 'calls');
  for (const tool of ['tsc', 'docker']) {
    writeFileSync(join(bin, tool), `#!/bin/sh\nprintf '%s\\n' "== ${tool}" "$@" >> '${record}'\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  const projen = join(__dirname, '..', 'node_modules', 'projen', 'bin', 'projen');
  const res = spawnSync(process.execPath, [projen, 'docker:build', ...dashes, '--build-arg', 'PYTHON_IMAGE=local/python:3.11', '--build-arg', 'FOO=bar'], {
    cwd: dir, encoding: 'utf-8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  expect(readFileSync(record, 'utf-8').trim().split('\n')).toEqual([
    '== tsc', '--noEmit', '-p', 'tsconfig.projen.json',
    '== docker', 'compose', '-f', 'compose.yaml', '--profile', '*', 'build',
    '--build-arg', 'PYTHON_IMAGE=local/python:3.11', '--build-arg', 'FOO=bar',
  ]);
});

test('npx projen docker:up -- --build: the leading -- is dropped, the rest goes to compose up', () => {
  const res = up(8, 32 * 1024 ** 3, { nvidia: {} }, ['--', '--build']);
  expect(res.status).toBe(0);
  expect(res.args).toEqual(['compose', '-f', 'compose.yaml', '--profile', 'gpu', 'up', '-d', '--wait', '--build']);
});

test('docs/containers.md draws the stack (backing services on the internal network, depends_on waits) and says what docker:up starts, as compose reads it', () => {
  const doc: string = out['docs/containers.md'];
  const mermaid = doc.slice(doc.indexOf('```mermaid'), doc.indexOf('```', doc.indexOf('```mermaid') + 3));
  expect(mermaid).toContain('subgraph backend["backend network (internal)"]\n    n_redis[("redis")]\n  end');
  expect(mermaid).toContain('n_inference["inference<br/>:8080<br/>profile gpu"]');
  expect(mermaid).toContain('n_trainer["trainer<br/>profile train"]');
  for (const app of ['api', 'trainer', 'inference']) expect(mermaid).toContain(`n_${app} -->|healthy| n_redis`);
  // the started lists are what real compose starts without a profile and with --profile gpu
  const file = join(dir, 'compose.yaml');
  const services = (...profiles: string[]) => compose(['-f', file, '--project-directory', dir, ...profiles.flatMap((p) => ['--profile', p]), 'config', '--services'], dir)
    .stdout.trim().split('\n').sort();
  const listed = (prefix: string) => [...new RegExp(`^- ${prefix}[^\\n]*`, 'm').exec(doc)![0].matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]).filter((n) => n !== 'gpu').sort();
  expect(listed('on every host')).toEqual(services());
  expect([...listed('on every host'), ...listed('GPU services')].sort()).toEqual(services('gpu'));
  expect(listed('jobs')).toEqual(['trainer']);
});
