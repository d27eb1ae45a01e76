/**
 * Real engine, the first run anywhere: the scaffold, the `.projenrc.ts` that
 * `projen new --from projen-ml-docker` writes (templates/projenrc.ts.ejs), builds and comes
 * up on this CPU-only engine through its own tasks.
 *
 * How: the template is rendered, transpiled and run in-process against this repository's
 * source (as test/readme.test.ts runs the README), in a temp folder, with three test edits
 * (each explained where it is made). `docker:build` is the compose step read from the
 * generated .projen/tasks.json, with the build args appended as projen appends a task's
 * arguments, plus one compose file this engine needs; `docker:up` is the real projen CLI
 * running the generated task (docker/ensure-secrets.sh, then docker/up.sh) with the
 * engine's client.
 *
 * Proves: the docker:build step is `docker compose -f compose.yaml --profile '*' build`
 * receiving arguments, and it builds every image of the scaffold, the trainer (profile
 * "train") and the GPU inference server (profile "gpu") included, with the forwarded build
 * args really used (the stand-in base image, fastapi/uvicorn/numpy/transformers from the
 * PIP_INDEX_URL index, torch 2.5.1+cu124 from the TORCH_INDEX_URL index). `npx projen
 * docker:up` exits 0 with api, postgres and redis running and healthy, the api answering
 * /health on its published port; inference and trainer are not created; the output says in
 * exactly one line that the GPU services were skipped and why; a CPU or memory limit above
 * the engine's is lowered with one line per limit (none on an engine with 2 CPUs or more:
 * the scaffold's largest started limit is the api's 2 CPUs), and every started container
 * runs within the engine's CPUs.
 *
 * Does not prove: MLflow (left out: no Debian package exists to build a stand-in for
 * ghcr.io/mlflow/mlflow from; see compose-up.test.ts), the official python, postgres and
 * redis images (Debian stand-ins: scripts/engine/standin-*.sh), the real FastAPI, uvicorn,
 * numpy, transformers or torch (small stand-in wheels: scripts/engine/wheelhouse.sh), the
 * type-check step of docker:build (it needs the scaffold's node_modules; the unit test
 * test/compose-up-script.test.ts runs the whole task through the projen CLI with stand-in
 * `tsc` and `docker`), or GPU services starting (no NVIDIA runtime here).
 */
import { spawnSync } from 'child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import {
  DOCKER, IndexServer, PYTHON_STANDIN, REPO, RunResult, docker, dockerTry, freePort, requireEngine,
  startIndexServer, tail, tempDir, waitFor, writeWheelhouse,
} from './support/engine';
import { renderScaffold } from '../../src/project/scaffold';
import { runDefinition } from '../support/run-definition';

const NAME = 'engine-scaffold';
const PROJEN = join(REPO, 'node_modules', 'projen', 'bin', 'projen');
const BUILD_STEP = 'sh docker/build.sh';
const COMPOSE_BUILD = "docker compose -f compose.yaml --profile '*' build \"$@\"";
const SKIPPED_LINE = 'docker:up: GPU services skipped (inference)';

let dir = '';
let scratch = '';
let wheels = '';
let index: IndexServer;
let hostPort = 0;
let composeFile: any;
let tasks: any;
let buildArgs: string[] = [];
let build: RunResult;
let up: RunResult & { output: string };

/** The scaffold's `.projenrc.ts` as `projen new` writes it, with this test's edits. */
function scaffoldSource(): string {
  let source = renderScaffold(NAME, []);
  const edit = (what: string, from: RegExp, to: string | ((...groups: string[]) => string)) => {
    const next = source.replace(from, to as any);
    if (next === source) throw new Error(`templates/projenrc.ts.ejs changed: the test edit "${what}" no longer applies`);
    source = next;
  };
  // No `# syntax=` line: BuildKit would fetch that frontend image from Docker Hub, unreachable here.
  edit('dockerfileSyntax', /(\n  hostDriverVersion: [^\n]*\n)/, '$1  dockerfileSyntax: false,\n');
  // No MLflow: there is no Debian stand-in for its image (see compose-up.test.ts's header).
  edit('no MLflow', /, BackingService\.MLFLOW\]/, ']');
  // The api on a free host port: 8000 may be taken on a shared machine.
  edit('hostPort', /(\n  port: 8000,\n)/, `$1  hostPort: ${hostPort},\n`);
  return source;
}

/** Runs the scaffold's definition in `dir` (what `npx projen` does with .projenrc.ts). */
function synthesizeScaffold(): void {
  runDefinition(scaffoldSource(), dir);
}

/** PATH with the engine's own client first as `docker` (a newer one may sit in /usr/local/bin). */
function enginePath(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  symlinkSync(DOCKER, join(bin, 'docker'));
  return `${bin}:${process.env.PATH}`;
}

function compose(args: string[]): RunResult {
  return dockerTry(['compose', '-f', 'compose.yaml', ...args], { cwd: dir });
}

/** Services of the generated compose.yaml that have a build section, with their images. */
function builtServices(): Record<string, string> {
  return Object.fromEntries(Object.entries<any>(composeFile.services).filter(([, s]) => s.build)
    .map(([name, s]) => [name, s.image]));
}

/** The compose project's containers by service (any state), straight from the engine. */
function containers(): Record<string, string> {
  const out = docker(['ps', '--all', '--filter', `label=com.docker.compose.project=${composeFile.name}`,
    '--format', '{{.Label "com.docker.compose.service"}} {{.ID}}']).trim();
  return Object.fromEntries(out === '' ? [] : out.split('\n').map((l) => l.split(' ')));
}

function bytes(size: string | number): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(String(size));
  if (!m) throw new Error(`unexpected size in compose.yaml: ${size}`);
  return Number(m[1]) * 1024 ** 'bkmg'.indexOf((m[2] || 'b').toLowerCase());
}

function runIn(image: string, code: string): string {
  return docker(['run', '--rm', '--network', 'none', '--entrypoint', 'python', image, '-c', code]).trim();
}

beforeAll(async () => {
  requireEngine();
  hostPort = await freePort();
  dir = tempDir('engine-scaffold-');
  scratch = tempDir('engine-scaffold-scratch-');
  synthesizeScaffold();
  composeFile = YAML.parse(readFileSync(join(dir, 'compose.yaml'), 'utf-8'));
  tasks = JSON.parse(readFileSync(join(dir, '.projen', 'tasks.json'), 'utf-8')).tasks;
  wheels = writeWheelhouse();
  index = await startIndexServer(wheels);
  const path = enginePath();
  compose(['--profile', '*', 'down', '--volumes', '--remove-orphans', '--timeout', '1']); // leftovers of an aborted run

  // docker:build, as its script (docker/build.sh) runs compose: the script's compose line with
  // the task's arguments, through a shell. One addition: this engine runs with no default
  // bridge (scripts/engine/engine.sh: --bridge=none), so BuildKit's RUN steps need
  // `build.network: host`; a second compose file, right after compose.yaml, sets only that,
  // for each service that is built. Everything else comes from compose.yaml.
  const script = readFileSync(join(dir, 'docker', 'build.sh'), 'utf-8');
  const line = script.split('\n').find((l) => l.startsWith('docker compose'));
  if (line !== COMPOSE_BUILD) throw new Error(`docker/build.sh has no line ${COMPOSE_BUILD}:\n${script}`);
  const step = { exec: line.replace(' "$@"', '') };
  const override = join(scratch, 'compose.network.yaml');
  const network = Object.fromEntries(Object.keys(builtServices()).map((name) => [name, { build: { network: 'host' } }]));
  writeFileSync(override, YAML.stringify({ services: network }));
  buildArgs = [
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`,
    '--build-arg', `PIP_INDEX_URL=${index.url}`,
    '--build-arg', `TORCH_INDEX_URL=${index.url}`,
  ];
  const command = [step.exec.replace('-f compose.yaml ', `-f compose.yaml -f ${override} `), ...buildArgs].join(' ');
  const res = spawnSync('sh', ['-c', command], { cwd: dir, encoding: 'utf-8', env: { ...process.env, PATH: path }, maxBuffer: 64 * 1024 * 1024 });
  build = { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  if (build.status !== 0) return;

  // docker:up: the real projen CLI running the generated task in the scaffold.
  const start = Date.now();
  const upRes = spawnSync(process.execPath, [PROJEN, 'docker:up'], {
    cwd: dir, encoding: 'utf-8', env: { ...process.env, PATH: path }, timeout: 240_000, maxBuffer: 64 * 1024 * 1024,
  });
  up = { status: upRes.status ?? -1, stdout: upRes.stdout, stderr: upRes.stderr, output: `${upRes.stdout}\n${upRes.stderr}` };
  console.log(`npx projen docker:up: exit ${up.status} after ${Math.round((Date.now() - start) / 1000)} s\n${up.stdout}`);
}, 900_000);

afterAll(async () => {
  if (dir) compose(['--profile', '*', 'down', '--volumes', '--remove-orphans', '--timeout', '1']);
  await index?.close();
  for (const d of [dir, scratch, wheels]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('the scaffold on a real CPU-only engine: docker:build, then npx projen docker:up', () => {
  test('docker:build type-checks, then runs one compose build over every profile, receiving arguments', () => {
    expect(tasks['docker:build'].steps).toEqual([{ spawn: 'typecheck' }, { exec: BUILD_STEP, receiveArgs: true }]);
  });

  test('docker:build builds every image of the scaffold, the trainer and the GPU inference server included', () => {
    expect({ status: build.status, output: tail(build.stderr, 60) })
      .toEqual({ status: 0, output: expect.any(String) });
    const images = builtServices();
    expect(Object.keys(images).sort()).toEqual(['api', 'inference', 'trainer']);
    expect(composeFile.services.trainer.profiles).toEqual(['train']);
    expect(composeFile.services.inference.profiles).toEqual(['gpu']);
    for (const image of Object.values(images)) {
      expect(dockerTry(['image', 'inspect', '--format', '{{.Id}}', image]).status).toBe(0);
    }
  });

  test('the forwarded build args were used: stand-in base, packages from PIP_INDEX_URL, torch from TORCH_INDEX_URL', () => {
    expect(build.status).toBe(0);
    const images = builtServices();
    // PYTHON_IMAGE: every image starts with the stand-in's only layer (the default base cannot be pulled
    // here).
    const [baseLayer] = JSON.parse(docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', PYTHON_STANDIN]));
    for (const image of Object.values(images)) {
      expect([image, JSON.parse(docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', image]))[0]]).toEqual([image, baseLayer]);
    }
    // The stand-in wheels exist only on the test index.
    expect(runIn(images.api, 'import fastapi, uvicorn; print(fastapi.__doc__.split(":")[0]); print(uvicorn.__version__)'))
      .toBe('Offline stand-in for FastAPI 0.115.6\n0.32.1');
    expect(runIn(images.trainer, 'import numpy, transformers, torch; print(numpy.__version__, transformers.__version__, torch.__version__)'))
      .toBe('2.1.3 4.47.0 2.5.1+cu124');
    expect(runIn(images.inference, 'import torch; print(torch.__version__)')).toBe('2.5.1+cu124');
  });

  test('npx projen docker:up exits 0 with api, postgres and redis running and healthy; inference and trainer not created', () => {
    expect(build.status).toBe(0);
    const report = `${tail(up.output, 60)}\n${tail(compose(['logs', '--no-color', '--tail', '20']).stdout, 80)}`;
    expect({ status: up.status, report }).toEqual({ status: 0, report });
    expect(Object.keys(containers()).sort()).toEqual(['api', 'postgres', 'redis']);
    for (const [service, id] of Object.entries(containers())) {
      expect([service, docker(['inspect', '--format', '{{.State.Status}} {{.State.Health.Status}}', id]).trim()]).toEqual([service, 'running healthy']);
    }
  });

  test('it says in exactly one line that the GPU services were skipped, and why', () => {
    const runtimes = Object.keys(JSON.parse(docker(['info', '--format', '{{json .Runtimes}}'])));
    expect(runtimes).not.toContain('nvidia'); // the test needs a CPU-only engine
    const lines = up.output.split('\n').filter((l) => l.startsWith(SKIPPED_LINE));
    expect(lines).toEqual([
      `${SKIPPED_LINE}: the engine has no NVIDIA runtime (docker info lists none); they start on a GPU host with the NVIDIA container toolkit`,
    ]);
    expect(up.output.split('\n').filter((l) => l.includes('GPU services'))).toEqual(lines);
  });

  test('limits above the engine are lowered with one line each, and the containers run within its CPUs', () => {
    expect(up.status).toBe(0);
    const [ncpu, memTotal] = docker(['info', '--format', '{{.NCPU}} {{.MemTotal}}']).trim().split(' ').map(Number);
    const expected: string[] = [];
    for (const service of ['api', 'postgres', 'redis']) {
      const limits = composeFile.services[service].deploy.resources.limits;
      if (Number(limits.cpus) > ncpu) expected.push(`docker:up: ${service}: cpu limit ${limits.cpus} lowered to ${ncpu} (the engine's CPU count)`);
      if (bytes(limits.memory) > memTotal) expected.push(`docker:up: ${service}: memory limit ${bytes(limits.memory)} bytes lowered to ${memTotal} (the engine's memory)`);
    }
    expect(up.output.split('\n').filter((l) => /^docker:up: \w+: (cpu|memory) limit /.test(l))).toEqual(expected);
    for (const [service, id] of Object.entries(containers())) {
      const nanoCpus = Number(docker(['inspect', '--format', '{{.HostConfig.NanoCpus}}', id]).trim());
      expect([service, nanoCpus > 0 && nanoCpus <= ncpu * 1e9]).toEqual([service, true]);
    }
  });

  test('the scaffolded api (FastAPI sample under the uvicorn stand-in) answers /health on its published port', async () => {
    expect(up.status).toBe(0);
    expect(compose(['port', 'api', '8000']).stdout.trim()).toBe(`127.0.0.1:${hostPort}`);
    const get = (path: string) => waitFor(`the api's ${path}`, 10_000, () => {
      const res = spawnSync('python3', ['-c',
        `import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:${hostPort}${path}", timeout=2).read().decode())`], { encoding: 'utf-8' });
      return res.status === 0 ? JSON.parse(res.stdout) : undefined;
    });
    expect(await get('/health')).toEqual({ status: 'ok' });
    expect(await get('/')).toEqual({ service: 'api' });
  });
});
