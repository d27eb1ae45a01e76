import * as z from 'zod/mini';
import {
  COG_YAML_SHAPE, Dependencies, DEPENDENCIES_EXPECTED, DependencySpec, PYPROJECT_SHAPE,
  REQUIREMENTS_FILES_SHAPE, SETUP_PY_SHAPE,
} from './dependencies';
import { fromCogYaml } from './resolve-cog';
import { fromPyproject } from './resolve-pyproject';
import { fromRequirementFiles } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { fromSetupPy } from './resolve-setup-py';
import { ResolveContext, ResolvedDependencies } from './resolved';
import { checkShape } from '../core/problems';

/**
 * Resolves dependencies for one platform (`ctx.platform`), uncached: checks the options'
 * shape under the prop's name, reads the requirement files or the pyproject.toml and its
 * lock, and throws `MlDockerValidationError` with every problem found.
 */
export function resolveOne(deps: Dependencies, ctx: ResolveContext): ResolvedDependencies {
  const run = new ResolveRun(ctx);
  const problems = run.problems;
  const field = run.field;
  const spec = (deps as unknown as { _spec?: DependencySpec })?._spec;
  if (!(deps instanceof Dependencies) || !spec) {
    problems.add(`${field} has the wrong type`, deps, DEPENDENCIES_EXPECTED);
  } else {
    // checked under the prop's name, so that problems read "dependencies.core[0] ..."
    const shape = {
      'requirements-files': REQUIREMENTS_FILES_SHAPE,
      'pyproject': PYPROJECT_SHAPE,
      'cog': COG_YAML_SHAPE,
      'setup-py': SETUP_PY_SHAPE,
    }[spec.kind];
    if (checkShape(problems, z.strictObject({ [field]: shape }), { [field]: spec.options })) {
      if (spec.kind === 'requirements-files') fromRequirementFiles(run, spec.options);
      else if (spec.kind === 'cog') fromCogYaml(run, spec.options);
      else if (spec.kind === 'setup-py') fromSetupPy(run, spec.options);
      else fromPyproject(run, spec.options);
    }
  }
  problems.throwIfAny();
  return run.result();
}
