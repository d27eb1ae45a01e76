import { existsSync } from 'fs';
import { join } from 'path';
import { Component, Project } from 'projen';
import { BUILD_HOOKS_SHAPE, BuildHookOptions, BuildHooks, resolveBuildHooks } from './build-hooks';
import { renderDockerfile } from './dockerfile-render';
import { checkServiceImage } from './entry-check';
import { FileDependencyReport } from './file-tiers';
import {
  EntryCheckStep, ImageModel, resolveHealthCheck, resolveImageModel,
} from './image-model';
import { APP_DIR, APP_UID } from './image-paths';
import { ProjectInstall, resolveProjectInstall } from './project-install';
import { ProjectServices } from './project-services';
import { PythonImage, resolvePythonImage } from './python-image';
import { RequirementFiles } from './requirement-files';
import { SampleKind, addServiceSamples, entryFileName } from './samples';
import {
  checkCommand, checkServiceId, healthSpec, resolveCodeProps, resolveHealthProps, resolveLimitProps,
} from './service-checks';
import { GpuSummary, KindResolution, ServiceKindSpec } from './service-kind';
import { SourceCopy } from './sources';
import { TorchWheels } from './torch';
import { ALL_TORCH_PACKAGES, TorchPackage } from './torch-packages';
import { ContainerSpec } from '../core/container-spec';
import { checkDebianPackages } from '../core/debian';
import { withDigest } from '../core/digest';
import { ignoreFileLines } from '../core/dockerignore';
import { checkEnvironment } from '../core/environment';
import { serviceImageName } from '../core/image-name';
import { moduleName } from '../core/names';
import { Problems, checkShape } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { RequirementSet, RequirementTier, RequirementTiers, TIER_ORDER, checkTier } from '../core/requirements';
import { z } from '../core/shape';
import { TORCH_TIER } from '../core/tier-files';
import { Dependencies } from '../deps';

export { checkRelativeDir } from './sources';
export { GpuSummary, KindResolution, ServiceKindSpec } from './service-kind';

export { APP_UID };

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
   * exist when the project is synthesized; not together with `sourceDir`. No starter code is
   * written.
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
   * in the prod stage's build (`python -m mldocker_runtime.entry_check`: `importlib.util.find_spec`,
   * nothing of the project runs). Turn it off only for entries the check cannot see (a shell
   * script, a program from `aptPackages`).
   * @default true
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

/** The static side of a concrete service class: its kind spec, a pure function of its props. Internal. */
interface ServiceKind {
  _kindSpec(project: Project, id: string, props: ServiceOptions): ServiceKindSpec;
}

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
  /** Set once the checks passed (`wire()`). */
  private requirementFiles!: RequirementFiles;
  /** The dependency files given (the prop, else the project's default), and the prop's name for messages. */
  private readonly fileDeps?: { readonly deps: unknown; readonly field: string };
  private readonly python: PythonImage;
  /**
   * What the kind resolved (torch, and its own facts such as a GPU service's CUDA choice).
   * @internal
   */
  protected readonly _kind: KindResolution;

  protected constructor(project: Project, id: string, props: ServiceOptions) {
    super(project, checkServiceId(project, id));
    // The concrete class describes its kind with a static, pure function of the props: no
    // method of this half-built service runs here.
    const spec = (new.target as unknown as ServiceKind)._kindSpec(project, id, props ?? {} as ServiceOptions);
    const settings = ProjectSettings.of(project);
    this.serviceId = id;
    this.path = `${project.name}/${id}`;
    const problems = new Problems(this.path);

    // 1. Validate and resolve: each group of props is checked into one problems list and kept
    //    as the resolved value (in prop order, so one error lists every problem in that order).
    if (!checkShape(problems, z.strictObject({ ...SERVICE_OPTIONS_SHAPE, ...spec.extraShape }), props ?? {})) {
      problems.throwIfAny();
    }

    this.moduleName = moduleName(id);
    this.command = [...props.command];
    checkCommand(problems, 'command', props.command);
    if (props.testCommand !== undefined) checkCommand(problems, 'testCommand', props.testCommand);
    this.testCommandOverride = props.testCommand ? [...props.testCommand] : undefined;

    const health = resolveHealthProps(problems, props);
    this.port = props.port;
    this.healthCheckPath = health.path;
    this.heartbeatMaxAge = health.heartbeatMaxAge;
    this.startPeriod = health.startPeriod;
    this.healthCheckDisabled = health.disabled;

    const aptPackages = props.aptPackages ?? [];
    checkDebianPackages(problems, 'aptPackages', aptPackages);
    this.aptPackages = ['tini', ...aptPackages.filter((p) => p !== 'tini')].filter((p, i, all) => all.indexOf(p) === i);

    const code = resolveCodeProps(problems, project.outdir, id, props);
    this.sourceDir = code.sourceDir;
    this._sourceCopies = code.copies;
    this.workdir = code.workdir;
    this.entryCheck = code.entryCheck;

    const python = resolvePythonImage(problems, props.pythonVersion !== undefined ? 'pythonVersion' : 'pythonVersion (from the project)', props.pythonVersion ?? settings.pythonVersion);
    this.python = python ?? { minor: '3.11', full: '3.11.0', image: 'python:invalid' };
    const pythonImage = (python && spec.pythonImage?.(problems, python)) ?? this.python.image;
    this.pythonImage = withDigest(problems, 'baseImageDigest', pythonImage, props.baseImageDigest);
    this.pythonVersion = this.python.full;

    const resolved = python && spec.resolveTorch ? spec.resolveTorch(problems, python) : undefined;
    this.torch = resolved?.torch;
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

    this.workload = spec.workload ?? 'server';
    this.environment = checkEnvironment(problems, props.environment ?? {});
    this.hooks = resolveBuildHooks(problems, props);
    const limits = resolveLimitProps(problems, props, spec.defaults);
    this.publicPort = limits.publicPort;
    this.hostPort = props.hostPort;
    this.memoryLimit = limits.memory;
    this.tmpSize = limits.tmp;
    this.cpuLimit = limits.cpus;
    this.pidsLimit = limits.pids;
    this.writableRoot = limits.writableRoot;
    (props.dependsOn ?? []).forEach((dep, i) => {
      if (dep instanceof MlService) this.dependencies.push(dep);
      else problems.add(`dependsOn[${i}]`, dep, 'a service construct of this project (PythonService, GpuTrainer or GpuInference)');
    });
    this._kind = (spec.check ? spec.check(problems, resolved) : resolved) ?? {};
    problems.throwIfAny();

    // 2. Wire: join the project's services, then the files (rendered at synth from the image model).
    this.wire(props.sources === undefined ? spec.sample : undefined, props.sources === undefined);
  }

  /** Registers the service and creates its files: Dockerfile, ignore file, requirement files, starter code. */
  private wire(sample: SampleKind | undefined, samples: boolean): void {
    const id = this.serviceId;
    ProjectServices.register(this);
    new RenderedFile(this, this.dockerfilePath, (file) => this.dockerfileText(file.marker ?? ''));
    new RenderedFile(this, `${this.dockerfilePath}.dockerignore`, (file) =>
      [`# ${file.marker}`, ...ignoreFileLines(this.contextPaths()), ...this._ignoreExtraLines()].join('\n') + '\n');
    this.requirementFiles = new RequirementFiles({
      scope: this,
      serviceId: id,
      path: this.path,
      pythonVersion: this.pythonVersion,
      torch: this.torch,
      fileDeps: this.fileDeps,
      torchPackages: () => this._torchPackages(),
      platforms: () => this._imagePlatforms(),
    }, this.requirementSet);
    const usesFastApi = this.command[0] === 'uvicorn' && this.requirementSet.pins(RequirementTier.CORE, 'fastapi');
    if (samples) {
      addServiceSamples(this.project, sample ?? (this.port === undefined ? SampleKind.WORKER : usesFastApi ? SampleKind.FASTAPI : SampleKind.HTTP), {
        id, module: this.moduleName, sourceDir: this.sourceDir, port: this.port, healthPath: this.healthCheckPath, command: this.command,
      });
    }
  }

  /**
   * Adds one pinned requirement to a tier. Only that tier's requirement file changes on
   * re-synth (the Dockerfile stays byte-identical unless the tier was empty before).
   */
  public addRequirement(tier: RequirementTier, spec: string): void {
    const problems = new Problems(this.path);
    const checked = checkTier(problems, tier);
    problems.throwIfAny();
    this.requirementFiles.add(problems, checked!, spec, `addRequirement(${checked})`);
  }

  /**
   * Reads the dependency files (once per synth) and writes the requirement files of the tiers
   * they fill; prints one warning line per unpinned requirement. Every problem is thrown here,
   * before any file is written.
   */
  public preSynthesize(): void {
    // a service its checks refused stays among the project's components, without files
    this.requirementFiles?.preSynthesize();
  }

  /** Every file passed its checks: the resolution is cached for the next synth. */
  public synthesize(): void {
    this.requirementFiles?.synthesize();
  }

  /**
   * What the service's dependency files resolve to (undefined without any): the files read,
   * whether the install is hash-locked, and one warning per unpinned requirement.
   * @internal
   */
  public _dependencyReport(): FileDependencyReport | undefined {
    return this.requirementFiles.resolved()?.report;
  }

  /** The tiers this service installs, in install order (torch first when it has torch). */
  public get installedTiers(): string[] {
    return [...(this.torch ? [TORCH_TIER] : []), ...TIER_ORDER.filter((t) => this.requirementFiles.has(t))];
  }

  /** The pinned requirement lines of a tier, sorted. */
  public requirementsOf(tier: RequirementTier): string[] {
    return this.requirementSet.lines(tier);
  }

  /**
   * Every platform the image is built for; the first is the one compose builds and runs
   * (GPU services may choose arm64, CPU services several).
   * @internal
   */
  public _imagePlatforms(): Array<'linux/amd64' | 'linux/arm64'> {
    return ['linux/amd64'];
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
    return resolveHealthCheck({
      port: this.port,
      path: this.healthCheckPath,
      heartbeatFile: HEARTBEAT_FILE,
      heartbeatMaxAge: this.heartbeatMaxAge,
      startPeriod: this.startPeriod,
    });
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
    return [...this._imageModel().contextPaths];
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
   * What a service type adds to its image: GPU facts, its runtime environment and steps, extra
   * build-context paths. Called at synth (never from a constructor); pure in the model.
   * @internal
   */
  public _extendImage(model: ImageModel): ImageModel {
    return model;
  }

  /**
   * The service's image, resolved from its props, its kind and its dependency files (without
   * the entry check, which needs the model's context paths).
   * @internal
   */
  public _imageModel(marker = ''): ImageModel {
    const settings = ProjectSettings.of(this.project);
    const merged = this.requirementFiles.resolved();
    const lines = (tier: RequirementTier): string[] => this.requirementFiles.lines(tier);
    return this._extendImage(resolveImageModel({
      serviceId: this.serviceId,
      description: this.description,
      imageName: serviceImageName(this.project.name, this.serviceId),
      marker,
      syntax: settings.dockerfileSyntax ? settings.dockerfileFrontend : undefined,
      python: { version: this.pythonVersion, minor: this.python.minor, image: this.pythonImage },
      aptPackages: this.aptPackages,
      torch: this.torch,
      tierLines: { ml: lines(RequirementTier.ML), core: lines(RequirementTier.CORE), dev: lines(RequirementTier.DEV) },
      // the lock's name, never the list of files read: a new -r include must not change the Dockerfile
      lock: merged?.tiers.locked ? { source: merged.report.lockFile ?? 'the requirement files' } : undefined,
      constraints: (merged?.tiers.constraints.length ?? 0) > 0,
      hooks: this.hooks,
      copies: this._sourceCopies,
      workdir: this.workdir,
      moduleName: this.moduleName,
      projectInstall: this._projectInstall,
      command: this.command,
      testCommand: this.testCommandOverride,
      healthCheck: this.healthCheck,
    }));
  }

  /**
   * The image model the Dockerfile renders: with the prod stage's entry check (the cache report
   * reads it).
   * @internal
   */
  public _renderedImageModel(marker = ''): ImageModel {
    const model = this._imageModel(marker);
    return { ...model, entryCheck: this.imageChecks(model) };
  }

  /** The Dockerfile: the rendered image model. */
  private dockerfileText(marker: string): string {
    return renderDockerfile(this._renderedImageModel(marker));
  }

  /**
   * The synth-time checks of the image (the ignore proof, shadowing, the entry) and the prod stage's
   * build-time entry check (undefined when the check is off).
   */
  private imageChecks(model: ImageModel): EntryCheckStep | undefined {
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
      contextPaths: [...model.contextPaths],
      artefactsAllowedUnder: this._artefactFolders(),
      pythonPath: [APP_DIR, '/opt/mldocker'],
      ignoreText: [...ignoreFileLines([...model.contextPaths]), ...this._ignoreExtraLines()].join('\n'),
      requirements: [...(this.torch ? this._torchPackages().map((pkg) => `${pkg}==${this.torch![pkg]}`) : []),
        ...this.requirementSet.lines(RequirementTier.ML), ...this.requirementSet.lines(RequirementTier.CORE),
        ...this.requirementFiles.fileRequirements(RequirementTier.ML), ...this.requirementFiles.fileRequirements(RequirementTier.CORE)],
    });
    problems.throwIfAny();
    if (check.excludedArtefacts.length > 0) {
      this.project.logger.info(`${this.path}: ${check.excludedArtefacts.length} data or weights file(s) under the copied code stay out of the image (e.g. ${check.excludedArtefacts[0]})`);
    }
    return check.buildCheck;
  }

  /**
   * Folders whose weights belong in the image (a baked model).
   * @internal
   */
  public _artefactFolders(): string[] {
    return [];
  }


}

/** Where services without a port write their heartbeat (inside the /tmp tmpfs). */
export const HEARTBEAT_FILE = '/tmp/heartbeat';

/** The services of a project in definition order (empty before the first one). */
export function servicesOf(project: Project): MlService[] {
  // Only MlService registers itself (at the end of its constructor, once its checks passed).
  return (ProjectServices.of(project)?.services ?? []) as MlService[];
}
