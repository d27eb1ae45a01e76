import { execFileSync, spawnSync } from 'child_process';
import { existsSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

const REPO = resolve(__dirname, '..', '..');
let docker: string | undefined;
let checks = 0;

/**
 * The docker client with the Compose v2 plugin. Installed from the project's own engine
 * script (Debian's trixie packages) when missing; `docker compose config` needs no engine.
 */
export function composeCli(): string {
  if (docker) return docker;
  const candidate = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  const probe = () => spawnSync(candidate, ['compose', 'version', '--short'], { encoding: 'utf-8' });
  if (probe().status !== 0 || !probe().stdout.startsWith('2.')) {
    execFileSync('bash', [join(REPO, 'scripts', 'engine', 'engine.sh'), 'install'], { stdio: 'inherit' });
  }
  docker = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  return docker;
}

/**
 * Runs `docker compose config -q` on a compose text placed in the project directory (so
 * relative build contexts and secret files resolve as they would for the user).
 */
export function composeConfig(projectDir: string, text: string): { ok: boolean; output: string } {
  const file = join(projectDir, `.compose-check-${process.pid}-${checks++}.yaml`);
  writeFileSync(file, text);
  const res = spawnSync(composeCli(), ['compose', '-f', file, '--project-directory', projectDir, 'config', '-q'], { encoding: 'utf-8' });
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}`.trim() };
}
