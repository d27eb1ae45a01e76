/**
 * Rule checker for the Dockerfiles this library generates (DESIGN §3), built on
 * `dockerfile-ast`. Each rule is a named function `(dockerfile text) => violations`; a
 * violation is a lowercase sentence that names its line (`line 47: ...`). `checkDockerfile`
 * runs a rule set plus `dockerfile-utils`'s validator.
 *
 * Adding a rule (e.g. the GPU rules): write a `DockerfileRule`, add it to a rule set (or pass
 * `{ rules: { ...CPU_RULES, ...GPU_RULES } }` to `checkDockerfile`), and add one test that
 * breaks exactly its property in a generated Dockerfile and shows the rule catch it.
 */
import { Copy, DockerfileParser, Dockerfile, Flag, From, Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/** A rule: the Dockerfile's text in, violations out (empty when the rule holds). */
export type DockerfileRule = (text: string) => string[];

/** The numeric user every image runs as. */
export const APP_USER = '10001';
/** The stages every generated Dockerfile offers as build targets. */
export const TARGET_STAGES = ['dev', 'test', 'prod'];
/** The requirement tiers, in install order. */
export const TIERS = ['torch', 'ml', 'core', 'dev'] as const;
export type Tier = typeof TIERS[number];

// ---------------------------------------------------------------------------------------
// The parsed model the rules share
// ---------------------------------------------------------------------------------------

/** One `FROM` stage with the instructions up to the next `FROM`. */
export interface Stage {
  /** Position among the stages, from 0. */
  readonly index: number;
  /** The stage name (`AS name`), lowercased; undefined for an unnamed stage. */
  readonly name?: string;
  readonly from: From;
  /** 1-based line of the FROM instruction. */
  readonly line: number;
  /** The base reference as written (`${PYTHON_IMAGE}`, `base`). */
  readonly base: string;
  /** The earlier stage this one is built FROM, if it is built from a stage. */
  readonly parent?: Stage;
  /** The stage's instructions after its FROM. */
  readonly instructions: Instruction[];
}

export interface ParsedDockerfile {
  readonly text: string;
  readonly ast: Dockerfile;
  readonly stages: Stage[];
  /** ARGs declared before the first FROM: name -> default (null without one). */
  readonly globalArgs: Map<string, string | null>;
}

/** A `RUN --mount=...` flag. */
export interface Mount {
  readonly type: string;
  readonly source?: string;
  readonly target?: string;
  readonly from?: string;
  readonly id?: string;
}

/** One `pip install` command inside a RUN instruction. */
export interface PipInstall {
  readonly run: Instruction;
  readonly stage: Stage;
  /** 1-based line of the RUN. */
  readonly line: number;
  /** `-r` files (paths inside the build container). */
  readonly requirements: string[];
  /** `-c` files (paths inside the build container). */
  readonly constraints: string[];
  /** `--index-url` / `-i` value, if given. */
  readonly indexUrl?: string;
  /** Requirement specifiers given on the command line. */
  readonly packages: string[];
  /** Every option of the command, for rules that look for one. */
  readonly options: string[];
  /** The mounts of the RUN. */
  readonly mounts: Mount[];
  /** How many pip installs the RUN holds (1 for a dedicated layer). */
  readonly installsInRun: number;
}

let cache: { text: string; parsed: ParsedDockerfile } | undefined;

/** Parses a Dockerfile into stages (memoized for the last text: rules parse the same file). */
export function parseDockerfile(text: string): ParsedDockerfile {
  if (cache?.text === text) return cache.parsed;
  const ast = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | null>();
  let current: { stage: Stage; instructions: Instruction[] } | undefined;
  for (const instruction of ast.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      const base = from.getArguments()[0]?.getValue() ?? '';
      const name = from.getBuildStage()?.toLowerCase() ?? undefined;
      const resolved = resolveVariables(base, globalArgs);
      const parent = stages.find((s) => s.name !== undefined && s.name === (resolved ?? base).toLowerCase());
      const instructions: Instruction[] = [];
      const stage: Stage = {
        index: stages.length, name, from, line: lineOf(from), base, parent, instructions,
      };
      stages.push(stage);
      current = { stage, instructions };
    } else if (current) {
      current.instructions.push(instruction);
    } else if (instruction.getKeyword() === 'ARG') {
      for (const arg of propertiesOf(instruction)) globalArgs.set(arg.name, arg.value);
    }
  }
  const parsed = { text, ast, stages, globalArgs };
  cache = { text, parsed };
  return parsed;
}

/** 1-based line of an instruction. */
export function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

/** A stage by name (case-insensitive). */
export function stageNamed(df: ParsedDockerfile, name: string): Stage | undefined {
  return df.stages.find((s) => s.name === name.toLowerCase());
}

/** The FROM chain of a stage: its root ancestor first, the stage itself last. */
export function ancestry(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.parent) chain.unshift(s);
  return chain;
}

/** The instructions a stage's image is made of: its FROM chain's, in build order. */
export function chainInstructions(stage: Stage): Instruction[] {
  return ancestry(stage).flatMap((s) => s.instructions);
}

/**
 * Every stage whose content can reach the given one: its FROM chain plus, transitively,
 * stages it reads with `COPY --from=` or `RUN --mount=from=`. Includes the stage itself.
 */
export function derivedFrom(df: ParsedDockerfile, stage: Stage): Stage[] {
  const seen = new Set<Stage>();
  const visit = (s: Stage): void => {
    if (seen.has(s)) return;
    seen.add(s);
    if (s.parent) visit(s.parent);
    for (const instruction of s.instructions) {
      const refs: string[] = [];
      if (instruction.getKeyword() === 'COPY') {
        const from = (instruction as Copy).getFromFlag()?.getValue();
        if (from) refs.push(from);
      }
      if (instruction.getKeyword() === 'RUN') {
        for (const mount of mountsOf(instruction)) if (mount.from) refs.push(mount.from);
      }
      for (const ref of refs) {
        const target = /^\d+$/.test(ref) ? df.stages[Number(ref)] : stageNamed(df, ref);
        if (target && target.index < s.index) visit(target);
      }
    }
  };
  visit(stage);
  return df.stages.filter((s) => seen.has(s));
}

/** The flags of an instruction that has them (RUN, COPY, FROM, HEALTHCHECK, ...). */
export function flagsOf(instruction: Instruction): Flag[] {
  const withFlags = instruction as unknown as { getFlags?: () => Flag[] };
  return typeof withFlags.getFlags === 'function' ? withFlags.getFlags() : [];
}

/** The `--mount` flags of a RUN. A mount without `type=` is a bind mount. */
export function mountsOf(run: Instruction): Mount[] {
  return flagsOf(run).filter((f) => f.getName() === 'mount').map((f) => {
    const options = new Map(f.getOptions().map((o) => [o.getName().toLowerCase(), o.getValue() ?? '']));
    return {
      type: options.get('type') ?? 'bind',
      source: options.get('source') ?? options.get('src'),
      target: options.get('target') ?? options.get('dst') ?? options.get('destination'),
      from: options.get('from'),
      id: options.get('id'),
    };
  });
}

/** `COPY` sources read from the build context (not `--from` another stage or image). */
export function contextCopySources(copy: Instruction): string[] {
  if ((copy as Copy).getFromFlag?.()) return [];
  const args = copy.getArguments().map((a) => a.getValue());
  return args.slice(0, -1);
}

/** `RUN --mount=type=bind,source=...` paths read from the build context. */
export function contextMountSources(run: Instruction): string[] {
  return mountsOf(run).filter((m) => m.type === 'bind' && !m.from && m.source).map((m) => m.source!);
}

/** The tier a requirement file belongs to, from its name (`requirements-ml.txt` -> ml). */
export function tierOf(path: string): Tier | undefined {
  const match = /(?:^|\/)requirements-(torch|ml|core|dev)\.txt$/.exec(path);
  return match ? match[1] as Tier : undefined;
}

/** pip options that take a value (so the value is not read as a package). */
const PIP_VALUE_OPTIONS = new Set([
  '-r', '--requirement', '-c', '--constraint', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
  '-e', '--editable', '-t', '--target', '--prefix', '--root', '--src', '--platform', '--python-version',
  '--implementation', '--abi', '--upgrade-strategy', '--progress-bar', '--root-user-action', '--report',
  '--log', '--cache-dir', '--trusted-host', '--proxy', '--retries', '--timeout', '--cert', '--client-cert',
  '--exists-action', '--keyring-provider', '-C', '--config-settings', '--no-binary', '--only-binary',
]);

/** One `pip install` command line, parsed. */
type PipCommand = Pick<PipInstall, 'requirements' | 'constraints' | 'indexUrl' | 'packages' | 'options'>;

/** Every `pip install` of a RUN, split on shell separators. */
function pipCommands(run: Instruction): PipCommand[] {
  const command = run.getArgumentsContent() ?? '';
  const result: PipCommand[] = [];
  for (const segment of command.split(/&&|\|\||;|\|/)) {
    const tokens = segment.trim().split(/\s+/).map(unquote);
    const at = tokens.findIndex((t, i) => t === 'install' && i > 0 && /(^|\/)pip(3(\.\d+)?)?$/.test(tokens[i - 1]));
    if (at < 0) continue;
    const requirements: string[] = [];
    const constraints: string[] = [];
    const packages: string[] = [];
    const options: string[] = [];
    let indexUrl: string | undefined;
    const args = tokens.slice(at + 1);
    for (let i = 0; i < args.length; i++) {
      const token = args[i];
      if (!token.startsWith('-')) {
        packages.push(token);
        continue;
      }
      const eq = token.indexOf('=');
      const name = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
      options.push(name);
      let value: string | undefined;
      if (token.startsWith('--') && eq > 0) value = token.slice(eq + 1);
      else if (PIP_VALUE_OPTIONS.has(name)) value = args[++i];
      if (name === '-r' || name === '--requirement') requirements.push(value ?? '');
      if (name === '-c' || name === '--constraint') constraints.push(value ?? '');
      if (name === '-i' || name === '--index-url') indexUrl = value;
    }
    result.push({ requirements, constraints, indexUrl, packages, options });
  }
  return result;
}

/** Every `pip install` in the Dockerfile, in file order. */
export function pipInstalls(df: ParsedDockerfile): PipInstall[] {
  const result: PipInstall[] = [];
  for (const stage of df.stages) {
    for (const run of stage.instructions.filter((i) => i.getKeyword() === 'RUN')) {
      const commands = pipCommands(run);
      for (const c of commands) {
        result.push({
          ...c, run, stage, line: lineOf(run), mounts: mountsOf(run), installsInRun: commands.length,
        });
      }
    }
  }
  return result;
}

/** The tier a pip install installs (from its single tiered `-r` file). */
export function installedTier(install: PipInstall): Tier | undefined {
  return install.requirements.map(tierOf).find((t) => t !== undefined);
}

/** The exec-form arguments of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for shell form. */
export function execArgs(instruction: Instruction): string[] | undefined {
  let body = (instruction.getArgumentsContent() ?? '').trim();
  if (instruction.getKeyword() === 'HEALTHCHECK') {
    const match = /^CMD\s+([\s\S]*)$/i.exec(body);
    if (!match) return undefined;
    body = match[1].trim();
  }
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** ARG/ENV/LABEL properties: name and (unquoted) value. */
export function propertiesOf(instruction: Instruction): Array<{ name: string; value: string | null }> {
  const withProps = instruction as unknown as {
    getProperties?: () => Array<{ getName(): string; getValue(): string | null }>;
  };
  return typeof withProps.getProperties === 'function'
    ? withProps.getProperties().map((p) => ({ name: p.getName(), value: p.getValue() }))
    : [];
}

/** The last value a key gets from ENV (or LABEL) instructions along a stage's chain. */
function effectiveProperty(stage: Stage, keyword: 'ENV' | 'LABEL', name: string): string | null | undefined {
  let value: string | null | undefined;
  for (const instruction of chainInstructions(stage)) {
    if (instruction.getKeyword() !== keyword) continue;
    for (const p of propertiesOf(instruction)) if (p.name === name) value = p.value;
  }
  return value;
}

/** The last instruction with the keyword along a stage's chain. */
function effective(stage: Stage, keyword: string): Instruction | undefined {
  return chainInstructions(stage).filter((i) => i.getKeyword() === keyword).pop();
}

/** The stages images are built from: the default (last) stage and the named targets. */
function targetStages(df: ParsedDockerfile): Stage[] {
  const last = df.stages[df.stages.length - 1];
  return df.stages.filter((s) => s === last || (s.name !== undefined && TARGET_STAGES.includes(s.name)));
}

function stageLabel(stage: Stage): string {
  return `line ${stage.line} (stage ${stage.name ?? `#${stage.index}`})`;
}

function unquote(token: string): string {
  return token.replace(/^(["'])(.*)\1$/, '$2');
}

/** Replaces `$NAME`/`${NAME}`/`${NAME:-x}` with global ARG defaults; undefined if one is unset. */
function resolveVariables(value: string, args: Map<string, string | null>): string | undefined {
  let unresolved = false;
  const resolved = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced, bare) => {
    const v = args.get(braced ?? bare);
    if (v === undefined || v === null) {
      unresolved = true;
      return '';
    }
    return v;
  });
  return unresolved ? undefined : resolved;
}

function variablesIn(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? m[2]);
}

// ---------------------------------------------------------------------------------------
// The rules (DESIGN §3, CPU services)
// ---------------------------------------------------------------------------------------

const SYNTAX_LINE = /^#\s*syntax\s*=/i;
const PROJEN_MARKER = /^# ~~ Generated by projen\b/;

const PINNED_SYNTAX = /^# syntax=(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?:[0-9]+\.[0-9]+\.[0-9]+(?:-labs)?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * `# syntax=` only on line 1 (if at all), naming a frontend pinned to a full version (a tag
 * such as `docker/dockerfile:1` moves with every release); projen's marker on line 2, or
 * line 1 without syntax.
 */
export const syntaxAndMarkerLines: DockerfileRule = (text) => {
  const lines = text.split(/\r?\n/);
  const violations: string[] = [];
  if (SYNTAX_LINE.test(lines[0] ?? '') && !PINNED_SYNTAX.test(lines[0])) {
    violations.push(`line 1: "${lines[0]}" does not pin the dockerfile frontend to a full version`);
  }
  lines.forEach((line, i) => {
    if (i > 0 && SYNTAX_LINE.test(line)) {
      violations.push(`line ${i + 1}: "# syntax=" below line 1 is a plain comment; buildkit reads it only on line 1`);
    }
  });
  const markerAt = SYNTAX_LINE.test(lines[0] ?? '') ? 1 : 0;
  if (!PROJEN_MARKER.test(lines[markerAt] ?? '')) {
    const found = lines.findIndex((l) => PROJEN_MARKER.test(l));
    violations.push(`line ${markerAt + 1}: projen's marker is missing here (${found < 0 ? 'not found at all' : `found on line ${found + 1}`})`);
  }
  return violations;
};

/**
 * Every FROM is an earlier stage or a base image chosen by a global ARG whose default is
 * pinned to a full version tag (`python:3.11.16-slim-bookworm`) or a digest.
 */
export const pinnedBaseImages: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const violations: string[] = [];
  for (const stage of df.stages) {
    if (stage.parent) continue;
    const vars = variablesIn(stage.base);
    if (vars.length === 0) {
      violations.push(`line ${stage.line}: base image "${stage.base}" is written literally; select it with a global arg (pinned default) so a mirror can override it`);
    }
    const unset = vars.filter((v) => df.globalArgs.get(v) === undefined || df.globalArgs.get(v) === null);
    for (const v of unset) {
      violations.push(`line ${stage.line}: base image arg ${v} has no default before the first from, so the image is not pinned`);
    }
    if (unset.length > 0) continue;
    const image = resolveVariables(stage.base, df.globalArgs) ?? stage.base;
    const problem = imagePinProblem(image);
    if (problem) violations.push(`line ${stage.line}: base image "${image}" ${problem}`);
  }
  return violations;
};

/** Why an image reference is not pinned, or undefined when it is. */
export function imagePinProblem(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > slash ? image.slice(colon + 1) : undefined;
  if (tag === undefined) return 'has no tag (means latest); pin a full version tag';
  if (tag === 'latest') return 'uses the latest tag; pin a full version tag';
  if (!/^v?\d+\.\d+\.\d+(?:[-._+][A-Za-z0-9._-]+)?$/.test(tag)) return `has tag "${tag}", not a full version (major.minor.patch)`;
  return undefined;
}

/** The last (default) stage is `prod`. */
export const lastStageIsProd: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const last = df.stages[df.stages.length - 1];
  if (!last) return ['line 1: no from instruction'];
  return last.name === 'prod' ? [] : [`${stageLabel(last)}: the last (default) stage is not named prod`];
};

/** Stages `dev`, `test` and `prod` exist. */
export const requiredTargets: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  return TARGET_STAGES.filter((name) => !stageNamed(df, name))
    .map((name) => `line ${df.stages[0]?.line ?? 1}: no stage named ${name} (targets: ${TARGET_STAGES.join(', ')})`);
};

/** COPY, never ADD (ADD fetches urls and unpacks archives). */
export const noAdd: DockerfileRule = (text) =>
  parseDockerfile(text).ast.getInstructions().filter((i) => i.getKeyword() === 'ADD')
    .map((i) => `line ${lineOf(i)}: add instead of copy`);

/** CMD, ENTRYPOINT and HEALTHCHECK CMD in exec (JSON) form. */
export const execFormCommands: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const i of parseDockerfile(text).ast.getInstructions()) {
    const keyword = i.getKeyword();
    if (keyword === 'HEALTHCHECK' && /^NONE$/i.test((i.getArgumentsContent() ?? '').trim())) continue;
    if (['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(keyword) && !execArgs(i)) {
      violations.push(`line ${lineOf(i)}: ${keyword.toLowerCase()} is not in exec (json array) form`);
    }
  }
  return violations;
};

const USER_PATTERN = new RegExp(`^${APP_USER}(:${APP_USER})?$`);

/** The default stage and the dev/test/prod targets run as the numeric non-root user 10001. */
export const numericNonRootUser: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const stage of targetStages(parseDockerfile(text))) {
    const user = effective(stage, 'USER');
    if (!user) {
      violations.push(`${stageLabel(stage)}: no user instruction, the image runs as root`);
    } else if (!USER_PATTERN.test((user.getArgumentsContent() ?? '').trim())) {
      violations.push(`line ${lineOf(user)}: stage ${stage.name} runs as user "${user.getArgumentsContent()}"; expected numeric non-root ${APP_USER}:${APP_USER}`);
    }
  }
  return violations;
};

/** Every COPY from the build context sets `--chown=10001:10001`. */
export const copyChown: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const copy of parseDockerfile(text).ast.getCOPYs()) {
    if (copy.getFromFlag()) continue;
    const chown = flagsOf(copy).find((f) => f.getName() === 'chown')?.getValue();
    if (chown !== `${APP_USER}:${APP_USER}`) {
      violations.push(`line ${lineOf(copy)}: copy from the context without --chown=${APP_USER}:${APP_USER}${chown ? ` (got ${chown})` : ''}`);
    }
  }
  return violations;
};

/** Every ENTRYPOINT starts tini, and every target stage has one. */
export const tiniEntrypoint: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const violations: string[] = [];
  for (const entrypoint of df.ast.getENTRYPOINTs()) {
    const program = execArgs(entrypoint)?.[0] ?? '';
    if (!/(^|\/)tini(-static)?$/.test(program)) violations.push(`line ${lineOf(entrypoint)}: entrypoint does not start tini as pid 1`);
  }
  for (const stage of targetStages(df)) {
    if (!effective(stage, 'ENTRYPOINT')) violations.push(`${stageLabel(stage)}: no entrypoint, so tini is not pid 1`);
  }
  return violations;
};

/** prod has a HEALTHCHECK, and no health check uses curl or wget (slim images lack them). */
export const prodHealthcheck: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const violations: string[] = [];
  const prod = stageNamed(df, 'prod');
  if (prod) {
    const check = effective(prod, 'HEALTHCHECK');
    if (!check) violations.push(`${stageLabel(prod)}: no healthcheck in prod`);
    else if (/^NONE$/i.test((check.getArgumentsContent() ?? '').trim())) violations.push(`line ${lineOf(check)}: healthcheck none in prod`);
  }
  for (const check of df.ast.getHEALTHCHECKs()) {
    if (/\b(curl|wget)\b/.test(check.getArgumentsContent() ?? '')) {
      violations.push(`line ${lineOf(check)}: healthcheck uses curl/wget, which slim images lack; probe with python's standard library`);
    }
  }
  return violations;
};

/** No `curl ... | sh` (or `sh -c "$(curl ...)"`): unverified remote scripts. */
export const noCurlPipeShell: DockerfileRule = (text) =>
  parseDockerfile(text).ast.getInstructions().filter((i) => i.getKeyword() === 'RUN').filter((run) => {
    const command = run.getArgumentsContent() ?? '';
    return /\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(\S*\/)?(ba|da|z|k)?sh\b/.test(command)
      || /\b(ba|da|z|k)?sh\s+-c\s+["']?\$\(\s*(curl|wget)\b/.test(command);
  }).map((run) => `line ${lineOf(run)}: pipes a downloaded script into a shell`);

/** Names of ARG/ENV values that would hold a secret (`*_FILE`, a path to one, is fine). */
const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIALS?)|(^|_)KEY$/i;

/** No secret-looking ARG/ENV names and no credentials in ARG/ENV urls (image history keeps both). */
export const noSecretArgsOrEnv: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const i of parseDockerfile(text).ast.getInstructions()) {
    if (i.getKeyword() !== 'ARG' && i.getKeyword() !== 'ENV') continue;
    for (const p of propertiesOf(i)) {
      if (SECRET_NAME.test(p.name) && !/_FILE$/i.test(p.name)) {
        violations.push(`line ${lineOf(i)}: ${i.getKeyword().toLowerCase()} ${p.name} looks like a secret; use a buildkit secret mount`);
      }
      if (p.value && /[a-z][a-z0-9+.-]*:\/\/[^/\s@:]+:[^/\s@]+@/i.test(p.value)) {
        violations.push(`line ${lineOf(i)}: ${i.getKeyword().toLowerCase()} ${p.name} has credentials in a url; use a buildkit secret mount`);
      }
    }
  }
  return violations;
};

/** pip never gets a second index (`--extra-index-url`, `PIP_EXTRA_INDEX_URL`): dependency confusion. */
export const noExtraIndexUrl: DockerfileRule = (text) =>
  parseDockerfile(text).ast.getInstructions()
    .filter((i) => ['RUN', 'ARG', 'ENV'].includes(i.getKeyword()) && /extra-index-url|EXTRA_INDEX_URL/i.test(i.getArgumentsContent() ?? ''))
    .map((i) => `line ${lineOf(i)}: pip gets an extra index (dependency confusion); use one index`);

/** Every RUN with `pip install` has a pip cache mount and does not turn the cache off. */
export const pipCacheMount: DockerfileRule = (text) => {
  const violations = new Set<string>();
  for (const install of pipInstalls(parseDockerfile(text))) {
    if (!install.mounts.some((m) => m.type === 'cache' && /\.cache\/pip\/?$/.test(m.target ?? ''))) {
      violations.add(`line ${install.line}: pip install without a pip cache mount (--mount=type=cache,target=/root/.cache/pip)`);
    }
    if (install.options.includes('--no-cache-dir')) violations.add(`line ${install.line}: pip install with --no-cache-dir defeats the cache mount`);
  }
  return [...violations];
};

/**
 * The torch tier is installed in its own RUN, alone (one `-r`, no other packages), with
 * `--index-url`; no other install sets an index or names torch on the command line.
 */
export const torchTierAlone: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const install of pipInstalls(parseDockerfile(text))) {
    const torch = install.requirements.some((r) => tierOf(r) === 'torch');
    if (torch) {
      if (!install.indexUrl) violations.push(`line ${install.line}: the torch tier is installed without --index-url`);
      if (install.requirements.length !== 1 || install.packages.length > 0) violations.push(`line ${install.line}: the torch tier is not installed alone`);
      if (install.installsInRun !== 1) violations.push(`line ${install.line}: the torch tier shares its run with another pip install`);
    } else {
      if (install.indexUrl) violations.push(`line ${install.line}: --index-url outside the torch tier replaces the project's index (PIP_INDEX_URL)`);
      const named = install.packages.find((p) => /^torch(vision|audio)?\b/i.test(p));
      if (named) violations.push(`line ${install.line}: ${named} is installed outside the torch tier`);
    }
  }
  return violations;
};

/** Along every stage's chain, tiers are installed once each, in order torch -> ml -> core -> dev. */
export const tierOrder: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const installs = pipInstalls(df);
  const violations = new Set<string>();
  for (const stage of df.stages) {
    const chain = ancestry(stage);
    let last: Tier | undefined;
    for (const install of installs.filter((i) => chain.includes(i.stage))) {
      const tier = installedTier(install);
      if (!tier) continue;
      if (last !== undefined && TIERS.indexOf(tier) <= TIERS.indexOf(last)) {
        violations.add(`line ${install.line}: ${tier} tier installed after ${last} (order: ${TIERS.join(' -> ')})`);
      }
      last = tier;
    }
  }
  return [...violations];
};

/**
 * Each tier's RUN binds only its own file plus the earlier tiers' files, which it uses as
 * `-c` constraints (all of them: versions stay consistent). So a change to a later tier
 * leaves every earlier tier's layer cached. Two cases of dependency files: the
 * `-c` files of requirement files are one `constraints.txt` every tier takes (a change to it
 * rightly rebuilds every tier), and a hash-locked tier (`--require-hashes --no-deps`)
 * resolves nothing, so it needs no constraints of the earlier tiers.
 */
export const tierConstraints: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const installs = pipInstalls(df);
  const violations: string[] = [];
  for (const install of installs) {
    const tier = installedTier(install);
    if (!tier) continue;
    const locked = install.options.includes('--require-hashes') && install.options.includes('--no-deps');
    const chain = ancestry(install.stage);
    const earlier = installs
      .filter((i) => chain.includes(i.stage) && installs.indexOf(i) < installs.indexOf(install))
      .map(installedTier).filter((t): t is Tier => t !== undefined && t !== tier);
    const constrained = install.constraints.filter((c) => !/(^|\/)constraints\.txt$/.test(c)).map(tierOf);
    for (const t of constrained) {
      if (t === undefined || TIERS.indexOf(t) >= TIERS.indexOf(tier)) violations.push(`line ${install.line}: the ${tier} tier is constrained by ${t ?? 'a file outside the tiers'}, not an earlier tier`);
    }
    for (const t of earlier) {
      if (!locked && !constrained.includes(t)) violations.push(`line ${install.line}: the ${tier} tier is not constrained (-c) by the earlier ${t} tier`);
    }
    const allowed = new Set([tier, ...constrained]);
    for (const source of contextMountSources(install.run)) {
      const t = tierOf(source);
      if (t && !allowed.has(t)) violations.push(`line ${install.line}: the ${tier} tier's run binds ${source}, so changing it would rebuild this layer`);
    }
  }
  return violations;
};

/** The dev tier is never installed, bound or copied in a stage prod derives from. */
export const devTierNotInProd: DockerfileRule = (text) => {
  const df = parseDockerfile(text);
  const prod = stageNamed(df, 'prod');
  if (!prod) return [];
  const violations: string[] = [];
  for (const stage of derivedFrom(df, prod)) {
    for (const i of stage.instructions) {
      let paths: string[] = [];
      if (i.getKeyword() === 'COPY') paths = contextCopySources(i);
      if (i.getKeyword() === 'RUN') paths = [...contextMountSources(i), ...pipCommands(i).flatMap((c) => c.requirements)];
      if (paths.some((p) => tierOf(p) === 'dev')) {
        violations.push(`line ${lineOf(i)}: the dev tier reaches prod${stage === prod ? '' : ` (through stage ${stage.name ?? stage.index}, which prod derives from)`}`);
      }
    }
  }
  return violations;
};

/** Every target stage has PYTHONUNBUFFERED=1 and PYTHONDONTWRITEBYTECODE=1. */
export const pythonEnv: DockerfileRule = (text) => {
  const violations: string[] = [];
  for (const stage of targetStages(parseDockerfile(text))) {
    for (const name of ['PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE']) {
      const value = effectiveProperty(stage, 'ENV', name);
      if (value !== '1') violations.push(`${stageLabel(stage)}: env ${name} is ${value === undefined ? 'unset' : `"${value}"`}, expected 1`);
    }
  }
  return violations;
};

/** prod carries the OCI title label. */
export const ociTitleLabel: DockerfileRule = (text) => {
  const prod = stageNamed(parseDockerfile(text), 'prod');
  if (!prod) return [];
  const title = effectiveProperty(prod, 'LABEL', 'org.opencontainers.image.title');
  return title ? [] : [`${stageLabel(prod)}: no org.opencontainers.image.title label in prod`];
};

/** The rules every generated Dockerfile follows today (CPU services). */
export const CPU_RULES: Readonly<Record<string, DockerfileRule>> = {
  'syntax-and-marker-lines': syntaxAndMarkerLines,
  'pinned-base-images': pinnedBaseImages,
  'last-stage-is-prod': lastStageIsProd,
  'required-targets': requiredTargets,
  'no-add': noAdd,
  'exec-form-commands': execFormCommands,
  'numeric-non-root-user': numericNonRootUser,
  'copy-chown': copyChown,
  'tini-entrypoint': tiniEntrypoint,
  'prod-healthcheck': prodHealthcheck,
  'no-curl-pipe-shell': noCurlPipeShell,
  'no-secret-args-or-env': noSecretArgsOrEnv,
  'no-extra-index-url': noExtraIndexUrl,
  'pip-cache-mount': pipCacheMount,
  'torch-tier-alone': torchTierAlone,
  'tier-order': tierOrder,
  'tier-constraints': tierConstraints,
  'dev-tier-not-in-prod': devTierNotInProd,
  'python-env': pythonEnv,
  'oci-title-label': ociTitleLabel,
};

/**
 * `dockerfile-utils`'s validator as a rule. Errors (severity 1) are violations. Warnings
 * (severity 2) are violations too, deliberately: its warnings are instruction/directive
 * casing, deprecated MAINTAINER, empty continuation lines, several CMD/ENTRYPOINT/
 * HEALTHCHECK in one stage, JSON in single quotes and relative WORKDIR. None of them is ever
 * intended in a generated file, and a generated file has no author to judge a warning, so
 * "warning-free" is the only stable bar. (Hints and information, severities 3 and 4, are
 * not reported.)
 */
export const dockerfileUtils: DockerfileRule = (text) =>
  validate(text)
    .filter((d) => d.severity === 1 || d.severity === 2)
    .map((d) => `line ${d.range.start.line + 1}: dockerfile-utils ${d.severity === 1 ? 'error' : 'warning'}: ${String(d.message).toLowerCase()}`);

export interface CheckOptions {
  /**
   * The rule set.
   * @default CPU_RULES
   */
  readonly rules?: Readonly<Record<string, DockerfileRule>>;
  /**
   * Rule names to leave out (e.g. `prod-healthcheck` for a service that opted out of its
   * health check).
   * @default []
   */
  readonly skip?: readonly string[];
}

/**
 * Runs every rule plus `dockerfile-utils`'s validator. Each violation is prefixed with the
 * rule's name: `pip-cache-mount: line 47: ...`. Empty when the Dockerfile is clean.
 */
export function checkDockerfile(text: string, options: CheckOptions = {}): string[] {
  const rules: Record<string, DockerfileRule> = { ...(options.rules ?? CPU_RULES), 'dockerfile-utils': dockerfileUtils };
  const skip = options.skip ?? [];
  return Object.entries(rules)
    .filter(([name]) => !skip.includes(name))
    .flatMap(([name, rule]) => rule(text).map((v) => `${name}: ${v}`));
}
