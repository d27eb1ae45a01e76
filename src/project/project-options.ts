import { ProjectOptions } from 'projen';
import * as z from 'zod/mini';
import { CiWorkflowProps } from '../ci/ci-workflow';
import { Dependencies } from '../deps';

/**
 * The options of `MlDockerProject`: its own (with their runtime shape), the projen options it
 * passes on, and the ones it sets itself.
 */

/** How `npx projen` runs `.projenrc.ts`. */
export enum ProjenrcRunner {
  /**
   * Plain node with a `.ts` hook (`projen-ml-docker/lib/projenrc-register`): each
   * TypeScript file is transpiled once by esbuild and cached in `node_modules/.cache`,
   * so an unchanged definition starts as fast as JavaScript. Loads `.projenrc.ts` as
   * CommonJS, like tsx does in a package without `"type": "module"` (with it, the
   * register hands `.projenrc.ts` to tsx).
   */
  CACHED = 'cached',
  /**
   * tsx as a node loader (`node --import tsx .projenrc.ts`): slower to start (its hooks
   * see every module node loads), but it also resolves tsconfig `paths` aliases and loads
   * `.mts` and `.tsx` files imported from `.projenrc.ts`.
   */
  TSX = 'tsx',
}

/** Options of an `MlDockerProject`. */
export interface MlDockerProjectOptions extends ProjectOptions {
  /**
   * The Python version of every service unless a service sets its own: `3.11` (the
   * newest patch in the reference data) or an exact `3.11.16`.
   * @default - "3.11", or for a service whose dependencies come from a cog.yaml, its `python_version`
   */
  readonly pythonVersion?: string;

  /**
   * Start every Dockerfile with a `# syntax=` line naming a pinned BuildKit Dockerfile
   * frontend (`dockerfileFrontend`). Turn it off for offline builders that cannot fetch the
   * frontend image; the Dockerfiles use only what Docker 26's built-in frontend supports.
   * @default true
   */
  readonly dockerfileSyntax?: boolean;

  /**
   * The BuildKit Dockerfile frontend of the `# syntax=` line: `docker/dockerfile:` with a full
   * version (`1.19.0`, never a floating `1`), optionally `@sha256:` and the digest of that
   * version. Only with `dockerfileSyntax` on.
   * @default - the version and digest of the package's reference data (data/dockerfile-frontend.json)
   */
  readonly dockerfileFrontend?: string;

  /**
   * Development dependencies of the project (the `.projenrc.ts` toolchain is added).
   * `projen new --from` puts the projen-ml-docker spec here.
   * @default []
   */
  readonly devDeps?: string[];

  /**
   * Type-check `.projenrc.ts` on every `npx projen`. Off by default: synthesis strips types
   * without checking them (fast start) and strict runtime validation rejects unknown or
   * misspelled props by name; the `typecheck` task (run by `docker:build`) checks types.
   * @default false
   */
  readonly typeCheckOnSynth?: boolean;

  /**
   * How `npx projen` runs `.projenrc.ts`: plain node with a cached transpile of each
   * TypeScript file (fastest), or tsx (for tsconfig `paths` aliases, imported `.mts` or `.tsx` files).
   * @default ProjenrcRunner.CACHED
   */
  readonly projenrcRunner?: ProjenrcRunner;

  /**
   * The oldest NVIDIA driver among the hosts that run this project's GPU services (what
   * `nvidia-smi --query-gpu=driver_version --format=csv,noheader` prints there). Each GPU
   * service picks the highest CUDA variant of its torch version whose minimum driver (under
   * its `gpuBase`) is at most this, and refuses an explicit `cudaVersion` that needs more.
   * The default is the R535 production branch driver of CUDA 12.2 Update 2, still the default
   * on many cloud GPU images: it runs every PyTorch CUDA 12.x wheel through minor-version
   * compatibility (>= 525.60.13), but nothing that needs R580 (CUDA 13.x) and no nvidia/cuda
   * base image, whose toolkit driver is newer. Raise it once every GPU host is upgraded.
   * @default "535.104.05"
   */
  readonly hostDriverVersion?: string;

  /**
   * The GPUs of the hosts that run this project's GPU services, by model name of NVIDIA's CUDA
   * GPU list (`"T4"`, `"A100"`, `"H100"`) or by compute capability (`"7.5"`, what
   * `nvidia-smi --query-gpu=compute_cap --format=csv,noheader` prints). A torch wheel carries
   * kernels for a fixed list of compute capabilities per CUDA variant; with a fleet, each GPU
   * service picks the highest CUDA variant that runs on `hostDriverVersion` AND carries kernels
   * for every GPU listed (an impossible fleet is refused, naming the GPU and what would serve
   * it). The image then lists the capabilities it serves (label
   * `dev.projen-ml-docker.gpu-capabilities`, the start-up check, the docs), CUDA extensions are
   * compiled for them (`TORCH_CUDA_ARCH_LIST`) and Kubernetes GPU pods get a node affinity on
   * GPU Feature Discovery's `nvidia.com/gpu.compute.major`/`minor` labels. A GPU service's own
   * `gpuFleet` replaces it.
   * @default - no fleet: the CUDA choice follows `hostDriverVersion` alone
   */
  readonly gpuFleet?: string[];

  /**
   * Generate the GitHub Actions workflow `.github/workflows/containers.yml` through projen's
   * GitHub component: it type-checks `.projenrc.ts`, checks the synthesized files are up to
   * date, lints every Dockerfile with hadolint, builds every image with BuildKit and a layer
   * cache, scans it, and pushes images tagged with the git sha (and the version on `v*` tags)
   * from the default branch.
   * @default true
   */
  readonly ciWorkflow?: boolean;

  /**
   * Settings of the CI workflow (registry, cache, lint and scan thresholds). Only with `ciWorkflow`.
   * @default - the `CiWorkflowProps` defaults
   */
  readonly ciWorkflowOptions?: CiWorkflowProps;

  /**
   * The dependency files of every service that does not set its own `dependencies`
   * (`Dependencies.fromRequirementsFiles(...)`, `Dependencies.fromPyproject(...)` or
   * `Dependencies.fromCogYaml(...)`), resolved
   * per service for its exact Python and platform.
   * @default - none: services take only their typed `requirements`
   */
  readonly dependencies?: Dependencies;

  /**
   * Refuse requirements of dependency files that are not pinned to one exact version (ranges
   * such as `fastapi>=0.110`) instead of printing a warning for each; locks are always exact.
   * @default false
   */
  readonly strictPins?: boolean;

  /**
   * Where the generated guide to the project's containers goes, relative to the project root.
   * Set it where a repository already has a file of that name (which is never overwritten) or
   * a documentation folder it would not belong in.
   * @default "docs/containers.md"
   */
  readonly containersDoc?: string;

  /**
   * Only for `projen new` (`--example`): write the example stack (a CPU API, a GPU trainer, a GPU
   * inference server) even where the folder already holds a Python project, which `projen new`
   * otherwise adopts. An empty folder gets the example either way.
   * @default false
   */
  readonly example?: boolean;

  /**
   * A one-line description of the project (package.json). `projen new` puts the folder's name
   * here when the project name had to be made valid from it (`MyRepo` -> `myrepo`).
   * @default - none
   */
  readonly description?: string;
}

export const OPTIONS_SHAPE = {
  pythonVersion: z.optional(z.string()),
  dockerfileSyntax: z.optional(z.boolean()),
  dockerfileFrontend: z.optional(z.string()),
  devDeps: z.optional(z.array(z.string())),
  typeCheckOnSynth: z.optional(z.boolean()),
  projenrcRunner: z.optional(z.enum(Object.values(ProjenrcRunner) as [string, ...string[]])),
  ciWorkflow: z.optional(z.boolean()),
  // CiWorkflow checks its own props (strictly, by name)
  ciWorkflowOptions: z.optional(z.record(z.string(), z.any())),
  hostDriverVersion: z.optional(z.string()),
  gpuFleet: z.optional(z.array(z.string())),
  // the services check it when they resolve it (at synth)
  dependencies: z.optional(z.object({})),
  strictPins: z.optional(z.boolean()),
  containersDoc: z.optional(z.string()),
  example: z.optional(z.boolean()),
  description: z.optional(z.string()),
};

/**
 * The options inherited from projen's `ProjectOptions`, passed on to projen as they are (projen
 * reads them). Every other key is refused by name, so a misspelled option (`pythonVerison`) or
 * one of a projen project type this project is not (`jest`, `release`) never passes silently.
 */
export const INHERITED_OPTIONS = [
  'name', 'parent', 'outdir', 'logging', 'projenCommand', 'renovatebot', 'renovatebotOptions',
  'commitGenerated', 'gitOptions', 'gitIgnoreOptions', 'projectTree',
];

/** Inherited options this project sets itself: accepted only with the value it would set. */
export const FIXED_OPTIONS: Record<string, { value: unknown; why: string }> = {
  projenrcJson: { value: false, why: '.projenrc.ts is the definition (no .projenrc.json)' },
  projenrcJsonOptions: { value: undefined, why: '.projenrc.ts is the definition (no .projenrc.json)' },
};

/** Every key `MlDockerProjectOptions` has (test/project-options.test.ts holds it to the interface). */
export const PROJECT_OPTION_KEYS: readonly string[] = [
  ...Object.keys(OPTIONS_SHAPE), ...INHERITED_OPTIONS, ...Object.keys(FIXED_OPTIONS),
].sort();
