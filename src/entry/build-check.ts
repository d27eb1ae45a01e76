import { BuildCheckPlan } from './check-entry';

/**
 * The Python program (standard library only) a prod-stage `RUN` uses to verify, at build time,
 * that the entry of the command can be found: modules through `importlib.util.find_spec` for the
 * top level and `importlib.machinery.PathFinder` below it (parent packages' `__init__.py` are
 * not run, so nothing of the project is executed), files with `os.path.isfile`, programs with
 * `shutil.which`. It prints every failure to stderr and exits 1, or exits 0 silently.
 * The plan's values are embedded as JSON string lists and 0/1 (valid Python literals), so any name is safe.
 */
export function buildCheckScript(plan: BuildCheckPlan): string {
  const label = plan.command.join(' ');
  const lines = [
    'import importlib.machinery, importlib.util, os, shutil, sys',
    `COMMAND = ${JSON.stringify(label)}`,
    `ROOTS = ${JSON.stringify(plan.roots)}`,
    `MODULES = ${JSON.stringify(plan.modules.map((m) => [m.name, m.needsMain ? 1 : 0, m.mayBeAttribute ? 1 : 0]))}`,
    `FILES = ${JSON.stringify(plan.files)}`,
    `PROGRAMS = ${JSON.stringify(plan.programs)}`,
    'sys.path[:0] = ROOTS',
    'def find(name):',
    '    parts = name.split(".")',
    '    try:',
    '        spec = importlib.util.find_spec(parts[0])',
    '    except (ImportError, ValueError):',
    '        return None',
    '    for i in range(1, len(parts)):',
    '        if spec is None or spec.submodule_search_locations is None:',
    '            return None',
    '        # the bare name: a dotted one makes a namespace child look its parent up in sys.modules',
    '        spec = importlib.machinery.PathFinder.find_spec(parts[i], list(spec.submodule_search_locations))',
    '    return spec',
    'failures = []',
    'for name, needs_main, may_be_attribute in MODULES:',
    '    spec = find(name)',
    '    if spec is None and may_be_attribute and "." in name:',
    '        spec = find(name.rsplit(".", 1)[0])',
    '    if spec is None:',
    '        failures.append("module %r cannot be found (searched %s and the installed packages)" % (name, ", ".join(ROOTS) or "sys.path"))',
    '    elif needs_main and spec.submodule_search_locations is not None and importlib.machinery.PathFinder.find_spec("__main__", list(spec.submodule_search_locations)) is None:',
    '        failures.append("package %r has no __main__ module, so python -m cannot run it" % name)',
    'for path in FILES:',
    '    if not os.path.isfile(path):',
    '        failures.append("file %s is not in the image" % path)',
    'for program in PROGRAMS:',
    '    if shutil.which(program) is None:',
    '        failures.append("program %r is not on PATH" % program)',
    'if failures:',
    '    sys.stderr.write("entry check failed: the command %r cannot start in this image:\\n" % COMMAND)',
    '    for failure in failures:',
    '        sys.stderr.write("  - %s\\n" % failure)',
    '    sys.stderr.write("fix the service\'s command or sources in .projenrc.ts (or turn the entry check off for it)\\n")',
    '    sys.exit(1)',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The exec-form arguments of the `RUN` that runs the check (`RUN ["python", "-c", "..."]`;
 * JSON escapes the newlines, Docker's exec form restores them).
 * @param python the interpreter of the prod stage, e.g. `/opt/venv/bin/python`
 */
export function buildCheckArgs(plan: BuildCheckPlan, python = 'python'): string[] {
  return [python, '-c', buildCheckScript(plan)];
}

/** What the build-time check must verify, in words (for docs and reports): `module gateway.main`, `file /app/train.py`. */
export function buildCheckSubjects(plan: BuildCheckPlan): string[] {
  return [
    ...plan.modules.map((m) => `module ${m.name}${m.needsMain ? ' (with __main__)' : ''}`),
    ...plan.files.map((f) => `file ${f}`),
    ...plan.programs.map((p) => `program ${p}`),
  ];
}
