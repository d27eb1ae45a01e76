/**
 * The lock readers against the real tools, on the real locks of ../shared/data/realworld/deps
 * (read in place; the poetry project is copied to a temp folder, where poetry may write its
 * caches): for linux x86_64 and aarch64 and CPython 3.10 to 3.13, the packages (name and
 * version) our resolution installs equal the packages the tool selects.
 *
 * - poetry.lock: `poetry export --with dev` by Debian sid's python3-poetry with
 *   python3-poetry-plugin-export (installed into a temp prefix by
 *   scripts/corpus/packaging-tools.sh, never onto the machine; run with this machine's python3),
 *   its markers evaluated by pip for each environment; also on our own locks with several
 *   entries of one name (test/deps/poetry-fixtures.ts), where poetry's choices are subtle.
 * - a pip-compile file: pip's own parser and markers (pip is what installs such a file).
 * - uv.lock: no tool here reads one (uv is in no reachable registry; pdm reads pdm.lock and
 *   pylock.toml only): test/deps/realworld.test.ts holds our reading to an independent one.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Dependencies, resolveDependencies, ResolvedDependencies } from '../../src/deps';
import { POETRY_SCENARIOS } from '../deps/poetry-fixtures';
import { SHARED_DATA } from '../support/shared-data';
import { problemsOf } from '../util';

const REPO = join(__dirname, '..', '..');
const DEPS = join(SHARED_DATA, 'realworld', 'deps');
/** Kept between runs (a temp folder of the machine): the tools are downloaded once. */
const TOOLS = join(tmpdir(), 'mld-packaging-tools');
const SITE = join(TOOLS, 'root', 'usr', 'lib', 'python3', 'dist-packages');
/** The Python releases of the images (the python-image data's pinned patch of each minor). */
const PYTHONS = ['3.10.21', '3.11.16', '3.12.14', '3.13.15'];
const PLATFORMS = [['linux/amd64', 'x86_64'], ['linux/arm64', 'aarch64']] as const;
const ENVS = PLATFORMS
  .flatMap(([platform, machine]) => PYTHONS.map((python) => ({ platform, machine, python })));

const install = spawnSync('bash', [join(REPO, 'scripts', 'corpus', 'packaging-tools.sh'), TOOLS], { encoding: 'utf-8', timeout: 600_000 });
const versions = existsSync(join(TOOLS, 'VERSIONS'))
  ? Object.fromEntries(readFileSync(join(TOOLS, 'VERSIONS'), 'utf-8').trim().split('\n').map((l) => l.split('=')))
  : {};
const pip = spawnSync('python3', ['-m', 'pip', '--version'], { encoding: 'utf-8' }).stdout.split(' ')[1];
const python = spawnSync('python3', ['--version'], { encoding: 'utf-8' }).stdout.trim();

/** What pip selects of requirement files, per environment (test/support/marker-sets.py). */
function selected(files: string[]): string[][][] {
  const res = spawnSync('python3', [join(REPO, 'test', 'support', 'marker-sets.py')], {
    input: JSON.stringify({ files, envs: ENVS.map((e) => ({ python: e.python, machine: e.machine })) }), encoding: 'utf-8',
  });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout);
}

/** What our resolution installs: every tier and the torch packages, as name==version. */
function ours(r: ResolvedDependencies): string[] {
  const all = [...r.packages.ml, ...r.packages.core, ...r.packages.dev, ...r.torch?.packages ?? []];
  return all.map((p) => `${p.key}==${p.version}`).sort();
}

const poetryEnv = (root: string) => ({
  ...process.env, PYTHONPATH: SITE, RAPIDFUZZ_IMPLEMENTATION: 'python', HOME: root, POETRY_CACHE_DIR: join(root, '.cache'),
});

/** `poetry export` of the project in `root` (Debian's poetry, this machine's python3), to a file. */
function exportWithPoetry(root: string, groups: readonly string[]): string {
  const out = join(root, 'exported.txt');
  const run = spawnSync('python3', ['-c',
    'import sys; from poetry.console.application import main; sys.argv = ["poetry", *sys.argv[1:]]; sys.exit(main())',
    'export', '--format', 'requirements.txt', ...groups.flatMap((g) => ['--with', g]), '--no-interaction', '--no-ansi', '--output', out],
  { cwd: root, encoding: 'utf-8', timeout: 300_000, env: poetryEnv(root) });
  if (run.status !== 0) throw new Error(`poetry export failed: ${run.stderr}`);
  return out;
}

const resolve = (root: string, deps: Dependencies, env: typeof ENVS[number]) => resolveDependencies(deps, {
  projectRoot: root, pythonVersion: env.python, platform: env.platform, glibcVersion: '2.36', path: 'vision/api',
});

if (install.status !== 0) {
  test.skip(`the packaging tools of Debian sid could not be installed (${install.stderr.trim() || `exit ${install.status}`})`, () => undefined);
} else {
  const poetryVersions = `python3-poetry ${versions['python3-poetry']}, python3-poetry-plugin-export ${versions['python3-poetry-plugin-export']}`;
  describe(`poetry.lock against poetry export (${poetryVersions}; ${python}, pip ${pip})`, () => {
    test.each(['tree', 'bumped'])('poetry-fullstack %s: the same packages for x86_64 and aarch64, python 3.10 to 3.13', (which) => {
      const root = mkdtempSync(join(tmpdir(), 'mld-poetry-export-'));
      cpSync(join(DEPS, 'poetry-fullstack', 'tree'), root, { recursive: true });
      if (which === 'bumped') cpSync(join(DEPS, 'poetry-fullstack', 'bumped', 'poetry.lock'), join(root, 'poetry.lock'));
      const tool = selected([exportWithPoetry(root, ['dev'])])[0];
      const refused: string[] = [];
      ENVS.forEach((env, i) => {
        const problems = problemsOf(() => resolve(root, Dependencies.fromPyproject(), env));
        if (problems.length === 0) {
          expect({ env, packages: ours(resolve(root, Dependencies.fromPyproject(), env)) })
            .toEqual({ env, packages: tool[i] });
          return;
        }
        // the same selection, where the image cannot install a selected package (the lock has no
        // file for that python): each refusal names a package the tool selected too
        for (const problem of problems) {
          const m = /has no wheel or sdist of (\S+) (\S+) for /.exec(problem);
          expect({ env, problem, selected: m !== null && tool[i].includes(`${m[1].replace(/[-_.]+/g, '-').toLowerCase()}==${m[2]}`) })
            .toEqual({ env, problem, selected: true });
        }
        refused.push(`${env.machine} ${env.python}`);
      });
      // 2024's lock has no files of psycopg-binary 3.1.18 for python 3.13, and nothing else refused
      expect(refused).toEqual(['x86_64 3.13.15', 'aarch64 3.13.15']);
      // the set is the lock's own: 70 of its 74 packages for x86_64 on 3.11 (SOURCES.md)
      expect(tool[PYTHONS.indexOf('3.11.16')].length).toBe(70);
    }, 600_000);

    test.each(POETRY_SCENARIOS.map((sc) => [sc.name, sc] as const))('%s: the same packages as poetry export, every environment', (_name, sc) => {
      const root = mkdtempSync(join(tmpdir(), 'mld-poetry-fork-'));
      writeFileSync(join(root, 'pyproject.toml'), sc.pyproject);
      writeFileSync(join(root, 'poetry.lock'), sc.lock);
      // the lock was written by hand: its content-hash is the one poetry computes for the pyproject
      const hash = spawnSync('python3', ['-c',
        'from pathlib import Path; from poetry.factory import Factory; print(Factory().create_poetry(Path(".")).locker._get_content_hash())'],
      { cwd: root, encoding: 'utf-8', env: poetryEnv(root) });
      expect(hash.stderr).toBe('');
      writeFileSync(join(root, 'poetry.lock'), sc.lock.replace('content-hash = "x"', `content-hash = "${hash.stdout.trim()}"`));
      const tool = selected([exportWithPoetry(root, sc.groups)])[0];
      ENVS.forEach((env, i) => {
        expect({ env, packages: ours(resolve(root, Dependencies.fromPyproject(), env)) })
          .toEqual({ env, packages: tool[i] });
      });
    }, 600_000);
  });
}

describe(`a pip-compile file against pip's own reading (${python}, pip ${pip})`, () => {
  const root = join(DEPS, 'pipcompile-jax', 'tree');
  const file = 'build/requirements_lock_3_11.txt';
  const deps = Dependencies.fromRequirementsFiles({ ml: [file] });
  const tool = selected([join(root, file)])[0];

  test('python 3.11 on x86_64 and aarch64: the same packages', () => {
    ENVS.forEach((env, i) => {
      if (!env.python.startsWith('3.11.')) return;
      expect({ env, packages: ours(resolve(root, deps, env)) }).toEqual({ env, packages: tool[i] });
    });
  });

  test('another python is refused: the file\'s markers were evaluated for 3.11 by its compiler', () => {
    for (const env of ENVS.filter((e) => !e.python.startsWith('3.11.'))) {
      expect(problemsOf(() => resolve(root, deps, env)).join('\n')).toContain('was compiled for python 3.11');
    }
  });
});
