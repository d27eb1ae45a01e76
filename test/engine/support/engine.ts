import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';

/**
 * Helpers for the real-engine suite (`npx projen test:build`, scripts/engine/run-suite.sh).
 * That script installs and starts the private engine, builds the stand-in images and
 * exports DOCKER and DOCKER_HOST; these tests do not start anything themselves.
 */

export const REPO = resolve(__dirname, '..', '..', '..');
/** The stand-in for python:3.11.16-slim-bookworm (scripts/engine/standin-python.sh). */
export const PYTHON_STANDIN = 'local/python-standin:3.11-bookworm';
/** Preferred port of the test index: stable, so the PIP_INDEX_URL build arg (and the cache) is. */
const INDEX_PORT = 38711;

/** The engine's own docker client (run-suite.sh exports it as DOCKER). */
export const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';

/** Fails early, with the fix, when the suite is run without run-suite.sh's environment. */
export function requireEngine(): void {
  if (!process.env.DOCKER_HOST) {
    throw new Error('DOCKER_HOST is not set: run the real-engine suite with `npx projen test:build` (scripts/engine/run-suite.sh)');
  }
  const res = spawnSync(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf-8' });
  if (res.status !== 0) throw new Error(`no engine on ${process.env.DOCKER_HOST}: ${res.stderr}`);
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the docker client; never throws. */
export function dockerTry(
  args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const res = spawnSync(DOCKER, args, {
    cwd: options.cwd,
    input: options.input,
    env: { ...process.env, ...options.env },
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the docker client and returns its stdout; throws with the output on failure. */
export function docker(
  args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const res = dockerTry(args, options);
  if (res.status !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${res.status}\n${tail(res.stdout)}\n${tail(res.stderr)}`);
  }
  return res.stdout;
}

/** The last lines of a long output. */
export function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A fresh temp directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

export async function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** A container's health status (`starting`, `healthy`, `unhealthy`), or "none". */
export function healthOf(container: string): string {
  return docker(['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', container]).trim();
}

/** The last health probe's output of a container (for failure messages). */
export function lastProbe(container: string): string {
  return docker(['inspect', '--format', '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}{{end}}', container]).trim();
}

/** Waits until the container's own HEALTHCHECK reports healthy; fails fast on unhealthy or exited. */
export async function waitHealthy(container: string, timeoutMs: number): Promise<void> {
  const problem = await waitFor(`${container} to turn healthy`, timeoutMs, () => {
    const state = docker(['inspect', '--format', '{{.State.Status}}', container]).trim();
    const health = healthOf(container);
    if (state !== 'running' || health === 'unhealthy') {
      const logs = dockerTry(['logs', '--tail', '30', container]);
      return `${container} is ${state}/${health}\nprobes: ${lastProbe(container)}\nlogs: ${logs.stdout}${logs.stderr}`;
    }
    return health === 'healthy' ? '' : undefined;
  });
  if (problem) throw new Error(problem);
}

/** The offline wheelhouse (scripts/engine/wheelhouse.sh lists its packages) written to a new directory. */
export function writeWheelhouse(): string {
  const dir = tempDir('engine-wheels-');
  execFileSync('bash', [join(REPO, 'scripts', 'engine', 'wheelhouse.sh'), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return dir;
}

/** The test index (support/index-server.py): open under /simple/, basic auth under /private/simple/. */
export interface IndexServer {
  /** The open index, as PIP_INDEX_URL. */
  readonly url: string;
  /** The index behind basic auth, as PIP_INDEX_URL. */
  readonly privateUrl: string;
  /** `login:password` the private index accepts. */
  readonly login: string;
  readonly password: string;
  /** Requests seen so far: "<path> auth=<none|ok|bad>". */
  requests(): string[];
  close(): Promise<void>;
}

export async function startIndexServer(wheelhouse: string): Promise<IndexServer> {
  const login = 'engine-test';
  const password = randomBytes(16).toString('hex');
  // The request log goes to a file, read synchronously: the tests block the event loop
  // while docker runs, so piped output would arrive too late.
  const logFile = join(tempDir('engine-index-'), 'requests.log');
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn('python3', ['-u', join(__dirname, 'index-server.py'), wheelhouse, String(INDEX_PORT), `${login}:${password}`], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const log = () => readFileSync(logFile, 'utf-8');
  const port = await waitFor('the index server', 10_000, () => {
    if (child.exitCode !== null) throw new Error(`index server exited ${child.exitCode}: ${log()}`);
    return /^port (\d+)$/m.exec(log())?.[1];
  }, 50);
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    privateUrl: `http://127.0.0.1:${port}/private/simple/`,
    login,
    password,
    requests: () => log().split('\n').filter((l) => l.startsWith('/')),
    close: () => new Promise((ok) => {
      const done = () => {
        rmSync(dirname(logFile), { recursive: true, force: true });
        ok();
      };
      if (child.exitCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    }),
  };
}

/** Writes a file with content and returns its path. */
export function writeFile(dir: string, name: string, content: string, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode });
  return file;
}
