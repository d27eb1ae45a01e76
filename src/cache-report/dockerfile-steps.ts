import type { Instruction } from 'dockerfile-ast';
import { CacheStep, LayerRole } from './report-types';
import { tierOfFile } from '../core/tier-files';
import { BUILD_HOOK_MARKER } from '../image/build-hook-steps';

/**
 * A Dockerfile read the way BuildKit numbers its steps: the stages (named or `stage-<n>`, with
 * their parent stage or base image) and each numbered step with what it reads (build-context
 * paths, stages, images), the requirement tiers it installs and the build hooks above it.
 * Roles are left `SETUP` here; `layer-roles.ts` classifies the steps once every stage is read.
 */

/** Instructions BuildKit turns into numbered steps (besides `FROM <image>`). */
const STEP_KEYWORDS = ['RUN', 'COPY', 'ADD', 'WORKDIR'];

/** One stage of the Dockerfile. */
export interface Stage {
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

/** One numbered step, with what the analysis needs besides its public fields. */
export interface StepModel extends CacheStep {
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

/** The stages of a Dockerfile and their numbered steps (roles not yet assigned). */
export function parseStages(text: string): Stage[] {
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
    (stage as { firstInstruction?: string }).firstInstruction =
      rest[0] ? oneLine(rest[0], escape, lines) : undefined;
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
function readsOf(
  instruction: Instruction, keyword: string,
): { contextPaths: string[]; fromRefs: string[]; installsTiers: string[] } {
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
      const tier = tierOfFile(path);
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

export function normalizeContextPath(path: string): string {
  let p = path.replace(/\\/g, '/').replace(/\/+/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/\.$/, '');
  return p === '' ? '.' : p;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
