import { Component, JsonPatch, Project, github } from 'projen';
import { REGISTRY_PREFIX, checkImageNameLength } from '../core/image-name';
import { Platform } from '../core/platform';
import { Problems, checkShape } from '../core/problems';
import { Schema, z } from '../core/shape';
import { PythonService } from '../service/python-service';
import { MlService, servicesOf } from '../service/service';

/**
 * Actions the workflow uses, pinned to full commit SHAs: a tag can be moved (in March 2026,
 * 76 tags of aquasecurity/trivy-action were force-pushed to a credential stealer), a commit
 * cannot. Each SHA was read from the action's own repository with
 * `git rev-parse <tag>^{commit}` on a clone of github.com/<action> (all are lightweight tags,
 * so the tag and the commit are the same object):
 *
 * - actions/checkout v7.0.1: 3d3c42e5aac5ba805825da76410c181273ba90b1 (2026-07-17; also v7)
 * - actions/setup-node v7.0.0: 820762786026740c76f36085b0efc47a31fe5020 (2026-07-13)
 * - docker/setup-buildx-action v4.3.0: 37fe631027851001ddb9b187196cc803df7f5f0e (2026-08-17)
 * - docker/setup-qemu-action v4.2.0: 96fe6ef7f33517b61c61be40b68a1882f3264fb8 (2026-07-01; also v4),
 *   only in workflows of services built for linux/arm64 (`platforms`)
 * - docker/build-push-action v7.3.0: 53b7df96c91f9c12dcc8a07bcb9ccacbed38856a (2026-07-01)
 * - docker/login-action v4.1.0: 4907a6ddec9925e35a0a9e82d7399ccc52663121 (2026-04-02)
 * - docker/metadata-action v6.2.0: dc802804100637a589fabce1cb79ff13a1411302 (2026-07-02)
 * - hadolint/hadolint-action v3.3.0: 2332a7b74a6de0dda2e2221d575162eba76ba5e5 (2025-09-22;
 *   runs hadolint 2.14.0 from ghcr.io/hadolint/hadolint:v2.14.0-debian)
 * - anchore/scan-action v7.4.0: e1165082ffb1fe366ebaf02d8526e7c4989ea9d2 (2026-03-20; Grype).
 *   Chosen over aquasecurity/trivy-action because of that tag hijack (CVE-2026-33634).
 */
export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  setupBuildx: { uses: 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0' },
  setupQemu: { uses: 'docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8', version: 'v4.2.0' },
  buildPush: { uses: 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0' },
  login: { uses: 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0' },
  metadata: { uses: 'docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302', version: 'v6.2.0' },
  hadolint: { uses: 'hadolint/hadolint-action@2332a7b74a6de0dda2e2221d575162eba76ba5e5', version: 'v3.3.0' },
  scan: { uses: 'anchore/scan-action@e1165082ffb1fe366ebaf02d8526e7c4989ea9d2', version: 'v7.4.0' },
} as const;

/** Where BuildKit keeps its layer cache between CI runs. */
export enum CiCache {
  /** The GitHub Actions cache (`type=gha`, one scope per image): no registry access needed. */
  GITHUB_ACTIONS = 'gha',
  /**
   * A `buildcache` tag next to each image in the registry (`type=registry`): shared with
   * other builders, not limited by the Actions cache quota; pull requests read it.
   */
  REGISTRY = 'registry',
}

/** The lowest hadolint severity that fails the lint step. */
export enum HadolintThreshold {
  /** Only errors fail. */
  ERROR = 'error',
  /** Warnings and errors fail. */
  WARNING = 'warning',
  /** Info, warnings and errors fail. */
  INFO = 'info',
  /** Everything fails, style suggestions too. */
  STYLE = 'style',
}

/** The lowest vulnerability severity that fails the image scan. */
export enum ScanSeverity {
  /** Low and above. */
  LOW = 'low',
  /** Medium and above. */
  MEDIUM = 'medium',
  /** High and critical. */
  HIGH = 'high',
  /** Critical only. */
  CRITICAL = 'critical',
}

/** Props of a `CiWorkflow`. */
export interface CiWorkflowProps {
  /**
   * The services whose images are linted, built, scanned and pushed.
   * @default - every service of the project
   */
  readonly services?: MlService[];

  /**
   * Registry prefix the images are pushed to (`ghcr.io/acme`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/ml`).
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
  services: z.array(z.any()).optional(),
  imageRegistry: z.string().optional(),
  registryUsernameSecret: z.string().optional(),
  registryPasswordSecret: z.string().optional(),
  defaultBranch: z.string().optional(),
  nodeVersion: z.string().optional(),
  runsOn: z.string().optional(),
  cache: z.enum(Object.values(CiCache) as [string, ...string[]]).optional(),
  hadolintFailureThreshold: z.enum(Object.values(HadolintThreshold) as [string, ...string[]]).optional(),
  hadolintIgnoreRules: z.array(z.string()).optional(),
  scanSeverityCutoff: z.enum(Object.values(ScanSeverity) as [string, ...string[]]).optional(),
  scanOnlyFixed: z.boolean().optional(),
  pushImages: z.boolean().optional(),
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
  /** Some service chose `platforms`: the matrix and the build steps name platforms. */
  private platformAware = false;
  /** Some service is built for linux/arm64: the jobs set up QEMU. */
  private emulated = false;
  private readonly settings: Required<Omit<CiWorkflowProps, 'services' | 'imageRegistry'>> & { readonly imageRegistry?: string };

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
    const ghcr = props.imageRegistry === undefined || props.imageRegistry.split('/')[0] === 'ghcr.io';
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
      hadolintFailureThreshold: (props.hadolintFailureThreshold as HadolintThreshold | undefined) ?? HadolintThreshold.WARNING,
      hadolintIgnoreRules: [...(props.hadolintIgnoreRules ?? DEFAULT_IGNORED_RULES)],
      scanSeverityCutoff: (props.scanSeverityCutoff as ScanSeverity | undefined) ?? ScanSeverity.HIGH,
      scanOnlyFixed: props.scanOnlyFixed ?? true,
      pushImages: props.pushImages ?? true,
    };

    const gh = github.GitHub.of(project) ?? new github.GitHub(project, { mergify: false, pullRequestLint: false });
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
    // (Without a registry the prefix is ghcr.io/<owner>, at most 47 characters: image names stay short enough.)
    checkImageNameLength(problems, 'imageRegistry', this.settings.imageRegistry, services.map((s) => s._container().image));
    problems.throwIfAny();
    for (const id of Object.keys(this.workflow.jobs)) this.workflow.removeJob(id);
    this.workflow.addJob('synth', this.synthJob());
    if (services.length === 0) return;
    // Only services with `platforms` change the workflow: without any, it stays as it was.
    const chosen = services.map((s) => (s instanceof PythonService ? s.platforms : []));
    this.platformAware = chosen.some((p) => p.length > 0);
    this.emulated = chosen.some((p) => p.includes(Platform.LINUX_ARM64));
    const matrix = {
      include: services.map((s, i) => ({
        service: s.serviceId,
        dockerfile: s.dockerfilePath,
        image: s._container().image,
        // CUDA wheels make images of several GB: the runner needs room to build and load them.
        large: s.torch?.cuda !== undefined && s.torch?.cuda !== null,
        // the platform built, loaded and scanned first, then every platform (comma-separated)
        ...(this.platformAware ? { platform: chosen[i][0] ?? Platform.LINUX_AMD64, platforms: (chosen[i].length ? chosen[i] : [Platform.LINUX_AMD64]).join(',') } : {}),
      })),
    };
    this.workflow.addJob('images', this.imagesJob(matrix));
    if (this.settings.pushImages) this.workflow.addJob('push', this.pushJob(matrix));
  }

  /** arm64 on the x86_64 runner: QEMU user-mode emulation registered through binfmt_misc. */
  private qemuStep(): github.workflows.JobStep[] {
    if (!this.emulated) return [];
    return [this.step('setupQemu', {
      id: 'qemu',
      name: 'Set up QEMU for linux/arm64',
      if: '${{ contains(matrix.platforms, \'linux/arm64\') }}',
      with: { platforms: 'arm64' },
    })];
  }

  private get ghcr(): boolean {
    return this.settings.imageRegistry === undefined || this.settings.imageRegistry.split('/')[0] === 'ghcr.io';
  }

  /** A step of a pinned action; its name says which action and release it runs. */
  private step(action: keyof typeof PINNED_ACTIONS, step: Omit<github.workflows.JobStep, 'uses'> & { id: string }): github.workflows.JobStep {
    const pinned = PINNED_ACTIONS[action];
    return { ...step, uses: pinned.uses, name: `${step.name} (${pinned.uses.split('@')[0]} ${pinned.version})` };
  }

  private checkout(): github.workflows.JobStep {
    return this.step('checkout', { id: 'checkout', name: 'Check out', with: { 'persist-credentials': false } });
  }

  private synthJob(): github.workflows.Job {
    return {
      name: 'Definition type-checks and generated files are up to date',
      runsOn: [this.settings.runsOn],
      permissions: { contents: github.workflows.JobPermission.READ },
      timeoutMinutes: 20,
      steps: [
        this.checkout(),
        this.step('setupNode', { id: 'setup-node', name: 'Set up Node.js', with: { 'node-version': this.settings.nodeVersion, 'cache': 'npm' } }),
        { id: 'install', name: 'Install the .projenrc.ts toolchain', run: 'npm ci' },
        // synthesis strips types without checking them: the type check runs here
        { id: 'typecheck', name: 'Type-check .projenrc.ts', run: 'npx projen typecheck' },
        { id: 'synth', name: 'Synthesize', run: 'npx projen' },
        {
          id: 'diff',
          name: 'Fail if synthesis changed any file',
          run: [
            'git add --all',
            'if ! git diff --staged --exit-code --stat; then',
            '  echo "::error::generated files are out of date: run npx projen and commit the result"',
            '  git diff --staged',
            '  exit 1',
            'fi',
          ].join('\n'),
        },
      ],
    };
  }

  /** The registry prefix as a shell expression (ghcr.io needs the owner in lowercase). */
  private registryStep(): github.workflows.JobStep {
    return {
      name: 'Image registry',
      id: 'registry',
      run: this.settings.imageRegistry
        ? `echo "prefix=${this.settings.imageRegistry}" >> "$GITHUB_OUTPUT"`
        : 'echo "prefix=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}" >> "$GITHUB_OUTPUT"',
      shell: 'bash',
    };
  }

  private loginStep(): github.workflows.JobStep {
    return this.step('login', {
      id: 'login',
      name: 'Log in to the registry',
      with: this.ghcr
        ? { registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' }
        : {
          registry: this.settings.imageRegistry!.split('/')[0],
          username: `\${{ secrets.${this.settings.registryUsernameSecret} }}`,
          password: `\${{ secrets.${this.settings.registryPasswordSecret} }}`,
        },
    });
  }

  private cacheFrom(): string {
    return this.settings.cache === CiCache.REGISTRY
      ? 'type=registry,ref=${{ steps.registry.outputs.prefix }}/${{ matrix.image }}:buildcache'
      : 'type=gha,scope=${{ matrix.service }}';
  }

  private cacheTo(): string {
    return this.settings.cache === CiCache.REGISTRY
      ? 'type=registry,ref=${{ steps.registry.outputs.prefix }}/${{ matrix.image }}:buildcache,mode=max'
      : 'type=gha,scope=${{ matrix.service }},mode=max';
  }

  private imagesJob(matrix: github.workflows.JobMatrix): github.workflows.Job {
    const registryCache = this.settings.cache === CiCache.REGISTRY;
    const steps: github.workflows.JobStep[] = [
      this.checkout(),
      this.step('hadolint', {
        id: 'hadolint',
        name: 'Lint the Dockerfile',
        with: {
          'dockerfile': '${{ matrix.dockerfile }}',
          'failure-threshold': this.settings.hadolintFailureThreshold,
          ...(this.settings.hadolintIgnoreRules.length ? { ignore: this.settings.hadolintIgnoreRules.join(',') } : {}),
        },
      }),
      {
        id: 'disk',
        name: 'Free disk space for a CUDA image',
        if: '${{ matrix.large }}',
        run: 'sudo rm -rf /usr/local/lib/android /usr/share/dotnet /opt/ghc /opt/hostedtoolcache/CodeQL && df -h /',
      },
      ...this.qemuStep(),
      this.step('setupBuildx', { id: 'buildx', name: 'Set up BuildKit' }),
    ];
    if (registryCache) {
      // Pull requests read the registry cache; only the push job writes it.
      steps.push(this.registryStep());
      steps.push({ ...this.loginStep(), if: '${{ github.event_name != \'pull_request\' || github.event.pull_request.head.repo.full_name == github.repository }}' });
    }
    steps.push(
      this.step('buildPush', {
        id: 'build',
        name: 'Build the prod target',
        with: {
          'context': '.',
          'file': '${{ matrix.dockerfile }}',
          'target': 'prod',
          ...(this.platformAware ? { platforms: '${{ matrix.platform }}' } : {}),
          'load': true,
          'push': false,
          'tags': '${{ matrix.image }}:ci',
          'cache-from': this.cacheFrom(),
          ...(registryCache ? {} : { 'cache-to': this.cacheTo() }),
        },
      }),
      this.step('scan', {
        id: 'scan',
        name: 'Scan the image for vulnerabilities',
        with: {
          'image': '${{ matrix.image }}:ci',
          'fail-build': true,
          'severity-cutoff': this.settings.scanSeverityCutoff,
          'only-fixed': this.settings.scanOnlyFixed,
          'output-format': 'table',
        },
      }),
    );
    if (this.platformAware) {
      // An image of several platforms cannot be loaded into the runner's engine: the first
      // platform was built, loaded and scanned above; this proves every platform builds.
      steps.push(this.step('buildPush', {
        id: 'platforms',
        name: 'Build every platform',
        if: '${{ contains(matrix.platforms, \',\') }}',
        with: {
          'context': '.',
          'file': '${{ matrix.dockerfile }}',
          'target': 'prod',
          'platforms': '${{ matrix.platforms }}',
          'push': false,
          'cache-from': this.cacheFrom(),
          ...(registryCache ? {} : { 'cache-to': this.cacheTo() }),
        },
      }));
    }
    return {
      name: 'Lint, build and scan ${{ matrix.service }}',
      needs: ['synth'],
      runsOn: [this.settings.runsOn],
      permissions: {
        contents: github.workflows.JobPermission.READ,
        ...(registryCache && this.ghcr ? { packages: github.workflows.JobPermission.READ } : {}),
      },
      timeoutMinutes: 90,
      strategy: { failFast: false, matrix },
      steps,
    };
  }

  private pushJob(matrix: github.workflows.JobMatrix): github.workflows.Job {
    const branch = this.settings.defaultBranch;
    return {
      name: 'Push ${{ matrix.service }}',
      needs: ['images'],
      if: `\${{ github.event_name == 'push' && (github.ref == 'refs/heads/${branch}' || startsWith(github.ref, 'refs/tags/v')) }}`,
      runsOn: [this.settings.runsOn],
      permissions: {
        contents: github.workflows.JobPermission.READ,
        ...(this.ghcr ? { packages: github.workflows.JobPermission.WRITE } : {}),
      },
      timeoutMinutes: 90,
      strategy: { failFast: false, matrix },
      steps: [
        this.checkout(),
        {
          id: 'disk',
          name: 'Free disk space for a CUDA image',
          if: '${{ matrix.large }}',
          run: 'sudo rm -rf /usr/local/lib/android /usr/share/dotnet /opt/ghc /opt/hostedtoolcache/CodeQL && df -h /',
        },
        this.registryStep(),
        this.step('metadata', {
          name: 'Image tags and labels',
          id: 'meta',
          with: {
            images: '${{ steps.registry.outputs.prefix }}/${{ matrix.image }}',
            // The full git sha always; the version (1.2.3) on a v1.2.3 tag. Never "latest".
            tags: ['type=sha,format=long,prefix=', 'type=semver,pattern={{version}}'].join('\n'),
            flavor: 'latest=false',
          },
        }),
        ...this.qemuStep(),
        this.step('setupBuildx', { id: 'buildx', name: 'Set up BuildKit' }),
        this.loginStep(),
        this.step('buildPush', {
          id: 'push',
          name: 'Build (from the cache) and push',
          with: {
            'context': '.',
            'file': '${{ matrix.dockerfile }}',
            'target': 'prod',
            ...(this.platformAware ? { platforms: '${{ matrix.platforms }}' } : {}),
            'push': true,
            'tags': '${{ steps.meta.outputs.tags }}',
            'labels': '${{ steps.meta.outputs.labels }}',
            'cache-from': this.cacheFrom(),
            'cache-to': this.cacheTo(),
          },
        }),
      ],
    };
  }
}
