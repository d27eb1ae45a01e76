import { readFileSync, readdirSync, rmdirSync, statSync } from 'fs';
import { join } from 'path';
import { typescript, javascript } from 'projen';
import * as z from 'zod/mini';
import { ContainersDoc } from './docs';
import { FIXED_OPTIONS, INHERITED_OPTIONS, MlDockerProjectOptions, OPTIONS_SHAPE, ProjenrcRunner } from './project-options';
import { ScaffoldProjenrc } from './scaffold';
import { CiWorkflow } from '../ci/ci-workflow';
import { PACKAGE_ROOT } from '../core/data';
import { gitignoredArtefacts } from '../core/dockerignore';
import { checkDockerfileFrontend } from '../core/frontend';
import { imageRepository } from '../core/image-name';
import { Problems, checkShape } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { renderTemplate } from '../core/template';
import { Dependencies } from '../deps';
import { checkDriverVersion } from '../gpu/cuda';
import { resolvePythonImage } from '../service/python-image';
import { servicesOf } from '../service/service';
import { ComposeStack } from '../stack/compose-stack';

/** The `.projenrc.ts` toolchain a generated project pins (npm's newest TypeScript is not ts-node/tsx-safe). */
const TOOLCHAIN = ['typescript@~5.9.3', 'tsx@^4.20.0', 'constructs@^10.5.0', '@types/node@^20'];

/** npm's limit on the length of a package name. */
const NPM_NAME_MAX = 214;


/**
 * A project for containerized machine-learning Python services.
 *
 * A projen `NodeProject` (package.json holds the `.projenrc.ts` toolchain) trimmed of what
 * an ML repository does not need: no TypeScript `src/`, no jest, no release or bump tasks.
 * Services, the compose stack and their files come from constructs added in `.projenrc.ts`.
 *
 * @pjid ml-docker
 */
export class MlDockerProject extends javascript.NodeProject {
  /** The project's default Python version (`3.11`). */
  public readonly pythonVersion: string;
  /** The CI workflow, unless `ciWorkflow: false`. */
  public readonly ciWorkflow?: CiWorkflow;
  private buildScriptCreated = false;

  constructor(options: MlDockerProjectOptions) {
    const problems = new Problems(typeof options?.name === 'string' && options.name.trim() ? options.name : 'project');
    if (typeof options?.name !== 'string' || !/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(options.name)) {
      problems.add('name', options?.name, 'a lowercase npm-style package name, e.g. "vision"');
    } else if (options.name.length > NPM_NAME_MAX) {
      problems.add(`name is longer than npm allows (${options.name.length} characters)`, options.name, `a lowercase npm-style package name of at most ${NPM_NAME_MAX} characters`);
    } else if (imageRepository(options.name) === undefined) {
      problems.add('the name gives no valid docker image name', options.name, 'a lowercase npm-style package name with at least one letter or digit (images are named <name>-<service id>)');
    }
    const {
      pythonVersion, dockerfileSyntax, dockerfileFrontend, typeCheckOnSynth, projenrcRunner, devDeps, hostDriverVersion,
      ciWorkflow, ciWorkflowOptions, dependencies, strictPins, ...projectOptions
    } = options ?? ({} as MlDockerProjectOptions);
    // `__new__`: what `projen new` passes to the project it creates (read by projen itself)
    const inherited = Object.fromEntries([...INHERITED_OPTIONS, ...Object.keys(FIXED_OPTIONS), '__new__'].map((k) => [k, z.optional(z.any())]));
    checkShape(problems, z.strictObject({ ...OPTIONS_SHAPE, ...inherited }), options ?? {});
    for (const [key, fixed] of Object.entries(FIXED_OPTIONS)) {
      const given = (options as unknown as Record<string, unknown> | undefined)?.[key];
      if (given !== undefined && given !== fixed.value) {
        problems.add(`${key} is not used by MlDockerProject: ${fixed.why}`, given, fixed.value === undefined ? `no ${key}` : `no ${key}, or ${JSON.stringify(fixed.value)}`);
      }
    }
    if (typeof dockerfileFrontend === 'string') checkDockerfileFrontend(problems, dockerfileFrontend, dockerfileSyntax ?? true);
    if (dependencies !== undefined && typeof dependencies === 'object' && !(dependencies instanceof Dependencies)) {
      problems.add('dependencies has the wrong type', dependencies, 'Dependencies.fromRequirementsFiles(...) or Dependencies.fromPyproject(...)');
    }
    if (ciWorkflow === false && ciWorkflowOptions !== undefined) {
      problems.add('ciWorkflowOptions is set with ciWorkflow: false', ciWorkflowOptions, 'no ciWorkflowOptions, or ciWorkflow: true');
    }
    const python = problems.count === 0 ? resolvePythonImage(problems, 'pythonVersion', pythonVersion ?? '3.11') : undefined;
    if (problems.count === 0 && hostDriverVersion !== undefined) checkDriverVersion(problems, 'hostDriverVersion', hostDriverVersion);
    problems.throwIfAny();

    super({
      defaultReleaseBranch: 'main',
      packageManager: javascript.NodePackageManager.NPM,
      ...projectOptions,
      // The library itself first (a spec given in devDeps comes later and wins): without it,
      // a definition that drops the devDeps line would make projen uninstall the library.
      devDeps: [...TOOLCHAIN, ownDependencySpec(projectOptions.outdir), ...(devDeps ?? [])],
      projenrcJs: false,
      projenrcJson: false,
      jest: false,
      release: false,
      package: false,
      // Only for the CI workflow: no mergify, no pull request lint, no build or release workflows.
      github: ciWorkflow ?? true,
      githubOptions: { mergify: false, pullRequestLint: false },
      buildWorkflow: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      entrypoint: '',
      licensed: false,
      readme: { contents: renderTemplate('project-README.md.ejs', { name: options.name, ci: ciWorkflow ?? true, typeCheckOnSynth: typeCheckOnSynth ?? false }) },
      gitIgnoreOptions: projectOptions.gitIgnoreOptions,
    });

    this.pythonVersion = python!.minor;
    const settings = ProjectSettings.of(this);
    settings.pythonVersion = pythonVersion ?? settings.pythonVersion;
    settings.dockerfileSyntax = dockerfileSyntax ?? settings.dockerfileSyntax;
    settings.dockerfileFrontend = dockerfileFrontend ?? settings.dockerfileFrontend;
    settings.hostDriverVersion = hostDriverVersion ?? settings.hostDriverVersion;
    settings.dependencies = dependencies;
    settings.strictPins = strictPins ?? false;

    const projenrc = new ScaffoldProjenrc(this, {
      runner: typeCheckOnSynth
        ? typescript.TypeScriptRunner.tsx({ tsconfig: 'tsconfig.projen.json', typeCheck: true })
        : typescript.TypeScriptRunner.tsx({ tsconfig: 'tsconfig.projen.json' }),
    });
    for (const [key, value] of Object.entries(PROJENRC_COMPILER_OPTIONS)) {
      projenrc.tsconfig.file.addOverride(`compilerOptions.${key}`, value);
    }
    this.configureSynth(projenrcRunner ?? ProjenrcRunner.CACHED, typeCheckOnSynth ?? false);
    this.addTask('typecheck', {
      description: 'Type-check .projenrc.ts (synthesis itself strips its types without checking them)',
      exec: 'tsc --noEmit -p tsconfig.projen.json',
    });

    // npm 11 blocks dependencies' install scripts unless package.json lists them, and says so
    // on every install. esbuild's (tsx runs .projenrc.ts with it) only checks, or downloads, the
    // platform binary that its optional @esbuild/<platform> package already installs.
    this.package.addField('allowScripts', { esbuild: false });
    // Data and weights by extension, never whole folders: a tracked code package named data/ or
    // models/ (yolov5, detectron2) must stay visible to git.
    this.gitignore.exclude('/secrets/', ...gitignoredArtefacts(), '.env', '__pycache__/', '.venv/');
    this.addDockerTasks();
    new ContainersDoc(this);
    if (ciWorkflow ?? true) this.ciWorkflow = new CiWorkflow(this, ciWorkflowOptions ?? {});
  }

  /**
   * The default task (what `npx projen` runs). Start-up is most of a re-synth, so it runs
   * `.projenrc.ts` in one node process (not projen's `npx -y -p tsx -c "tsx ..."`: an npx
   * resolution plus a second node process), and it keeps the PATH it was started with
   * instead of evaluating projen's `$(npx -c "node --print process.env.PATH")` (one more
   * npx, about 0.4 s): it starts node and nothing from node_modules/.bin. With
   * `typeCheckOnSynth`, `tsc` comes from node_modules/.bin, so projen's PATH stays.
   *
   * Synthesis runs with `LC_ALL=C`: projen orders `.gitignore`, `.gitattributes`,
   * `.projen/files.json` and the dependencies of package.json with `localeCompare`, which
   * follows the process locale (a Danish or Lithuanian machine would reorder them against
   * the CI's). `C` is the one locale POSIX guarantees on every machine.
   */
  private configureSynth(runner: ProjenrcRunner, typeCheckOnSynth: boolean): void {
    const task = this.defaultTask;
    if (!task) return;
    task.reset();
    task.env('LC_ALL', 'C');
    if (typeCheckOnSynth) {
      task.exec('tsc --noEmit -p tsconfig.projen.json', { name: 'typecheck' });
    } else {
      task.env('PATH', '$(echo $PATH)');
    }
    if (runner === ProjenrcRunner.TSX) {
      task.exec('node --import tsx .projenrc.ts');
      task.env('TSX_TSCONFIG_PATH', 'tsconfig.projen.json');
    } else {
      task.exec('node --require projen-ml-docker/lib/projenrc-register .projenrc.ts');
    }
  }

  /**
   * `docker:build`: the type check, then every image. With a compose stack, `docker compose
   * build` with every profile (`--profile '*'`: trainers and GPU services too); without one,
   * a `docker build` of each service's `prod` target. Extra arguments (`-- --build-arg ...`)
   * go to each build.
   */
  public preSynthesize(): void {
    super.preSynthesize();
    const build = this.tasks.tryFind('docker:build');
    if (!build) return;
    build.reset();
    build.spawn(this.tasks.tryFind('typecheck')!);
    const services = servicesOf(this);
    const stack = ComposeStack.of(this) !== undefined;
    if (!stack && services.length === 0) {
      build.exec('echo "docker:build: no services in .projenrc.ts yet"');
      return;
    }
    build.exec('sh docker/build.sh', { receiveArgs: true });
    if (this.buildScriptCreated) return;
    this.buildScriptCreated = true;
    new RenderedFile(this, 'docker/build.sh', (file) => renderTemplate('docker-build.sh.ejs', {
      marker: file.marker ?? '',
      compose: stack,
      builds: services.map((s) => {
        // the platforms compose gets (`platform`, `build.platforms`): a GPU service's one platform,
        // a CPU service's chosen ones; none for a CPU service left at the default
        const container = s._container();
        const platforms = container.platforms?.length ? container.platforms : container.platform ? [container.platform] : [];
        return {
          dockerfile: s.dockerfilePath,
          image: `${container.image}:local`,
          platforms: platforms.length > 0 ? platforms.join(',') : undefined,
        };
      }),
      multiPlatform: services.some((s) => (s._container().platforms?.length ?? 0) > 1),
    }), true);
  }

  /** Removes `docker/` directories emptied by removed services. */
  public postSynthesize(): void {
    super.postSynthesize();
    removeEmptyDirs(join(this.outdir, 'docker'));
  }

  private addDockerTasks(): void {
    const compose = 'docker compose -f compose.yaml';
    // Its build steps follow the services (see preSynthesize).
    this.addTask('docker:build', {
      description: 'Type-check .projenrc.ts, then build every service image, trainers included (extra arguments, e.g. --build-arg, go to the build)',
    });
    this.addTask('docker:up', {
      description: 'Start the stack and wait until every service is healthy (docker compose up -d --wait)',
      exec: `${compose} up -d --wait`,
    });
    this.addTask('docker:down', {
      description: 'Stop and remove the stack\'s containers and networks (volumes are kept)',
      exec: `${compose} down`,
    });
    this.addTask('docker:cache-report', {
      description: 'Which build steps each kind of change re-runs or keeps CACHED, per service and target (--json, --check)',
      exec: 'mldocker-cache-report',
      receiveArgs: true,
    });
    this.addTask('docker:config', {
      description: 'Validate compose.yaml with Docker Compose (docker compose config -q)',
      exec: `${compose} config -q`,
    });
  }
}

/**
 * The dev dependency on this library: the spec the project's package.json already has
 * (e.g. the `file:` tarball of `projen new --from`), else a range of this version.
 */
function ownDependencySpec(outdir: string | undefined): string {
  try {
    const current = JSON.parse(readFileSync(join(outdir ?? '.', 'package.json'), 'utf-8')).devDependencies?.['projen-ml-docker'];
    if (typeof current === 'string' && current) return `projen-ml-docker@${current}`;
  } catch {
    // no package.json yet: a new project
  }
  return `projen-ml-docker@^${JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf-8')).version}`;
}

/** Removes directories under `dir` left empty (projen deletes files, not directories). */
function removeEmptyDirs(dir: string): boolean {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return false;
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  const remaining = entries.filter((e) => !removeEmptyDirs(join(dir, e)));
  if (remaining.length > 0) return false;
  rmdirSync(dir);
  return true;
}

const PROJENRC_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'commonjs',
  moduleResolution: 'node',
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
};
