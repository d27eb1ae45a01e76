import { github } from 'projen';
import { CiCache, CiSettings, isGhcr } from './ci-options';
import { PINNED_ACTIONS } from './pinned-actions';

/** What the services of the workflow ask of its jobs. */
export interface CiLayout {
  /** Some service chose `platforms`: the matrix and the build steps name platforms. */
  readonly platformAware: boolean;
  /** Some service is built for linux/arm64: the jobs set up QEMU. */
  readonly emulated: boolean;
}

/**
 * The jobs of the containers workflow, built from the resolved settings alone: no project, no
 * service, no state (projen's `GithubWorkflow` turns them into YAML). Each step of a pinned
 * action names the action and its release.
 */
export class CiJobs {
  constructor(
    private readonly settings: CiSettings,
    private readonly layout: CiLayout = { platformAware: false, emulated: false },
  ) {}

  private get platformAware(): boolean {
    return this.layout.platformAware;
  }

  private get emulated(): boolean {
    return this.layout.emulated;
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
    return isGhcr(this.settings.imageRegistry);
  }

  /** A step of a pinned action; its name says which action and release it runs. */
  private step(action: keyof typeof PINNED_ACTIONS, step: Omit<github.workflows.JobStep, 'uses'> & { id: string }): github.workflows.JobStep {
    const pinned = PINNED_ACTIONS[action];
    return { ...step, uses: pinned.uses, name: `${step.name} (${pinned.uses.split('@')[0]} ${pinned.version})` };
  }

  private checkout(): github.workflows.JobStep {
    return this.step('checkout', { id: 'checkout', name: 'Check out', with: { 'persist-credentials': false } });
  }

  /** Type-checks `.projenrc.ts`, synthesizes and fails when a generated file changed. */
  public synthJob(): github.workflows.Job {
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

  /** Where a build reads cached layers: the Actions cache scope of the service, or its `buildcache` tag. */
  private cacheFrom(): string {
    return this.settings.cache === CiCache.REGISTRY
      ? 'type=registry,ref=${{ steps.registry.outputs.prefix }}/${{ matrix.image }}:buildcache'
      : 'type=gha,scope=${{ matrix.service }}';
  }

  /**
   * The inputs of build-push-action for the service's `prod` target from the repository root, then `rest`.
   */
  private prodBuild(rest: Record<string, unknown>): Record<string, unknown> {
    return { context: '.', file: '${{ matrix.dockerfile }}', target: 'prod', ...rest };
  }

  /** Where a build writes its layers: the cache it reads, with every stage's layers (`mode=max`). */
  private cacheTo(): string {
    return `${this.cacheFrom()},mode=max`;
  }

  /** Lints, builds and scans each image of the matrix (the prod target; every platform too). */
  public imagesJob(matrix: github.workflows.JobMatrix): github.workflows.Job {
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
      freeDiskStep(),
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
        with: this.prodBuild({
          ...(this.platformAware ? { platforms: '${{ matrix.platform }}' } : {}),
          'load': true,
          'push': false,
          'tags': '${{ matrix.image }}:ci',
          'cache-from': this.cacheFrom(),
          ...(registryCache ? {} : { 'cache-to': this.cacheTo() }),
        }),
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
        with: this.prodBuild({
          'platforms': '${{ matrix.platforms }}',
          'push': false,
          'cache-from': this.cacheFrom(),
          ...(registryCache ? {} : { 'cache-to': this.cacheTo() }),
        }),
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

  /** Pushes each image of the matrix from the default branch and `v*` tags, built from the cache. */
  public pushJob(matrix: github.workflows.JobMatrix): github.workflows.Job {
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
        freeDiskStep(),
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
          with: this.prodBuild({
            ...(this.platformAware ? { platforms: '${{ matrix.platforms }}' } : {}),
            'push': true,
            'tags': '${{ steps.meta.outputs.tags }}',
            'labels': '${{ steps.meta.outputs.labels }}',
            'cache-from': this.cacheFrom(),
            'cache-to': this.cacheTo(),
          }),
        }),
      ],
    };
  }
}

/** CUDA wheels make images of several GB: the runner frees room for them. */
function freeDiskStep(): github.workflows.JobStep {
  return {
    id: 'disk',
    name: 'Free disk space for a CUDA image',
    if: '${{ matrix.large }}',
    run: 'sudo rm -rf /usr/local/lib/android /usr/share/dotnet /opt/ghc /opt/hostedtoolcache/CodeQL && df -h /',
  };
}
