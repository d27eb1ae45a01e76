import { Component, JsonPatch, Project, github } from 'projen';
import * as z from 'zod/mini';
import { CiJobs } from './ci-jobs';
import { CiCache, CiSettings, HadolintThreshold, ScanSeverity, isGhcr } from './ci-options';
import { REGISTRY_PREFIX, checkImageNameLength } from '../core/image-name';
import { Platform } from '../core/platform';
import { Problems, checkShape, Schema } from '../core/problems';
import { PythonService } from '../service/python-service';
import { MlService, servicesOf } from '../service/service';

export { PINNED_ACTIONS } from './pinned-actions';
export { CiCache, HadolintThreshold, ScanSeverity } from './ci-options';

/** Props of a `CiWorkflow`. */
export interface CiWorkflowProps {
  /**
   * The services whose images are linted, built, scanned and pushed.
   * @default - every service of the project
   */
  readonly services?: MlService[];

  /**
   * Registry prefix the images are pushed to (`ghcr.io/acme`,
   * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/ml`).
   * @default - "ghcr.io/<repository owner>" (lowercased), with the workflow's GITHUB_TOKEN
   */
  readonly imageRegistry?: string;

  /**
   * Name of the repository secret holding the registry user. Only for registries other
   * than ghcr.io (which uses the workflow's own token).
   * @default "REGISTRY_USERNAME"
   */
  readonly registryUsernameSecret?: string;

  /**
   * Name of the repository secret holding the registry password or token. Only for
   * registries other than ghcr.io.
   * @default "REGISTRY_PASSWORD"
   */
  readonly registryPasswordSecret?: string;

  /**
   * The branch whose pushes publish images (tagged with the git sha).
   * @default "main"
   */
  readonly defaultBranch?: string;

  /**
   * Node.js version of the synth check (`npx projen`).
   * @default "24"
   */
  readonly nodeVersion?: string;

  /**
   * The GitHub-hosted runner image.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;

  /**
   * Where BuildKit's layer cache lives between runs.
   * @default CiCache.GITHUB_ACTIONS
   */
  readonly cache?: CiCache;

  /**
   * The lowest hadolint severity that fails the build.
   * @default HadolintThreshold.WARNING
   */
  readonly hadolintFailureThreshold?: HadolintThreshold;

  /**
   * Hadolint rules to skip. The defaults are two warnings the generated Dockerfiles take on
   * purpose: DL3008 (apt package versions are not pinned: Debian replaces them with security
   * updates, the pinned base image tag fixes the release) and DL4006 (no `pipefail`: the one
   * pipe, `dpkg-query | grep -q`, is a test whose failure means "not installed").
   * @default ["DL3008", "DL4006"]
   */
  readonly hadolintIgnoreRules?: string[];

  /**
   * The lowest vulnerability severity that fails the image scan (Grype).
   * @default ScanSeverity.HIGH
   */
  readonly scanSeverityCutoff?: ScanSeverity;

  /**
   * Fail only on vulnerabilities that have a fix (a newer base image or package exists).
   * @default true
   */
  readonly scanOnlyFixed?: boolean;

  /**
   * Push images on pushes to the default branch and on version tags. Off: build and scan only.
   * @default true
   */
  readonly pushImages?: boolean;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const BRANCH = /^[A-Za-z0-9._/-]{1,100}$/;
const RULE = /^(DL|SC)[0-9]{4}$/;
const RUNNER = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NODE_VERSION = /^[0-9]{1,2}(\.[0-9]{1,3}){0,2}$/;
const DEFAULT_IGNORED_RULES = ['DL3008', 'DL4006'];
const WORKFLOW_FILE = 'containers.yml';

/** The runtime shape of `CiWorkflowProps` (test/props-shapes.test.ts holds it to the interface). */
export const CI_WORKFLOW_PROPS_SHAPE: Record<string, Schema> = {
  services: z.optional(z.array(z.any())),
  imageRegistry: z.optional(z.string()),
  registryUsernameSecret: z.optional(z.string()),
  registryPasswordSecret: z.optional(z.string()),
  defaultBranch: z.optional(z.string()),
  nodeVersion: z.optional(z.string()),
  runsOn: z.optional(z.string()),
  cache: z.optional(z.enum(Object.values(CiCache) as [string, ...string[]])),
  hadolintFailureThreshold: z.optional(z.enum(Object.values(HadolintThreshold) as [string, ...string[]])),
  hadolintIgnoreRules: z.optional(z.array(z.string())),
  scanSeverityCutoff: z.optional(z.enum(Object.values(ScanSeverity) as [string, ...string[]])),
  scanOnlyFixed: z.optional(z.boolean()),
  pushImages: z.optional(z.boolean()),
};

/**
 * A GitHub Actions workflow (`.github/workflows/containers.yml`, through projen's GitHub
 * component) that checks the synthesized files are up to date, lints every Dockerfile with
 * hadolint, builds every image with BuildKit and a layer cache, scans it with Grype, and
 * pushes images tagged with the git sha (and the version, on `v*` tags) from the default
 * branch. Every action is pinned to a full commit SHA; every job has least-privilege
 * `permissions` (only the push job may write packages). One per project.
 */
export class CiWorkflow extends Component {
  /**
   * The CI workflow of a project, if it has one.
   * @param project the project to look in
   */
  public static of(project: Project): CiWorkflow | undefined {
    return project.components.find((c): c is CiWorkflow => c instanceof CiWorkflow);
  }

  /** The construct path used in messages. */
  public readonly path: string;
  /** The workflow (add jobs or steps to it for project-specific checks). */
  public readonly workflow: github.GithubWorkflow;
  private readonly explicitServices?: MlService[];
  private readonly settings: CiSettings;

  constructor(project: Project, props: CiWorkflowProps = {}) {
    const problems = new Problems(`${project?.name ?? '?'}/ci`);
    if (!(project instanceof Project)) {
      problems.add('scope', project, 'a projen Project (e.g. the MlDockerProject of .projenrc.ts)');
      problems.throwIfAny();
    }
    if (CiWorkflow.of(project)) problems.add('a second CiWorkflow', 'ci', 'one CI workflow per project');
    problems.throwIfAny();
    if (!checkShape(problems, z.strictObject(CI_WORKFLOW_PROPS_SHAPE), props ?? {})) problems.throwIfAny();
    (props.services ?? []).forEach((s, i) => {
      if (!(s instanceof MlService)) problems.add(`services[${i}]`, s, 'a service construct (PythonService, GpuTrainer or GpuInference)');
      else if (s.project !== project) problems.add(`services[${i}] belongs to another project`, s.serviceId, 'services of this project');
    });
    if (props.imageRegistry !== undefined && !REGISTRY_PREFIX.test(props.imageRegistry)) {
      problems.add('imageRegistry', props.imageRegistry, 'a registry and path without a scheme or tag, e.g. "ghcr.io/acme"');
    }
    const ghcr = isGhcr(props.imageRegistry);
    for (const key of ['registryUsernameSecret', 'registryPasswordSecret'] as const) {
      const value = props[key];
      if (value === undefined) continue;
      if (ghcr) problems.add(`${key} is set for ghcr.io`, value, 'no registry secrets for ghcr.io (the workflow\'s GITHUB_TOKEN pushes there), or an imageRegistry elsewhere');
      else if (!SECRET_NAME.test(value) || /^GITHUB_/i.test(value)) problems.add(key, value, 'a repository secret name: letters, digits and "_", not starting with a digit or "GITHUB_"');
    }
    if (props.defaultBranch !== undefined && (!BRANCH.test(props.defaultBranch) || props.defaultBranch.includes('..') || /^[/.]|[/.]$/.test(props.defaultBranch))) {
      problems.add('defaultBranch', props.defaultBranch, 'a branch name such as "main"');
    }
    if (props.nodeVersion !== undefined && !NODE_VERSION.test(props.nodeVersion)) problems.add('nodeVersion', props.nodeVersion, 'a node.js version such as "24" or "22.12.0"');
    if (props.runsOn !== undefined && !RUNNER.test(props.runsOn)) problems.add('runsOn', props.runsOn, 'a runner label such as "ubuntu-24.04"');
    (props.hadolintIgnoreRules ?? []).forEach((rule, i) => {
      if (!RULE.test(rule)) problems.add(`hadolintIgnoreRules[${i}]`, rule, 'a hadolint or shellcheck rule code such as "DL3008" or "SC2086"');
    });
    problems.throwIfAny();

    super(project, 'CiWorkflow');
    this.path = problems.path;
    if (props.services) this.explicitServices = [...props.services];
    this.settings = {
      imageRegistry: props.imageRegistry,
      registryUsernameSecret: props.registryUsernameSecret ?? 'REGISTRY_USERNAME',
      registryPasswordSecret: props.registryPasswordSecret ?? 'REGISTRY_PASSWORD',
      defaultBranch: props.defaultBranch ?? 'main',
      nodeVersion: props.nodeVersion ?? '24',
      runsOn: props.runsOn ?? 'ubuntu-24.04',
      cache: (props.cache as CiCache | undefined) ?? CiCache.GITHUB_ACTIONS,
      hadolintFailureThreshold:
        (props.hadolintFailureThreshold as HadolintThreshold | undefined) ?? HadolintThreshold.WARNING,
      hadolintIgnoreRules: [...(props.hadolintIgnoreRules ?? DEFAULT_IGNORED_RULES)],
      scanSeverityCutoff: (props.scanSeverityCutoff as ScanSeverity | undefined) ?? ScanSeverity.HIGH,
      scanOnlyFixed: props.scanOnlyFixed ?? true,
      pushImages: props.pushImages ?? true,
    };

    const gh = github.GitHub.of(project)
      ?? new github.GitHub(project, { mergify: false, pullRequestLint: false });
    this.workflow = new github.GithubWorkflow(gh, 'containers', {
      fileName: WORKFLOW_FILE,
      force: true,
      limitConcurrency: true,
      // One run per ref; a newer push to a pull request cancels the older run.
      concurrencyOptions: { group: '${{ github.workflow }}-${{ github.ref }}', cancelInProgress: false },
    });
    this.workflow.on({
      push: { branches: [this.settings.defaultBranch], tags: ['v*'] },
      pullRequest: { branches: [this.settings.defaultBranch] },
      workflowDispatch: {},
    });
    // No default token permissions: each job asks for exactly what it needs.
    this.workflow.file?.patch(JsonPatch.add('/permissions', {}));
    this.workflow.file?.addOverride('concurrency.cancel-in-progress', '${{ github.event_name == \'pull_request\' }}');
  }

  /** The services whose images the workflow builds. */
  public services(): MlService[] {
    return [...(this.explicitServices ?? servicesOf(this.project))];
  }

  /** Adds the jobs once every service is known (before any file is written). */
  public preSynthesize(): void {
    const services = this.services();
    const problems = new Problems(this.path);
    if (this.explicitServices && services.length === 0) problems.add('services is empty', [], 'at least one service, or no services prop (every service)');
    // (Without a registry the prefix is ghcr.io/<owner>, at most 47 characters: image names stay short
    // enough.)
    checkImageNameLength(problems, 'imageRegistry', this.settings.imageRegistry, services.map((s) => s._container().image));
    problems.throwIfAny();
    for (const id of Object.keys(this.workflow.jobs)) this.workflow.removeJob(id);
    this.workflow.addJob('synth', new CiJobs(this.settings).synthJob());
    if (services.length === 0) return;
    // Only services with `platforms` change the workflow: without any, it stays as it was.
    const chosen = services.map((s) => (s instanceof PythonService ? s.platforms : []));
    const platformAware = chosen.some((p) => p.length > 0);
    const jobs = new CiJobs(this.settings, {
      platformAware,
      emulated: chosen.some((p) => p.includes(Platform.LINUX_ARM64)),
    });
    const matrix = {
      include: services.map((s, i) => ({
        service: s.serviceId,
        dockerfile: s.dockerfilePath,
        image: s._container().image,
        // CUDA wheels make images of several GB: the runner needs room to build and load them.
        large: s.torch?.cuda !== undefined && s.torch?.cuda !== null,
        // the platform built, loaded and scanned first, then every platform (comma-separated)
        ...(platformAware ? { platform: chosen[i][0] ?? Platform.LINUX_AMD64, platforms: (chosen[i].length ? chosen[i] : [Platform.LINUX_AMD64]).join(',') } : {}),
      })),
    };
    this.workflow.addJob('images', jobs.imagesJob(matrix));
    if (this.settings.pushImages) this.workflow.addJob('push', jobs.pushJob(matrix));
  }
}
