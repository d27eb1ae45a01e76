/**
 * A corpus repository (`../shared/data/realworld/adopt/<name>/tree`, read in place) adopted the
 * way `projen new` does it: copied into a temp folder (its git executable bits and symlinks
 * kept), committed so git's view exists, adopted, and its definition written and synthesized.
 * Nothing of the corpus is copied into this repository.
 */
import { execFileSync } from 'child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import ignore from '@balena/dockerignore';
import { Adoption } from '../../../src/project/adoption';
import { adopt, git, synthAdopted } from '../../adopt/support';
import { SHARED_DATA } from '../../support/shared-data';

export interface AdoptedTree {
  readonly dir: string;
  readonly adoption: Adoption;
  /** path -> bytes (or link target) of every file of the tree before adoption. */
  readonly before: ReadonlyMap<string, string>;
  /** `git status --porcelain` after adoption and synthesis. */
  readonly status: readonly string[];
  /** The expected.md of the tree. */
  readonly expected: string;
}

export function corpusTree(name: string): string {
  return join(SHARED_DATA, 'realworld', 'adopt', name, 'tree');
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full);
      if (rel === '.git' || rel.startsWith('.git/')) continue;
      if (e.isSymbolicLink()) {
        out.set(rel, `link:${readlinkSync(full)}`);
      } else if (e.isDirectory()) {
        walk(full);
      } else {
        // eslint-disable-next-line no-bitwise
        const executable = (lstatSync(full).mode & 0o111) !== 0;
        out.set(rel, `${executable ? 'x' : '-'}:${readFileSync(full).toString('base64')}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** Adopts a corpus tree; synthesizes the definition when it adopted a service. */
export function adoptTree(name: string): AdoptedTree {
  const dir = join(mkdtempSync(join(tmpdir(), 'mld-corpus-adopt-')), name);
  cpSync(corpusTree(name), dir, { recursive: true, verbatimSymlinks: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'the repository as it was');
  const before = snapshot(dir);
  const adoption = adopt(dir, name);
  synthAdopted(dir, adoption.text);
  const status = execFileSync('git', ['-C', dir, 'status', '--porcelain=v1', '--untracked-files=all'], {
    encoding: 'utf-8',
  })
    .split('\n')
    .filter((l) => l !== '');
  return {
    dir,
    adoption,
    before,
    status,
    expected: readFileSync(join(SHARED_DATA, 'realworld', 'adopt', name, 'expected.md'), 'utf-8'),
  };
}

/** The files of the tree whose bytes, mode or link changed since before adoption. */
export function changedFiles(tree: AdoptedTree): string[] {
  const now = snapshot(tree.dir);
  return [...tree.before.keys()].filter((f) => now.get(f) !== tree.before.get(f)).sort();
}

/** A service of the plan or of the refused ones, by id: its props as values. */
export function planned(
  tree: AdoptedTree,
  id: string,
):
  { kind: string; props: Record<string, unknown>; adopted: boolean; todos: readonly string[] } | undefined {
  const adopted = tree.adoption.plan.services.find((s) => s.id === id);
  const refused = tree.adoption.refused.find((r) => r.plan.id === id)?.plan;
  const s = adopted ?? refused;
  if (!s) return undefined;
  return {
    kind: s.kind,
    props: Object.fromEntries(s.props.map((p) => [p.key, p.value])),
    adopted: adopted !== undefined,
    todos: s.todos,
  };
}

/** A project prop's value. */
export function projectProp(tree: AdoptedTree, key: string): unknown {
  return tree.adoption.plan.project.find((p) => p.key === key)?.value;
}

/**
 * The files of the tree as it was that a Dockerfile of the repository sends to its build (the
 * root as context, read through its ignore file), before adoption and now: adoption must not
 * change which of them its own builds see.
 */
export function ownBuildContext(
  tree: AdoptedTree, dockerfile: string,
): { before: string[]; after: string[] } {
  const ignoreText = (bytes: string | undefined) => (bytes ? Buffer.from(bytes.slice(2), 'base64').toString('utf-8') : '');
  const ownIgnore = [`${dockerfile}.dockerignore`, '.dockerignore'].find((f) => tree.before.has(f));
  const before = ignore().add(ignoreText(ownIgnore ? tree.before.get(ownIgnore) : undefined).split('\n'));
  const nowIgnore = [`${dockerfile}.dockerignore`, '.dockerignore'].find((f) => existsSync(join(tree.dir, f)));
  const after = ignore().add(nowIgnore ? readFileSync(join(tree.dir, nowIgnore), 'utf-8').split('\n') : []);
  const files = [...tree.before.keys()].filter((f) => !f.startsWith('.git/'));
  return { before: files.filter((f) => !before.ignores(f)), after: files.filter((f) => !after.ignores(f)) };
}
