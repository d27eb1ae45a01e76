import { Component, Project } from 'projen';
import * as z from 'zod/mini';
import { FileDependencyReport } from './merged-tiers';
import { modelFolderVolumes } from './model-dir';
import type { ModelSpec } from './model-weights';
import type { ManifestFile } from './models-lock';
import { ProjectInstall } from './project-install';
import { ProjectServices } from './project-services';
import { RequirementFiles } from './requirement-files';
import { SampleKind } from './sample-kind';
import { addServiceSamples } from './samples';
import { checkServiceId, healthSpec } from './service-checks';
import { ServiceImage } from './service-image';
import { AnyServiceKind, GpuSummary, KindResolution, ServiceKind, kindOf } from './service-kind';
import { IMlService, SERVICE_OPTIONS_SHAPE, ServiceOptions } from './service-options';
import { ResolvedService, resolveService } from './service-resolve';
import { RuntimeSecret, secretEnvironment } from './service-secrets';
import { serviceVolumeSpecs } from './service-volumes';
import { TorchWheels } from './torch';
import { TorchBuild } from './torch-packages';
import { ContainerSpec, hardenedSecurity } from '../core/container-spec';
import { serviceImageName } from '../core/image-name';
import { Problems, checkShape } from '../core/problems';
import { RequirementTier, TIER_ORDER, checkTier } from '../core/requirements';
import { composeSize } from '../core/sizes';
import { TORCH_TIER } from '../core/tier-files';
import { BuildHooks } from '../image/build-hook-steps';
import { ImageModel, ServiceHealthCheck, SourceCopy, resolveHealthCheck } from '../image/image-model';
import { APP_UID } from '../image/image-paths';

export { APP_UID };

/**
 * The machinery every service type shares: validation, requirement tiers, the
 * multi-stage Dockerfile, the ignore files and the docs entry. `PythonService`,
 * `GpuTrainer` and `GpuInference` differ only in what they feed into it.
 */
export abstract class MlService extends Component implements IMlService {
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
  /** The named cache volume (`<id>-cache`, at `/cache`), if the service has one. */
  public readonly cacheVolume?: string;
  /** The names of the secrets the service reads (files at `/run/secrets/<name>`). */
  public readonly secretNames: string[];

  /** What makes the service what it is: the kind its class handed in with the props. */
  private readonly kind: AnyServiceKind;
  /** The checked props, resolved with the service's kind. */
  private readonly resolved: ResolvedService;
  private readonly dependencies: MlService[] = [];
  /** Set once the checks passed (`wire()`). */
  private requirementFiles!: RequirementFiles;
  /** The Dockerfile and its ignore file, from the image model (set once the checks passed). */
  private image!: ServiceImage;

  protected constructor(project: Project, id: string, props: ServiceOptions) {
    super(project, checkServiceId(project, id));
    this.serviceId = id;
    this.path = `${project.name}/${id}`;
    const problems = new Problems(this.path);
    // The concrete class hands in its kind with the props (service-kind.ts): no method of this
    // half-built service runs here.
    const kind = kindOf(props);
    if (!kind) {
      problems.add('service class', this.constructor.name, 'PythonService, GpuTrainer or GpuInference');
      problems.throwIfAny();
    }
    this.kind = kind!;
    this.kind.refuse?.(problems, props);
    problems.throwIfAny();

    // 1. Validate and resolve: every prop is checked into one problems list (in prop order, so
    //    one error lists every problem in that order) and kept as its resolved value.
    const shape = z.strictObject({ ...SERVICE_OPTIONS_SHAPE, ...this.kind.shape });
    if (!checkShape(problems, shape, props ?? {})) {
      problems.throwIfAny();
    }
    const shared = resolveService(problems, project, id, props, this.kind);
    (props.dependsOn ?? []).forEach((dep, i) => {
      if (dep instanceof MlService) this.dependencies.push(dep);
      else problems.add(`dependsOn[${i}]`, dep, 'a service construct of this project (PythonService, GpuTrainer or GpuInference)');
    });
    //    Then the props the kind adds, after the shared ones (its props come after them too).
    const resolvedKind = this.kind.resolve(problems, props, shared.kindContext);
    this.kind.check(problems, props, resolvedKind, shared.kindContext);
    problems.throwIfAny();

    const r: ResolvedService = { ...shared, kind: resolvedKind, torch: resolvedKind.torch };
    this.resolved = r;
    this.moduleName = r.moduleName;
    this.command = r.command;
    this.port = props.port;
    this.healthCheckPath = r.health.path;
    this.sourceDir = r.code.sourceDir;
    this._sourceCopies = r.code.copies;
    this.workdir = r.code.workdir;
    this.entryCheck = r.code.entryCheck;
    this.pythonImage = r.pythonImage;
    this.pythonVersion = r.python.full;
    this.torch = r.torch;
    this._projectInstall = r.projectInstall;
    this.description = r.description;
    this.dockerfilePath = r.dockerfilePath;
    this.environment = r.environment;
    this.memoryLimit = composeSize(r.limits.memory);
    this.cpuLimit = r.limits.cpus;
    this.pidsLimit = r.limits.pids;
    this.cacheVolume = r.volumes.cache?.volume;
    this.secretNames = r.secrets.map((s) => s.name);

    // 2. Wire: join the project's services, then the files (rendered at synth from the image model).
    this.wire(props.sources === undefined ? this.kind.sample(props) : undefined, props.sources === undefined);
  }

  /**
   * Registers the service and creates its files: Dockerfile, ignore file, requirement files, starter code.
   */
  private wire(sample: SampleKind | undefined, samples: boolean): void {
    const id = this.serviceId;
    ProjectServices.register(this);
    this.image = new ServiceImage({
      scope: this,
      serviceId: id,
      path: this.path,
      dockerfilePath: this.dockerfilePath,
      resolved: this.resolved,
      healthCheck: this.healthCheck,
      files: () => this.requirementFiles,
    });
    this.requirementFiles = new RequirementFiles({
      scope: this,
      serviceId: id,
      path: this.path,
      pythonVersion: this.pythonVersion,
      torch: this.torch,
      fileDeps: this.resolved.fileDeps,
      torchPackages: () => [...this.resolved.kind.torchPackages],
      platforms: () => this._imagePlatforms(),
      projectBuild: this.resolved.projectInstall?.build,
      fromDependencyFiles: this.resolved.kind.fromDependencyFiles,
    }, this.resolved.requirements);
    const usesFastApi = this.command[0] === 'uvicorn' && this.resolved.requirements.pins(RequirementTier.CORE, 'fastapi');
    if (samples) {
      const sampleKind = sample
        ?? (this.port === undefined ? SampleKind.WORKER : usesFastApi ? SampleKind.FASTAPI : SampleKind.HTTP);
      addServiceSamples(this.project, sampleKind, {
        id,
        module: this.moduleName,
        sourceDir: this.sourceDir,
        port: this.port,
        healthPath: this.healthCheckPath,
        command: this.command,
      });
    }
  }

  /**
   * What the service's kind resolved, typed by that kind: the concrete class's own kind object
   * (the one it handed in), or the GPU kind it is made with.
   * @internal
   */
  protected _resolvedBy<R extends KindResolution>(kind: ServiceKind<any, R>): R {
    if (kind !== this.kind) throw new Error(`${this.path}: not a service of the kind "${kind.title}"`);
    return this.resolved.kind as R;
  }

  /**
   * The service's model weights (`models`), checked; empty without any.
   * @internal
   */
  public _modelWeights(): readonly ModelSpec[] {
    return [...this.resolved.kind.weights ?? []];
  }

  /**
   * The files of the service's models as `models.lock` holds them (read at synth; empty without models).
   * @internal
   */
  public _modelFiles(): readonly ManifestFile[] {
    return this.image.weightFiles();
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
    const services = ProjectServices.of(this.project);
    // the first service precedes the others and the shared files: a new synth begins
    if (services?.services[0] === this) services.beginSynth();
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

  /**
   * The builds of torch, torchvision and torchaudio the image may hold, and how each gets there
   * (the torch tier, or a constraint of every later tier); empty without torch.
   * @internal
   */
  public _torchFamily(): TorchBuild[] {
    return this.requirementFiles.torchFamily();
  }

  /** The tiers this service installs, in install order (torch first when it has torch). */
  public get installedTiers(): string[] {
    return [...(this.torch ? [TORCH_TIER] : []), ...TIER_ORDER.filter((t) => this.requirementFiles.has(t))];
  }

  /** The pinned requirement lines of a tier, sorted. */
  public requirementsOf(tier: RequirementTier): string[] {
    return this.resolved.requirements.lines(tier);
  }

  /**
   * Every platform the image is built for; the first is the one compose builds and runs
   * (GPU services may choose arm64, CPU services several).
   * @internal
   */
  public _imagePlatforms(): Array<'linux/amd64' | 'linux/arm64'> {
    return [...this.resolved.kind.platforms];
  }

  /** Makes this service wait for the other one (compose `depends_on`; see the `dependsOn` prop). */
  public addDependsOn(other: IMlService): void {
    const problems = new Problems(this.path);
    if (!(other instanceof MlService)) {problems.add('addDependsOn', other, 'a service construct of this project');} else if (other === this) {problems.add('addDependsOn: a service cannot depend on itself', other.serviceId, 'another service');} else if (this.dependencies.includes(other)) {problems.add('addDependsOn: already depends on', other.serviceId, 'each dependency once');} else {
      this.dependencies.push(other);
      return;
    }
    problems.throwIfAny();
  }

  /** Services this one waits for. */
  public get dependsOn(): MlService[] {
    return [...this.dependencies];
  }

  /**
   * The container as the stack renders it (compose today, other renderers later): the shared
   * props', what the kind adds, then the model folder's volumes.
   * @internal
   */
  public _container(): ContainerSpec {
    const health = this.healthCheck;
    const { workload, hostPort, limits, kind: resolved } = this.resolved;
    const spec = this.kind.container({
      name: this.serviceId,
      path: this.path,
      build: { dockerfile: this.dockerfilePath, target: 'prod' },
      image: serviceImageName(this.project.name, this.serviceId),
      imageIsBuilt: true,
      workload,
      ports: this.port === undefined
        ? [] : [{ container: this.port, host: hostPort ?? this.port, public: limits.publicPort }],
      // a secret's variable holds only its path: the value stays in the mounted file
      environment: { ...this.environment, ...secretEnvironment(this.resolved.secrets) },
      healthcheck: health && healthSpec(health),
      security: hardenedSecurity({ readOnlyRootFilesystem: !limits.writableRoot }),
      tmpfs: [{ path: '/tmp', size: limits.tmp, mode: '1777', exec: true }],
      limits: { memory: limits.memory, cpus: this.cpuLimit, pids: this.pidsLimit },
      volumes: [],
      secrets: this.resolved.secrets.map((s) => s.name),
      dependsOn: this.dependencies.map((d) => d.serviceId),
    }, resolved);
    const volumes = [...modelFolderVolumes(resolved.models), ...serviceVolumeSpecs(this.resolved.volumes)];
    return { ...spec, volumes: [...spec.volumes, ...volumes] };
  }

  /** The image's health check, or undefined when disabled. */
  public get healthCheck(): ServiceHealthCheck | undefined {
    if (this.resolved.health.disabled) return undefined;
    return resolveHealthCheck({
      port: this.port,
      path: this.healthCheckPath,
      heartbeat: this.resolved.health.heartbeat,
      heartbeatFile: HEARTBEAT_FILE,
      heartbeatMaxAge: this.resolved.health.heartbeatMaxAge,
      startPeriod: this.resolved.health.startPeriod,
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
    return [...this.image.model().contextPaths];
  }

  /**
   * Lines appended to the ignore files after the re-exclusions (e.g. weights let back in
   * for exactly a baked model directory).
   * @internal
   */
  public _ignoreExtraLines(): string[] {
    return this.image.ignoreExtraLines();
  }

  /**
   * The secrets the service reads: name, path variable, note.
   * @internal
   */
  public _secrets(): RuntimeSecret[] {
    return [...this.resolved.secrets];
  }

  /**
   * The service's checked build hooks (packages, environment, steps, copies), for the docs.
   * @internal
   */
  public _buildHooks(): BuildHooks {
    return this.resolved.hooks;
  }

  /**
   * The GPU facts of the service for the docs; undefined for CPU services.
   * @internal
   */
  public _gpuSummary(): GpuSummary | undefined {
    return this.resolved.kind.gpuSummary;
  }

  /**
   * The service's image, resolved from its props, its kind and its dependency files (without
   * the entry check, which needs the model's context paths).
   * @internal
   */
  public _imageModel(): ImageModel {
    return this.image.model();
  }

  /**
   * The image model the Dockerfile renders: with the prod stage's entry check (the cache report
   * reads it).
   * @internal
   */
  public _renderedImageModel(marker = ''): ImageModel {
    return this.image.checkedModel(marker);
  }
}

/** Where services without a port write their heartbeat (inside the /tmp tmpfs). */
export const HEARTBEAT_FILE = '/tmp/heartbeat';

/** The services of a project in definition order (empty before the first one). */
export function servicesOf(project: Project): MlService[] {
  // Only MlService registers itself (at the end of its constructor, once its checks passed).
  return (ProjectServices.of(project)?.services ?? []) as MlService[];
}
