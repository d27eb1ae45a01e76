import { Project } from 'projen';
import { resolveBuildHooks } from './build-hooks';
import { ProjectInstall, resolveProjectInstall } from './project-install';
import { PythonImage, resolvePythonImage } from './python-image';
import { checkCommand, resolveCodeProps, resolveHealthProps, resolveLimitProps } from './service-checks';
import { AnyServiceKind, KindContext, KindResolution } from './service-kind';
import { ServiceOptions } from './service-options';
import { TorchWheels } from './torch';
import { commandSecrets, textSecret } from '../core/command-secrets';
import { DEBIAN_PACKAGE, checkDebianPackages } from '../core/debian';
import { withDigest } from '../core/digest';
import { checkEnvironment } from '../core/environment';
import { moduleName } from '../core/names';
import { Problems } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RequirementSet, RequirementTier, TIER_ORDER } from '../core/requirements';
import { CogImageFacts, cogImageFacts } from '../deps';
import { BuildHooks } from '../image/build-hook-steps';

/** The props every service shares, checked and resolved, and what its kind resolved: what a service keeps. */
export interface ResolvedService extends SharedProps {
  /** What the kind resolved from its props. */
  readonly kind: KindResolution;
  /** The torch wheels the image installs (the kind's), if any. */
  readonly torch?: TorchWheels;
}

/** The props every service shares, checked and resolved. */
export interface SharedProps {
  readonly moduleName: string;
  readonly command: string[];
  /** The test stage's command when `testCommand` is given (else the image model picks one). */
  readonly testCommand?: string[];
  readonly health: ReturnType<typeof resolveHealthProps>;
  /** tini first, then the requested Debian packages, each once. */
  readonly aptPackages: string[];
  readonly code: ReturnType<typeof resolveCodeProps>;
  readonly python: PythonImage;
  /** The Python base image reference, with the kind's mirror and the digest when given. */
  readonly pythonImage: string;
  /** What the kind's functions know of the service besides its props. */
  readonly kindContext: KindContext;
  /** The typed requirement lines, by tier. */
  readonly requirements: RequirementSet;
  /**
   * The dependency files given (the prop, else the project's default), the prop's name for
   * messages, and notes on them printed at synth and listed in docs/containers.md.
   */
  readonly fileDeps?: { readonly deps: unknown; readonly field: string; readonly notes: readonly string[] };
  readonly projectInstall?: ProjectInstall;
  readonly description: string;
  readonly dockerfilePath: string;
  readonly workload: 'server' | 'job';
  readonly environment: { [key: string]: string };
  readonly hooks: BuildHooks;
  readonly limits: ReturnType<typeof resolveLimitProps>;
  /** The published host port (with a port; else the container's). */
  readonly hostPort?: number;
}

/**
 * Checks a service's shared props into `problems`, in prop order (so one error lists every
 * problem in that order), and resolves them with its kind's description (title, defaults, a
 * mirror of the Python image); the kind's own props come next (`MlService`). Every value is
 * usable even when a problem was found; the caller throws before wiring anything.
 */
export function resolveService(
  problems: Problems, project: Project, id: string, props: ServiceOptions, kind: AnyServiceKind,
): SharedProps {
  const settings = ProjectSettings.of(project);
  checkCommand(problems, 'command', props.command);
  if (props.testCommand !== undefined) checkCommand(problems, 'testCommand', props.testCommand);
  for (const [field, command] of [['command', props.command], ['testCommand', props.testCommand ?? []]] as const) {
    for (const s of commandSecrets(command, field)) problems.addRaw(s.what, s.got, s.expected);
  }
  const health = resolveHealthProps(problems, props);

  const fileDeps = props.dependencies ?? settings.dependencies;
  const cog = cogImageFacts(fileDeps, project.outdir, problems, 'dependencies');
  const aptPackages = [...props.aptPackages ?? []];
  checkDebianPackages(problems, 'aptPackages', aptPackages);
  for (const pkg of cog?.systemPackages ?? []) {
    if (!DEBIAN_PACKAGE.test(pkg.value)) {
      problems.add(`dependencies: ${pkg.at} build.system_packages has a package that is not a plain debian package name`, pkg.value,
        'a debian package name (lowercase letters, digits, "+", "-", "."), without a version or options; the image installs it with apt-get on debian 12');
    } else if (!aptPackages.includes(pkg.value)) {
      aptPackages.push(pkg.value);
    }
  }
  const code = resolveCodeProps(problems, project.outdir, id, props);

  const checkedPython = resolveServicePython(problems, props.pythonVersion, settings, cog);
  const python = checkedPython ?? { minor: '3.11', full: '3.11.0', image: 'python:invalid' };
  const mirror = checkedPython && kind.pythonImage?.(problems, props, checkedPython);
  const pythonImage = withDigest(problems, 'baseImageDigest', mirror ?? python.image, props.baseImageDigest);
  const kindContext: KindContext = {
    id,
    root: project.outdir,
    sourceDir: code.sourceDir,
    code: props.sources !== undefined
      ? props.sources.map((p) => ['sources', p] as const) : [['sourceDir', code.sourceDir]],
    python: checkedPython,
    pythonImage,
    hostDriverVersion: settings.hostDriverVersion,
    gpuFleet: settings.gpuFleet,
    dependencyFiles: fileDeps !== undefined,
  };

  const requirements = new RequirementSet();
  for (const tier of TIER_ORDER) {
    (props.requirements?.[tier] ?? []).forEach((req, i) => requirements.add(problems, tier, req, `requirements.${tier}[${i}]`));
  }
  if (props.buildRequirements !== undefined && props.installProject !== true) {
    problems.add('buildRequirements is set without installProject', props.buildRequirements,
      'installProject: true (build requirements are only for building the project\'s own wheel), or no buildRequirements');
  }
  const projectInstall = props.installProject
    ? resolveProjectInstall(problems, project.outdir, code.copies, {
      builderRequirements: [
        ...requirements.lines(RequirementTier.ML), ...requirements.lines(RequirementTier.CORE),
      ],
      buildRequirements: props.buildRequirements,
      hasDependencyFiles: fileDeps !== undefined,
    })
    : undefined;
  const description = props.description ?? kind.title;
  const descriptionSecret = textSecret(description, 'description');
  if (descriptionSecret) {
    problems.addRaw(descriptionSecret.what, descriptionSecret.got, descriptionSecret.expected);
  } else if (/[\r\n]/.test(description)) {
    problems.add('description', description, 'one line of text');
  }
  const environment = checkEnvironment(problems, props.environment ?? {}, undefined, kind.gpu);
  const hooks = resolveBuildHooks(problems, props);
  const limits = resolveLimitProps(problems, props, kind.defaults);

  return {
    moduleName: moduleName(id),
    command: [...props.command],
    testCommand: props.testCommand ? [...props.testCommand] : undefined,
    health,
    aptPackages: ['tini', ...aptPackages.filter((p) => p !== 'tini')].filter((p, i, all) => all.indexOf(p) === i),
    code,
    python,
    pythonImage,
    kindContext,
    requirements,
    fileDeps: fileDeps !== undefined ? { deps: fileDeps, field: 'dependencies', notes: cogNotes(project, id, cog, kind) } : undefined,
    projectInstall,
    description,
    dockerfilePath: `docker/${id}/Dockerfile`,
    workload: kind.workload,
    environment,
    hooks,
    limits,
    hostPort: props.hostPort,
  };
}

/**
 * The service's Python: its own `pythonVersion`, else the project's when the project sets one,
 * else the cog.yaml's `build.python_version`, else the project's default. A Python given in
 * the definition must agree with the cog.yaml's (the same minor version, and the same patch
 * when both name one).
 */
function resolveServicePython(
  problems: Problems, own: string | undefined, settings: ProjectSettings, cog: CogImageFacts | undefined,
): PythonImage | undefined {
  const given = own ?? (settings.pythonVersionGiven ? settings.pythonVersion : undefined);
  const field = own !== undefined ? 'pythonVersion' : 'pythonVersion (from the project)';
  const fromCog = cog?.pythonVersion;
  if (fromCog === undefined) return resolvePythonImage(problems, field, own ?? settings.pythonVersion);
  const [cogMinor, cogPatch] = [fromCog.value.split('.').slice(0, 2).join('.'), fromCog.value.split('.')[2]];
  if (given !== undefined) {
    const [minor, patch] = typeof given === 'string' ? [given.split('.').slice(0, 2).join('.'), given.split('.')[2]] : [given, undefined];
    if (minor !== cogMinor || (patch !== undefined && cogPatch !== undefined && patch !== cogPatch)) {
      const where = `${fromCog.at} build.python_version "${fromCog.value}"`;
      const unset = own !== undefined ? 'pythonVersion' : 'pythonVersion on the project';
      problems.add(`${field} differs from the python of the cog.yaml (${where})`, given,
        `the python the cog.yaml names, or no ${unset} (the cog.yaml's is then used)`);
      return undefined;
    }
    return resolvePythonImage(problems, field, given);
  }
  // a patch the image data does not pin runs as that minor's pinned patch (a warning says so at synth)
  return resolvePythonImage(problems, `dependencies: ${fromCog.at} build.python_version`, cogMinor);
}

/** Notes on a cog.yaml for this kind of service: its `build.gpu` against the kind's GPU. */
function cogNotes(
  project: Project, id: string, cog: CogImageFacts | undefined, kind: AnyServiceKind,
): string[] {
  if (!cog?.gpu) return [];
  const path = `${project.name}/${id}`;
  if (cog.gpu.value && !kind.gpu) {
    return [`[${path}] ${cog.gpu.at}: build.gpu is true, but ${id} is a service without GPUs `
      + `(${kind.title}); `
      + 'GpuInference or GpuTrainer gives it one'];
  }
  if (!cog.gpu.value && kind.gpu) {
    return [`[${path}] ${cog.gpu.at}: build.gpu is false, but ${id} is a GPU service (${kind.title}); `
      + 'cog builds a CPU image for it'];
  }
  return [];
}
