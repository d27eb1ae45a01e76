/**
 * Real packages, CPU service: the scaffold's api (templates/projenrc.ts.ejs) with the real
 * FastAPI, uvicorn, pydantic and pytest wheels of the machine's local PyPI copy (MLDOCKER_PIP_MIRROR,
 * served by scripts/engine/pip-mirror.py; see support/mirror.ts), through our own build arg
 * PIP_INDEX_URL, on the engine's Python 3.11 base stand-in; and a hash-locked service over the
 * same packages.
 *
 * Proves: `docker:build` (its compose step, the api only) resolves the api's tiers across their
 * real dependency trees (pydantic-core, starlette, anyio, h11, click...) from PIP_INDEX_URL; the
 * prod stage's `pip check` printed "No broken requirements found." and its entry check ran in
 * that build; `npx projen docker:up` brings the api up healthy beside postgres and redis, and
 * its /health answers 200 from the real uvicorn, with FastAPI's own /openapi.json beside it; the
 * dev target carries the dev tier and the test target runs the api's tests with the real pytest
 * on a read-only root as uid 10001; a core tier given as a hash lock whose sha256 come from the
 * index (the host's pip resolved it against the same mirror) builds with `--require-hashes` and
 * starts, and one changed hash fails the build with pip's hash error, the Dockerfile unchanged.
 *
 * Pins moved from the scaffold, to versions the mirror holds (it has one or two releases of
 * each): fastapi 0.115.6 -> 0.142.2, uvicorn 0.32.1 -> 0.54.0, pytest 8.3.4 -> 8.4.2 (the
 * 8.x release; 9.1.1 is there too). httpx 0.28.1 is the scaffold's own pin.
 *
 * Does not prove: the official python:3.11.16-slim-bookworm (Debian's Python 3.11.2 stands
 * in), PyPI itself or a private index with credentials (build.test.ts does the netrc secret with
 * stand-in wheels), the trainer and GPU inference images of the scaffold (CUDA torch;
 * scaffold-up.test.ts builds them with stand-ins), MLflow (no stand-in image).
 */
import { spawnSync } from 'child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as YAML from 'yaml';
import {
  DOCKER, PYTHON_STANDIN, REPO, RunResult, docker, dockerTry, freePort, requireEngine, tail, tempDir, waitFor,
  waitHealthy,
} from './support/engine';
import {
  HARDENING, LockedFile, MIRROR, buildSteps, describeUnless, distributions, expectBuilt, lockFrom, lockText,
  mirrorMissing, pythonIn, requireOnIndex,
} from './support/mirror';
import { Dependencies, PythonService } from '../../src';
import { renderScaffold } from '../../src/project/scaffold';
import { runDefinition } from '../support/run-definition';
import { synthIn } from '../util';

const NAME = 'engine-real-api';
const PROJEN = join(REPO, 'node_modules', 'projen', 'bin', 'projen');
const COMPOSE_BUILD = "docker compose -f compose.yaml --profile '*' build \"$@\"";
/** The scaffold's pins and where they move to (the header says why). */
const MOVED: ReadonlyArray<readonly [string, string]> = [
  ['fastapi==0.115.6', 'fastapi==0.142.2'],
  ['uvicorn==0.32.1', 'uvicorn==0.54.0'],
  ['pytest==8.3.4', 'pytest==8.4.2'],
];
const KEPT = ['httpx==0.28.1'];
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const LOCKED_CONTAINER = `engine-real-locked-${RUN_ID}`;
const BIG = 64 * 1024 * 1024;
/** A prod-stage step of the api in compose's plain log (BuildKit pads the step number). */
const PROD_STEP = /^\[api prod +\d+\/\d+\] /;

let dir = '';
let scratch = '';
let lockedDir = '';
let hostPort = 0;
let composeFile: any;
let image = '';
let build: RunResult;
let up: RunResult & { output: string };
let buildArgs: string[] = [];

/** The scaffold's `.projenrc.ts` with this test's edits, each checked to apply. */
function scaffoldSource(): string {
  let source = renderScaffold(NAME, []);
  const edit = (what: string, from: RegExp | string, to: string) => {
    const next = source.replace(from, to);
    if (next === source) throw new Error(`the scaffold changed: the edit "${what}" no longer applies`);
    source = next;
  };
  // No `# syntax=` line: BuildKit would fetch that frontend image from Docker Hub, unreachable here.
  edit('dockerfileSyntax', /(\n  hostDriverVersion: [^\n]*\n)/, '$1  dockerfileSyntax: false,\n');
  // No MLflow: no stand-in image exists for it (see compose-up.test.ts's header).
  edit('no MLflow', /, BackingService\.MLFLOW\]/, ']');
  // The api on a free host port: 8000 may be taken on a shared machine.
  edit('hostPort', /(\n  port: 8000,\n)/, `$1  hostPort: ${hostPort},\n`);
  for (const [from, to] of MOVED) edit(`pin ${from}`, `'${from}'`, `'${to}'`);
  return source;
}

function compose(args: string[]): RunResult {
  return dockerTry(['compose', '-f', 'compose.yaml', ...args], { cwd: dir });
}

/** PATH with the engine's own client first as `docker` (a newer one may sit in /usr/local/bin). */
function enginePath(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(DOCKER, join(bin, 'docker'));
  return `${bin}:${process.env.PATH}`;
}

function dockerBuild(cwd: string, dockerfile: string, target: string, tag: string): RunResult {
  return dockerTry(['build', '--progress', 'plain', '--network', 'host', '-f', dockerfile, '--target', target,
    ...buildArgs, '-t', tag, '.'], { cwd });
}

/** GET on the api's published port: status, Server header and body; undefined while it does not answer. */
function get(path: string): { status: number; server: string; body: string } | undefined {
  const res = spawnSync('python3', ['-c', [
    'import json, sys, urllib.request',
    `r = urllib.request.urlopen("http://127.0.0.1:${hostPort}${path}", timeout=3)`,
    'head = {"status": r.status, "server": r.headers.get("server", "")}',
    'print(json.dumps({**head, "body": r.read().decode()}))',
  ].join('\n')], { encoding: 'utf-8' });
  return res.status === 0 ? JSON.parse(res.stdout) : undefined;
}

describeUnless(mirrorMissing(), 'the scaffold api with real FastAPI and uvicorn', () => {
  beforeAll(async () => {
    requireEngine();
    requireOnIndex(MIRROR!.pypi, [...MOVED.map(([, to]) => to), ...KEPT]);
    buildArgs = ['--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`,
      '--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`];
    hostPort = await freePort();
    dir = tempDir('engine-real-api-');
    scratch = tempDir('engine-real-api-scratch-');
    runDefinition(scaffoldSource(), dir);
    composeFile = YAML.parse(readFileSync(join(dir, 'compose.yaml'), 'utf-8'));
    image = composeFile.services.api.image;
    // leftovers of an aborted run
    compose(['--profile', '*', 'down', '--volumes', '--remove-orphans', '--timeout', '1']);

    // docker:build as docker/build.sh runs it, for the api only (a service name after the
    // forwarded arguments; the scaffold's GPU images need CUDA torch, which the mirror lacks in
    // a size CI can install). As in scaffold-up.test.ts, a second compose file adds only
    // `build.network: host` (this engine has no default bridge).
    const script = readFileSync(join(dir, 'docker', 'build.sh'), 'utf-8');
    const line = script.split('\n').find((l) => l.startsWith('docker compose'));
    if (line !== COMPOSE_BUILD) throw new Error(`docker/build.sh has no line ${COMPOSE_BUILD}:\n${script}`);
    const override = join(scratch, 'compose.network.yaml');
    writeFileSync(override, YAML.stringify({ services: { api: { build: { network: 'host' } } } }));
    const files = line.replace(' "$@"', '').replace('-f compose.yaml ', `-f compose.yaml -f ${override} `);
    const path = enginePath();
    const res = spawnSync('sh', ['-c', [files, ...buildArgs, 'api'].join(' ')], {
      cwd: dir,
      encoding: 'utf-8',
      maxBuffer: BIG,
      env: { ...process.env, PATH: path, BUILDKIT_PROGRESS: 'plain' },
    });
    build = { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
    if (build.status !== 0) return;

    // docker:up: the real projen CLI running the generated task.
    const upRes = spawnSync(process.execPath, [PROJEN, 'docker:up'], {
      cwd: dir, encoding: 'utf-8', env: { ...process.env, PATH: path }, timeout: 240_000, maxBuffer: BIG,
    });
    const output = `${upRes.stdout}\n${upRes.stderr}`;
    up = { status: upRes.status ?? -1, stdout: upRes.stdout, stderr: upRes.stderr, output };
  }, 900_000);

  afterAll(() => {
    if (dir) compose(['--profile', '*', 'down', '--volumes', '--remove-orphans', '--timeout', '1']);
    dockerTry(['rm', '-f', '-v', LOCKED_CONTAINER]);
    for (const d of [dir, scratch, lockedDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('docker:build resolves the api from PIP_INDEX_URL; pip check and the entry check ran', () => {
    expectBuilt(build);
    const steps = buildSteps(`${build.stdout}\n${build.stderr}`).filter((s) => PROD_STEP.test(s.name));
    const pipCheck = steps.filter((s) => s.name.endsWith('] RUN pip check'));
    expect(pipCheck.map((s) => [s.end, s.output])).toEqual([['DONE', ['No broken requirements found.']]]);
    const entryCheck = steps.filter((s) => s.name.includes('"-m", "mldocker_runtime.entry_check"'));
    expect(entryCheck).toHaveLength(1);
    expect(entryCheck[0].name).toContain('"--program=uvicorn"');
    expect(entryCheck[0].end).toBe('DONE');
    // What a stand-in never had: the real dependency tree, from the index the build arg named.
    const dists = distributions(image);
    expect(dists).toMatchObject({
      'fastapi': '0.142.2',
      'uvicorn': '0.54.0',
      'starlette': expect.any(String),
      'pydantic': expect.any(String),
      'pydantic-core': expect.any(String),
      'anyio': expect.any(String),
      'h11': expect.any(String),
      'click': expect.any(String),
    });
    expect(dists).not.toHaveProperty('pytest');
    // pydantic-core's compiled extension loads: a platform wheel, not pure Python.
    const native = ['import pydantic_core as p', 'from pydantic_core import _pydantic_core as c',
      'print(c.__file__[-3:], p.__version__)'].join('\n');
    expect(pythonIn(image, native)).toBe(`.so ${dists['pydantic-core']}`);
  });

  test('docker:up: the api healthy beside postgres and redis; /health answers 200 from uvicorn', async () => {
    expect(build.status).toBe(0);
    const logs = compose(['logs', '--no-color', '--tail', '20']).stdout;
    const report = `${tail(up.output, 60)}\n${tail(logs, 80)}`;
    expect({ status: up.status, report }).toEqual({ status: 0, report });
    const ps = docker(['ps', '--filter', `label=com.docker.compose.project=${composeFile.name}`,
      '--format', '{{.Label "com.docker.compose.service"}} {{.Status}}']).trim().split('\n').sort();
    expect(ps.map((l) => l.replace(/ Up .*\((\w+)\)$/, ' $1')))
      .toEqual(['api healthy', 'postgres healthy', 'redis healthy']);
    const health = await waitFor('the api /health', 20_000, () => get('/health'));
    expect(health).toEqual({ status: 200, server: 'uvicorn', body: '{"status":"ok"}' });
    // FastAPI's own schema route: no stand-in served one.
    const openapi = get('/openapi.json')!;
    expect(openapi.status).toBe(200);
    expect(JSON.parse(openapi.body))
      .toMatchObject({ info: { title: 'api' }, paths: { '/health': { get: expect.any(Object) } } });
  });

  test('dev has the dev tier; test runs the api tests with the real pytest, as uid 10001, read-only', () => {
    expectBuilt(dockerBuild(dir, 'docker/api/Dockerfile', 'dev', `${image}-dev`));
    expect(distributions(`${image}-dev`))
      .toMatchObject({ pytest: '8.4.2', httpx: '0.28.1', fastapi: '0.142.2', pluggy: expect.any(String) });
    expectBuilt(dockerBuild(dir, 'docker/api/Dockerfile', 'test', `${image}-test`));
    const cmd = JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', `${image}-test`]));
    expect(cmd).toEqual(['python', '-m', 'pytest', '-q', 'api']);
    const run = dockerTry(['run', '--rm', '--network', 'none', ...HARDENING, `${image}-test`]);
    const output = `${run.stdout}${run.stderr}`;
    expect({ status: run.status, output })
      .toEqual({ status: 0, output: expect.stringMatching(/^1 passed\b/m) });
    expect(pythonIn(`${image}-test`, 'import os; print(os.getuid())')).toBe('10001');
  });

  describe('a hash-locked core tier, its sha256 from the index', () => {
    let locked: LockedFile[] = [];
    const tag = `engine-real/locked-${RUN_ID}:prod`;

    function writeLock(files: LockedFile[]): void {
      mkdirSync(join(lockedDir, 'requirements'), { recursive: true });
      writeFileSync(join(lockedDir, 'requirements', 'core.lock.txt'), lockText(files));
      synthIn(lockedDir, { dockerfileSyntax: false }, (p) => new PythonService(p, 'locked', {
        command: ['uvicorn', 'locked.main:app', '--host', '0.0.0.0', '--port', '8000'],
        port: 8000,
        healthCheckPath: '/health',
        dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements/core.lock.txt'] }),
      }));
    }

    beforeAll(() => {
      lockedDir = tempDir('engine-real-locked-');
      locked = lockFrom(MIRROR!.pypi, ['fastapi==0.142.2', 'uvicorn==0.54.0']);
      mkdirSync(join(lockedDir, 'services', 'locked'), { recursive: true });
      writeFileSync(join(lockedDir, 'services', 'locked', '__init__.py'), '');
      writeFileSync(join(lockedDir, 'services', 'locked', 'main.py'), [
        'from fastapi import FastAPI', '', 'app = FastAPI(title="locked")', '', '',
        '@app.get("/health")', 'def health() -> dict:', '    return {"status": "ok"}', '',
      ].join('\n'));
      writeLock(locked);
    });

    test('it builds with --require-hashes, passes pip check and starts healthy', async () => {
      // The whole tree is locked, each file with the hash the index page gives (the mirror's
      // file URLs carry it too).
      expect(locked.map((f) => f.name))
        .toEqual(expect.arrayContaining(['fastapi', 'uvicorn', 'starlette', 'pydantic', 'pydantic-core']));
      expect(locked.filter((f) => !f.url.includes(f.sha256))).toEqual([]);
      expect(readFileSync(join(lockedDir, 'docker/locked/Dockerfile'), 'utf-8'))
        .toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-core.txt');
      const res = dockerBuild(lockedDir, 'docker/locked/Dockerfile', 'prod', tag);
      expectBuilt(res);
      const checks = buildSteps(res.stderr).filter((s) => /^\[prod +\d+\/\d+\] RUN pip check$/.test(s.name));
      expect(checks.map((s) => s.output)).toEqual([['No broken requirements found.']]);
      const pins = Object.fromEntries(locked.map((f) => [f.name, f.version]));
      expect(distributions(tag)).toEqual(expect.objectContaining(pins));
      docker(['run', '-d', '--name', LOCKED_CONTAINER, '--network', 'none', ...HARDENING, tag]);
      await waitHealthy(LOCKED_CONTAINER, 120_000);
    });

    test("one changed hash fails the build with pip's hash error; only the requirement file changed", () => {
      const dockerfile = readFileSync(join(lockedDir, 'docker/locked/Dockerfile'));
      const victim = locked.find((f) => f.name === 'starlette')!;
      const wrong = `${victim.sha256.slice(1)}${victim.sha256[0]}`;
      writeLock(locked.map((f) => (f === victim ? { ...f, sha256: wrong } : f)));
      expect(readFileSync(join(lockedDir, 'docker/locked/Dockerfile')).equals(dockerfile)).toBe(true);
      const res = dockerBuild(lockedDir, 'docker/locked/Dockerfile', 'prod', `${tag}-wrong`);
      const output = res.stderr + res.stdout;
      expect(res.status).not.toBe(0);
      expect(output).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
      expect(output).toContain(`Expected sha256 ${wrong}`);
      expect(output).toContain(`Got        ${victim.sha256}`);
    });
  });
});
