import { readFileSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import { DELIBERATE_EXCLUSIONS, TOOLING_EXCLUDED, credentialPatternOf } from '../core/dockerignore';
import { Problems } from '../core/problems';
import {
  EntryOrigin, EntryStatus, ProjectTree, auditIgnore, buildCheckArgs, buildCheckSubjects, checkEntry,
  executableFacts, executableProblem, findShadowedModules, imageFileMap, isPythonSource, projectPathOf,
  readProjectTree,
} from '../entry';
import { EntryCheckStep, SourceCopy } from '../image/image-model';
import { RUNTIME_PACKAGE } from '../image/image-paths';

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
  /** The image's Python, major.minor: the only versioned interpreter name the command may use. */
  readonly pythonMinor: string;
  /** The service's own ignore file text. */
  readonly ignoreText: string;
  /** Requirement lines the prod image installs. */
  readonly requirements: readonly string[];
  /** Whether to check the command's entry (the ignore proof and the shadowing check always run). */
  readonly checkCommand: boolean;
  /** Every path the Dockerfile reads from the build context (root-relative). */
  readonly contextPaths: readonly string[];
  /**
   * The installed project (`installProject`): its console scripts, the root-relative paths its
   * wheel is built from, the folders its packages lie under, and the paths of those the project
   * stage leaves out (files git ignores, generated files).
   */
  readonly project?: {
    readonly scripts: Readonly<Record<string, string>>;
    readonly files: readonly string[];
    readonly roots: readonly string[];
    readonly leftOut: readonly string[];
  };
  /** Folders whose weights belong in the image (a baked model). */
  readonly artefactsAllowedUnder: readonly string[];
}

/** What the synth-time checks found. */
export interface ServiceImageCheck {
  /** The prod stage's build-time entry check, when the command was checked (the image model holds it). */
  readonly buildCheck?: EntryCheckStep;
  /** Artefacts (weights, data) under copied paths that the ignore file keeps out: for the report. */
  readonly excludedArtefacts: readonly string[];
}

/**
 * The project tree the image checks read: what the build context may hold under the paths the
 * Dockerfile reads (git's view when there is a repository, data and weights beside the code
 * included).
 */
export function readImageTree(root: string, contextPaths: readonly string[]): ProjectTree {
  return readProjectTree(root, { paths: [...contextPaths], includeIgnored: true });
}

/**
 * The synth-time checks of an image. Proves the ignore file against the project tree (every
 * code or configuration file under a copied path reaches the build context, no weights or data
 * do); refuses top-level modules of the code that hide the standard library, the runtime helpers
 * or a declared requirement; then maps the project tree under the copied paths (`tree`, read with
 * `ProjectServices.treeFor`, once per synth) into the image through the service's ignore file, and checks the
 * command's entry against it. A miss or an entry that cannot be seen is added to `problems` with the
 * nearest match; on success the
 * prod stage's build-time check (the `RUN` of `templates/dockerfile/entry-check.ejs`) is returned.
 */
export function checkServiceImage(
  problems: Problems, facts: ServiceEntryFacts, tree: ProjectTree,
): ServiceImageCheck {
  const files = [...new Set([...tree.files, ...facts.plannedFiles])];
  const audit = auditIgnore(files, facts.contextPaths, facts.ignoreText, facts.artefactsAllowedUnder);
  // Environments, caches, VCS metadata, tracker runs and credentials are left out on purpose, code or not;
  // but a Python module named like a credential (a package `kubeconfig/`, `id_rsa_tools.py`) is code the
  // image needs.
  const deliberate = ignore().add([...DELIBERATE_EXCLUSIONS, ...facts.project?.leftOut ?? []]);
  const tooling = ignore().add([...TOOLING_EXCLUDED]);
  for (const file of audit.droppedCode) {
    const credential = isPythonSource(file) && !tooling.ignores(file) ? credentialPatternOf(file) : undefined;
    if (credential !== undefined) {
      problems.add(`a python file under a copied path matches the credential pattern ${credential} (a name the ignore files exclude at any depth), so it never reaches the image`,
        file, 'python code whose folders and file names are not credential names (rename the module or its package; credential files are never sent to a build context)');
    } else if (!deliberate.ignores(file)) {
      problems.add('the ignore file drops a code or configuration file the image needs', file,
        'code and configuration (.py, .json, .yaml, .toml, .cfg, .txt, templates...) under a copied path reach the build context: move it out of an environment, cache or secrets folder, or rename it');
    }
  }
  for (const file of audit.includedArtefacts) {
    problems.add('a weights or data file would be sent to the build context', file, 'data and weights outside the copied code (mount them, or bake a model with GpuInference bakeModel)');
  }
  const imageFiles = imageFileMap(files, facts.copies, facts.ignoreText);
  const shadows = findShadowedModules(imageFiles, [facts.workdir, ...facts.pythonPath], {
    runtimePackages: [RUNTIME_PACKAGE], requirements: facts.requirements,
  });
  for (const shadow of shadows) {
    const from = facts.copies.find((c) => shadow.location === c.to || shadow.location.startsWith(`${c.to}/`) || c.to.startsWith(shadow.location));
    problems.add(`sources: ${shadow.problem}`, from?.from ?? shadow.location,
      'code whose top-level modules (folders and .py files directly under the working directory or /app) take no name of the standard library, the runtime helpers or a declared requirement: rename it, or copy its parent folder');
  }
  const report = { excludedArtefacts: audit.excludedArtefacts };
  const leftOut = ignore().add([...facts.project?.leftOut ?? []]);
  if (!facts.checkCommand) return report;
  const result = checkEntry(facts.command, {
    imageFiles,
    workdir: facts.workdir,
    pythonPath: facts.pythonPath,
    requirements: facts.requirements,
    providedModules: [RUNTIME_PACKAGE],
    pythonMinor: facts.pythonMinor,
    projectScripts: facts.project?.scripts,
    installedProjectFiles: facts.project && files.filter((f) => !leftOut.ignores(f)
      && facts.project!.files.some((p) => f === p || f.startsWith(`${p}/`))),
    installedProjectRoots: facts.project?.roots,
  });
  if (result.status !== EntryStatus.FOUND || !result.buildCheck) {
    const unknown = result.status === EntryStatus.UNKNOWN;
    problems.add(`command: ${result.problem ?? 'the entry resolves nowhere'}`, facts.command,
      `${result.expected ?? 'an entry in the copied sources or a declared requirement'}${unknown ? ' (entryCheck: false turns the check off for entries it cannot see)' : ''}`);
    return report;
  }
  // the object a launcher loads (`service.py:Svc`, `--app app`) must be named in its file
  const named = result.targets.filter(
    (t) => t.target.object && t.origin === EntryOrigin.IMAGE && t.location,
  );
  for (const target of named) {
    const projectPath = target.location!.endsWith('.py') ? projectPathOf(target.location!, facts.copies) : undefined;
    if (projectPath === undefined) continue;
    const text = readText(join(facts.root, ...projectPath.split('/')));
    const object = target.target.object!;
    if (text !== undefined && !new RegExp(`\\b${object}\\b`).test(text)) {
      problems.add(`command: ${target.target.role} "${target.target.name}" never names "${object}" (${projectPath}), `
        + 'so the launcher cannot load it', facts.command,
      `a name the file defines or imports (app = ..., class ${object}: ..., from x import ${object})`);
      return report;
    }
  }
  // a file run directly needs its executable bit, as the build context will have it
  let runnable = true;
  const runDirectly = result.targets
    .filter((t) => t.target.executable && t.origin === EntryOrigin.IMAGE && t.location);
  for (const target of runDirectly) {
    const projectPath = projectPathOf(target.location!, facts.copies);
    if (projectPath === undefined) continue;
    const issue = executableProblem(target.target.role, target.target.name, projectPath,
      executableFacts(facts.root, projectPath, tree));
    if (issue) {
      problems.add(`command: ${issue.problem}`, facts.command, issue.expected);
      runnable = false;
    }
  }
  if (!runnable) return report;
  const plan = result.buildCheck;
  return { ...report, buildCheck: { subjects: buildCheckSubjects(plan), args: buildCheckArgs(plan) } };
}

/** A file's text, or undefined when it cannot be read (a planned sample, a folder). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf-8');
  } catch {
    return undefined;
  }
}
