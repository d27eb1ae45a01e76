/**
 * The entry layer: pure functions the service wiring calls to prove that an image
 * gets its code and can start. No construct, no projen; data from data/import-names.json and
 * data/python-stdlib-modules.json. What the wiring does with each:
 *
 * 1. Read the tree once per synth:
 *    `readProjectTree(project.outdir, { paths: sources, includeIgnored: true })` ->
 *    `{ source, files, tracked, ignored, missing }` (git's view when there is a repository, else a walk;
 *    `missing` = `sources` entries that do not exist -> a catalogue error).
 * 2. Image files: `imageFileMap(tree.files, copies, ignoreText)` with one `{ from, to }` per `COPY`
 *    (`{ from: 'services/gateway', to: '/app/gateway' }`, `{ from: 'train.py', to: '/app/train.py' }`)
 *    -> `Map<imagePath, present>` (`false`: the ignore text drops it).
 * 3. Synth-time entry check: `checkEntry(command, { imageFiles, workdir, pythonPath, requirements,
 *    providedModules: [RUNTIME_PACKAGE], projectScripts, installedProjectFiles })` -> `EntryCheckResult`:
 *    FOUND (with `buildCheck`), MISSING (`problems.add(result.problem, command, result.expected)`;
 *    `expected` already ends in `did you mean "gateway.main"?` when there is a near match), or
 *    UNKNOWN (a shell string, an unknown program): an error unless the service opts out of the check.
 * 4. Build-time check: `RUN ${execForm(buildCheckArgs(result.buildCheck, '<venv python>'))}` in the prod
 *    stage after the code is copied (`buildCheckFlags` are the arguments of the runtime helper
 *    `mldocker_runtime.entry_check`; `buildCheckSubjects` lists the module/file/program it verifies in
 *    words). Standard library only, nothing of the project runs.
 * 5. Shadowing: `moduleNameCollision(moduleName, [RUNTIME_PACKAGE])` for one name (a service id, a top-level
 *    source folder); `findShadowedModules(imageFiles, [workdir, ...pythonPath], { runtimePackages,
 *    requirements })` for every top-level module of an image (STDLIB/RUNTIME: refuse; REQUIREMENT: e.g.
 *    detr's `datasets/`).
 * 6. Ignore proof: `auditIgnore(tree.files, copiedPaths, ignoreText, bakedModelDirs)` -> `{ droppedCode,
 *    includedArtefacts, excludedArtefacts, allowedArtefacts, sent }`: `droppedCode` and `includedArtefacts`
 *    must be empty, `excludedArtefacts` goes to the report, `allowedArtefacts` are the baked models' weights.
 *    `isCodeOrConfig` / `isArtefact` classify one path.
 * 7. installProject: `readPyproject(text)` -> `{ name, buildBackend, scripts, readme, licenseFile }` (no
 *    backend: a catalogue error; `scripts` is `checkEntry`'s `projectScripts`; readme/license files must be
 *    copied too).
 */
export * from './project-tree';
export * from './command';
export * from './image-files';
export * from './check-entry';
export * from './build-check';
export * from './executable';
export * from './collisions';
export * from './ignore-audit';
export * from './package-metadata';
export { nearest } from './nearest';
export { editDistance } from '../core/names';
export {
  importNamesOf, consoleScriptProviders, knownConsoleScripts, parseRequirementName,
} from './requirements-index';
export type { RequirementName } from './requirements-index';
