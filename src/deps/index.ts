/**
 * Dependencies from the files a project already has: the public `Dependencies`
 * class (the `dependencies` prop of services and of the project) and the resolver the
 * services call at synth (`MlService`, through `resolveWithCache`, merging the result with
 * the typed lists in `service/merged-tiers.ts`).
 *
 * What the wiring does with `resolveDependencies(deps, { projectRoot, pythonVersion, platform,
 * path, glibcVersion?, field?, cacheDir? })` (it throws `MlDockerValidationError` with every
 * problem; nothing is written then). Option shapes are checked there too, under `field`
 * (default `dependencies`), so a project-level default is resolved per service with the
 * service's Python and platform. `cacheDir` (e.g. `node_modules/.cache/projen-ml-docker`)
 * reuses a result while every input has the same content: a re-synth then parses no lock.
 *
 * - `tiers.ml`, `tiers.core`, `tiers.dev`: the lines of each tier's requirement file, in
 *   order; write them joined with "\n" and a final newline (an empty tier: no file, no
 *   layer). Torch packages are never in them.
 * - `locked`: true when every line is an exact `name==version` followed by its
 *   `--hash=sha256:` lines (from a uv.lock, poetry.lock, pylock.toml or a hashed
 *   pip-compile file). Install each tier with
 *   `pip install --require-hashes --no-deps -r <tier file>`: the tiers hold the whole locked
 *   closure (transitive packages in the tier of the first root needing them: ml, core, dev).
 *   When false, the lines are requirements as declared (ranges allowed, markers already
 *   evaluated and dropped) and are installed with dependencies, as the typed lists;
 *   `constraints` (from `-c` files) then go to a constraints file passed with `-c`.
 *   With `allowDirectReferences`, a line may be `name @ url` (then also hashed when locked).
 * - `warnings`: one line per unpinned requirement (`[path] file:line: "text" is not pinned...`)
 *   and per package built from its sdist; print them at synth and list them in
 *   docs/containers.md.
 * - `inputs`: the files read (project-relative, sorted) and `probed`: lock names looked for
 *   and absent; re-synthesize when any of them changes or appears. Only the requirement files
 *   depend on their content: the Dockerfile must not.
 * - `torch`: torch/torchvision/torchaudio found in the files, with `version` (public part),
 *   `local` (`cu124`, `cpu`, or undefined) and each package's pin and hashes: check them
 *   against the service's torchVersion/cudaVersion and install them from PyTorch's index.
 *   What torch needs (filelock, sympy, nvidia-* ...) stays in the tiers, locked like the rest.
 * - `packages`: the same tier content, structured (name, version, hashes, where from).
 *
 * An image built for several platforms (`platforms` with linux/amd64 and linux/arm64) calls
 * `resolveForPlatforms(deps, ctx, platforms)` instead: one set of tier files for all, with
 * the hashes of every platform's files and a `platform_machine` marker on what only some
 * platforms install.
 */
export {
  COG_YAML_SHAPE, DEPENDENCIES_EXPECTED, Dependencies, LockFileKind, PYPROJECT_SHAPE,
  REQUIREMENTS_FILES_SHAPE, SETUP_PY_SHAPE,
} from './dependencies';
export type {
  CogYamlOptions, DependencySpec, PyprojectDependenciesOptions, RequirementsFilesOptions, SetupPyOptions,
} from './dependencies';
export { cogImageFacts } from './resolve-cog';
export type { CogImageFacts } from './resolve-cog';
export { packageEntry, packageLines, resolveDependencies, resolveForPlatforms, resolveWithCache } from './resolve';
export { UNREADABLE_EXPECTED } from './resolve-run';
export type {
  PackageIndex, ResolveContext, ResolvedDependencies, ResolvedPackage, ResolvedTorch, TierName,
} from './resolve';
