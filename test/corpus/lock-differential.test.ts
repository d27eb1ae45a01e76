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
 * - pylock.toml: `pdm export` by Debian sid's python3-pdm (same prefix), which reads a PEP 751
 *   lock and writes each package it selects with its marker (the lock's groups resolved), those
 *   markers evaluated by pip for each environment; on our fixture in the specification's shape
 *   and on locks of ours with entries chosen by python version, machine and group.
 * - a pip-compile file: pip's own parser and markers (pip is what installs such a file).
 * - uv.lock: no tool here reads one (uv is in no reachable registry; pdm reads pdm.lock and
 *   pylock.toml only): test/deps/realworld.test.ts holds our reading to an independent one.
 * pip-tools is in no Debian suite, so no pip-compile of ours is compared with it.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Dependencies, resolveDependencies, ResolvedDependencies } from '../../src/deps';
import { sha } from '../deps/lock-fixtures';
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

/** `pdm export` of the pylock.toml in `root` (Debian's pdm, this machine's python3), all groups. */
function exportWithPdm(root: string): string {
  const out = join(root, 'exported.txt');
  const env = {
    ...process.env,
    PYTHONPATH: SITE,
    RAPIDFUZZ_IMPLEMENTATION: 'python',
    HOME: root,
    PDM_CHECK_UPDATE: 'false',
    PDM_USE_VENV: 'false',
    PDM_CACHE_DIR: join(root, '.cache'),
  };
  const run = spawnSync('python3', ['-c',
    'import sys; from pdm.core import main; sys.argv = ["pdm", *sys.argv[1:]]; sys.exit(main())',
    'export', '--format', 'requirements', '--lockfile', 'pylock.toml', '--no-hashes', '--output', out],
  { cwd: root, encoding: 'utf-8', timeout: 300_000, env });
  if (run.status !== 0) throw new Error(`pdm export failed: ${run.stderr}`);
  return out;
}

/** One package of a pylock.toml of ours: an sdist and a pure wheel, so it installs everywhere. */
function pylockPackage(name: string, version: string, marker?: string, deps: string[] = []): string {
  const file = (f: string) =>
    `{ name = '${f}', url = 'https://files.example.invalid/${f}', hashes = { sha256 = '${sha(f)}' } }`;
  return ['[[packages]]', `name = '${name}'`, `version = '${version}'`,
    ...marker ? [`marker = "${marker}"`] : [],
    `dependencies = [${deps.map((d) => `{ name = '${d}' }`).join(', ')}]`,
    `sdist = ${file(`${name}-${version}.tar.gz`)}`,
    `wheels = [${file(`${name}-${version}-py3-none-any.whl`)}]`, ''].join('\n');
}

const PYLOCK_HEAD = ["lock-version = '1.0'", "requires-python = '>=3.10'", 'extras = []',
  "dependency-groups = ['dev']", 'default-groups = []', "created-by = 'mld-tests'", ''].join('\n');
const PYLOCK_PYPROJECT = ['[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"',
  'dependencies = ["numpy>=1.26", "tomli>=2; python_version < \'3.11\'", "jaxlib-stub>=1"]', '',
  '[dependency-groups]', 'dev = ["pytest>=8"]', ''].join('\n');

const PYLOCK_SCENARIOS: ReadonlyArray<readonly [string, string]> = [
  ['numpy forked by python version, a package for old pythons, one for aarch64, a dev group', [
    PYLOCK_HEAD,
    pylockPackage('numpy', '2.0.2', "python_version < '3.11'"),
    pylockPackage('numpy', '2.2.6', "python_version >= '3.11'"),
    pylockPackage('tomli', '2.4.1', "python_full_version < '3.11'"),
    pylockPackage('jaxlib-stub', '1.0.0', "platform_machine == 'aarch64'"),
    pylockPackage('jaxlib-stub', '1.1.0', "platform_machine == 'x86_64'"),
    pylockPackage('pytest', '8.3.4', "'dev' in dependency_groups", ['iniconfig', 'exceptiongroup']),
    pylockPackage('iniconfig', '2.0.0', "'dev' in dependency_groups"),
    pylockPackage('exceptiongroup', '1.2.2', "python_version < '3.11' and 'dev' in dependency_groups"),
  ].join('\n')],
];

if (install.status === 0) {
  const pdmVersion = `python3-pdm ${versions['python3-pdm']}`;
  describe(`pylock.toml against pdm export (${pdmVersion}; ${python}, pip ${pip})`, () => {
    test('the specification-shaped fixture: the same packages for x86_64 and aarch64, python 3.11-3.13', () => {
      const root = mkdtempSync(join(tmpdir(), 'mld-pdm-export-'));
      cpSync(join(REPO, 'test', 'deps', 'fixtures', 'pylock'), root, { recursive: true });
      // pdm's lock targets refuse `sys_platform == 'win32'` in `environments` ("Unsupported
      // platform marker"); the key limits where the lock may be used, not what it selects
      const lock = readFileSync(join(root, 'pylock.toml'), 'utf-8');
      writeFileSync(join(root, 'pylock.toml'), lock.replace(/^environments = .*\n/m, ''));
      const tool = selected([exportWithPdm(root)])[0];
      ENVS.forEach((env, i) => {
        // the lock requires python 3.11 or newer, which our resolution enforces
        if (env.python.startsWith('3.10.')) return;
        const packages = ours(resolve(root, Dependencies.fromPyproject(), env));
        expect({ env, packages }).toEqual({ env, packages: tool[i] });
      });
      expect(tool[PYTHONS.indexOf('3.11.16')]).toContain('pytest==8.3.4');
    }, 600_000);

    test.each(PYLOCK_SCENARIOS)('%s: the same packages as pdm export, every environment', (_name, lock) => {
      const root = mkdtempSync(join(tmpdir(), 'mld-pdm-fork-'));
      writeFileSync(join(root, 'pyproject.toml'), PYLOCK_PYPROJECT);
      writeFileSync(join(root, 'pylock.toml'), lock);
      const tool = selected([exportWithPdm(root)])[0];
      ENVS.forEach((env, i) => {
        const packages = ours(resolve(root, Dependencies.fromPyproject(), env));
        expect({ env, packages }).toEqual({ env, packages: tool[i] });
      });
      // the environments differ: the comparison is not of one constant set
      expect(new Set(tool.map((t) => t.join(' '))).size).toBeGreaterThan(2);
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
