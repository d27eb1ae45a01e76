import { BuildCheckPlan } from './check-entry';

/**
 * The runtime helper module that performs the check (`templates/runtime/entry_check.py`, shipped in every
 * image).
 */
export const BUILD_CHECK_MODULE = 'mldocker_runtime.entry_check';

/**
 * The arguments of the runtime helper (`python -m mldocker_runtime.entry_check`) that verify, at
 * build time, that the entry of the command can be found: modules through
 * `importlib.util.find_spec` for the top level and `importlib.machinery.PathFinder` below it
 * (parent packages' `__init__.py` are not run, so nothing of the project is executed), files
 * with `os.path.isfile` (a file the container runs directly also with `os.access(X_OK)`, as
 * the image's user), programs with `shutil.which`. The helper prints every failure to stderr
 * and exits 1, or exits 0 silently. Each value is its own argument, so any name is safe.
 */
export function buildCheckFlags(plan: BuildCheckPlan): string[] {
  // `--flag=value`: a value that starts with "-" stays a value
  return [
    `--command=${plan.command.join(' ')}`,
    ...plan.roots.map((root) => `--root=${root}`),
    ...plan.modules.map((m) => `${m.needsMain ? '--main-module' : m.mayBeAttribute ? '--module-or-attribute' : '--module'}=${m.name}`),
    ...plan.files.map((file) => `--file=${file}`),
    ...(plan.executables ?? []).map((file) => `--executable=${file}`),
    ...plan.programs.map((program) => `--program=${program}`),
  ];
}

/**
 * The exec-form arguments of the prod stage's `RUN` that runs the check
 * (`RUN ["python", "-m", "mldocker_runtime.entry_check", "--command", ...]`).
 * @param python the interpreter of the prod stage, e.g. `/opt/venv/bin/python`
 */
export function buildCheckArgs(plan: BuildCheckPlan, python = 'python'): string[] {
  return [python, '-m', BUILD_CHECK_MODULE, ...buildCheckFlags(plan)];
}

/**
 * What the build-time check must verify, in words (for docs and reports): `module gateway.main`,
 * `file /app/train.py`.
 */
export function buildCheckSubjects(plan: BuildCheckPlan): string[] {
  return [
    ...plan.modules.map((m) => `module ${m.name}${m.needsMain ? ' (with __main__)' : ''}`),
    ...plan.files.map((f) => `file ${f}`),
    ...(plan.executables ?? []).map((f) => `executable file ${f}`),
    ...plan.programs.map((p) => `program ${p}`),
  ];
}
