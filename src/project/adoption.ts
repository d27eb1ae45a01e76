import { spawnSync } from 'child_process';
import { LogLevel, Project } from 'projen';
import { ADOPTED_COMPOSE_FILE, decide } from '../adopt/decide';
import { AdoptionPlan, ServicePlan, propOf, withProp } from '../adopt/plan';
import { RefusedService, renderAdoptedProjenrc } from '../adopt/projenrc-writer';
import { moduleFile } from '../adopt/read-code';
import { Repo } from '../adopt/repo';
import { gatherFacts, RepoFacts } from '../adopt/repo-facts';
import { MlDockerValidationError } from '../core/errors';
import { Dependencies } from '../deps';
import { GpuInference } from '../gpu/gpu-inference';
import { GpuTrainer } from '../gpu/gpu-trainer';
import { PythonService } from '../service/python-service';
import { ComposeStack } from '../stack/compose-stack';

/**
 * Adoption: `projen new --from projen-ml-docker` in a folder that already holds a Python
 * project writes a `.projenrc.ts` that reproduces it (adopt/ reads the files and decides),
 * after a dry run of the very constructs it describes: the definition is built and every file
 * rendered in memory (nothing written), and a service whose definition does not pass is written
 * as a commented TODO with the reason, never as code that fails or builds a broken image.
 */

/** Files that make a folder a Python project. */
const PYTHON_PROJECT =
  new RegExp(String.raw`^(pyproject\.toml|setup\.py|setup\.cfg|Pipfile|cog\.yaml|environment\.ya?ml`
    + String.raw`|requirements[^/]*\.txt|requirements/[^/]+\.txt)$|\.py$`);
/** Folders looked into for Python files (a repository's code is rarely deeper). */
const MAX_DEPTH = 4;

/**
 * Whether a folder holds a Python project: a dependency file or Python code, not only what `projen new`
 * put there.
 */
export function holdsPythonProject(root: string): boolean {
  return new Repo(root).files.some((f) => f.split('/').length <= MAX_DEPTH && PYTHON_PROJECT.test(f));
}

/** What `projen new` itself created before the project type runs (its npm install). */
const CREATED_BY_PROJEN_NEW = /^(package\.json|package-lock\.json|node_modules(\/|$))/;

/**
 * The changes git sees that are not committed (`git status --porcelain`), without what `projen
 * new` made itself; undefined when the folder is not in a git repository.
 */
export function uncommittedChanges(root: string): string[] | undefined {
  const result = spawnSync('git', ['-C', root, 'status', '--porcelain=v1', '-z', '--untracked-files=all'], {
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) return undefined;
  const entries = result.stdout.split('\0').filter((e) => e !== '');
  const changes: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const status = entries[i].slice(0, 2);
    const path = entries[i].slice(3);
    if (status[0] === 'R' || status[0] === 'C') i++;
    if (status === '??' && CREATED_BY_PROJEN_NEW.test(path)) continue;
    changes.push(`${status} ${path}`);
  }
  return changes;
}

/** The result of an adoption. */
export interface Adoption {
  /** The `.projenrc.ts` to write. */
  readonly text: string;
  readonly plan: AdoptionPlan;
  /** Services the dry run refused (written as commented TODOs). */
  readonly refused: readonly RefusedService[];
}

/** Builds a project of this library (the dry run's; passed in, so this module does not import the '
  + 'project's). */
export type ProjectFactory = (options: Record<string, unknown>) => Project;

export interface AdoptOptions {
  /** Builds the dry run's project (`(o) => new MlDockerProject(o)`). */
  readonly newProject: ProjectFactory;
  /** The project name (the folder's, made valid). */
  readonly name: string;
  /** The folder's name as it is. */
  readonly folder: string;
  /** The devDeps line of the definition (the `--from` spec). */
  readonly devDeps: readonly string[];
}

/** Reads the repository, decides, proves the definition in a dry run and writes it as text. */
export function adoptRepository(root: string, options: AdoptOptions): Adoption {
  const facts = gatherFacts(root, options.folder);
  let plan = decide(facts, options.name);
  const refused: RefusedService[] = [];
  const kept: ServicePlan[] = [];
  for (const service of plan.services) {
    const alone = { ...plan, services: [service] };
    let problems = dryRun(options.newProject, root, alone);
    let chosen = service;
    if (problems.length > 0) {
      const fallback = withoutInstall(facts, service);
      if (fallback) {
        const again = dryRun(options.newProject, root, { ...plan, services: [fallback] });
        if (again.length === 0) {
          chosen = fallback;
          problems = [];
        }
      }
    }
    if (problems.length > 0) refused.push({ plan: service, problems });
    else kept.push(chosen);
  }
  plan = { ...plan, services: kept, stack: kept.length > 0 ? plan.stack : undefined };
  const together = dryRun(options.newProject, root, plan);
  if (together.length > 0 && plan.stack) {
    // the services pass alone but not in one stack (a port twice, a name clash): no stack
    plan = {
      ...plan,
      stack: undefined,
      todos: [
        ...plan.todos,
        `the services do not fit in one compose stack (${together.join('; ')}): add a ComposeStack once `
          + 'that is fixed',
      ],
    };
  }
  return { text: renderAdoptedProjenrc(plan, options.devDeps, refused), plan, refused };
}

/**
 * A console script needs the project installed; when that cannot be built (a build backend
 * no lock pins, a Poetry 1.x project), the same code run without installing it: `python -m`
 * of the script's module when it has a main guard, or the repository's own wrapper file that
 * imports it (`marker_server.py`).
 */
function withoutInstall(facts: RepoFacts, service: ServicePlan): ServicePlan | undefined {
  if (propOf(service.props, 'installProject') === undefined) return undefined;
  const command = propOf(service.props, 'command')!.value as string[];
  const script = command[0];
  const target = facts.pyproject?.scripts[script]?.target;
  if (!target) return undefined;
  const module = target.split(':')[0];
  const file = moduleFile(facts.repo, module);
  const wrapper = facts.repo.files.find(
    (f) =>
      !f.includes('/') &&
      f.endsWith('.py') &&
      facts.code.mainGuards.has(f) &&
      [...(facts.code.imports.get(f) ?? [])].includes(module.split('.')[0]) &&
      (facts.repo.text(f) ?? '').includes(`from ${module} import ${target.split(':')[1]}`),
  );
  let words: string[];
  let why: string;
  const sources = (propOf(service.props, 'sources')?.value as string[] | undefined) ?? [];
  let newSources = sources;
  if (file && facts.code.mainGuards.has(file)) {
    words = ['python', '-m', module, ...command.slice(1)];
    why = `${file} has a main guard: the console script's module runs without installing the project`;
  } else if (wrapper) {
    words = ['python', wrapper, ...command.slice(1)];
    why = `${wrapper} (the repository's own wrapper) runs ${target} without installing the project`;
    newSources = [...new Set([...sources, wrapper])].sort();
  } else {
    return undefined;
  }
  const previous = propOf(service.props, 'command')!;
  let props = withProp(service.props, 'installProject', undefined);
  props = props.map((p) =>
    p.key === 'command' ? { ...p, value: words, from: `${previous.from}; ${why}` } : p,
  );
  props = props.map((p) => (p.key === 'sources' ? { ...p, value: newSources } : p));
  return {
    ...service,
    props,
    todos: [
      ...service.todos,
      `the console script ${script} needs installProject, which this project cannot build yet (its build `
        + `backend is not pinned by a lock, or its metadata is Poetry 1.x): ${why}`,
    ],
  };
}

/**
 * The constructs a plan describes, built on a project in `root` and rendered in memory; its problems, or
 * none.
 */
export function dryRun(newProject: ProjectFactory, root: string, plan: AdoptionPlan): string[] {
  const props = (list: AdoptionPlan['project']) =>
    Object.fromEntries(
      list.map((p) => [p.key, p.key === 'dependencies' ? dependencies(p.value) : p.value]),
    );
  try {
    const project = newProject({
      name: plan.name,
      outdir: root,
      logging: { level: LogLevel.OFF },
      ...(plan.folder ? { description: plan.folder } : {}),
      ...props(plan.project),
    });
    for (const s of plan.services) {
      const serviceProps = props(s.props) as never;
      if (s.kind === 'GpuInference') new GpuInference(project, s.id, serviceProps);
      else if (s.kind === 'GpuTrainer') new GpuTrainer(project, s.id, serviceProps);
      else new PythonService(project, s.id, serviceProps);
    }
    if (plan.stack) new ComposeStack(project, 'stack', props(plan.stack) as never);
    project.preSynthesize();
    for (const c of project.components) c.preSynthesize();
    return [];
  } catch (e) {
    if (e instanceof MlDockerValidationError) return e.problems;
    return [(e as Error)?.message ?? String(e)];
  }
}

function dependencies(value: unknown): Dependencies {
  const plan = value as {
    factory: 'fromRequirementsFiles' | 'fromPyproject' | 'fromCogYaml' | 'fromSetupPy';
    options: never;
  };
  return Dependencies[plan.factory](plan.options);
}

export { ADOPTED_COMPOSE_FILE };
