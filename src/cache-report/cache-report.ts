import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import type { Instruction } from 'dockerfile-ast';
import { BUILD_HOOK_MARKER } from '../service/build-hooks';
import { RUNTIME_HELPERS_DIR, SHARED_CODE_DIR } from '../service/shared-files';

/** What a change touches, from BuildKit's point of view. */
export enum CacheChangeKind {
  /** A file of the service's own code directory (e.g. `services/api/main.py`). */
  APP_CODE = 'app-code',
  /** A file of the code every service shares (`services/common`). */
  SHARED_CODE = 'shared-code',
  /** A file of the generated runtime helpers (`docker/runtime`), e.g. after a library upgrade. */
  RUNTIME_HELPERS = 'runtime-helpers',
  /** Another build-context path the Dockerfile reads (a baked model, extension sources). */
  OTHER_CONTEXT = 'context',
  /** One requirement tier's file (`docker/<id>/requirements-<tier>.txt`). */
  REQUIREMENTS = 'requirements',
  /** A base image reference (a `FROM <image>`, usually through its build arg). */
  BASE_IMAGE = 'base-image',
  /** The Dockerfile template: the first build step of one stage changes. */
  DOCKERFILE = 'dockerfile',
  /**
   * A build hook of the service (`buildPackages`, `buildEnv`, one of `buildSteps` or
   * `copyFromImages`): the instructions under its `# build hook` comment change.
   */
  BUILD_HOOK = 'build-hook',
}

/** What a build step is for. */
export enum LayerRole {
  /** `FROM <image>`: the base image. */
  BASE_IMAGE = 'base-image',
  /** OS packages, users, other system set-up. */
  SYSTEM = 'system',
  /** Python dependencies: the virtualenv, pip installs, `pip check`, and copies of them. */
  DEPENDENCIES = 'dependencies',
  /** Code copied from the build context. */
  CODE = 'code',
  /** Anything else (`WORKDIR`, directories). */
  SETUP = 'setup',
}

/** One numbered build step, as BuildKit prints it (`[stage i/n] INSTRUCTION`). */
export interface CacheStep {
  /** The prefix BuildKit prints, e.g. `[builder 3/5]` (the index is padded to the width of the total). */
  readonly label: string;
  /** The stage name (`stage-<n>` for unnamed stages). */
  readonly stage: string;
  /** 1-based position among the stage's numbered steps. */
  readonly index: number;
  /** Number of numbered steps of the stage. */
  readonly total: number;
  /** `FROM`, `RUN`, `COPY`, `ADD` or `WORKDIR`: the instructions BuildKit numbers. */
  readonly keyword: string;
  /** The instruction on one line (continuations joined, as BuildKit shows it; build args not expanded). */
  readonly instruction: string;
  /** 1-based line of the instruction in the Dockerfile. */
  readonly line: number;
  /** What the step is for. */
  readonly role: LayerRole;
  /** Build-context paths the step reads (COPY/ADD sources, bind mounts); `.` is the whole context. */
  readonly contextPaths: string[];
  /** Stages the step reads (`COPY --from`, `RUN --mount=from=`). */
  readonly fromStages: string[];
  /** Images the step reads directly (`COPY --from=<image>`). */
  readonly fromImages: string[];
  /** Requirement tiers this step installs (`pip install -r <tier file>`). */
  readonly installsTiers: string[];
}

/** One kind of change the report predicts the cache impact of. */
export interface CacheChange {
  /** Stable id: `app-code`, `shared-code`, `requirements:ml`, `base-image`, `dockerfile:builder`, ... */
  readonly id: string;
  readonly kind: CacheChangeKind;
  /** One line for humans. */
  readonly description: string;
  /**
   * The build-context files assumed to change (for context changes): a file the context
   * actually sends from the path, or the tier's requirement file.
   * @default - none (not a context change)
   */
  readonly files?: string[];
  /**
   * The requirement tier, for `requirements` changes.
   * @default - none
   */
  readonly tier?: string;
  /**
   * The image reference as written in the Dockerfile (e.g. `${PYTHON_IMAGE}`), for `base-image` changes.
   * @default - none
   */
  readonly image?: string;
  /**
   * The stage whose first build step changes, for `dockerfile` changes.
   * @default - none
   */
  readonly stage?: string;
  /**
   * The build hook as its Dockerfile comment names it (`build-packages`, `build-env`,
   * `step <name>`, `copy <name>`), for `build-hook` changes.
   * @default - none
   */
  readonly hook?: string;
}

/** What one change does to one target's build steps. */
export interface TargetImpact {
  /** The change id. */
  readonly change: string;
  /** Labels of the steps BuildKit re-runs, in step order. */
  readonly invalidated: string[];
  /** Labels of the steps BuildKit reports as `CACHED`, in step order. */
  readonly kept: string[];
  /** How many of the re-run steps are dependency layers. */
  readonly invalidatedDependencyLayers: number;
}

/** One build target of a service: its steps and the impact of each change. */
export interface TargetCacheReport {
  readonly target: string;
  /** The numbered steps a build of this target runs, by stage (file order) and index. */
  readonly steps: CacheStep[];
  /** One entry per change of the service, in the order of its `changes`. */
  readonly impacts: TargetImpact[];
}

/** The cache report of one service's Dockerfile. */
export interface ServiceCacheReport {
  /** The service id (the directory name under `docker/`). */
  readonly service: string;
  /** The Dockerfile, relative to the project root. */
  readonly dockerfile: string;
  /**
   * The ignore file BuildKit uses for it: `<Dockerfile>.dockerignore`, else the context's `.dockerignore`.
   * @default - none (every context file is sent)
   */
  readonly ignoreFile?: string;
  /** The changes analysed, in display order. */
  readonly changes: CacheChange[];
  readonly targets: TargetCacheReport[];
  /** Inconsistencies found on the way (a path the Dockerfile reads but the ignore file excludes). */
  readonly warnings: string[];
}

/** One promise of the generated layout, checked on a service's report. */
export interface CachePromiseResult {
  readonly service: string;
  /** `code-keeps-dependencies`, `dev-tier-keeps-prod`, `core-tier-keeps-ml`, `ml-tier-keeps-torch`, `core-tier-keeps-venv-copy`. */
  readonly promise: string;
  /** The promise in words. */
  readonly description: string;
  /** False when the layout breaks it. */
  readonly holds: boolean;
  /** Which steps it was checked on, or what breaks it. */
  readonly detail: string;
}

/** Options of `CacheReport.fromProject`. */
export interface CacheReportOptions {
  /**
   * Only these services (ids of `docker/<id>/Dockerfile`).
   * @default - every service
   */
  readonly services?: string[];
  /**
   * Only these targets.
   * @default - `dev`, `test` and `prod` where the Dockerfile has them, else its last stage
   */
  readonly targets?: string[];
}

/** Input of `CacheReport.analyze`: one Dockerfile given as text. */
export interface DockerfileCacheInput {
  /** The service id. */
  readonly service: string;
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  /**
   * The Dockerfile's path relative to the context root (for display).
   * @default "docker/<service>/Dockerfile"
   */
  readonly dockerfilePath?: string;
  /**
   * The ignore file's text.
   * @default - no ignore file: every context file is sent
   */
  readonly ignoreFile?: string;
  /**
   * The ignore file's path (for display).
   * @default - "<dockerfilePath>.dockerignore" when `ignoreFile` is given
   */
  readonly ignoreFilePath?: string;
  /**
   * Files of the build context (relative, `/`-separated), used to pick a file each context
   * change really touches.
   * @default - none: a file inside each path is assumed
   */
  readonly contextFiles?: string[];
  /**
   * Only these targets.
   * @default - `dev`, `test` and `prod` where the Dockerfile has them, else its last stage
   */
  readonly targets?: string[];
}

/**
 * Which build steps each kind of change invalidates, per service and target, computed
 * statically from the generated Dockerfiles and ignore files the way BuildKit keys its
 * cache: a step re-runs when the step before it re-runs, when its own instruction changes,
 * when a build-context file it reads (COPY source, bind mount; after the ignore file)
 * changes, or when a stage or image it copies from changes.
 *
 * ```ts
 * const report = CacheReport.fromProject('.');
 * console.log(report.renderTable());
 * ```
 */
export class CacheReport {
  /**
   * Reads every `docker/<id>/Dockerfile` of a project (the build context is the project
   * root, as in the generated compose.yaml) with its ignore file.
   */
  public static fromProject(projectDir: string, options: CacheReportOptions = {}): CacheReport {
    const dockerDir = join(projectDir, 'docker');
    const ids = existsSync(dockerDir)
      ? readdirSync(dockerDir).filter((d) => existsSync(join(dockerDir, d, 'Dockerfile'))).sort()
      : [];
    const wanted = options.services ?? ids;
    const unknown = wanted.filter((s) => !ids.includes(s));
    if (unknown.length > 0) {
      throw new Error(`no Dockerfile for service ${unknown.map((u) => `"${u}"`).join(', ')} under ${dockerDir}; services: ${ids.join(', ') || '(none)'}`);
    }
    const filesUnder = (path: string): string[] => {
      const full = join(projectDir, path === '.' ? '' : path);
      if (safeIsFile(full)) return [path];
      return listFiles(projectDir, path === '.' ? '' : path);
    };
    const services = wanted.map((service) => {
      const dockerfilePath = `docker/${service}/Dockerfile`;
      const own = `${dockerfilePath}.dockerignore`;
      const ignorePath = existsSync(join(projectDir, own)) ? own : existsSync(join(projectDir, '.dockerignore')) ? '.dockerignore' : undefined;
      return analyzeDockerfile({
        service,
        dockerfile: readFileSync(join(projectDir, dockerfilePath), 'utf-8'),
        dockerfilePath,
        ignoreFile: ignorePath && readFileSync(join(projectDir, ignorePath), 'utf-8'),
        ignoreFilePath: ignorePath,
        targets: options.targets,
      }, filesUnder);
    });
    return new CacheReport(projectDir, services);
  }

  /** Analyses one Dockerfile given as text. */
  public static analyze(input: DockerfileCacheInput): ServiceCacheReport {
    return analyzeDockerfile(input);
  }

  /** The layout's promises, checked on one service's report. */
  public static promisesOf(service: ServiceCacheReport): CachePromiseResult[] {
    return checkPromises(service);
  }

  /** The services, in id order. */
  public readonly services: ServiceCacheReport[];

  private constructor(
    /** The project directory the report was read from. */
    public readonly projectDir: string,
    services: ServiceCacheReport[],
  ) {
    this.services = services;
  }

  /** One service's report. */
  public service(id: string): ServiceCacheReport {
    const found = this.services.find((s) => s.service === id);
    if (!found) throw new Error(`no service "${id}" in the cache report; services: ${this.services.map((s) => s.service).join(', ')}`);
    return found;
  }

  /** The impact of one change on one target of one service. */
  public impact(service: string, target: string, change: string): TargetImpact {
    return impactOf(this.service(service), target, change);
  }

  /** The layout's promises, checked on every service. */
  public checkPromises(): CachePromiseResult[] {
    return this.services.flatMap((s) => checkPromises(s));
  }

  /** The whole report as plain JSON data (`docker:cache-report --json`). */
  public toJson(): any {
    return {
      projectDir: this.projectDir,
      legend: {
        invalidated: 'steps BuildKit re-runs after the change',
        kept: 'steps BuildKit reports as CACHED',
      },
      services: this.services,
      promises: this.checkPromises(),
    };
  }

  /** The report as text tables, one per service and target, then the promises. */
  public renderTable(): string {
    return [...this.services.map((s) => renderService(s)), renderPromises(this.checkPromises())].join('\n');
  }
}

// ---------------------------------------------------------------------------------------
// Parsing: stages and the steps BuildKit numbers

/** Instructions BuildKit turns into numbered steps (besides `FROM <image>`). */
const STEP_KEYWORDS = ['RUN', 'COPY', 'ADD', 'WORKDIR'];
const DEFAULT_TARGETS = ['dev', 'test', 'prod'];
const TIER_FILE = /(^|\/)requirements-([A-Za-z0-9_]+)[^/]*$/;
const TIER_ORDER = ['torch', 'ml', 'core', 'dev'];

interface Stage {
  readonly name: string;
  readonly position: number;
  /** The FROM argument as written (`${PYTHON_IMAGE}`, `base`). */
  readonly fromRaw: string;
  /** The parent stage, when the stage starts from another stage. */
  parent?: Stage;
  /** The base image (build args expanded with their defaults), when it starts from an image. */
  readonly image?: string;
  readonly steps: StepModel[];
  /** The first instruction after FROM (a template edit of a stage without steps changes it). */
  readonly firstInstruction?: string;
}

interface StepModel extends CacheStep {
  readonly stageRef: Stage;
  /** Stage references as written (names or indexes), resolved after parsing. */
  readonly fromRefs: string[];
  readonly mentionsDependencies: boolean;
  /** Build hooks whose change re-runs this step first: its own, or an ENV hook right before it. */
  readonly hooks: string[];
}

/**
 * dockerfile-ast (and vscode-languageserver-types under it) is loaded on first use, not
 * with the library: every `npx projen` loads the library, few ask for a cache report.
 */
function parseDockerfile(text: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DockerfileParser } = require('dockerfile-ast') as typeof import('dockerfile-ast');
  return DockerfileParser.parse(text);
}

function parseStages(text: string): Stage[] {
  const df = parseDockerfile(text);
  const escape = df.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const globalArgs = new Map<string, string>();
  for (const arg of df.getInitialARGs()) {
    const prop = arg.getProperty();
    if (prop) globalArgs.set(prop.getName(), prop.getValue() ?? '');
  }
  const stages: Stage[] = [];
  let current: { stage: Stage; rest: Instruction[] } | undefined;
  const pending: Array<{ stage: Stage; rest: Instruction[] }> = [];
  for (const instruction of df.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const fromRaw = args[0] ?? '';
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      const name = asIndex >= 0 && args[asIndex + 1] ? args[asIndex + 1] : `stage-${stages.length}`;
      const expanded = expandArgs(fromRaw, globalArgs);
      const parent = stages.find((s) => s.name.toLowerCase() === expanded.toLowerCase());
      const stage: Stage = {
        name,
        position: stages.length,
        fromRaw,
        parent,
        image: parent || expanded.toLowerCase() === 'scratch' ? undefined : expanded,
        steps: [],
      };
      stages.push(stage);
      current = { stage, rest: [] };
      pending.push(current);
      if (stage.image) {
        (stage.steps as StepModel[]).push(stepModel(stage, instruction, 'FROM', `FROM ${normalizeImage(expanded)}`, [], [], [], []));
      }
      continue;
    }
    current?.rest.push(instruction);
  }
  for (const { stage, rest } of pending) {
    (stage as { firstInstruction?: string }).firstInstruction = rest[0] ? oneLine(rest[0], escape, lines) : undefined;
    // A build hook's instructions follow its `# build hook` comment; an ENV hook is no step of
    // its own, so its change first re-runs the next numbered step.
    let hooks: string[] = [];
    for (const instruction of rest) {
      const keyword = instruction.getKeyword().toUpperCase();
      const hook = hookAbove(lines, instruction.getRange().start.line);
      if (hook) hooks.push(hook);
      if (!STEP_KEYWORDS.includes(keyword)) continue;
      const { contextPaths, fromRefs, installsTiers } = readsOf(instruction, keyword);
      const shown = oneLine(instruction, escape, lines);
      const step = stepModel(stage, instruction, keyword, shown, contextPaths, fromRefs, installsTiers, []);
      (step as { hooks: string[] }).hooks = hooks;
      hooks = [];
      (stage.steps as StepModel[]).push(step);
    }
  }
  // Number the steps, resolve `--from` references, classify.
  for (const stage of stages) {
    const total = stage.steps.length;
    const width = total > 0 ? Math.floor(1 + Math.log10(total)) : 1;
    stage.steps.forEach((step, i) => {
      const s = step as { -readonly [K in keyof StepModel]: StepModel[K] };
      s.index = i + 1;
      s.total = total;
      s.label = `[${stage.name} ${String(i + 1).padStart(width, ' ')}/${total}]`;
      for (const ref of step.fromRefs) {
        const target = /^\d+$/.test(ref) ? stages[Number(ref)] : stages.find((x) => x.name.toLowerCase() === ref.toLowerCase());
        if (target) s.fromStages.push(target.name);
        else s.fromImages.push(normalizeImage(expandArgs(ref, globalArgs)));
      }
    });
  }
  for (const stage of stages) {
    for (const step of stage.steps) {
      (step as { role: LayerRole }).role = roleOf(step, stages);
    }
  }
  return stages;
}

/** The build hook named by the comment block right above a 0-based line, if any. */
function hookAbove(lines: string[], line: number): string | undefined {
  for (let i = line - 1; i >= 0 && lines[i].startsWith('#'); i--) {
    const m = BUILD_HOOK_MARKER.exec(lines[i]);
    if (m) return m[1];
  }
  return undefined;
}

function stepModel(stage: Stage, instruction: Instruction, keyword: string, text: string,
  contextPaths: string[], fromRefs: string[], installsTiers: string[], fromStages: string[]): StepModel {
  return {
    label: '',
    stage: stage.name,
    index: 0,
    total: 0,
    keyword,
    instruction: text,
    line: instruction.getRange().start.line + 1,
    role: LayerRole.SETUP,
    contextPaths,
    fromStages,
    fromImages: [],
    installsTiers,
    stageRef: stage,
    fromRefs,
    hooks: [],
    mentionsDependencies: keyword === 'RUN' && /\b(pip|pip3|uv|conda|mamba|poetry)\b|-m\s+(venv|pip)\b|\bvirtualenv\b/.test(text),
  };
}

/**
 * The instruction on one line, the way BuildKit prints it: the escape character and the
 * line break of each continuation removed (indentation kept), comment lines dropped.
 */
function oneLine(instruction: Instruction, escape: string, lines: string[]): string {
  const { start, end } = instruction.getRange();
  const raw = lines.slice(start.line, end.line + 1);
  raw[raw.length - 1] = raw[raw.length - 1].slice(0, end.character);
  raw[0] = raw[0].slice(start.character);
  let out = '';
  raw.forEach((line, i) => {
    if (i > 0 && /^\s*#/.test(line)) return;
    const continued = i < raw.length - 1 && line.trimEnd().endsWith(escape);
    out += continued ? line.trimEnd().slice(0, -escape.length) : line;
  });
  return out.trim().replace(/^\S+/, (k) => k.toUpperCase());
}

/** The part of dockerfile-ast's Flag the analysis uses (RUN/COPY/ADD flags, `--mount` options). */
interface FlagLike {
  getName(): string;
  getValue(): string | null;
  getOptions(): Array<{ getName(): string; getValue(): string | null }>;
}

/** What a RUN/COPY/ADD reads: build-context paths, stages or images, and tiers it installs. */
function readsOf(instruction: Instruction, keyword: string): { contextPaths: string[]; fromRefs: string[]; installsTiers: string[] } {
  const flags = (instruction as unknown as { getFlags?: () => FlagLike[] }).getFlags?.() ?? [];
  const contextPaths: string[] = [];
  const fromRefs: string[] = [];
  const installsTiers: string[] = [];
  if (keyword === 'COPY' || keyword === 'ADD') {
    const from = flags.find((f) => f.getName().toLowerCase() === 'from')?.getValue();
    const args = jsonOrWords(instruction);
    const sources = args.slice(0, -1);
    if (from) fromRefs.push(from);
    else contextPaths.push(...sources.filter((s) => !/^[a-z]+:\/\//i.test(s)).map(normalizeContextPath));
  } else if (keyword === 'RUN') {
    const command = instruction.getArgumentsContent() ?? '';
    for (const flag of flags.filter((f) => f.getName().toLowerCase() === 'mount')) {
      const opts = new Map(flag.getOptions().map((o) => [o.getName().toLowerCase(), o.getValue() ?? '']));
      const type = opts.get('type') ?? 'bind';
      if (type !== 'bind') continue;
      const source = opts.get('source') ?? opts.get('src') ?? '.';
      const from = opts.get('from');
      if (from) {
        fromRefs.push(from);
        continue;
      }
      const path = normalizeContextPath(source);
      contextPaths.push(path);
      const tier = TIER_FILE.exec(path)?.[2];
      const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination');
      if (tier && target && new RegExp(`(^|\\s)(-r\\s*|--requirement[=\\s]\\s*)["']?${escapeRegExp(target)}["']?(\\s|$)`).test(command)) {
        installsTiers.push(tier);
      }
    }
  }
  return { contextPaths: [...new Set(contextPaths)], fromRefs, installsTiers };
}

function jsonOrWords(instruction: Instruction): string[] {
  const content = (instruction.getArgumentsContent() ?? '').trim();
  const withoutFlags = content.replace(/^(--[A-Za-z-]+(=\S*)?\s+)+/, '');
  if (withoutFlags.startsWith('[')) {
    try {
      const parsed = JSON.parse(withoutFlags);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
    } catch {
      // not JSON form: fall through
    }
  }
  return instruction.getArguments().map((a) => a.getValue());
}

function roleOf(step: StepModel, stages: Stage[]): LayerRole {
  if (step.keyword === 'FROM') return LayerRole.BASE_IMAGE;
  const readsTier = step.contextPaths.some((p) => TIER_FILE.test(p));
  if (step.keyword === 'RUN') {
    // installProject: building the project's own wheel and installing it without dependencies is its code
    if (!readsTier && /\bpip (wheel|install) --no-deps\b/.test(step.instruction) && (step.stage === 'project' || step.fromStages.includes('project'))) return LayerRole.CODE;
    if (readsTier || step.mentionsDependencies) return LayerRole.DEPENDENCIES;
    return LayerRole.SYSTEM;
  }
  if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    if (step.fromStages.length > 0) {
      const sources = step.fromStages.map((n) => stages.find((s) => s.name === n)!);
      return sources.some((s) => stageHasDependencies(s)) ? LayerRole.DEPENDENCIES : LayerRole.SYSTEM;
    }
    if (step.fromImages.length > 0) return LayerRole.SYSTEM;
    if (step.contextPaths.length > 0 && step.contextPaths.every((p) => TIER_FILE.test(p))) return LayerRole.DEPENDENCIES;
    return LayerRole.CODE;
  }
  return LayerRole.SETUP;
}

function stageHasDependencies(stage: Stage, seen = new Set<Stage>()): boolean {
  if (seen.has(stage)) return false;
  seen.add(stage);
  return stage.steps.some((s) => s.keyword === 'RUN' && (s.mentionsDependencies || s.contextPaths.some((p) => TIER_FILE.test(p))))
    || (stage.parent !== undefined && stageHasDependencies(stage.parent, seen));
}

/** Expands `$NAME` / `${NAME}` with the global ARG defaults (as BuildKit does for FROM). */
function expandArgs(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, modifier, bare) => {
    const name = braced ?? bare;
    const value = args.get(name);
    if (modifier) {
      const op = modifier.replace(/^:/, '')[0];
      const word = modifier.replace(/^:?[-+]/, '');
      if (op === '-') return value ? value : word;
      if (op === '+') return value ? word : '';
    }
    return value ?? (args.has(name) ? '' : whole);
  });
}

/** `python:3.11` -> `docker.io/library/python:3.11`, as BuildKit names the FROM step. */
function normalizeImage(ref: string): string {
  if (ref.includes('$')) return ref;
  const parts = ref.split('/');
  if (parts.length === 1) return `docker.io/library/${ref}`;
  if (!/[.:]/.test(parts[0]) && parts[0] !== 'localhost') return `docker.io/${ref}`;
  return ref;
}

function normalizeContextPath(path: string): string {
  let p = path.replace(/\\/g, '/').replace(/\/+/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/\.$/, '');
  return p === '' ? '.' : p;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------
// The changes and their impact

function analyzeDockerfile(input: DockerfileCacheInput, filesUnder?: FilesUnder): ServiceCacheReport {
  const stages = parseStages(input.dockerfile);
  const dockerfilePath = input.dockerfilePath ?? `docker/${input.service}/Dockerfile`;
  const ignorePath = input.ignoreFile !== undefined ? input.ignoreFilePath ?? `${dockerfilePath}.dockerignore` : undefined;
  const matcher = ignore().add(ignoreLines(input.ignoreFile ?? ''));
  const ignores = (path: string): boolean => path !== '.' && matcher.ignores(path);
  const warnings: string[] = [];
  const allSteps = stages.flatMap((s) => s.steps);
  const contextReads = [...new Set(allSteps.flatMap((s) => s.contextPaths))];
  for (const path of contextReads) {
    if (ignores(path)) warnings.push(`${dockerfilePath} reads ${path}, but ${ignorePath} excludes it: the build fails or copies nothing`);
  }
  const listed = input.contextFiles?.map(normalizeContextPath);
  const files = filesUnder ?? (listed && ((path: string) => (path === '.' ? listed : listed.filter((f) => f === path || f.startsWith(`${path}/`)))));
  const changes = changesOf(stages, contextReads, files, ignores);
  const targets = targetsOf(stages, input.targets);
  const report: ServiceCacheReport = {
    service: input.service,
    dockerfile: dockerfilePath,
    ignoreFile: ignorePath,
    changes,
    targets: targets.map((target) => {
      const steps = stepsOfTarget(stages, target);
      return {
        target,
        steps: steps.map(publicStep),
        impacts: changes.map((change) => predict(stages, steps, change, ignores)),
      };
    }),
    warnings,
  };
  return report;
}

function ignoreLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function publicStep(step: StepModel): CacheStep {
  return {
    label: step.label,
    stage: step.stage,
    index: step.index,
    total: step.total,
    keyword: step.keyword,
    instruction: step.instruction,
    line: step.line,
    role: step.role,
    contextPaths: [...step.contextPaths],
    fromStages: [...step.fromStages],
    fromImages: [...step.fromImages],
    installsTiers: [...step.installsTiers],
  };
}

function targetsOf(stages: Stage[], wanted?: string[]): string[] {
  if (wanted) {
    const missing = wanted.filter((t) => !stages.some((s) => s.name === t));
    if (missing.length > 0) throw new Error(`no stage named ${missing.map((m) => `"${m}"`).join(', ')}; stages: ${stages.map((s) => s.name).join(', ')}`);
    return [...wanted];
  }
  const known = DEFAULT_TARGETS.filter((t) => stages.some((s) => s.name === t));
  return known.length > 0 ? known : stages.length > 0 ? [stages[stages.length - 1].name] : [];
}

/** The stages a target needs (its parent chain and every stage it copies from), in file order. */
function stagesOfTarget(stages: Stage[], target: string): Stage[] {
  const needed = new Set<Stage>();
  const visit = (stage: Stage | undefined): void => {
    if (!stage || needed.has(stage)) return;
    needed.add(stage);
    visit(stage.parent);
    for (const step of stage.steps) for (const name of step.fromStages) visit(stages.find((s) => s.name === name));
  };
  visit(stages.find((s) => s.name === target));
  return stages.filter((s) => needed.has(s));
}

function stepsOfTarget(stages: Stage[], target: string): StepModel[] {
  return stagesOfTarget(stages, target).flatMap((s) => s.steps as StepModel[]);
}

type FilesUnder = (path: string) => string[];

function changesOf(stages: Stage[], reads: string[], filesUnder: FilesUnder | undefined, ignores: (p: string) => boolean): CacheChange[] {
  const changes: CacheChange[] = [];
  const sample = (path: string): string => sampleFile(path, filesUnder, ignores);
  const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`) || dir.startsWith(`${path}/`);

  const runtime = reads.filter((p) => under(p, RUNTIME_HELPERS_DIR));
  const shared = reads.filter((p) => under(p, SHARED_CODE_DIR));
  const tiers = new Map<string, string[]>();
  for (const p of reads) {
    const tier = TIER_FILE.exec(p)?.[2];
    if (tier) tiers.set(tier, [...(tiers.get(tier) ?? []), p]);
  }
  // Other paths (not the whole context `.`, not paths the ignore file excludes anyway).
  const other = reads.filter((p) => p !== '.' && !ignores(p) && !runtime.includes(p) && !shared.includes(p) && !TIER_FILE.test(p));
  // The service's own code is, by the template's rule, the last context COPY of the last stage.
  const lastStage = stages[stages.length - 1];
  const lastCopy = lastStage && [...stagesOfTarget(stages, lastStage.name)].reverse()
    .flatMap((s) => [...s.steps].reverse()).find((s) => s.keyword === 'COPY' && s.contextPaths.some((p) => other.includes(p)));
  const appPath = other.length === 1 ? other[0] : lastCopy?.contextPaths.find((p) => other.includes(p));
  // With `sources`, the code is every context COPY after the shared code's, in file order.
  const lastSteps = lastStage ? stagesOfTarget(stages, lastStage.name).pop()!.steps : [];
  const sharedAt = lastSteps.findIndex((s) => s.keyword === 'COPY' && s.contextPaths.some((p) => shared.includes(p)));
  const sourcePaths = sharedAt < 0 ? [] : lastSteps.slice(sharedAt + 1)
    .filter((s) => s.keyword === 'COPY').flatMap((s) => s.contextPaths.filter((p) => other.includes(p)));
  const appPaths = sourcePaths.length > 1 ? sourcePaths : appPath ? [appPath] : [];

  if (appPaths.length > 0) {
    changes.push({ id: 'app-code', kind: CacheChangeKind.APP_CODE, description: `the service's code (a file under ${appPaths.join(', ')})`, files: appPaths.map(sample) });
  }
  if (shared.length > 0) {
    changes.push({ id: 'shared-code', kind: CacheChangeKind.SHARED_CODE, description: `code shared by every service (a file under ${SHARED_CODE_DIR})`, files: shared.map(sample) });
  }
  if (runtime.length > 0) {
    changes.push({ id: 'runtime-helpers', kind: CacheChangeKind.RUNTIME_HELPERS, description: `generated runtime helpers (a file under ${RUNTIME_HELPERS_DIR})`, files: runtime.map(sample) });
  }
  for (const p of other.filter((x) => !appPaths.includes(x))) {
    changes.push({ id: `context:${p}`, kind: CacheChangeKind.OTHER_CONTEXT, description: `other build-context files (a file under ${p})`, files: [sample(p)] });
  }
  const tierNames = [...tiers.keys()].sort((a, b) => tierRank(a) - tierRank(b) || a.localeCompare(b));
  for (const tier of tierNames) {
    changes.push({
      id: `requirements:${tier}`,
      kind: CacheChangeKind.REQUIREMENTS,
      tier,
      description: `the ${tier} requirement tier (${tiers.get(tier)!.join(', ')})`,
      files: [...tiers.get(tier)!],
    });
  }
  // Base images: every FROM <image>, and images a step copies from directly (COPY --from=<image>).
  const images = new Map<string, string>();
  for (const stage of stages) if (stage.image) images.set(stage.fromRaw, stage.image);
  for (const step of stages.flatMap((s) => s.steps as StepModel[])) {
    step.fromRefs.forEach((ref) => {
      if (!stages.some((s) => s.name.toLowerCase() === ref.toLowerCase()) && !/^\d+$/.test(ref)) images.set(ref, ref);
    });
  }
  for (const [image, shown] of images) {
    changes.push({
      id: images.size === 1 ? 'base-image' : `base-image:${image.replace(/^\$\{?|\}$/g, '')}`,
      kind: CacheChangeKind.BASE_IMAGE,
      image,
      description: `the base image ${image}${shown !== image ? ` (default ${shown})` : ''}`,
    });
  }
  const hooks = [...new Set(stages.flatMap((s) => s.steps.flatMap((step) => step.hooks)))];
  for (const hook of hooks) {
    const [kind, name] = hook.split(' ');
    const steps = stages.flatMap((s) => s.steps).filter((step) => step.hooks.includes(hook)).map((step) => step.label);
    changes.push({
      id: `build-hook:${hook.replace(' ', ':')}`,
      kind: CacheChangeKind.BUILD_HOOK,
      hook,
      description: `${HOOK_TEXT[kind]}${name ? ` "${name}"` : ''}: re-runs ${steps.join(', ')} and every later step`,
    });
  }
  for (const stage of stages) {
    // A stage that is only a FROM (e.g. an image to copy from) has nothing but its image to change.
    if (stage.firstInstruction === undefined) continue;
    const first = stage.steps.find((s) => s.keyword !== 'FROM');
    changes.push({
      id: `dockerfile:${stage.name}`,
      kind: CacheChangeKind.DOCKERFILE,
      stage: stage.name,
      description: first
        ? `the template changes stage ${stage.name} at its first build step (${first.label} ${first.keyword})`
        : `the template changes stage ${stage.name}, which has no build step (metadata only, e.g. ${stage.firstInstruction.split(' ')[0]})`,
    });
  }
  return changes;
}

const HOOK_TEXT: Record<string, string> = {
  'build-packages': 'the builder-only Debian packages (buildPackages)',
  'build-env': 'the builder\'s environment (buildEnv)',
  'step': 'the build step (buildSteps)',
  'copy': 'the copy from an image (copyFromImages: source or target)',
};

function tierRank(tier: string): number {
  const i = TIER_ORDER.indexOf(tier);
  return i < 0 ? TIER_ORDER.length : i;
}

/**
 * A file of the build context under `path` that the ignore file lets through (the first in
 * sorted order), or a file assumed inside it when the context is not known.
 */
function sampleFile(path: string, filesUnder: FilesUnder | undefined, ignores: (p: string) => boolean): string {
  const sent = (filesUnder?.(path) ?? []).filter((f) => !ignores(f)).sort();
  if (sent.length > 0) return sent.includes(path) ? path : sent[0];
  if (path === '.') return 'README.md';
  return TIER_FILE.test(path) || /\.[A-Za-z0-9]+$/.test(path.split('/').pop()!) ? path : `${path}/__init__.py`;
}

function predict(stages: Stage[], steps: StepModel[], change: CacheChange, ignores: (p: string) => boolean): TargetImpact {
  const memo = new Map<StepModel, boolean>();
  const changedFiles = (change.files ?? []).filter((f) => !ignores(f));
  const readsChanged = (step: StepModel): boolean => step.contextPaths.some((read) =>
    changedFiles.some((f) => read === '.' || f === read || f.startsWith(`${read}/`) || globMatch(read, f)));
  const stageChanged = (stage: Stage): boolean => {
    const last = stage.steps[stage.steps.length - 1];
    if (last) return invalid(last);
    return stage.parent ? stageChanged(stage.parent) : false;
  };
  const invalid = (step: StepModel): boolean => {
    const known = memo.get(step);
    if (known !== undefined) return known;
    memo.set(step, false);
    const stage = step.stageRef;
    let result: boolean;
    if (step.keyword === 'FROM') {
      result = change.kind === CacheChangeKind.BASE_IMAGE && change.image === stage.fromRaw;
    } else {
      const i = stage.steps.indexOf(step);
      const previous = stage.steps[i - 1];
      const parentChanged = previous ? invalid(previous) : stage.parent ? stageChanged(stage.parent) : false;
      const firstOfStage = stage.steps.filter((s) => s.keyword !== 'FROM')[0] === step;
      const ownEdit = (change.kind === CacheChangeKind.DOCKERFILE && change.stage === stage.name && firstOfStage)
        || (change.kind === CacheChangeKind.BUILD_HOOK && step.hooks.includes(change.hook ?? '\0'));
      const fromChanged = step.fromStages.some((name) => stageChanged(stages.find((s) => s.name === name)!));
      const imageChanged = change.kind === CacheChangeKind.BASE_IMAGE && step.fromRefs.includes(change.image ?? '\0');
      result = parentChanged || ownEdit || readsChanged(step) || fromChanged || imageChanged;
    }
    memo.set(step, result);
    return result;
  };
  const invalidated = steps.filter((s) => invalid(s));
  return {
    change: change.id,
    invalidated: invalidated.map((s) => s.label),
    kept: steps.filter((s) => !invalid(s)).map((s) => s.label),
    invalidatedDependencyLayers: invalidated.filter((s) => s.role === LayerRole.DEPENDENCIES).length,
  };
}

/** A COPY source with `*`, `?` or `[...]` matched against a file (or a file under a matching dir). */
function globMatch(pattern: string, file: string): boolean {
  if (!/[*?[]/.test(pattern)) return false;
  const re = pattern.split('/').map((seg) => seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/');
  return new RegExp(`^${re}(/.*)?$`).test(file);
}

function impactOf(report: ServiceCacheReport, target: string, change: string): TargetImpact {
  const t = report.targets.find((x) => x.target === target);
  if (!t) throw new Error(`service "${report.service}" has no target "${target}" in the report; targets: ${report.targets.map((x) => x.target).join(', ')}`);
  const impact = t.impacts.find((i) => i.change === change);
  if (!impact) throw new Error(`service "${report.service}" has no change "${change}"; changes: ${report.changes.map((c) => c.id).join(', ')}`);
  return impact;
}

// ---------------------------------------------------------------------------------------
// Promises

function checkPromises(report: ServiceCacheReport): CachePromiseResult[] {
  const results: CachePromiseResult[] = [];
  const has = (id: string): boolean => report.changes.some((c) => c.id === id);
  const codeKinds = [CacheChangeKind.APP_CODE, CacheChangeKind.SHARED_CODE, CacheChangeKind.RUNTIME_HELPERS];
  const codeChanges = report.changes.filter((c) => codeKinds.includes(c.kind));
  if (codeChanges.length > 0) {
    const broken = report.targets.flatMap((t) => codeChanges.map((c) => ({ t, c, impact: impactOf(report, t.target, c.id) })))
      .filter((x) => x.impact.invalidatedDependencyLayers > 0);
    results.push({
      service: report.service,
      promise: 'code-keeps-dependencies',
      description: 'a code-only change rebuilds no dependency layer',
      holds: broken.length === 0,
      detail: broken.length === 0
        ? `${codeChanges.map((c) => c.id).join(', ')} on ${report.targets.map((t) => t.target).join(', ')}: 0 dependency layers rebuilt`
        : broken.map((b) => `${b.c.id} rebuilds ${b.impact.invalidatedDependencyLayers} dependency layer(s) of ${b.t.target}: ${dependencySteps(b.t, b.impact).join(', ')}`).join('; '),
    });
  }
  if (has('requirements:dev') && report.targets.some((t) => t.target === 'prod')) {
    const impact = impactOf(report, 'prod', 'requirements:dev');
    results.push({
      service: report.service,
      promise: 'dev-tier-keeps-prod',
      description: 'a dev-tier change rebuilds no step of prod',
      holds: impact.invalidated.length === 0,
      detail: impact.invalidated.length === 0 ? `prod: ${impact.kept.length} steps CACHED` : `prod rebuilds ${impact.invalidated.join(', ')}`,
    });
  }
  const keeps = (promise: string, changed: string, keptTier: string): void => {
    if (!has(`requirements:${changed}`)) return;
    const checked: string[] = [];
    const broken: string[] = [];
    for (const t of report.targets) {
      const layer = t.steps.find((s) => s.installsTiers.includes(keptTier));
      if (!layer) continue;
      const impact = impactOf(report, t.target, `requirements:${changed}`);
      (impact.invalidated.includes(layer.label) ? broken : checked).push(`${t.target} ${layer.label}`);
    }
    if (checked.length + broken.length === 0) return;
    results.push({
      service: report.service,
      promise,
      description: `a ${changed}-tier change keeps the ${keptTier}-tier layer`,
      holds: broken.length === 0,
      detail: broken.length === 0 ? `kept: ${checked.join(', ')}` : `rebuilt: ${broken.join(', ')}`,
    });
  };
  keeps('core-tier-keeps-ml', 'core', 'ml');
  keeps('ml-tier-keeps-torch', 'ml', 'torch');
  const copy = coreKeepsVenvCopy(report);
  if (copy) results.push(copy);
  return results;
}

/**
 * Where prod installs the core tier itself (on a virtualenv copied from the stage with the
 * heavy tiers), a core-tier change must re-copy no virtualenv: the copy is the ml tier's
 * bytes again. Layouts that copy the finished virtualenv (core tier included, e.g. after
 * compiling CUDA extensions in a devel builder) re-copy it by design; the promise does not apply.
 */
function coreKeepsVenvCopy(report: ServiceCacheReport): CachePromiseResult | undefined {
  const prod = report.targets.find((t) => t.target === 'prod');
  if (!prod || !report.changes.some((c) => c.id === 'requirements:core')) return undefined;
  const installsCore = prod.steps.some((s) => s.stage === 'prod' && s.installsTiers.includes('core'));
  const copies = prod.steps.filter((s) => s.stage === 'prod' && s.keyword === 'COPY' && s.fromStages.length > 0 && s.role === LayerRole.DEPENDENCIES);
  if (!installsCore || copies.length === 0) return undefined;
  const impact = impactOf(report, 'prod', 'requirements:core');
  const broken = copies.filter((s) => impact.invalidated.includes(s.label));
  return {
    service: report.service,
    promise: 'core-tier-keeps-venv-copy',
    description: 'a core-tier change re-copies no virtualenv into prod',
    holds: broken.length === 0,
    detail: broken.length === 0
      ? `kept: ${copies.map((s) => `prod ${s.label}`).join(', ')}`
      : `rebuilt: ${broken.map((s) => `prod ${s.label} (from ${s.fromStages.join(', ')})`).join(', ')}`,
  };
}

function dependencySteps(target: TargetCacheReport, impact: TargetImpact): string[] {
  return target.steps.filter((s) => s.role === LayerRole.DEPENDENCIES && impact.invalidated.includes(s.label)).map((s) => s.label);
}

// ---------------------------------------------------------------------------------------
// Text rendering

function renderService(report: ServiceCacheReport): string {
  const letters = report.changes.map((_, i) => columnName(i));
  const out: string[] = [];
  out.push(`== ${report.service}: ${report.dockerfile}${report.ignoreFile ? ` (ignore file ${report.ignoreFile})` : ' (no ignore file)'}`);
  out.push('changes:');
  report.changes.forEach((c, i) => {
    out.push(`  ${letters[i].padEnd(2)} ${c.id.padEnd(22)} ${c.description}${c.files && c.kind !== CacheChangeKind.REQUIREMENTS ? `; e.g. ${c.files.join(', ')}` : ''}`);
  });
  for (const t of report.targets) {
    const labelWidth = Math.max(...t.steps.map((s) => s.label.length), 4);
    const textWidth = 44;
    out.push('');
    out.push(`target ${t.target}: X = re-run, . = CACHED`);
    out.push(`  ${'step'.padEnd(labelWidth)} ${'instruction'.padEnd(textWidth)} ${letters.map((l) => l.padEnd(2)).join(' ')}`);
    for (const step of t.steps) {
      const marks = t.impacts.map((i) => (i.invalidated.includes(step.label) ? 'X' : '.').padEnd(2));
      const role = step.role === LayerRole.DEPENDENCIES ? ' [dep]' : '';
      out.push(`  ${step.label.padEnd(labelWidth)} ${truncate(`${step.instruction}`, textWidth - role.length)}${role} ${marks.join(' ')}`);
    }
    out.push(`  ${'re-run steps'.padEnd(labelWidth + textWidth + 1)} ${t.impacts.map((i) => String(i.invalidated.length).padEnd(2)).join(' ')}`);
    out.push(`  ${'re-run dependency layers [dep]'.padEnd(labelWidth + textWidth + 1)} ${t.impacts.map((i) => String(i.invalidatedDependencyLayers).padEnd(2)).join(' ')}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  out.push('');
  return out.join('\n');
}

function renderPromises(results: CachePromiseResult[]): string {
  if (results.length === 0) return 'promises: none apply\n';
  return ['promises:', ...results.map((r) => `  ${r.holds ? 'ok    ' : 'BROKEN'} ${r.service}: ${r.description} (${r.detail})`), ''].join('\n');
}

function columnName(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `${String.fromCharCode(65 + Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat.padEnd(width) : `${flat.slice(0, width - 3)}...`;
}

/** Every file under `dir`/`prefix` (relative to `dir`, `/`-separated, sorted); skips node_modules and .git. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile() || (entry.isSymbolicLink() && safeIsFile(join(dir, rel)))) out.push(rel);
  }
  return out.sort();
}

function safeIsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
