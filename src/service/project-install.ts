import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import {
  exactPin, parseRequirementText, releaseOf, RequirementSyntaxError, requirementName as parseRequirementName,
} from '../core/requirement-grammar';
import { readPyproject } from '../entry/package-metadata';
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

/** Root files a build backend reads besides pyproject.toml, copied when the project has them. */
const BUILD_FILES = ['setup.py', 'setup.cfg', 'MANIFEST.in'];

/** What the builder stage needs to build and install the project's own wheel. */
export interface ProjectInstall {
  /** `[project] name`. */
  readonly name: string;
  /** The build backend module. */
  readonly backend: string;
  /** Its distribution, pinned in a tier the builder installs. */
  readonly backendRequirement: string;
  /** Root files the build reads (pyproject.toml, readme, license, setup files), in this order. */
  readonly files: readonly string[];
  /** The service's code copies, the package sources of the wheel. */
  readonly sources: readonly SourceCopy[];
  /** `[project.scripts]`, console scripts usable as `command`. */
  readonly scripts: Readonly<Record<string, string>>;
}

/**
 * Checks that the project can be built as a wheel in the builder without an index: a
 * `pyproject.toml` at the root with a `[project] name` and a known `build-backend`, whose
 * distribution is pinned in a tier the builder installs (`requirements.ml` or `.core`, so the
 * build is offline and reproducible: `pip wheel --no-build-isolation --no-index`), and the readme
 * and license files it names present.
 */
export function resolveProjectInstall(
  problems: Problems, root: string, sources: readonly SourceCopy[], builderRequirements: readonly string[],
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
    problems.add('installProject: pyproject.toml has no [project] name', 'pyproject.toml', 'a [project] table with name = "..." (PEP 621)');
  }
  const backend = facts.buildBackend;
  const distribution = backend === undefined ? undefined : BACKENDS[backend];
  if (backend === undefined) {
    problems.add('installProject: pyproject.toml has no build backend', 'pyproject.toml',
      `a [build-system] table with build-backend = one of ${Object.keys(BACKENDS).map((b) => `"${b}"`).join(', ')}`);
  } else if (distribution === undefined) {
    problems.add('installProject: the build backend is not one the builder can run offline', backend, `one of ${Object.keys(BACKENDS).map((b) => `"${b}"`).join(', ')}`);
  }
  const pinned = distribution === undefined ? undefined : builderRequirements.find((line) => {
    const req = parseRequirementName(line);
    return req !== undefined && normalizePackageName(req.name) === normalizePackageName(distribution);
  });
  if (distribution !== undefined && pinned === undefined) {
    problems.add(`installProject: the build backend's distribution "${distribution}" is not pinned in requirements.ml or requirements.core`, backend,
      `"${distribution}==<version>" in requirements.core: the wheel is built with --no-build-isolation and no index, from the venv's own backend`);
  }
  if (distribution === 'setuptools' && pinned !== undefined) checkSetuptoolsWheel(problems, pinned, builderRequirements);
  const files = ['pyproject.toml'];
  for (const [what, path] of [['readme', facts.readme], ['license file', facts.licenseFile]] as const) {
    if (path === undefined) continue;
    if (!existsSync(join(root, path))) problems.add(`installProject: the ${what} pyproject.toml names does not exist`, path, 'a file the build can read, or no such key');
    else if (!files.includes(path)) files.push(path);
  }
  files.push(...BUILD_FILES.filter((f) => existsSync(join(root, f))));
  if (problems.count > before || facts.name === undefined || backend === undefined || pinned === undefined) return undefined;
  return { name: facts.name, backend, backendRequirement: pinned, files, sources, scripts: facts.scripts };
}

/** The first setuptools release whose build_meta builds wheels by itself (bdist_wheel moved in from the wheel package). */
const SETUPTOOLS_OWN_BDIST_WHEEL = [70, 1];

/**
 * Before setuptools 70.1 (its changelog, v70.1.0: "bdist_wheel" merged from the wheel project),
 * building a wheel needs the `wheel` distribution too; build isolation would install it, but the
 * builder builds with --no-build-isolation and no index, so a pin like `setuptools==66.1.1`
 * without `wheel` fails the build ("invalid command 'bdist_wheel'"). Only exact pins are read.
 */
function checkSetuptoolsWheel(problems: Problems, pinned: string, builderRequirements: readonly string[]): void {
  let pin: string | undefined;
  try {
    pin = exactPin(parseRequirementText(pinned));
  } catch (e) {
    if (!(e instanceof RequirementSyntaxError)) throw e;
  }
  const release = pin === undefined ? undefined : releaseOf(pin);
  if (!release) return;
  const [major, minor] = [release[0], release[1] ?? 0];
  const own = major > SETUPTOOLS_OWN_BDIST_WHEEL[0] || (major === SETUPTOOLS_OWN_BDIST_WHEEL[0] && minor >= SETUPTOOLS_OWN_BDIST_WHEEL[1]);
  if (own) return;
  const hasWheel = builderRequirements.some((line) => parseRequirementName(line)?.name === 'wheel');
  if (!hasWheel) {
    problems.add('installProject: setuptools before 70.1 builds wheels only with the wheel package, which no tier the builder installs pins', pinned.trim(),
      '"wheel==<version>" beside it in requirements.ml or requirements.core, or setuptools 70.1 or newer (it builds wheels by itself)');
  }
}
