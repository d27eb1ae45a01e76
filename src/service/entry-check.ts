import { RUNTIME_PACKAGE } from './shared-files';
import { SourceCopy } from './sources';
import { execForm } from '../core/names';
import { Problems } from '../core/problems';
import { renderTemplate } from '../core/template';
import { EntryStatus, buildCheckArgs, buildCheckSubjects, checkEntry, findShadowedModules, imageFileMap, readProjectTree } from '../entry';

/** What the synth-time entry check reads of a service. */
export interface ServiceEntryFacts {
  /** The project root on disk. */
  readonly root: string;
  /** The service's command. */
  readonly command: readonly string[];
  /** The `COPY`s of the service's code. */
  readonly copies: readonly SourceCopy[];
  /** Files the project will have once this synth writes its samples (root-relative). */
  readonly plannedFiles: readonly string[];
  /** The container's working directory. */
  readonly workdir: string;
  /** The image's PYTHONPATH folders. */
  readonly pythonPath: readonly string[];
  /** The service's own ignore file text. */
  readonly ignoreText: string;
  /** Requirement lines the prod image installs. */
  readonly requirements: readonly string[];
  /** Whether to check the command's entry (the shadowing check always runs). */
  readonly checkCommand: boolean;
}

/**
 * The synth-time half of the entry check: refuses top-level modules of the code that hide the
 * standard library, the runtime helpers or a declared requirement; then reads the project tree under the copied paths (git's
 * view when there is a repository, data and weights beside the code included), maps it into the
 * image through the service's ignore file, and checks the command's entry against it. A miss or
 * an entry that cannot be seen is added to `problems` with the nearest match; on success the
 * prod stage's build-time check (a `RUN` of `templates/dockerfile/entry-check.ejs`) is returned.
 */
export function checkServiceEntry(problems: Problems, facts: ServiceEntryFacts): string | undefined {
  const tree = readProjectTree(facts.root, { paths: facts.copies.map((c) => c.from), includeIgnored: true });
  const files = [...new Set([...tree.files, ...facts.plannedFiles])];
  const imageFiles = imageFileMap(files, facts.copies, facts.ignoreText);
  const shadows = findShadowedModules(imageFiles, [facts.workdir, ...facts.pythonPath], {
    runtimePackages: [RUNTIME_PACKAGE], requirements: facts.requirements,
  });
  for (const shadow of shadows) {
    const from = facts.copies.find((c) => shadow.location === c.to || shadow.location.startsWith(`${c.to}/`) || c.to.startsWith(shadow.location));
    problems.add(`sources: ${shadow.problem}`, from?.from ?? shadow.location,
      'code whose top-level modules (folders and .py files directly under the working directory or /app) take no name of the standard library, the runtime helpers or a declared requirement: rename it, or copy its parent folder');
  }
  if (!facts.checkCommand) return undefined;
  const result = checkEntry(facts.command, {
    imageFiles,
    workdir: facts.workdir,
    pythonPath: facts.pythonPath,
    requirements: facts.requirements,
    providedModules: [RUNTIME_PACKAGE],
  });
  if (result.status !== EntryStatus.FOUND || !result.buildCheck) {
    const unknown = result.status === EntryStatus.UNKNOWN;
    problems.add(`command: ${result.problem ?? 'the entry resolves nowhere'}`, facts.command,
      `${result.expected ?? 'an entry in the copied sources or a declared requirement'}${unknown ? ' (entryCheck: false turns the check off for entries it cannot see)' : ''}`);
    return undefined;
  }
  const plan = result.buildCheck;
  return renderTemplate('dockerfile/entry-check.ejs', { subjects: buildCheckSubjects(plan), run: execForm(buildCheckArgs(plan)) });
}
