import { spawnSync } from 'child_process';
import { existsSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import {
  exactPin, parseRequirementText, releaseOf, RequirementSyntaxError, requirementName,
  requirementName as parseRequirementName,
} from '../core/requirement-grammar';
import { parseRequirement } from '../core/requirements';
import { TierRequirement } from '../core/tier-requirement';
import {
  PackageSettings, PyprojectFacts, ScmVersionPlugin, readPackageSettings, readPyproject,
} from '../entry/package-metadata';
import { SourceCopy } from '../image/image-model';

/** Build backends `installProject` knows: the backend module -> the distribution that provides it. */
const BACKENDS: Readonly<Record<string, string>> = {
  'setuptools.build_meta': 'setuptools',
  'hatchling.build': 'hatchling',
  'flit_core.buildapi': 'flit-core',
  'poetry.core.masonry.api': 'poetry-core',
  'pdm.backend': 'pdm-backend',
  'scikit_build_core.build': 'scikit-build-core',
};

/**
 * The backend pip uses when `[build-system]` has `requires` but no `build-backend` (PEP 517: the
 * legacy behaviour, setup.py run through setuptools; setuptools supplies a bare `setup()` when the
 * project has no setup.py): accepted when `requires` names setuptools, which provides it.
 */
const LEGACY_SETUPTOOLS_BACKEND = 'setuptools.build_meta:__legacy__';

/** Where the build requirements of the project's wheel come from. */
export enum ProjectBuildOrigin {
  /** The service's `buildRequirements`. */
  TYPED = 'buildRequirements',
  /** Exact pins in `[build-system] requires`. */
  BUILD_SYSTEM = '[build-system] requires',
  /** The lock of the dependency files, which holds them (with their hashes). */
  LOCK = 'the lock',
}

/**
 * The build requirements of the project's wheel: installed in the `project` stage only (whose
 * wheel is all that leaves it), never in a runtime tier.
 */
export interface ProjectBuild {
  readonly origin: ProjectBuildOrigin;
  /** The checked pins (typed, or from `[build-system] requires`); from the lock they are found at synth. */
  readonly requirements: readonly TierRequirement[];
  /** The distributions of `[build-system] requires`, normalized: what a lock must hold. */
  readonly requires: readonly string[];
}

/** What the builder stage needs to build and install the project's own wheel. */
export interface ProjectInstall {
  /** `[project] name` (or Poetry 1.x's `[tool.poetry] name`). */
  readonly name: string;
  /** The build backend module. */
  readonly backend: string;
  /** Its distribution as the build installs it (a pin, for the Dockerfile's comment). */
  readonly backendRequirement: string;
  /**
   * The build requirements installed in the project stage; undefined when the backend is
   * pinned in a runtime tier the builder installs (`requirements.ml` or `.core`).
   */
  readonly build?: ProjectBuild;
  /** Folders (root-relative, `""` the root) the backend finds the wheel's packages under. */
  readonly roots: readonly string[];
  /**
   * The service's code copies that are packages of the wheel: installed into the venv, so not
   * copied into `/app` as well, where they would come before the installed ones on `sys.path`.
   */
  readonly installedCopies: readonly SourceCopy[];
  /** The environment of the wheel's build: the version a git-tag plugin would compute, pretended. */
  readonly buildEnv: ReadonlyArray<readonly [string, string]>;
  /** `[project.scripts]` (or `[tool.poetry.scripts]`), console scripts usable as `command`. */
  readonly scripts: Readonly<Record<string, string>>;
  /**
   * The file of the build requirements and how the project stage installs it (known at synth,
   * once the dependency files are read): hash-locked, or as pins.
   */
  readonly buildFile?: { readonly path: string; readonly locked: boolean; readonly from: string };
}

/** What the service gives besides the project tree. */
export interface ProjectInstallContext {
  /** The typed requirement lines of the tiers the builder installs (ml, core). */
  readonly builderRequirements: readonly string[];
  /** The service's `buildRequirements`, unchecked. */
  readonly buildRequirements?: unknown;
  /** Whether the service has dependency files, whose lock may hold the build requirements. */
  readonly hasDependencyFiles: boolean;
}

/**
 * Checks that the project can be built as a wheel in the builder without an index: a
 * `pyproject.toml` at the root with a name (`[project]`, or Poetry 1.x's `[tool.poetry]`) and
 * a known `build-backend`, and build requirements pinned: the service's `buildRequirements`,
 * else the backend pinned in a tier the builder installs (`requirements.ml` or `.core`), else
 * the lock of the dependency files (read at synth), else exact pins in `[build-system] requires`.
 * The wheel is built with `pip wheel --no-build-isolation --no-index`. The readme and license
 * files it names must be present.
 */
export function resolveProjectInstall(
  problems: Problems, root: string, sources: readonly SourceCopy[], ctx: ProjectInstallContext,
): ProjectInstall | undefined {
  const file = join(root, 'pyproject.toml');
  if (!existsSync(file)) {
    problems.add('installProject is set but the project has no pyproject.toml', 'pyproject.toml', `a pyproject.toml at ${root} with [project] and [build-system], or no installProject`);
    return undefined;
  }
  const before = problems.count;
  const facts = readPyproject(readFileSync(file, 'utf-8'), problems, 'pyproject.toml');
  if (problems.count > before) return undefined;
  if (facts.name === undefined) {
    problems.add('installProject: pyproject.toml has no [project] name', 'pyproject.toml',
      'a [project] table with name = "..." (PEP 621), or a [tool.poetry] name (poetry-core)');
  }
  if (facts.poetry) checkPoetryMetadata(problems, facts.poetry, root);
  const settings = readPackageSettings(
    readFileSync(file, 'utf-8'), readText(join(root, 'setup.cfg')), readText(join(root, 'setup.py')));
  const buildEnv = settings.scm === undefined ? [] : scmVersionEnv(problems, root, settings.scm);
  const legacy = facts.buildBackend === undefined
    && requiredNames(facts.buildRequires).includes('setuptools');
  const backend = legacy ? LEGACY_SETUPTOOLS_BACKEND : facts.buildBackend;
  const distribution = backend === undefined ? undefined : legacy ? 'setuptools' : BACKENDS[backend];
  if (backend === undefined) {
    problems.add('installProject: pyproject.toml has no build backend', 'pyproject.toml',
      `a [build-system] table with build-backend = one of ${Object.keys(BACKENDS).map((b) => `"${b}"`).join(', ')}`);
  } else if (distribution === undefined) {
    problems.add('installProject: the build backend is not one the builder can run offline', backend, `one of ${Object.keys(BACKENDS).map((b) => `"${b}"`).join(', ')}`);
  }
  const pins = distribution === undefined
    ? undefined : buildPins(problems, backend!, distribution, facts.buildRequires, ctx);
  for (const [what, path] of [['readme', facts.readme], ['license file', facts.licenseFile]] as const) {
    if (path === undefined) continue;
    if (!existsSync(join(root, path))) problems.add(`installProject: the ${what} pyproject.toml names does not exist`, path, 'a file the build can read, or no such key');
  }
  if (problems.count > before || facts.name === undefined || backend === undefined || pins === undefined) {
    return undefined;
  }
  const installedCopies = sources.filter((copy) => installedBy(root, settings, copy.from));
  const scripts = facts.scripts;
  return { name: facts.name, backend, ...pins, roots: settings.roots, installedCopies, buildEnv, scripts };
}

/** The copies of a service that go into `/app`: with `installProject`, not the wheel's packages. */
export function installedOutside(
  copies: readonly SourceCopy[], install: ProjectInstall | undefined,
): SourceCopy[] {
  const installed = new Set((install?.installedCopies ?? []).map((c) => c.from));
  return copies.filter((c) => !installed.has(c.from));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf-8');
  } catch {
    return '';
  }
}

/**
 * Folders setuptools' automatic discovery of a flat layout leaves out (its
 * `FlatLayoutPackageFinder.DEFAULT_EXCLUDE`): a `tests` package at the root is not the wheel's.
 */
const FLAT_LAYOUT_EXCLUDED: ReadonlySet<string> = new Set([
  'ci', 'bin', 'debian', 'doc', 'docs', 'documentation', 'manpages', 'news', 'newsfragments', 'changelog',
  'test', 'tests', 'unit_test', 'unit_tests', 'example', 'examples', 'scripts', 'tools', 'util', 'utils',
  'python', 'build', 'dist', 'venv', 'env', 'requirements', 'tasks', 'fabfile', 'site_scons', 'benchmark',
  'benchmarks', 'exercise', 'exercises', 'htmlcov',
]);

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** A name pattern of setuptools' `packages.find include` (`*` any run of characters). */
function nameMatches(pattern: string, name: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(name);
}

/**
 * Whether a `sources` entry is a package of the wheel: a folder the backend finds packages
 * under (`src`, `lib`), or a package folder directly under one (`src/pkg`; at the root, a
 * folder with an `__init__.py` that setuptools' flat-layout discovery would not leave out). When
 * the settings name the packages one by one, only those are. Single modules are never taken for
 * the wheel's (copied as they are).
 */
export function installedBy(root: string, settings: PackageSettings, source: string): boolean {
  if (settings.roots.includes(source) && source !== '') return isDir(join(root, source));
  const slash = source.lastIndexOf('/');
  const [parent, name] = slash < 0 ? ['', source] : [source.slice(0, slash), source.slice(slash + 1)];
  if (!settings.roots.includes(parent) || !isDir(join(root, source))) return false;
  if (settings.packages !== undefined) {
    // a path (`src/pkg`) names that folder; a name or pattern (`pkg`, `pkg*`) a folder under any root
    return settings.packages.some((p) => (p.includes('/') ? p === source : nameMatches(p, name)));
  }
  if (parent !== '') return true;
  return !FLAT_LAYOUT_EXCLUDED.has(name) && !name.startsWith('.')
    && existsSync(join(root, source, '__init__.py'));
}

/** A release tag as setuptools-scm reads one (`v1.2.3`, `1.0rc1`): PEP 440 without a local label. */
const TAG_VERSION = /^[vV]?(\d+(?:\.\d+)*)((?:a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/;

/**
 * The version a git-tag plugin computes, from `git describe` at synth: the tag's version at the
 * tag, else the next release's development version as setuptools-scm's default scheme writes it
 * (`1.2.3` and 5 commits: `1.2.4.dev5+g<commit>`; after a pre-release tag: `<tag>.post<N>.dev0+g<commit>`).
 * The build context has no `.git`, so the build pretends it: `SETUPTOOLS_SCM_PRETEND_VERSION`,
 * which setuptools-scm and hatch-vcs (built on it) both read, set in the project stage only.
 */
function scmVersionEnv(
  problems: Problems, root: string, plugin: ScmVersionPlugin,
): Array<readonly [string, string]> {
  const run = spawnSync('git', ['-C', root, 'describe', '--tags', '--long'], {
    encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const described = run.error || run.status !== 0 ? undefined : run.stdout.trim();
  const reason = run.error ? 'git is not installed' : (run.stderr ?? '').split('\n')[0].trim() || 'no tag';
  if (described === undefined) {
    problems.add(
      `installProject: the version comes from git tags (${plugin}), but git describe finds none (${reason})`,
      'pyproject.toml',
      'a release tag on the commit history (git tag v0.1.0), or a static version in pyproject.toml: the build context has no .git');
    return [];
  }
  const parts = /^(.*)-(\d+)-g([0-9a-f]+)$/.exec(described);
  const tag = parts?.[1] ?? '';
  const version = TAG_VERSION.exec(tag);
  if (!parts || !version) {
    problems.add(
      `installProject: the version comes from git tags (${plugin}), but the nearest tag is not a release version`,
      tag || described,
      'a tag such as v1.2.3 or 1.2.3rc1 (PEP 440, optionally with a leading v)');
    return [];
  }
  const at = tag.replace(/^[vV]/, '');
  const distance = Number(parts[2]);
  let pretended = at;
  if (distance > 0) {
    const plain = version[2] === undefined && version[3] === undefined && version[4] === undefined;
    const release = version[1].split('.').map(Number);
    release[release.length - 1] += 1;
    pretended = plain
      ? `${release.join('.')}.dev${distance}+g${parts[3]}`
      : `${at}.post${distance}.dev0+g${parts[3]}`;
  }
  return [['SETUPTOOLS_SCM_PRETEND_VERSION', pretended]];
}

/** The normalized distributions of `[build-system] requires`. */
function requiredNames(requires: readonly string[]): string[] {
  return [
    ...new Set(requires.map((r) => requirementName(r)?.name).filter((n): n is string => n !== undefined)),
  ];
}

/** Where the backend's pin comes from (see `resolveProjectInstall`); undefined after a problem. */
function buildPins(
  problems: Problems, backend: string, distribution: string, buildRequires: readonly string[],
  ctx: ProjectInstallContext,
): Pick<ProjectInstall, 'backendRequirement' | 'build'> | undefined {
  const requires = requiredNames(buildRequires);
  const isBackend = (text: string) => requirementName(text)?.name === normalizePackageName(distribution);
  if (ctx.buildRequirements !== undefined) {
    const typed = checkedPins(problems, 'buildRequirements', ctx.buildRequirements);
    if (typed === undefined) return undefined;
    const backendPin = typed.find((r) => isBackend(r.text));
    if (!backendPin) {
      problems.add(`installProject: buildRequirements do not pin the build backend's distribution "${distribution}"`, ctx.buildRequirements,
        `"${distribution}==<version>" among them (with what else [build-system] requires)`);
      return undefined;
    }
    checkSetuptoolsWheel(problems, distribution, backendPin.text, typed.map((r) => r.text), 'buildRequirements');
    return {
      backendRequirement: backendPin.text,
      build: { origin: ProjectBuildOrigin.TYPED, requirements: typed, requires },
    };
  }
  const inTier = ctx.builderRequirements.find(isBackend);
  if (inTier !== undefined) {
    checkSetuptoolsWheel(problems, distribution, inTier, ctx.builderRequirements, 'requirements.ml or requirements.core');
    return { backendRequirement: inTier, build: undefined };
  }
  const declared = buildRequires.map((text) => TierRequirement.check(text));
  const allPinned = declared.length > 0 && declared.every((r) => typeof r !== 'string' && exactPin(r.requirement) !== undefined);
  const fromPyproject = allPinned ? declared as TierRequirement[] : undefined;
  if (ctx.hasDependencyFiles) {
    // the lock is read at synth; the pins of [build-system] requires stand in when it lacks them
    const backendKey = normalizePackageName(distribution);
    return {
      backendRequirement: fromPyproject?.find((r) => isBackend(r.text))?.text ?? distribution,
      build: {
        origin: ProjectBuildOrigin.LOCK,
        requirements: fromPyproject ?? [],
        requires: requires.includes(backendKey) ? requires : [...requires, backendKey],
      },
    };
  }
  const backendPin = fromPyproject?.find((r) => isBackend(r.text));
  if (fromPyproject && backendPin) {
    checkSetuptoolsWheel(problems, distribution, backendPin.text, fromPyproject.map((r) => r.text), '[build-system] requires');
    return {
      backendRequirement: backendPin.text,
      build: { origin: ProjectBuildOrigin.BUILD_SYSTEM, requirements: fromPyproject, requires },
    };
  }
  const listed = buildRequires.length ? ` (its [build-system] requires: ${buildRequires.join(', ')})` : '';
  problems.add(`installProject: the build backend's distribution "${distribution}" is not pinned in requirements.ml or requirements.core`, backend,
    `"${distribution}==<version>" in requirements.core, or buildRequirements: ["${distribution}==<version>", ...] (installed only where `
    + `the wheel is built), exact pins in [build-system] requires or a lock that holds them${listed}: the wheel is built with `
    + '--no-build-isolation and no index, from the venv\'s own backend');
  return undefined;
}

/** Typed pins (`buildRequirements`): each one exact `==` pin, as a tier file's entry. */
function checkedPins(problems: Problems, field: string, list: unknown): TierRequirement[] | undefined {
  if (!Array.isArray(list)) {
    problems.add(`${field} has the wrong type`, list, 'a list of pinned requirements such as "setuptools==75.6.0"');
    return undefined;
  }
  const before = problems.count;
  const out = list.map((spec, i) => parseRequirement(problems, `${field}[${i}]`, spec)?.entry).filter((r): r is TierRequirement => r !== undefined);
  return problems.count > before ? undefined : out;
}

/**
 * Poetry 1.x metadata, which poetry-core builds from: a version, and the packages it includes
 * present in the project (`packages = [{ include = "pkg", from = "src" }]`).
 */
function checkPoetryMetadata(
  problems: Problems, poetry: NonNullable<PyprojectFacts['poetry']>, root: string,
): void {
  if (poetry.version === undefined) {
    problems.add('installProject: [tool.poetry] has no version', 'pyproject.toml', 'version = "..." in [tool.poetry] (poetry-core builds the wheel from it)');
  }
  for (const pkg of poetry.packages) {
    const path = pkg.from ? `${pkg.from.replace(/\/+$/, '')}/${pkg.include}` : pkg.include;
    if (!existsSync(join(root, path)) && !existsSync(join(root, `${path}.py`))) {
      problems.add('installProject: [tool.poetry] packages includes a folder the project does not have', path,
        'a package folder (or module) of the project, from its root or the "from" folder');
    }
  }
}

/**
 * The first setuptools release whose build_meta builds wheels by itself (bdist_wheel moved in from the wheel
 * package).
 */
const SETUPTOOLS_OWN_BDIST_WHEEL = [70, 1];

/**
 * Before setuptools 70.1 (its changelog, v70.1.0: "bdist_wheel" merged from the wheel project),
 * building a wheel needs the `wheel` distribution too; build isolation would install it, but the
 * builder builds with --no-build-isolation and no index, so a pin like `setuptools==66.1.1`
 * without `wheel` fails the build ("invalid command 'bdist_wheel'"). Only exact pins are read.
 */
function checkSetuptoolsWheel(
  problems: Problems, distribution: string, pinned: string, requirements: readonly string[], where: string,
): void {
  if (distribution !== 'setuptools') return;
  let pin: string | undefined;
  try {
    pin = exactPin(parseRequirementText(pinned));
  } catch (e) {
    if (!(e instanceof RequirementSyntaxError)) throw e;
  }
  const release = pin === undefined ? undefined : releaseOf(pin);
  if (!release) return;
  const [major, minor] = [release[0], release[1] ?? 0];
  const own = major > SETUPTOOLS_OWN_BDIST_WHEEL[0]
    || (major === SETUPTOOLS_OWN_BDIST_WHEEL[0] && minor >= SETUPTOOLS_OWN_BDIST_WHEEL[1]);
  if (own) return;
  const hasWheel = requirements.some((line) => parseRequirementName(line)?.name === 'wheel');
  if (!hasWheel) {
    const none = where === 'requirements.ml or requirements.core' ? 'no tier the builder installs pins' : `${where} do not pin`;
    problems.add(`installProject: setuptools before 70.1 builds wheels only with the wheel package, which ${none}`, pinned.trim(),
      `"wheel==<version>" beside it in ${where}, or setuptools 70.1 or newer (it builds wheels by itself)`);
  }
}
