import { existsSync } from 'fs';
import { join } from 'path';
import { Component, Project } from 'projen';
import {
  BUILD_HOOKS_SHAPE, BuildHookOptions, BuildHooks, BuildStepStage, copyImageArgs,
  renderBuilderSetup, renderCopyStages, renderRuntimeHooks, renderSteps, resolveBuildHooks,
} from './build-hooks';
import { checkServiceImage } from './entry-check';
import { checkFileTorch, FileDependencyReport, mergeTiers, MergedTiers } from './file-tiers';
import { ProjectInstall, resolveProjectInstall } from './project-install';
import { ProjectServices } from './project-services';
import { PythonImage, resolvePythonImage } from './python-image';
import { SampleKind, addServiceSamples, entryFileName } from './samples';
import { SHARED_CODE_DIR, RUNTIME_HELPERS_DIR, RUNTIME_PACKAGE } from './shared-files';
import { APP_DIR, SourceCopy, checkRelativeDir, checkWorkdir, resolveSources } from './sources';
import { TorchWheels } from './torch';
import { ALL_TORCH_PACKAGES, TorchPackage } from './torch-packages';
import { ContainerSpec, HealthSpec } from '../core/container-spec';
import { checkDebianPackages } from '../core/debian';
import { withDigest } from '../core/digest';
import { alwaysExcludedPattern, ignoreFileLines } from '../core/dockerignore';
import { checkEnvironment } from '../core/environment';
import { serviceImageName } from '../core/image-name';
import { dockerQuote, execForm, moduleName } from '../core/names';
import { Problems, checkShape, oneOf } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { RequirementSet, RequirementTier, RequirementTiers, TIER_ORDER, checkTier } from '../core/requirements';
import { Schema, z } from '../core/shape';
import { MIN_MEMORY_BYTES, checkSize } from '../core/sizes';
import { renderTemplate } from '../core/template';
import { TORCH_TIER, tierFileName } from '../core/tier-files';
import { Dependencies, resolveWithCache } from '../deps';
import { ShadowKind, moduleNameCollision } from '../entry/collisions';
import { stdlibVersions } from '../entry/requirements-index';

export { checkRelativeDir } from './sources';

/** The numeric user every image runs as. */
export const APP_UID = 10001;

/** Options every service type shares. */
export interface ServiceOptions extends BuildHookOptions {
  /**
   * The command the container runs, in exec form (no shell), e.g.
   * `['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000']`.
   */
  readonly command: string[];

  /**
   * The TCP port the service listens on inside the container. With a port the image gets
   * an HTTP health check on `healthCheckPath`; without one, a heartbeat-file check.
   * @default - no port (a worker)
   */
  readonly port?: number;

  /**
   * The HTTP path probed by the health check. Only with `port`.
   * @default "/health"
   */
  readonly healthCheckPath?: string;

  /**
   * Seconds the service may go without writing its heartbeat before it counts as
   * unhealthy. Only for services without a port; the service calls
   * `mldocker_runtime.heartbeat.beat()` from its main loop.
   * @default 300
   */
  readonly heartbeatMaxAge?: number;

  /**
   * Seconds a starting container has before failed health checks count.
   * @default 30
   */
  readonly healthCheckStartPeriod?: number;

  /**
   * Leave the image without a HEALTHCHECK. Opt-out of a secure default: only for
   * services probed some other way.
   * @default false
   */
  readonly disableHealthCheck?: boolean;

  /**
   * Pinned requirements per tier (`ml`, `core`, `dev`), each its own file and cached layer.
   * @default - no requirements
   */
  readonly requirements?: RequirementTiers;

  /**
   * Dependencies taken from the files the project already has: pip requirement files per
   * tier, or a pyproject.toml with its uv.lock, poetry.lock, pylock.toml or pip-compile lock
   * (`Dependencies.fromRequirementsFiles(...)`, `Dependencies.fromPyproject(...)`). Read at
   * synth for the service's exact Python and platform; a lock gives hash-pinned tiers
   * installed with `pip install --require-hashes --no-deps`. `requirements` still add to
   * the tiers (the same package in both only at the same version).
   * @default - the project's `dependencies`, else none
   */
  readonly dependencies?: Dependencies;

  /**
   * Extra Debian packages for the runtime image (e.g. `libgomp1`). Installed with
   * `--no-install-recommends` in the shared base stage.
   * @default - only tini
   */
  readonly aptPackages?: string[];

  /**
   * The service's code, relative to the project root. Copied to `/app/<module>` where
   * `<module>` is the service id with `-` replaced by `_`.
   * @default "services/<module>"
   */
  readonly sourceDir?: string;

  /**
   * The service's code as paths relative to the project root (folders or files), each copied to
   * `/app/<path>` keeping its layout: `["nanochat", "scripts", "train.py"]` gives
   * `/app/nanochat/`, `/app/scripts/` and `/app/train.py`. For layouts that are not one package
   * folder (flat modules, several top-level folders, configs beside the code). Every path must
   * exist when the project is synthesized; not together with `sourceDir`. Turns the entry check
   * on (see `entryCheck`), and no starter code is written.
   * @default - `sourceDir` is copied to `/app/<module>`
   */
  readonly sources?: string[];

  /**
   * The container's working directory: `/app` or a folder under it (e.g. `/app/src`).
   * @default "/app"
   */
  readonly workdir?: string;

  /**
   * Check that the command's entry (`python -m pkg.mod`, `python path.py`, `uvicorn pkg.mod:app`,
   * `celery -A pkg`, a requirement's console script) resolves to a file copied into the image or
   * a module of a declared requirement, at synth (an error naming the nearest match) and again
   * in the prod stage's build (`importlib.util.find_spec`, nothing of the project runs). Turn it
   * off only for entries the check cannot see (a shell script, a program from `aptPackages`).
   * @default - true with `sources`, false with `sourceDir`
   */
  readonly entryCheck?: boolean;

  /**
   * Install the project's own package (the `pyproject.toml` at the project root) into the
   * image's venv: a wheel built in the builder stage after every dependency layer, from
   * `pyproject.toml`, its readme and license files and the service's code, installed without
   * dependencies and not editable, so `importlib.metadata` knows the project and its
   * `[project.scripts]` work as `command`. The build backend's distribution (e.g.
   * `setuptools==75.6.0`, `hatchling==1.26.3`) must be pinned in `requirements.ml` or `.core`:
   * the wheel is built with no index and no build isolation.
   * @default false
   */
  readonly installProject?: boolean;

  /**
   * Python version for this service (`3.11` or the exact `3.11.16`).
   * @default - the project's `pythonVersion`
   */
  readonly pythonVersion?: string;

  /**
   * The command of the `test` target.
   * @default - `python -m pytest` when pytest is in the dev tier, else `python -m unittest discover`
   */
  readonly testCommand?: string[];

  /**
   * A one-line description, used in labels and docs.
   * @default - the service kind
   */
  readonly description?: string;

  /**
   * Environment of the container (compose and Kubernetes): non-secret values only. Names with
   * a secret word as a whole word in any case (`DB_PASS`, `API_TOKEN`, `SECRET_KEY`,
   * `*_CREDENTIALS`, ...) and values holding credentials (a URL with a password, `sk-`,
   * `ghp_`, `AKIA`, `hf_` tokens, private keys) are refused: pass those as compose secrets
   * (Kubernetes Secrets) with their path in `<NAME>_FILE` (backing services do this for you).
   * Names the image needs (`PATH`, `HOME`, `PYTHONPATH`, every `MLDOCKER_*`, the backing
   * services' `*_PASSWORD_FILE`) are refused in any letter case.
   * @default {}
   */
  readonly environment?: { [key: string]: string };

  /**
   * Publish the port on every host interface instead of 127.0.0.1 only. Opt-out of a
   * secure default.
   * @default false
   */
  readonly publicPort?: boolean;

  /**
   * The host port `port` is published on.
   * @default - the same as `port`
   */
  readonly hostPort?: number;

  /**
   * Memory limit, in the canonical form `<integer><unit>` with unit `k`, `m` or `g`
   * (`512m`, `8g`); at least `6m`, the smallest limit Docker accepts.
   * @default - "1g" for services, "16g" for trainers, "8g" for inference
   */
  readonly memoryLimit?: string;

  /**
   * CPU limit in cores (may be fractional, e.g. 0.5).
   * @default - 2 for services, 8 for trainers, 4 for inference
   */
  readonly cpuLimit?: number;

  /**
   * Maximum number of processes and threads.
   * @default - 512 for services, 8192 for trainers (DataLoader workers x threads), 2048 for inference
   */
  readonly pidsLimit?: number;

  /**
   * Size of the exec-able tmpfs mounted at /tmp (the only writable path besides volumes).
   * @default - "256m" for services, "2g" for GPU services
   */
  readonly tmpSize?: string;

  /**
   * Give the container a writable root filesystem. Opt-out of a secure default.
   * @default false
   */
  readonly writableRootFilesystem?: boolean;

  /**
   * Other services of the stack this one waits for (healthy) before it starts.
   * @default []
   */
  readonly dependsOn?: MlService[];

  /**
   * Also pin the Python base image by digest (`sha256:` and 64 hex digits): the Dockerfile's
   * default becomes `python:<X.Y.Z>-slim-bookworm@sha256:...`, so a re-pushed tag cannot
   * change the image.
   * @default - pinned by full tag only
   */
  readonly baseImageDigest?: string;
}

/** A service's health check, as the image and the compose file see it. */
export interface ServiceHealthCheck {
  /** The probe, in exec form. */
  readonly command: string[];
  /** Seconds between probes. */
  readonly interval: number;
  /** Seconds before a probe counts as failed. */
  readonly timeout: number;
  /** Seconds of start-up grace. */
  readonly startPeriod: number;
  /** Seconds between probes during the start period (Docker Engine 25+), so a started service turns healthy within seconds. */
  readonly startInterval: number;
  /** Failures in a row before the container is unhealthy. */
  readonly retries: number;
}

/** What a service type adds to the shared machinery (filled in by each subclass). Internal. */
export interface ServiceKindSpec {
  /** "CPU Python service", "GPU trainer", ... */
  readonly kindTitle: string;
  /** Extra allowed prop keys of the subclass, with their schemas. */
  readonly extraShape: Record<string, Schema>;
  /** The starter code written for a new service (default: HTTP, FastAPI or worker, from the props). */
  readonly sample?: SampleKind;
  /** Server (restarted, default) or job (runs to completion, e.g. training). */
  readonly workload?: 'server' | 'job';
  /** Default limits of this kind of service. */
  readonly defaults?: { readonly memory?: string; readonly cpus?: number; readonly pids?: number; readonly tmp?: string };
  /** Resolves the torch wheels the service installs, reporting problems (none by default). */
  readonly resolveTorch?: (problems: Problems, pythonMinor: string) => TorchWheels | undefined;
  /**
   * Checks the subclass's own props once the shared ones are checked, before the error is
   * thrown, so one error lists every problem of the service.
   */
  readonly check?: (problems: Problems) => void;
  /**
   * Checks a replacement reference for the official Python image (a mirror), returning it;
   * undefined keeps `python:<X.Y.Z>-slim-bookworm`.
   */
  readonly pythonImage?: (problems: Problems, python: PythonImage) => string | undefined;
  /**
   * What the kind's closures resolved, kept on the service for the subclass constructor to
   * read after `super()` (e.g. the CUDA choice of a GPU service).
   */
  readonly resolved?: object;
}

/** What the docs say about a GPU service. Internal. */
export interface GpuSummary {
  readonly base: string;
  readonly torch: string;
  readonly cuda: string;
  readonly minDriver: string;
  readonly rule: string;
  /** Base images, in Dockerfile order. */
  readonly images: string[];
  readonly driverCheck: boolean;
}

/** Where a service's Dockerfile gets its base images. Internal. */
export interface ImagePlan {
  /** Build args that select base images, in file order, with their pinned defaults. */
  readonly baseArgs: Array<[string, string]>;
  /** The build arg the runtime `base` stage (and so `prod`) starts from. */
  readonly runtimeArg: string;
  /** The runtime base image reference (the OCI `base.name` label). */
  readonly runtimeImage: string;
  /**
   * Set when the official Python build is copied into a non-Python base (nvidia/cuda): the
   * stage lines of the `python` stage, and the OS packages the copied Python links against.
   */
  readonly copyPython?: { readonly stage: string[]; readonly packages: string[] };
  /** A CUDA devel image for deps-ml and builder (only when CUDA extensions are compiled). */
  readonly devel?: { readonly arg: string; readonly comment: string[]; readonly packages: string[] };
  /** Builder steps before the build hooks and the virtualenv (a CUDA toolkit on python-slim). */
  readonly builderSetup?: string[];
  /** Comment lines under the title (GPU: torch, CUDA, driver minimum). */
  readonly headerNotes: string[];
}

/** One system stage of the Dockerfile template (`base`, or the devel `deps-ml`). */
interface SystemStage {
  readonly name: string;
  readonly fromArg: string;
  readonly setup: string[];
  readonly copiesPython: boolean;
  readonly aptPackages: string[];
  readonly afterApt: string[];
}

const ID_PATTERN = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$/;
const RESERVED_IDS = ['common', 'runtime'];

const stringList = z.array(z.string());

/** The shape of `ServiceOptions` (strict: unknown keys are reported by name). */
export const SERVICE_OPTIONS_SHAPE = {
  command: stringList,
  port: z.number().optional(),
  healthCheckPath: z.string().optional(),
  heartbeatMaxAge: z.number().optional(),
  healthCheckStartPeriod: z.number().optional(),
  disableHealthCheck: z.boolean().optional(),
  requirements: z.strictObject({ ml: stringList.optional(), core: stringList.optional(), dev: stringList.optional() }).optional(),
  dependencies: z.object({}).optional(),
  aptPackages: stringList.optional(),
  sourceDir: z.string().optional(),
  sources: stringList.optional(),
  workdir: z.string().optional(),
  entryCheck: z.boolean().optional(),
  installProject: z.boolean().optional(),
  pythonVersion: z.string().optional(),
  testCommand: stringList.optional(),
  description: z.string().optional(),
  environment: z.record(z.string(), z.string()).optional(),
  publicPort: z.boolean().optional(),
  hostPort: z.number().optional(),
  memoryLimit: z.string().optional(),
  cpuLimit: z.number().optional(),
  pidsLimit: z.number().optional(),
  tmpSize: z.string().optional(),
  writableRootFilesystem: z.boolean().optional(),
  dependsOn: z.array(z.any()).optional(),
  baseImageDigest: z.string().optional(),
  ...BUILD_HOOKS_SHAPE,
};

/**
 * The machinery every service type shares: validation, requirement tiers, the
 * multi-stage Dockerfile, the ignore files and the docs entry. `PythonService`,
 * `GpuTrainer` and `GpuInference` differ only in what they feed into it.
 */
export abstract class MlService extends Component {
  /** The service id: the compose service name and the `docker/<id>/` directory. */
  public readonly serviceId: string;
  /** The construct path used in messages, e.g. `vision/api`. */
  public readonly path: string;
  /** The container's port, if it listens on one. */
  public readonly port?: number;
  /** The HTTP path of the health check, when the service has a port. */
  public readonly healthCheckPath?: string;
  /** The command the container runs. */
  public readonly command: string[];
  /** The Python base image. */
  public readonly pythonImage: string;
  /** The exact Python version (`3.11.16`). */
  public readonly pythonVersion: string;
  /** The Dockerfile's path, relative to the project root. */
  public readonly dockerfilePath: string;
  /** The service's code directory, relative to the project root. */
  public readonly sourceDir: string;
  /**
   * The `COPY`s of the service's code: `sourceDir` to `/app/<module>`, or each of `sources` to `/app/<path>`.
   * @internal
   */
  public readonly _sourceCopies: SourceCopy[];
  /** The container's working directory. */
  public readonly workdir: string;
  /** Whether the command's entry is checked at synth and in the build. */
  public readonly entryCheck: boolean;
  /**
   * The project's own package, built and installed in the builder (`installProject`).
   * @internal
   */
  public readonly _projectInstall?: ProjectInstall;
  /** The Python package the code is copied to (`/app/<module>`). */
  public readonly moduleName: string;
  /** One-line description. */
  public readonly description: string;
  /** The torch wheels installed from the PyTorch index, if any. */
  public readonly torch?: TorchWheels;

  /** Environment of the container (non-secret values). */
  public readonly environment: { [key: string]: string };
  /** Memory limit (`1g`). */
  public readonly memoryLimit: string;
  /** CPU limit in cores. */
  public readonly cpuLimit: number;
  /** Process limit. */
  public readonly pidsLimit: number;

  private readonly requirementSet = new RequirementSet();
  private readonly dependencies: MlService[] = [];
  private readonly workload: 'server' | 'job';
  private readonly tmpSize: string;
  private readonly publicPort: boolean;
  private readonly hostPort?: number;
  private readonly writableRoot: boolean;
  private readonly testCommandOverride?: string[];
  private readonly aptPackages: string[];
  private readonly heartbeatMaxAge: number;
  private readonly startPeriod: number;
  private readonly healthCheckDisabled: boolean;
  private readonly hooks: BuildHooks;
  private readonly tierFiles = new Map<RequirementTier, RenderedFile>();
  /** The dependency files given (the prop, else the project's default), and the prop's name for messages. */
  private readonly fileDeps?: { readonly deps: unknown; readonly field: string };
  private merged?: { readonly tiers: MergedTiers; readonly report: FileDependencyReport };
  /** Writes the resolve cache entry of a fresh resolution, once the synth writes files. */
  private storeResolution?: () => void;
  private readonly python: PythonImage;
  /**
   * The kind spec the subclass gave (its `resolved` state included).
   * @internal
   */
  protected readonly _spec: ServiceKindSpec;

  protected constructor(project: Project, id: string, props: ServiceOptions) {
    super(project, checkServiceId(project, id));
    const spec = this._kindSpec(props ?? {});
    this._spec = spec;
    const settings = ProjectSettings.of(project);
    this.serviceId = id;
    this.path = `${project.name}/${id}`;
    const problems = new Problems(this.path);

    if (!checkShape(problems, z.strictObject({ ...SERVICE_OPTIONS_SHAPE, ...spec.extraShape }), props ?? {})) {
      problems.throwIfAny();
    }

    this.moduleName = moduleName(id);
    this.command = [...props.command];
    checkCommand(problems, 'command', props.command);
    if (props.testCommand !== undefined) checkCommand(problems, 'testCommand', props.testCommand);
    this.testCommandOverride = props.testCommand ? [...props.testCommand] : undefined;

    if (props.port !== undefined && !(Number.isInteger(props.port) && props.port >= 1 && props.port <= 65535)) {
      problems.add('port', props.port, 'an integer from 1 to 65535');
    }
    this.port = props.port;
    if (props.healthCheckPath !== undefined) {
      if (props.port === undefined) {
        problems.add('healthCheckPath is set without a port', props.healthCheckPath, 'a port to probe, or no healthCheckPath (services without a port use a heartbeat file)');
      } else if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(props.healthCheckPath)) {
        problems.add('healthCheckPath', props.healthCheckPath, 'a url path starting with "/" without spaces or quotes, e.g. "/health"');
      }
    }
    this.healthCheckPath = props.port !== undefined ? props.healthCheckPath ?? '/health' : undefined;
    this.heartbeatMaxAge = checkSeconds(problems, 'heartbeatMaxAge', props.heartbeatMaxAge, 300, 10, 86_400);
    this.startPeriod = checkSeconds(problems, 'healthCheckStartPeriod', props.healthCheckStartPeriod, 30, 0, 3_600);
    this.healthCheckDisabled = props.disableHealthCheck ?? false;

    const aptPackages = props.aptPackages ?? [];
    checkDebianPackages(problems, 'aptPackages', aptPackages);
    this.aptPackages = ['tini', ...aptPackages.filter((p) => p !== 'tini')].filter((p, i, all) => all.indexOf(p) === i);

    this.sourceDir = props.sourceDir ?? `services/${this.moduleName}`;
    if (props.sourceDir !== undefined) checkRelativeDir(problems, 'sourceDir', props.sourceDir);
    if (props.sources !== undefined && props.sourceDir !== undefined) {
      problems.add('sources and sourceDir are both set', props.sourceDir, 'one of them: sources (paths copied to /app keeping their layout) or sourceDir (one folder copied to /app/<module>)');
    }
    this._sourceCopies = props.sources !== undefined
      ? resolveSources(problems, project.outdir, props.sources)
      : [{ from: this.sourceDir, to: `${APP_DIR}/${this.moduleName}` }];
    this.workdir = props.workdir ?? APP_DIR;
    if (props.workdir !== undefined) checkWorkdir(problems, props.workdir);
    this.entryCheck = props.entryCheck ?? props.sources !== undefined;
    const excludedBy = props.sources === undefined ? alwaysExcludedPattern(this.sourceDir) : undefined;
    if (excludedBy) {
      problems.add(`${props.sourceDir !== undefined ? 'sourceDir' : 'service id'} names a folder the ignore files always exclude (${excludedBy})`,
        props.sourceDir ?? id, 'a code folder whose path has no data, weights, environment or secrets folder in it (e.g. not "data", "secrets", "venv")');
    }

    const python = resolvePythonImage(problems, props.pythonVersion !== undefined ? 'pythonVersion' : 'pythonVersion (from the project)', props.pythonVersion ?? settings.pythonVersion);
    this.python = python ?? { minor: '3.11', full: '3.11.0', image: 'python:invalid' };
    const pythonImage = (python && spec.pythonImage?.(problems, python)) ?? this.python.image;
    this.pythonImage = withDigest(problems, 'baseImageDigest', pythonImage, props.baseImageDigest);
    this.pythonVersion = this.python.full;

    if (python && spec.resolveTorch) this.torch = spec.resolveTorch(problems, python.minor);
    for (const tier of TIER_ORDER) {
      (props.requirements?.[tier] ?? []).forEach((req, i) => this.requirementSet.add(problems, tier, req, `requirements.${tier}[${i}]`));
    }
    const fileDeps = props.dependencies ?? settings.dependencies;
    if (fileDeps !== undefined) this.fileDeps = { deps: fileDeps, field: 'dependencies' };
    if (props.installProject) {
      this._projectInstall = resolveProjectInstall(problems, project.outdir, this._sourceCopies,
        [...this.requirementSet.lines(RequirementTier.ML), ...this.requirementSet.lines(RequirementTier.CORE)]);
    }
    this.description = props.description ?? spec.kindTitle;
    if (/[\r\n]/.test(this.description)) problems.add('description', this.description, 'one line of text');
    this.dockerfilePath = `docker/${id}/Dockerfile`;

    const defaults = { memory: '1g', cpus: 2, pids: 512, tmp: '256m', ...spec.defaults };
    this.workload = spec.workload ?? 'server';
    this.environment = checkEnvironment(problems, props.environment ?? {});
    this.hooks = resolveBuildHooks(problems, props);
    this.publicPort = props.publicPort ?? false;
    if (props.hostPort !== undefined) {
      if (props.port === undefined) problems.add('hostPort is set without a port', props.hostPort, 'a port to publish, or no hostPort');
      else if (!(Number.isInteger(props.hostPort) && props.hostPort >= 1 && props.hostPort <= 65535)) problems.add('hostPort', props.hostPort, 'an integer from 1 to 65535');
    }
    this.hostPort = props.hostPort;
    this.memoryLimit = props.memoryLimit ?? defaults.memory;
    checkSize(problems, 'memoryLimit', this.memoryLimit, undefined, MIN_MEMORY_BYTES);
    this.tmpSize = props.tmpSize ?? defaults.tmp;
    checkSize(problems, 'tmpSize', this.tmpSize, 64 * 1024 ** 3);
    this.cpuLimit = props.cpuLimit ?? defaults.cpus;
    if (!(Number.isFinite(this.cpuLimit) && this.cpuLimit >= 0.01 && this.cpuLimit <= 1024)) problems.add('cpuLimit', props.cpuLimit, 'a number of cores from 0.01 to 1024, e.g. 2 or 0.5');
    this.pidsLimit = props.pidsLimit ?? defaults.pids;
    if (!(Number.isInteger(this.pidsLimit) && this.pidsLimit >= 16 && this.pidsLimit <= 4_194_304)) problems.add('pidsLimit', props.pidsLimit, 'an integer from 16 to 4194304');
    this.writableRoot = props.writableRootFilesystem ?? false;
    (props.dependsOn ?? []).forEach((dep, i) => {
      if (dep instanceof MlService) this.dependencies.push(dep);
      else problems.add(`dependsOn[${i}]`, dep, 'a service construct of this project (PythonService, GpuTrainer or GpuInference)');
    });
    spec.check?.(problems);

    problems.throwIfAny();

    ProjectServices.register(this);
    new RenderedFile(this, this.dockerfilePath, (file) => this.renderDockerfile(file.marker ?? ''));
    new RenderedFile(this, `${this.dockerfilePath}.dockerignore`, (file) =>
      [`# ${file.marker}`, ...ignoreFileLines(this.contextPaths()), ...this._ignoreExtraLines()].join('\n') + '\n');
    for (const tier of TIER_ORDER) this.syncTierFile(tier);
    const usesFastApi = this.command[0] === 'uvicorn' && this.requirementSet.pins(RequirementTier.CORE, 'fastapi');
    if (props.sources === undefined) {
      addServiceSamples(project, spec.sample ?? (this.port === undefined ? SampleKind.WORKER : usesFastApi ? SampleKind.FASTAPI : SampleKind.HTTP), {
        id, module: this.moduleName, sourceDir: this.sourceDir, port: this.port, healthPath: this.healthCheckPath, command: this.command,
      });
    }
    const torch = this.torch;
    if (torch) {
      new RenderedFile(this, this.tierFilePath('torch'), (file) => [
        `# ${file.marker}`,
        `# ${this.serviceId}: torch tier, installed alone with --index-url ${torch.indexUrl}`,
        ...this._torchPackages().map((pkg) => `${pkg}==${torch[pkg]}`),
      ].join('\n') + '\n');
    }
  }

  /**
   * Adds one pinned requirement to a tier. Only that tier's requirement file changes on
   * re-synth (the Dockerfile stays byte-identical unless the tier was empty before).
   */
  public addRequirement(tier: RequirementTier, spec: string): void {
    const problems = new Problems(this.path);
    const checked = checkTier(problems, tier);
    if (checked) this.requirementSet.add(problems, checked, spec, `addRequirement(${checked})`);
    problems.throwIfAny();
    this.merged = undefined;
    this.syncTierFile(checked!);
  }

  /**
   * Reads the dependency files (once per synth) and writes the requirement files of the tiers
   * they fill; prints one warning line per unpinned requirement. Every problem is thrown here,
   * before any file is written.
   */
  public preSynthesize(): void {
    const merged = this.fileTiers();
    if (!merged) return;
    for (const line of merged.report.warnings) this.project.logger.warn(`warning: ${line}`);
    for (const tier of TIER_ORDER) {
      if (this.tierFiles.has(tier) || !this.hasTier(tier)) continue;
      this.syncTierFile(tier);
      this.tierFiles.get(tier)!.preSynthesize();
    }
    if (merged.tiers.constraints.length > 0 && !this.node.tryFindChild(this.constraintsFilePath())) {
      new RenderedFile(this, this.constraintsFilePath(), (file) => [
        `# ${file.marker}`,
        `# ${this.serviceId}: constraints of the dependency files (-c), applied to every tier`,
        ...(this.fileTiers()?.tiers.constraints ?? []),
      ].join('\n') + '\n').preSynthesize();
    }
  }

  /** Every file passed its checks: the resolution is cached for the next synth. */
  public synthesize(): void {
    this.storeResolution?.();
    this.storeResolution = undefined;
  }

  /**
   * What the service's dependency files resolve to (undefined without any): the files read,
   * whether the install is hash-locked, and one warning per unpinned requirement.
   * @internal
   */
  public _dependencyReport(): FileDependencyReport | undefined {
    return this.fileTiers()?.report;
  }

  /** The tiers this service installs, in install order (torch first when it has torch). */
  public get installedTiers(): string[] {
    return [...(this.torch ? [TORCH_TIER] : []), ...TIER_ORDER.filter((t) => this.hasTier(t))];
  }

  /** The pinned requirement lines of a tier, sorted. */
  public requirementsOf(tier: RequirementTier): string[] {
    return this.requirementSet.lines(tier);
  }

  /** The dependency files resolved for this image and merged with the typed lists, once. */
  private fileTiers(): { readonly tiers: MergedTiers; readonly report: FileDependencyReport } | undefined {
    if (!this.fileDeps) return undefined;
    if (!this.merged) {
      const outdir = this.project.outdir;
      const { result: resolved, store } = resolveWithCache(this.fileDeps.deps as Dependencies, {
        projectRoot: outdir,
        pythonVersion: this.pythonVersion,
        platform: this._imagePlatform(),
        // several platforms: one set of tier files holding what each of them installs
        ...(this._imagePlatforms().length > 1 ? { platforms: this._imagePlatforms() } : {}),
        // the official python images are Debian 12 (glibc 2.36); CUDA images are newer
        glibcVersion: '2.36',
        path: this.path,
        field: this.fileDeps.field,
        cacheDir: join(outdir, 'node_modules', '.cache', 'projen-ml-docker'),
        strictPins: ProjectSettings.of(this.project).strictPins,
      });
      const problems = new Problems(this.path);
      const typed = {
        ml: this.requirementSet.lines(RequirementTier.ML),
        core: this.requirementSet.lines(RequirementTier.CORE),
        dev: this.requirementSet.lines(RequirementTier.DEV),
      };
      const tiers = mergeTiers(problems, resolved, typed, this.fileDeps.field);
      checkFileTorch(problems, resolved.torch, this.torch, this.fileDeps.field);
      problems.throwIfAny();
      this.merged = { tiers, report: { inputs: resolved.inputs, lockFile: resolved.lockFile, locked: resolved.locked, warnings: resolved.warnings } };
      this.storeResolution = store;
    }
    return this.merged;
  }

  /** True when the tier has a requirement file (typed lines or lines from the dependency files). */
  private hasTier(tier: RequirementTier): boolean {
    return this.requirementSet.has(tier) || (this.fileTiers()?.tiers.lines[tier].length ?? 0) > 0;
  }

  private constraintsFilePath(): string {
    return `docker/${this.serviceId}/constraints.txt`;
  }

  /**
   * The platform the image is built for, as Docker names it (GPU services may choose arm64).
   * @internal
   */
  protected _imagePlatform(): 'linux/amd64' | 'linux/arm64' {
    return 'linux/amd64';
  }

  /**
   * Every platform the image is built for, the first being `_imagePlatform()`.
   * @internal
   */
  public _imagePlatforms(): Array<'linux/amd64' | 'linux/arm64'> {
    return [this._imagePlatform()];
  }

  /** Makes this service wait until the other one is healthy (compose `depends_on`). */
  public addDependsOn(other: MlService): void {
    const problems = new Problems(this.path);
    if (!(other instanceof MlService)) problems.add('addDependsOn', other, 'a service construct of this project');
    else if (other === this) problems.add('addDependsOn: a service cannot depend on itself', other.serviceId, 'another service');
    else if (this.dependencies.includes(other)) problems.add('addDependsOn: already depends on', other.serviceId, 'each dependency once');
    problems.throwIfAny();
    this.dependencies.push(other);
  }

  /** Services this one waits for. */
  public get dependsOn(): MlService[] {
    return [...this.dependencies];
  }

  /**
   * The container as the stack renders it (compose today, other renderers later).
   * @internal
   */
  public _container(): ContainerSpec {
    const health = this.healthCheck;
    return this._extendContainer({
      name: this.serviceId,
      path: this.path,
      build: { dockerfile: this.dockerfilePath, target: 'prod' },
      image: serviceImageName(this.project.name, this.serviceId),
      imageIsBuilt: true,
      workload: this.workload,
      ports: this.port === undefined ? [] : [{ container: this.port, host: this.hostPort ?? this.port, public: this.publicPort }],
      environment: { ...this.environment },
      healthcheck: health && healthSpec(health),
      readOnlyRootFilesystem: !this.writableRoot,
      tmpfs: [{ path: '/tmp', size: this.tmpSize, mode: '1777', exec: true }],
      capAdd: [],
      limits: { memory: this.memoryLimit, cpus: this.cpuLimit, pids: this.pidsLimit },
      volumes: [],
      secrets: [],
      dependsOn: this.dependencies.map((d) => d.serviceId),
    });
  }

  /**
   * Lets a service type add to its container (GPU reservations, volumes, profiles).
   * @internal
   */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    return spec;
  }

  /** The image's health check, or undefined when disabled. */
  public get healthCheck(): ServiceHealthCheck | undefined {
    if (this.healthCheckDisabled) return undefined;
    const command = this.port !== undefined
      ? ['python', '-m', 'mldocker_runtime.healthcheck', 'http', `http://127.0.0.1:${this.port}${this.healthCheckPath}`]
      : ['python', '-m', 'mldocker_runtime.healthcheck', 'heartbeat', HEARTBEAT_FILE, String(this.heartbeatMaxAge)];
    return { command, interval: 30, timeout: 5, startPeriod: this.startPeriod, startInterval: 2, retries: 3 };
  }

  /** The Dockerfile's build targets, in file order; `prod` is the default (last). */
  public get targets(): string[] {
    return ['dev', 'test', 'prod'];
  }

  /**
   * Paths (relative to the project root) the Dockerfile reads from the build context,
   * the allow-list of its ignore file.
   */
  public contextPaths(): string[] {
    const files = [...this.torchFiles(), ...TIER_ORDER.filter((t) => this.hasTier(t)).map((t) => this.tierFilePath(t))];
    if ((this.fileTiers()?.tiers.constraints.length ?? 0) > 0) files.push(this.constraintsFilePath());
    return [...files, `${RUNTIME_HELPERS_DIR}/mldocker_runtime`, SHARED_CODE_DIR, ...this._sourceCopies.map((c) => c.from),
      ...this._projectInstall?.files ?? [], ...this._extraContextPaths()];
  }

  /**
   * Lines appended to the ignore files after the re-exclusions (e.g. weights let back in
   * for exactly a baked model directory).
   * @internal
   */
  public _ignoreExtraLines(): string[] {
    return [];
  }

  /**
   * The service's checked build hooks (packages, environment, steps, copies), for the docs.
   * @internal
   */
  public _buildHooks(): BuildHooks {
    return this.hooks;
  }

  /**
   * The GPU facts of the service for the docs; undefined for CPU services.
   * @internal
   */
  public _gpuSummary(): GpuSummary | undefined {
    return undefined;
  }

  /**
   * The packages of the torch tier (torch, and which of torchaudio and torchvision), in file order.
   * @internal
   */
  protected _torchPackages(): TorchPackage[] {
    return [...ALL_TORCH_PACKAGES];
  }

  /**
   * Extra build-context paths of a service type (CUDA extension sources, a baked model).
   * @internal
   */
  protected _extraContextPaths(): string[] {
    return [];
  }

  /**
   * The base images of the Dockerfile: by default the official Python image alone.
   * @internal
   */
  protected _imagePlan(): ImagePlan {
    return { baseArgs: [['PYTHON_IMAGE', this.pythonImage]], runtimeArg: 'PYTHON_IMAGE', runtimeImage: this.pythonImage, headerNotes: [] };
  }

  /**
   * The prod image's entrypoint, in exec form (GPU services add the driver check after tini).
   * @internal
   */
  protected _entrypoint(): string[] {
    return [...TINI];
  }

  /**
   * Steps run as root in the runtime block after `WORKDIR /app`, before the code is copied
   * (directories for volumes, a baked model).
   * @internal
   */
  protected _runtimeSteps(): string[] {
    return [];
  }

  /**
   * Builder steps after the core tier, before `pip check` (CUDA extensions; prod then copies
   * the builder's virtualenv).
   * @internal
   */
  protected _builderExtraSteps(): string[] {
    return [];
  }

  /**
   * What this service type adds to the shared machinery. Called from the base
   * constructor, before the subclass's own fields exist.
   * @internal
   */
  protected abstract _kindSpec(props: ServiceOptions): ServiceKindSpec;

  /** Requirement files of the torch tier (none for services without torch). */
  private torchFiles(): string[] {
    return this.torch ? [this.tierFilePath('torch')] : [];
  }

  /** Builder steps that install torch, alone, before the ml tier. */
  private torchSteps(): string[] {
    if (!this.torch) return [];
    return [
      `# PyTorch's wheel index for this variant; override with a mirror. Only torch comes from it.\nARG TORCH_INDEX_URL=${this.torch.indexUrl}`,
      this.pipInstallStep(`torch tier: ${this.torch.cuda ? `CUDA ${this.torch.cuda}` : 'CPU'} wheels, installed alone from the PyTorch index`, this.tierFilePath('torch'), [], 'TORCH_INDEX_URL'),
    ];
  }

  /**
   * Extra runtime environment for the image (GPU settings, caches).
   * @internal
   */
  protected _runtimeEnv(): Array<[string, string]> {
    return [];
  }

  /**
   * Extra labels for the image.
   * @internal
   */
  protected _extraLabels(): Array<[string, string]> {
    return [];
  }

  private tierFilePath(tier: RequirementTier | typeof TORCH_TIER): string {
    return `docker/${this.serviceId}/${tierFileName(tier)}`;
  }

  /** A `RUN pip install` step for one requirement file, constrained by the earlier ones. */
  private pipInstallStep(comment: string, file: string, constraints: string[], indexUrlArg?: string): string {
    const mounts = [file, ...constraints].map((f) =>
      `    --mount=type=bind,source=${f},target=/tmp/requirements/${basename(f)}`);
    const args = [
      ...(indexUrlArg ? [`--index-url "$${indexUrlArg}"`] : []),
      ...constraints.map((c) => `-c /tmp/requirements/${basename(c)}`),
      `-r /tmp/requirements/${basename(file)}`,
    ];
    return [
      `# ${comment}`,
      'RUN --mount=type=cache,target=/root/.cache/pip \\',
      '    --mount=type=secret,id=netrc \\',
      ...mounts.map((m) => `${m} \\`),
      `    NETRC=/run/secrets/netrc pip install ${args.join(' ')}`,
    ].join('\n');
  }

  /**
   * The install step of a tier: hash-locked (templates/pip-install-locked.ejs) when the
   * dependency files are a lock, else constrained by the tiers before it.
   */
  private tierInstallStep(tier: RequirementTier, file: string, constraints: string[]): string {
    const merged = this.fileTiers();
    if (!merged?.tiers.locked) return this.pipInstallStep(`${tier} tier: ${TIER_TITLES[tier]}`, file, constraints);
    return renderTemplate('pip-install-locked.ejs', {
      // the lock's name, never the list of files read: a new -r include must not change the Dockerfile
      tier, title: TIER_TITLES[tier], source: merged.report.lockFile ?? 'the requirement files', file, name: basename(file),
    }).replace(/\n$/, '');
  }

  private syncTierFile(tier: RequirementTier): void {
    if (this.tierFiles.has(tier) || !(this.requirementSet.has(tier) || (this.merged?.tiers.lines[tier].length ?? 0) > 0)) return;
    this.tierFiles.set(tier, new RenderedFile(this, this.tierFilePath(tier), (file) => {
      const merged = this.fileTiers();
      const sources = merged?.tiers.sources[tier] ?? [];
      const from = sources.length > 0 ? [`# from ${sources.join(', ')}${merged!.tiers.locked ? ': exact pins with their sha256 hashes, installed with --require-hashes --no-deps' : ''}`] : [];
      return [
        `# ${file.marker}`,
        `# ${this.serviceId}: ${TIER_TITLES[tier]}`,
        ...from,
        ...(merged ? merged.tiers.lines[tier] : this.requirementSet.lines(tier)),
      ].join('\n') + '\n';
    }));
  }

  private defaultTestCommand(): string[] {
    const hasPytest = this.requirementSet.pins(RequirementTier.DEV, 'pytest')
      || (this.fileTiers()?.tiers.lines.dev.some((l) => /^pytest(==|\s|;|\[|$|[<>=!~])/i.test(l)) ?? false);
    if (this._sourceCopies[0]?.to !== `${APP_DIR}/${this.moduleName}`) {
      // sources: the tests are wherever the layout keeps them, found from the working directory
      return hasPytest ? ['python', '-m', 'pytest', '-q'] : ['python', '-m', 'unittest', 'discover'];
    }
    return hasPytest ? ['python', '-m', 'pytest', '-q', this.moduleName] : ['python', '-m', 'unittest', 'discover', '-s', this.moduleName, '-t', '.'];
  }

  private renderDockerfile(marker: string): string {
    const settings = ProjectSettings.of(this.project);
    const torch = this.torchFiles();
    // deps-ml installs torch and the ml tier; builder (and prod, on a copy of deps-ml) the core tier.
    const mlSteps: string[] = [...this.torchSteps()];
    const coreSteps: string[] = [];
    const merged = this.fileTiers();
    const installed = [...torch, ...(merged && merged.tiers.constraints.length > 0 ? [this.constraintsFilePath()] : [])];
    for (const tier of [RequirementTier.ML, RequirementTier.CORE]) {
      if (!this.hasTier(tier)) continue;
      const file = this.tierFilePath(tier);
      (tier === RequirementTier.ML ? mlSteps : coreSteps).push(this.tierInstallStep(tier, file, [...installed]));
      installed.push(file);
    }
    const devSteps: string[] = [];
    if (this.hasTier(RequirementTier.DEV)) {
      devSteps.push(this.tierInstallStep(RequirementTier.DEV, this.tierFilePath(RequirementTier.DEV), [...installed]));
      devSteps.push('RUN pip check');
    }
    const env: Array<[string, string]> = [
      ['HOME', '/tmp'],
      ['XDG_CACHE_HOME', '/tmp/.cache'],
      ['PYTHONPATH', '/app:/opt/mldocker'],
      ...this._runtimeEnv(),
    ];
    const chown = `--chown=${APP_UID}:${APP_UID}`;
    const runtimeBlock = [
      `ENV ${env.map(([k, v]) => `${k}=${dockerQuote(v)}`).join(' \\\n    ')}`,
      'WORKDIR /app',
      ...this._runtimeSteps(),
      ...renderRuntimeHooks(this.hooks),
      ...this._projectInstall ? [renderTemplate('dockerfile/install-project-wheel.ejs', {}).trimEnd()] : [],
      '# Runtime helpers (health checks, heartbeat), then shared code, then this service\'s code:',
      '# code changes invalidate no dependency layer.',
      `COPY ${chown} ${RUNTIME_HELPERS_DIR}/mldocker_runtime /opt/mldocker/mldocker_runtime`,
      `COPY ${chown} ${SHARED_CODE_DIR} /app/common`,
      renderTemplate('dockerfile/sources-copy.ejs', { copies: this._sourceCopies, uid: APP_UID, workdir: this.workdir }).trimEnd(),
      `USER ${APP_UID}:${APP_UID}`,
    ].join('\n');
    const plan = this._imagePlan();
    const health = this.healthCheck;
    const project = this.project;
    const labels: Array<[string, string]> = [
      ['org.opencontainers.image.title', serviceImageName(project.name, this.serviceId)],
      ['org.opencontainers.image.description', this.description],
      ['org.opencontainers.image.base.name', plan.runtimeImage],
      ['dev.projen-ml-docker.python', this.pythonVersion],
      ...this._extraLabels(),
    ];
    return renderTemplate('Dockerfile.ejs', {
      syntax: settings.dockerfileSyntax ? settings.dockerfileFrontend : undefined,
      marker,
      title: `${this.serviceId}: ${this.description} (Python ${this.pythonVersion})`,
      dockerfile: this.dockerfilePath,
      imageName: serviceImageName(project.name, this.serviceId),
      torch: torch.length > 0,
      headerNotes: plan.headerNotes,
      baseArgs: [...plan.baseArgs, ...copyImageArgs(this.hooks)],
      pythonStage: plan.copyPython?.stage,
      copyStages: renderCopyStages(this.hooks),
      builderSetup: [...(plan.builderSetup ?? []), ...renderBuilderSetup(this.hooks)],
      base: this.systemStage('base', plan.runtimeArg, plan, []),
      develBuilder: plan.devel && { ...this.systemStage('deps-ml', plan.devel.arg, plan, plan.devel.packages), comment: plan.devel.comment },
      uid: APP_UID,
      mlSteps,
      coreSteps,
      builderExtraSteps: this._builderExtraSteps(),
      builderHookSteps: renderSteps(this.hooks, BuildStepStage.BUILDER),
      // prod installs the core tier itself on a copy of deps-ml, unless the builder makes what
      // prod cannot: CUDA extensions (a devel image or a toolkit), or build hooks (packages,
      // env, steps) a core package or a step may need. Then prod copies the builder's venv.
      prodVenvFromBuilder: plan.devel !== undefined || (plan.builderSetup ?? []).length > 0 || this._builderExtraSteps().length > 0
        || this.hooks.packages.length > 0 || this.hooks.env.length > 0 || this.hooks.steps.some((st) => st.stage === BuildStepStage.BUILDER),
      devSteps,
      runtimeBlock,
      projectStage: this._projectInstall && renderTemplate('dockerfile/install-project.ejs', this._projectInstall).trimEnd(),
      entryCheck: this.entryCheckStep(),
      devEntrypoint: `ENTRYPOINT ${execForm(TINI)}`,
      entrypoint: `ENTRYPOINT ${execForm(this._entrypoint())}`,
      command: execForm(this.command),
      testCommand: execForm(this.testCommandOverride ?? this.defaultTestCommand()),
      healthcheck: health && {
        options: `--interval=${health.interval}s --timeout=${health.timeout}s --start-period=${health.startPeriod}s --start-interval=${health.startInterval}s --retries=${health.retries}`,
        command: execForm(health.command),
      },
      labels: labels.map(([k, v]) => `${k}=${dockerQuote(v)}`),
    });
  }

  /**
   * The synth-time checks of the image (the ignore proof, shadowing, the entry) and the prod stage's
   * build-time entry check (undefined when the check is off).
   */
  private entryCheckStep(): string | undefined {
    const problems = new Problems(this.path);
    const samplesPlanned = this._sourceCopies.length === 1 && this._sourceCopies[0].from === this.sourceDir
      && !existsSync(join(this.project.outdir, this.sourceDir));
    const check = checkServiceImage(problems, {
      root: this.project.outdir,
      command: this.command,
      copies: this._sourceCopies,
      plannedFiles: samplesPlanned ? ['__init__.py', entryFileName(this.command, this.moduleName), 'test_main.py'].map((f) => `${this.sourceDir}/${f}`) : [],
      workdir: this.workdir,
      checkCommand: this.entryCheck,
      project: this._projectInstall && {
        scripts: this._projectInstall.scripts,
        files: [...this._projectInstall.files, ...this._sourceCopies.map((c) => c.from)],
      },
      contextPaths: this.contextPaths(),
      artefactsAllowedUnder: this._artefactFolders(),
      pythonPath: [APP_DIR, '/opt/mldocker'],
      ignoreText: [...ignoreFileLines(this.contextPaths()), ...this._ignoreExtraLines()].join('\n'),
      requirements: [...(this.torch ? [`torch==${this.torch.torch}`, `torchvision==${this.torch.torchvision}`, `torchaudio==${this.torch.torchaudio}`] : []),
        ...this.requirementSet.lines(RequirementTier.ML), ...this.requirementSet.lines(RequirementTier.CORE),
        ...this.fileRequirementLines(RequirementTier.ML), ...this.fileRequirementLines(RequirementTier.CORE)],
    });
    problems.throwIfAny();
    if (check.excludedArtefacts.length > 0) {
      this.project.logger.info(`${this.path}: ${check.excludedArtefacts.length} data or weights file(s) under the copied code stay out of the image (e.g. ${check.excludedArtefacts[0]})`);
    }
    return check.buildStep?.trimEnd();
  }

  /** The requirements a tier takes from dependency files, one `name==version` (or spec) each. */
  private fileRequirementLines(tier: RequirementTier): string[] {
    return (this.fileTiers()?.tiers.lines[tier] ?? []).filter((l) => /^[A-Za-z0-9]/.test(l)).map((l) => l.replace(/\s*\\$/, ''));
  }

  /**
   * Folders whose weights belong in the image (a baked model).
   * @internal
   */
  public _artefactFolders(): string[] {
    return [];
  }

  /** A system stage: the base image, the exact Python (copied in when needed), OS packages, the user. */
  private systemStage(name: string, fromArg: string, plan: ImagePlan, extraPackages: string[]): SystemStage {
    const copy = plan.copyPython;
    const packages = [...this.aptPackages, ...(copy?.packages ?? []), ...extraPackages].filter((p, i, all) => all.indexOf(p) === i);
    const minor = this.python.minor;
    return {
      name,
      fromArg,
      copiesPython: copy !== undefined,
      setup: copy ? [
        `# Python ${this.pythonVersion} exactly as the official image builds it (interpreter, standard`,
        '# library and pip under /usr/local), on top of this image.',
        'COPY --from=python /usr/local/ /usr/local/',
      ] : [],
      aptPackages: packages,
      afterApt: copy ? [
        '# The copied Python must find every shared library it links (the packages above provide them):',
        '# fail the build on anything missing, then smoke-test the standard library.',
        'RUN set -eu; \\',
        '    ldconfig; \\',
        `    missing="$(find /usr/local/bin/python${minor} /usr/local/lib/libpython3* /usr/local/lib/python${minor}/lib-dynload -type f -not -name '*tkinter*' -exec ldd {} + 2>/dev/null | grep 'not found' || true)"; \\`,
        '    if [ -n "$missing" ]; then echo "python needs libraries this image lacks:" >&2; echo "$missing" >&2; exit 1; fi; \\',
        `    python${minor} -c 'import bz2, ctypes, decimal, hashlib, lzma, sqlite3, ssl, uuid, zlib'`,
      ] : [],
    };
  }

}

/** tini as PID 1, in exec form. */
const TINI: readonly string[] = ['/usr/bin/tini', '--'];

/** Where services without a port write their heartbeat (inside the /tmp tmpfs). */
export const HEARTBEAT_FILE = '/tmp/heartbeat';

const TIER_TITLES: Record<RequirementTier, string> = {
  [RequirementTier.ML]: 'heavy ML libraries, installed first and changed rarely',
  [RequirementTier.CORE]: 'application libraries, installed after the ml tier',
  [RequirementTier.DEV]: 'development and test tools, only in the dev and test targets',
};

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function checkCommand(problems: Problems, field: string, command: string[]): void {
  if (command.length === 0) {
    problems.add(field, command, 'a non-empty list, e.g. ["python", "-m", "app.main"]');
    return;
  }
  command.forEach((arg, i) => {
    if (i === 0 && arg.trim() === '') problems.add(`${field}[0]`, arg, 'the program to run, not an empty string');
    if (arg.includes('\n') || arg.includes('\0')) problems.add(`${field}[${i}]`, arg, 'an argument without newlines or NUL');
  });
}

function checkSeconds(problems: Problems, field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.add(field, value, `a whole number of seconds from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/** The image's health check as the neutral model's (the probe becomes `test`, in exec form). */
function healthSpec({ command, ...timing }: ServiceHealthCheck): HealthSpec {
  return { ...timing, test: command, shell: false };
}

/** Checks a service id before the construct exists (constructs' own error would be cryptic). */
function checkServiceId(project: Project, id: string): string {
  const problems = new Problems(`${project?.name ?? '?'}/${String(id)}`);
  if (!(project instanceof Project)) {
    problems.add('scope', project, 'a projen Project (e.g. the MlDockerProject of .projenrc.ts)');
    problems.throwIfAny();
  }
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    problems.add('service id', id, 'lowercase letters, digits and "-", starting with a letter, at most 40 characters (it names the compose service, the image and docker/<id>/)');
  } else if (RESERVED_IDS.includes(id)) {
    problems.add('service id is reserved', id, `an id other than ${oneOf(RESERVED_IDS)}`);
  } else if (moduleNameCollision(moduleName(id), [RUNTIME_PACKAGE]) === ShadowKind.RUNTIME) {
    problems.add(`service id gives the python package "${RUNTIME_PACKAGE}" of the runtime helpers`, id, 'an id whose module name (the id with "-" as "_") is not the runtime helpers\' package');
  } else if (moduleNameCollision(moduleName(id)) === ShadowKind.STDLIB) {
    problems.add(`service id gives the python package "${moduleName(id)}", which would shadow the standard library module of that name (the code is at /app/${moduleName(id)}, first on PYTHONPATH)`, id,
      `an id whose module name (the id with "-" as "_") is not a standard library module of python ${stdlibVersions().join(', ')}, e.g. "${id}-service"`);
  } else if (project.node.tryFindChild(id)) {
    problems.add('service id is already used by another construct of the project', id, 'an id no other component of the project uses');
  } else {
    const services = servicesOf(project);
    const clash = services.find((s) => s.serviceId === id || s.moduleName === moduleName(id));
    if (clash) problems.add('service id is already used', id, `a unique id (taken: ${oneOf(services.map((s) => s.serviceId))})`);
  }
  problems.throwIfAny();
  return id;
}

/** The services of a project in definition order (empty before the first one). */
export function servicesOf(project: Project): MlService[] {
  // Only MlService registers itself (at the end of its constructor, once its checks passed).
  return (ProjectServices.of(project)?.services ?? []) as MlService[];
}
