import { existsSync } from 'fs';
import { CogStep, CogValue, readCogYaml } from './cog-yaml';
import { CogYamlOptions, Dependencies } from './dependencies';
import { joinRelative, ProjectFiles } from './files';
import { FileRequirement, RequirementFileReader } from './requirements-file';
import { placeFileRequirements } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { TierName } from './resolved';
import { textSecret } from '../core/command-secrets';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import { LINE_BREAK } from '../core/requirement-grammar';
import { RequirementTier } from '../core/requirements';

/**
 * A cog.yaml resolved into tiers: `build.python_packages` (read as the lines of a requirement
 * file, which is what cog writes them into) or the `build.python_requirements` file, then the
 * plain `pip install` steps of `build.run`, which cog runs after them: their requirements are
 * the image's too. Every other setup step is refused unless `handledRunSteps` names it: it is
 * a build step (`buildSteps`), not a dependency, and dropping it silently would build another
 * image than cog does.
 */

/** Options of `pip install` that change nothing about which packages are installed. */
const QUIET_OPTIONS = [
  '--no-cache-dir', '-q', '--quiet', '-U', '--upgrade', '--disable-pip-version-check', '--root-user-action=ignore',
];

/**
 * The words of a command as a POSIX shell splits them (spaces, '...' and "..." quotes), or
 * undefined when it uses more of the shell than that: expansions, operators, redirections,
 * globs, escapes (a step doing more than one plain command is never read as requirements).
 */
export function shellWords(command: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const end = command.indexOf(c, i + 1);
      if (end < 0) return undefined;
      const inner = command.slice(i + 1, end);
      if ((c === '"' && /[$`\\]/.test(inner)) || LINE_BREAK.test(inner)) return undefined;
      word = (word ?? '') + inner;
      i = end;
    } else if (/[;&|<>()$`\\*?{}\n\r]/.test(c) || ((c === '~' || c === '#') && word === undefined)) {
      return undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The requirements of a setup step that is a plain `pip install` of requirements
 * (`pip install cog==0.10.0a15`, `python -m pip install "x>=1" y`, after cog's optional
 * `--mount=...` prefix), or undefined for any other step.
 */
export function pipInstallRequirements(command: string): string[] | undefined {
  const words = shellWords(command);
  if (!words) return undefined;
  let i = 0;
  while (i < words.length && words[i].startsWith('--mount=')) i++;
  const rest = words.slice(i);
  let args: string[] | undefined;
  const [first, second, third, fourth] = rest;
  if (/^pip3?(\.\d+)?$/.test(first ?? '') && second === 'install') args = rest.slice(2);
  else if (/^python3?(\.\d+)?$/.test(first ?? '') && second === '-m' && third === 'pip' && fourth === 'install') args = rest.slice(4);
  if (!args) return undefined;
  const requirements = args.filter((a) => !QUIET_OPTIONS.includes(a));
  if (requirements.length === 0 || requirements.some((a) => a.startsWith('-'))) return undefined;
  return requirements;
}

/** Whether a step replaces or removes pip itself (`ln -sf $(which echo) $(which pip)`). */
function disablesPip(command: string): boolean {
  return /\b(ln|rm|mv|cp|chmod)\b[^\n]*(\$\(\s*which\s+pip3?\s*\)|\/pip3?\b)/.test(command);
}

export function fromCogYaml(run: ResolveRun, options: CogYamlOptions): void {
  const problems = run.problems;
  const cog = readCogYaml(run.files, problems, `${run.field}.path`, options.path ?? 'cog.yaml');
  if (!cog) return;
  run.allowDirect = options.allowDirectReferences === true;
  const reader = new RequirementFileReader(run.files, problems, run.allowDirect, run.target.pythonVersion);
  const lines: FileRequirement[] = [];
  const constraints: FileRequirement[] = [];
  if (cog.pythonRequirements) {
    const file = joinRelative(cog.path, cog.pythonRequirements.value);
    const content = reader.read(`${run.field}: ${cog.pythonRequirements.at} build.python_requirements`, file);
    lines.push(...content.requirements);
    constraints.push(...content.constraints);
  } else {
    const content = reader.readLines(cog.path, cog.pythonPackages);
    lines.push(...content.requirements);
    constraints.push(...content.constraints);
  }
  const handled = options.handledRunSteps ?? [];
  const used = new Set<string>();
  for (const step of cog.steps) {
    const command = step.command.trim();
    if (handled.includes(command)) {
      used.add(command);
      continue;
    }
    const pip = pipInstallRequirements(command);
    if (pip && step.field.startsWith('build.run')) {
      const content = reader.readLines(cog.path, pip.map((text) => ({ line: step.line, text })));
      lines.push(...content.requirements);
      constraints.push(...content.constraints);
      continue;
    }
    refuseStep(run, cog.path, step, command);
  }
  handled.forEach((command, i) => {
    if (!used.has(command.trim())) {
      problems.add(`${run.field}.handledRunSteps[${i}] is not a setup step of ${cog.path}`, command,
        `a command of its build.run or build.pre_install, exactly as written (${cog.steps.length} there)`);
    }
  });
  const projectTier = (options.projectTier ?? RequirementTier.CORE) as TierName;
  const ml = (options.mlPackages ?? []).map(normalizePackageName);
  (options.mlPackages ?? []).forEach((name, i) => {
    if (!lines.some((r) => r.req.key === normalizePackageName(name))) {
      problems.add(`${run.field}.mlPackages[${i}] names a package ${cog.path} does not list`, name,
        `one of its packages: ${[...new Set(lines.map((r) => r.req.name))].join(', ') || 'none'}`);
    }
  });
  const byTier: Record<TierName, FileRequirement[]> = { ml: [], core: [], dev: [] };
  for (const r of lines) byTier[ml.includes(r.req.key) ? 'ml' : projectTier].push(r);
  if (problems.count > 0) return;
  placeFileRequirements(run, byTier, constraints, options.strictPins === true);
  const python = cog.pythonVersion;
  if (python && python.value.split('.').length === 3 && python.value !== run.target.pythonVersion) {
    const image = run.target.pythonVersion;
    run.warnings.push(`[${run.ctx.path}] ${python.at}: build.python_version ${python.value}: the image runs python ${image}, `
      + `the pinned python image of ${image.split('.').slice(0, 2).join('.')}`);
  }
}

function refuseStep(run: ResolveRun, file: string, step: CogStep, command: string): void {
  const secret = textSecret(command, step.field);
  const where = `${file}:${step.line} ${step.field}`;
  const handledHint = `then its text in handledRunSteps of Dependencies.fromCogYaml (${run.field})`;
  if (secret) {
    run.problems.addRaw(`${where} is a setup step that holds a credential`, secret.got,
      `the step as a buildSteps entry reading the credential from a BuildKit secret, ${handledHint}`);
    return;
  }
  if (disablesPip(command)) {
    run.problems.add(`${where} replaces or removes pip, which the generated image runs after it (the tiers, pip check)`,
      command, `no such step in the image: leave it out, its text in handledRunSteps of Dependencies.fromCogYaml (${run.field})`);
    return;
  }
  const what = step.field.startsWith('build.pre_install') ? 'a setup step cog runs before the python packages'
    : 'a setup step, not a dependency (only a plain "pip install <requirements>" is read as one)';
  run.problems.add(`${where} is ${what}`, command,
    'the step as a buildSteps entry of the service (a RUN of the builder or, with stage runtime-root, of the runtime stages), '
    + `${handledHint}; `
    + 'or left out deliberately, its text in handledRunSteps');
}

/** What a cog.yaml says about the image itself, beyond its packages: read when a service is made. */
export interface CogImageFacts {
  readonly file: string;
  readonly pythonVersion?: CogValue<string>;
  readonly systemPackages: ReadonlyArray<CogValue<string>>;
  readonly gpu?: CogValue<boolean>;
}

/**
 * The image facts of dependencies built with `Dependencies.fromCogYaml` (undefined for any
 * other kind): the Python, the system packages and whether cog builds a GPU image. Problems
 * of the file go to `problems`; its packages are read later, at synth.
 */
export function cogImageFacts(
  deps: unknown, projectRoot: string, problems: Problems, field: string,
): CogImageFacts | undefined {
  const spec = deps instanceof Dependencies ? deps._spec : undefined;
  if (spec?.kind !== 'cog' || !existsSync(projectRoot)) return undefined;
  const path = typeof spec.options?.path === 'string' ? spec.options.path : 'cog.yaml';
  const cog = readCogYaml(new ProjectFiles(projectRoot, problems), problems, `${field}.path`, path);
  if (!cog) return undefined;
  const { pythonVersion, systemPackages, gpu } = cog;
  return { file: cog.path, pythonVersion, systemPackages, gpu };
}
