import { spawnSync } from 'child_process';
import { readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { typescript, javascript } from 'projen';
import * as z from 'zod/mini';
import type { Adoption } from './adoption';
import { ContainersDoc, DEFAULT_CONTAINERS_DOC } from './docs';
import { FIXED_OPTIONS, INHERITED_OPTIONS, MlDockerProjectOptions, OPTIONS_SHAPE, ProjenrcRunner } from './project-options';
import { ScaffoldProjenrc } from './scaffold';
import { UserFilesGuard } from './user-files-guard';
import { KeepUserLines } from './user-lines';
import { CiWorkflow } from '../ci/ci-workflow';
import { PACKAGE_ROOT } from '../core/data';
import { gitignoredArtefacts } from '../core/dockerignore';
import { checkDockerfileFrontend } from '../core/frontend';
import { checkGeneratedPath } from '../core/generated-path';
import { imageRepository } from '../core/image-name';
import { Problems, checkShape } from '../core/problems';
import { projectNameFromFolder } from '../core/project-name';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { renderTemplate } from '../core/template';
import { DEPENDENCIES_EXPECTED, Dependencies } from '../deps';
import { checkDriverVersion } from '../gpu/cuda';
import { resolveFleet } from '../gpu/gpu-fleet';
import { hubEndpoint, lockModels } from '../service/model-hub';
import { MODELS_LOCK_ENV, MODELS_LOCK_FILE, MODELS_LOCK_TASK, renderModelsLock } from '../service/models-lock';
import { resolvePythonImage } from '../service/python-image';
import { servicesOf } from '../service/service';
import { ComposeStack } from '../stack/compose-stack';

/**
 * The `.projenrc.ts` toolchain a generated project pins (npm's newest TypeScript is not ts-node/tsx-safe).
 */
const TOOLCHAIN = ['typescript@~5.9.3', 'tsx@^4.20.0', 'constructs@^10.5.0', '@types/node@^20'];

/**
 * Reads the folder and writes its definition (`adoptRepository`). `projen new` commits the
 * folder afterwards: with changes that are not committed, it would commit them too, so it stops
 * first unless `--no-git` was given. A `package.json` of the repository's own (tracked) cannot
 * be adopted in place: the project keeps its `.projenrc.ts` toolchain in it.
 */
function adoptFolder(outdir: string, name: string, folder: string, devDeps: string[]): Adoption {
  if (tracksPackageJson(outdir)) {
    throw new Error([
      `projen-ml-docker: ${outdir}/package.json is the repository's own (git tracks it), and the project `
        + 'keeps the toolchain of .projenrc.ts in package.json: it cannot adopt this folder in place.',
      'projen new\'s npm install has already added its dependencies to it: '
        + 'git checkout package.json undoes that.',
    ].join('\n'));
  }
  const noGit = process.argv.includes('--no-git') || process.argv.includes('--git=false');
  const changes = noGit ? [] : adoptionModule().uncommittedChanges(outdir) ?? [];
  if (changes.length > 0) {
    throw new Error([
      `projen-ml-docker: ${outdir} has changes git has not committed; `
        + 'projen new commits the folder after adopting it, so it would commit them too:',
      ...changes.slice(0, 20).map((c) => `  ${c}`),
      ...changes.length > 20 ? [`  ... and ${changes.length - 20} more`] : [],
      'Commit or stash them first (git stash --include-untracked), then run projen new again; '
        + 'or run it with --no-git and commit what you choose.',
      'projen new has already installed its own package.json and node_modules/ here (not committed): '
        + 'keep them for the next run, or remove them.',
    ].join('\n'));
  }
  return adoptionModule().adoptRepository(outdir, {
    name,
    folder,
    devDeps,
    newProject: (o) => new MlDockerProject(o as unknown as MlDockerProjectOptions),
  });
}

/**
 * The adoption code, loaded only when projen new creates a project: a re-synth never needs it,
 * and every `npx projen` would pay for loading it.
 */
function adoptionModule(): typeof import('./adoption') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./adoption') as typeof import('./adoption');
}

/** Whether git tracks a package.json at the folder's root. */
function tracksPackageJson(outdir: string): boolean {
  const args = ['-C', outdir, 'ls-files', '--error-unmatch', 'package.json'];
  const res = spawnSync('git', args, { stdio: 'ignore' });
  return !res.error && res.status === 0;
}

/** Whether `projen new` is creating the project (it passes `__new__`). */
function isCreation(options: MlDockerProjectOptions): boolean {
  return typeof (options as unknown as { __new__?: unknown } | undefined)?.__new__ === 'object';
}

/** The options with the name `projen new` took from the folder made valid (`MyRepo` -> `myrepo`). */
function withValidName(options: MlDockerProjectOptions): MlDockerProjectOptions {
  const raw = typeof options.name === 'string' ? options.name : '';
  const valid = /^[a-z0-9][a-z0-9-._~]*$/.test(raw) && raw.length <= 50 && imageRepository(raw) !== undefined;
  const name = valid ? raw : projectNameFromFolder(raw);
  return { ...options, name };
}

/**
 * Runs `fn`; an error it throws reaches `projen new` without a stack trace (projen's command
 * line prints an error's stack): the message is what the user needs.
 */
function throwForCommandLine<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error) e.stack = e.message;
    throw e;
  }
}

/** projen's whole-file components whose lines outside projen's block are the user's. */
const USER_LINE_FILES = ['.gitignore', '.gitattributes'];

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
  private guardCreated = false;

  constructor(options: MlDockerProjectOptions) {
    // `projen new` takes the name from the folder (`MyRepo`): made valid here, never a stack trace
    const creating = isCreation(options);
    const folder = creating && typeof options.name === 'string' ? options.name : undefined;
    if (creating) options = withValidName(options);
    const problems = new Problems(typeof options?.name === 'string' && options.name.trim() ? options.name : 'project');
    if (typeof options?.name !== 'string' || !/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(options.name)) {
      problems.add('name', options?.name, 'a lowercase npm-style package name, e.g. "vision"');
    } else if (options.name.length > NPM_NAME_MAX) {
      problems.add(`name is longer than npm allows (${options.name.length} characters)`, options.name, `a lowercase npm-style package name of at most ${NPM_NAME_MAX} characters`);
    } else if (imageRepository(options.name) === undefined) {
      problems.add('the name gives no valid docker image name', options.name, 'a lowercase npm-style package name with at least one letter or digit (images are named <name>-<service id>)');
    }
    const {
      pythonVersion, dockerfileSyntax, dockerfileFrontend, typeCheckOnSynth, projenrcRunner, devDeps,
      hostDriverVersion,
      gpuFleet,
      ciWorkflow, ciWorkflowOptions, dependencies, strictPins, containersDoc, example, ...projectOptions
    } = options ?? ({} as MlDockerProjectOptions);
    if (example !== undefined && !creating) {
      const what = 'example is only read by projen new '
        + '(it writes the example stack instead of adopting the folder)';
      problems.add(what, example,
        'no example in .projenrc.ts');
    }
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
      problems.add('dependencies has the wrong type', dependencies, DEPENDENCIES_EXPECTED);
    }
    if (containersDoc !== undefined) {
      checkGeneratedPath(problems, 'containersDoc', containersDoc, 'docs/mldocker-containers.md', /\.md$/,
        'ending in .md');
    }
    if (ciWorkflow === false && ciWorkflowOptions !== undefined) {
      problems.add('ciWorkflowOptions is set with ciWorkflow: false', ciWorkflowOptions, 'no ciWorkflowOptions, or ciWorkflow: true');
    }
    const python = problems.count === 0 ? resolvePythonImage(problems, 'pythonVersion', pythonVersion ?? '3.11') : undefined;
    if (problems.count === 0 && hostDriverVersion !== undefined) checkDriverVersion(problems, 'hostDriverVersion', hostDriverVersion);
    if (problems.count === 0 && gpuFleet !== undefined) resolveFleet(problems, 'gpuFleet', gpuFleet);
    if (creating) throwForCommandLine(() => problems.throwIfAny());
    else problems.throwIfAny();

    // projen new in a folder that already holds a Python project: adopt it (the example only with
    // --example). Decided before the project exists, so projen new's own first synth writes only
    // what the adopted definition writes too (no CI workflow, the containers guide where it fits).
    const outdir = projectOptions.outdir ?? process.cwd();
    const adoption = creating && example !== true && adoptionModule().holdsPythonProject(outdir)
      ? throwForCommandLine(() => adoptFolder(outdir, options.name, folder ?? options.name,
        (devDeps ?? []).filter((d) => typeof d === 'string')))
      : undefined;
    const adopted = (key: string) => adoption?.plan.project.find((p) => p.key === key)?.value;
    const ciWorkflowOn = (adopted('ciWorkflow') as boolean | undefined) ?? ciWorkflow ?? true;
    const guide = (adopted('containersDoc') as string | undefined) ?? containersDoc;

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
      github: ciWorkflowOn,
      githubOptions: { mergify: false, pullRequestLint: false },
      buildWorkflow: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      entrypoint: '',
      licensed: false,
      // the folder's own name, when projen new had to make the project name valid from it
      description: projectOptions.description ?? (folder !== options.name ? folder : undefined),
      readme: {
        contents: renderTemplate('project-README.md.ejs', {
          name: options.name,
          ci: ciWorkflowOn,
          typeCheckOnSynth: typeCheckOnSynth ?? false,
          containersDoc: guide ?? DEFAULT_CONTAINERS_DOC,
        }),
      },
      gitIgnoreOptions: projectOptions.gitIgnoreOptions,
    });

    this.pythonVersion = python!.minor;
    const settings = ProjectSettings.of(this);
    settings.pythonVersion = pythonVersion ?? settings.pythonVersion;
    settings.pythonVersionGiven = pythonVersion !== undefined;
    settings.dockerfileSyntax = dockerfileSyntax ?? settings.dockerfileSyntax;
    settings.dockerfileFrontend = dockerfileFrontend ?? settings.dockerfileFrontend;
    settings.hostDriverVersion = hostDriverVersion ?? settings.hostDriverVersion;
    settings.gpuFleet = gpuFleet && [...gpuFleet];
    settings.dependencies = dependencies;
    settings.strictPins = strictPins ?? false;

    const projenrc = new ScaffoldProjenrc(this, {
      adoption,
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
    // Both files keep every line a repository already has: ours go in one marked block.
    // They are the user's files too, so they are not marked as generated for diffs.
    for (const path of USER_LINE_FILES) this.gitattributes.removeAttributes(`/${path}`, 'linguist-generated');
    // Our ignore rules come before the user's (theirs win: a `!keep.log` stays in); the rules
    // that keep generated files visible (`!/docs/containers.md`) come after them.
    new KeepUserLines(this, this.gitignore, (line) => !line.startsWith('!'));
    new KeepUserLines(this, this.gitattributes);
    this.addDockerTasks();
    new ContainersDoc(this, guide);
    if (ciWorkflowOn) this.ciWorkflow = new CiWorkflow(this, ciWorkflowOptions ?? {});
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
   * go to each build. Then the check that no file of the user's is overwritten or deleted
   * (`UserFilesGuard`), after every file is rendered and before projen writes any.
   */
  public preSynthesize(): void {
    super.preSynthesize();
    this.configureBuildTask();
    // last: its preSynthesize runs after every other component rendered its files
    if (!this.guardCreated) {
      this.guardCreated = true;
      new UserFilesGuard(this, new Set(USER_LINE_FILES));
    }
  }

  private configureBuildTask(): void {
    const build = this.tasks.tryFind('docker:build');
    if (!build) return;
    build.reset();
    build.spawn(this.tasks.tryFind('typecheck')!);
    const services = servicesOf(this);
    const composeStack = ComposeStack.of(this);
    const stack = composeStack !== undefined;
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
      composeFile: composeStack?.composeFile,
      builds: services.map((s) => {
        // the platforms compose gets (`platform`, `build.platforms`): a GPU service's one platform,
        // a CPU service's chosen ones; none for a CPU service left at the default
        const container = s._container();
        const platforms = container.platforms?.length ? container.platforms
          : container.platform ? [container.platform] : [];
        return {
          dockerfile: s.dockerfilePath,
          image: `${container.image}:local`,
          platforms: platforms.length > 0 ? platforms.join(',') : undefined,
        };
      }),
      multiPlatform: services.some((s) => (s._container().platforms?.length ?? 0) > 1),
    }), true);
  }

  /**
   * Synthesizes the project; under `models:lock` (`MLDOCKER_MODELS_LOCK=1`) writes `models.lock`
   * instead and nothing else: the lock is what a synthesis of models needs first.
   */
  public synth(): void {
    if (!process.env[MODELS_LOCK_ENV]) {
      super.synth();
      return;
    }
    // the process ends once the sources answered; a failure is one line and a non-zero exit
    this._lockModels().then((line) => console.log(line), (e: Error) => {
      console.error(`${MODELS_LOCK_TASK}: ${e.message}`);
      process.exitCode = 1;
    });
  }

  /**
   * Asks each model's source for its files and writes `models.lock` (only when its text changes);
   * resolves to one line saying what it locked.
   * @internal
   */
  public async _lockModels(env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const specs = servicesOf(this).flatMap((s) => s._modelWeights());
    const file = join(this.outdir, MODELS_LOCK_FILE);
    if (specs.length === 0) return `${MODELS_LOCK_TASK}: no service has models; ${MODELS_LOCK_FILE} left as it is`;
    const lock = await lockModels(specs, { endpoint: hubEndpoint(env), root: this.outdir });
    const text = renderModelsLock(lock);
    let before: string | undefined;
    try {
      before = readFileSync(file, 'utf-8');
    } catch {
      before = undefined;
    }
    if (before !== text) writeFileSync(file, text);
    const count = Object.values(lock.models).reduce((n, m) => n + m.files.length, 0);
    return `${MODELS_LOCK_TASK}: ${Object.keys(lock.models).length} model(s), ${count} file(s) `
      + `${before === text ? 'unchanged in' : 'written to'} ${MODELS_LOCK_FILE}`;
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
    this.addTask(MODELS_LOCK_TASK, {
      description: `Write ${MODELS_LOCK_FILE}: every file of every service's models, with its size and sha256, `
        + 'as its source gives them (HF_ENDPOINT: the Hugging Face Hub or a mirror)',
      env: { [MODELS_LOCK_ENV]: '1' },
    }).spawn(this.defaultTask!);
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
