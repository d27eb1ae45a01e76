import { checkFile, checkModule, checkProgram } from './check-targets';
import { EntryKind, ParsedEntry, TargetKind, parseEntry } from './command';
import { BuildCheckPlan, EntryCheckResult, EntryContext, EntryOrigin, EntryStatus, TargetResult } from './entry-check-types';
import { moduleRoots, prepare, Prepared, resolveDir, unique } from './entry-prepared';

export { EntryOrigin, EntryStatus } from './entry-check-types';
export type { BuildCheckPlan, EntryCheckResult, EntryContext, TargetResult } from './entry-check-types';

function buildPlan(
  p: Prepared, entry: ParsedEntry, results: readonly TargetResult[], roots: readonly string[],
): BuildCheckPlan {
  const modules: { name: string; needsMain: boolean; mayBeAttribute: boolean }[] = [];
  const files: string[] = [];
  const executables: string[] = [];
  const programs: string[] = [];
  const workdir = resolveDir('/', p.ctx.workdir);
  for (const result of results) {
    const { target } = result;
    if (target.kind === TargetKind.MODULE) {
      modules.push({
        name: target.name,
        needsMain: target.needsMain === true,
        mayBeAttribute: target.mayBeAttribute === true,
      });
    } else if (target.kind === TargetKind.FILE) {
      if (result.origin === EntryOrigin.IMAGE) {
        (target.executable ? executables : files).push(resolveDir(workdir, target.name));
      }
    } else if (!target.interpreter) {
      programs.push(target.name);
    }
  }
  const direct = executables.length > 0 ? { executables: unique(executables) } : {};
  return {
    command: entry.command, roots, modules, files: unique(files), ...direct, programs: unique(programs),
  };
}

/**
 * Checks that a service's `command` can start in its image: each module it imports first, script
 * it runs or console script it calls is in the copied sources, the standard library, the installed
 * project or a declared requirement. FOUND carries the build-time check's plan; MISSING a problem,
 * what is expected and the nearest match; UNKNOWN (a shell string, an unknown program) is distinct
 * so that the caller can honour an explicit opt-out.
 */
export function checkEntry(command: readonly string[], ctx: EntryContext): EntryCheckResult {
  const entry = parseEntry(command);
  const p = prepare(ctx);
  const roots = moduleRoots(p, entry);
  const results: TargetResult[] = [];
  const implied: TargetResult[] = [];
  for (const target of entry.targets) {
    if (target.kind === TargetKind.MODULE) results.push(checkModule(p, target, roots));
    else if (target.kind === TargetKind.FILE) results.push(checkFile(p, target));
    else results.push(checkProgram(p, target, implied));
  }
  results.push(...implied);
  if (entry.malformed) {
    return { status: EntryStatus.MISSING, entry, targets: results, problem: `the command is malformed: ${entry.reason}`, expected: 'a command whose entry can be read (see the service\'s command documentation)' };
  }
  const missing = results.find((r) => r.status === EntryStatus.MISSING);
  if (missing) {
    const { problem, expected, suggestion } = missing;
    return { status: EntryStatus.MISSING, entry, targets: results, problem, expected, suggestion };
  }
  if (entry.kind === EntryKind.UNKNOWN) {
    return {
      status: EntryStatus.UNKNOWN,
      entry,
      targets: results,
      problem: `the entry of the command cannot be seen: ${entry.reason}`,
      expected: 'a python module, script or console script the check can read, or the entry check turned off for this service',
    };
  }
  const unknownTarget = results.find((r) => r.status === EntryStatus.UNKNOWN);
  if (unknownTarget) {
    const { problem, expected, suggestion } = unknownTarget;
    return { status: EntryStatus.UNKNOWN, entry, targets: results, problem, expected, suggestion };
  }
  return {
    status: EntryStatus.FOUND, entry, targets: results, buildCheck: buildPlan(p, entry, results, roots),
  };
}
