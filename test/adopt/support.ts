/**
 * Repositories written in code for the adoption tests (each modeled on a public shape), and
 * what adopting one gives: the `.projenrc.ts` text, and the files it synthesizes.
 */
import { execFileSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { MlDockerProject, MlDockerProjectOptions } from '../../src';
import { Adoption, adoptRepository } from '../../src/project/adoption';
import { runDefinition } from '../support/run-definition';

/** A file's text, or its text and mode (`0o755` for a script). */
export type RepoFile = string | { readonly text: string; readonly mode: number };

/** Runs git in a folder with a fixed identity (machines without a git config). */
export function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-C', dir, '-c', 'user.name=adoption-test', '-c', 'user.email=adoption@localhost', ...args],
    { encoding: 'utf-8' },
  );
}

/** A repository in a temp folder, committed (git's view exists), unless `commit` is false. */
export function repoOf(
  files: Record<string, RepoFile>,
  options: { readonly commit?: boolean; readonly folder?: string } = {},
): string {
  const parent = mkdtempSync(join(tmpdir(), 'mld-adopt-'));
  const dir = join(parent, options.folder ?? 'repo');
  mkdirSync(dir, { recursive: true });
  for (const [path, file] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof file === 'string' ? file : file.text);
    if (typeof file !== 'string') chmodSync(join(dir, path), file.mode);
  }
  if (options.commit ?? true) {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'the repository as it was');
  }
  return dir;
}

/** Adopts a folder in process (what `projen new` does in its project's constructor). */
export function adopt(dir: string, folder = 'repo', name = folder): Adoption {
  return adoptRepository(dir, {
    name,
    folder,
    devDeps: [],
    newProject: (o) => new MlDockerProject(o as unknown as MlDockerProjectOptions),
  });
}

/** Writes the adopted `.projenrc.ts` and synthesizes it the way `npx projen` runs it. */
export function synthAdopted(dir: string, text: string): void {
  writeFileSync(join(dir, '.projenrc.ts'), text);
  runDefinition(text, dir);
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf-8');
}

/** The props of the first service of an adoption, as values. */
export function serviceProps(adoption: Adoption, index = 0): Record<string, unknown> {
  const s = adoption.plan.services[index];
  return s ? Object.fromEntries(s.props.map((p) => [p.key, p.value])) : {};
}

/** The definition with each comment's wrapped lines joined, so a test can look for a whole sentence. */
export function prose(text: string): string {
  let out = text;
  for (let previous = ''; previous !== out;) {
    previous = out;
    out = out.replace(/(\/\/ [^\n]*)\n[ \t]*\/\/ (?!TODO:|found at|- )/g, '$1 ');
  }
  return out;
}
