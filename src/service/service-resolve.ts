import { Project } from 'projen';
import { resolveBuildHooks } from './build-hooks';
import { ProjectInstall, resolveProjectInstall } from './project-install';
import { PythonImage, resolvePythonImage } from './python-image';
import { checkCommand, resolveCodeProps, resolveHealthProps, resolveLimitProps } from './service-checks';
import { AnyServiceKind, KindContext, KindResolution } from './service-kind';
import { ServiceOptions } from './service-options';
import { TorchWheels } from './torch';
import { commandSecrets, textSecret } from '../core/command-secrets';
import { checkDebianPackages } from '../core/debian';
import { withDigest } from '../core/digest';
import { checkEnvironment } from '../core/environment';
import { moduleName } from '../core/names';
import { Problems } from '../core/problems';
import { ProjectSettings } from '../core/project-settings';
import { RequirementSet, RequirementTier, TIER_ORDER } from '../core/requirements';
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
  /** The dependency files given (the prop, else the project's default), and the prop's name for messages. */
  readonly fileDeps?: { readonly deps: unknown; readonly field: string };
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

  const aptPackages = props.aptPackages ?? [];
  checkDebianPackages(problems, 'aptPackages', aptPackages);
  const code = resolveCodeProps(problems, project.outdir, id, props);

  const checkedPython = resolvePythonImage(problems, props.pythonVersion !== undefined ? 'pythonVersion' : 'pythonVersion (from the project)', props.pythonVersion ?? settings.pythonVersion);
  const python = checkedPython ?? { minor: '3.11', full: '3.11.0', image: 'python:invalid' };
  const mirror = checkedPython && kind.pythonImage?.(problems, props, checkedPython);
  const pythonImage = withDigest(problems, 'baseImageDigest', mirror ?? python.image, props.baseImageDigest);
  const kindContext: KindContext = {
    id,
    sourceDir: code.sourceDir,
    code: props.sources !== undefined
      ? props.sources.map((p) => ['sources', p] as const) : [['sourceDir', code.sourceDir]],
    python: checkedPython,
    pythonImage,
    hostDriverVersion: settings.hostDriverVersion,
  };

  const requirements = new RequirementSet();
  for (const tier of TIER_ORDER) {
    (props.requirements?.[tier] ?? []).forEach((req, i) => requirements.add(problems, tier, req, `requirements.${tier}[${i}]`));
  }
  const fileDeps = props.dependencies ?? settings.dependencies;
  const projectInstall = props.installProject
    ? resolveProjectInstall(problems, project.outdir, code.copies,
      [...requirements.lines(RequirementTier.ML), ...requirements.lines(RequirementTier.CORE)])
    : undefined;
  const description = props.description ?? kind.title;
  const descriptionSecret = textSecret(description, 'description');
  if (descriptionSecret) problems.addRaw(descriptionSecret.what, descriptionSecret.got, descriptionSecret.expected);
  else if (/[\r\n]/.test(description)) problems.add('description', description, 'one line of text');
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
    fileDeps: fileDeps !== undefined ? { deps: fileDeps, field: 'dependencies' } : undefined,
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
