import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const REPO = resolve(__dirname, '..', '..');
let command: string[] | undefined;
let checks = 0;

/**
 * Compose 2 as `[program, ...args]`: the system's plugin when there is one, else a standalone
 * copy (always the standalone copy with MLD_TEST_COMPOSE=standalone).
 */
export function composeCommand(): string[] {
  if (command) return command;
  if (process.env.MLD_TEST_COMPOSE === 'standalone') return (command = [standaloneCompose()]);
  for (const candidate of [['/usr/bin/docker', 'compose'], ['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(candidate[0], [...candidate.slice(1), 'version', '--short'], { encoding: 'utf-8' });
    if (probe.status === 0 && probe.stdout.trim().replace(/^v/, '').startsWith('2.')) return (command = candidate);
  }
  return (command = [standaloneCompose()]);
}

/**
 * A standalone Docker Compose 2 (Debian trixie's docker-compose package unpacked into the
 * run's tools folder by scripts/engine/compose-standalone.sh): nothing is installed on the
 * system. The global setup creates the folder and the teardown removes it; test workers take
 * turns through a lock directory so it is fetched once per run.
 */
function standaloneCompose(): string {
  let tools = process.env.MLD_TEST_TOOLS_DIR;
  if (!tools) {
    // a test file run outside the configured jest (no global setup): a folder of its own
    tools = mkdtempSync(join(tmpdir(), 'mld-test-tools-'));
    const own = tools;
    process.on('exit', () => rmSync(own, { recursive: true, force: true }));
  }
  const dir = join(tools, 'compose');
  const pathFile = join(dir, 'path');
  const lock = join(tools, 'compose.lock');
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    if (existsSync(pathFile)) return readFileSync(pathFile, 'utf-8').trim();
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`no standalone compose after 5 minutes (lock ${lock})`);
      spawnSync('sleep', ['0.5']);
    }
  }
  try {
    if (!existsSync(pathFile)) {
      const bin = execFileSync('bash', [join(REPO, 'scripts', 'engine', 'compose-standalone.sh'), dir], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
      writeFileSync(pathFile, bin);
    }
    return readFileSync(pathFile, 'utf-8').trim();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs compose with `args` in `cwd`. */
export function compose(
  args: string[], cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const [program, ...prefix] = composeCommand();
  const res = spawnSync(program, [...prefix, ...args], { cwd, encoding: 'utf-8' });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/**
 * Runs `docker compose config -q` on a compose text placed in the project directory (so
 * relative build contexts and secret files resolve as they would for the user), with the
 * given profiles active (none by default).
 */
export function composeConfig(
  projectDir: string, text: string, profiles: readonly string[] = [],
): { ok: boolean; output: string } {
  const file = join(projectDir, `.compose-check-${process.pid}-${checks++}.yaml`);
  writeFileSync(file, text);
  const res = compose(['-f', file, '--project-directory', projectDir, ...profiles.flatMap((p) => ['--profile', p]), 'config', '-q'], projectDir);
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}`.trim() };
}
