/**
 * Build hooks: what a service adds to the build without touching the template's layout.
 * Build-only Debian packages and environment (builder stage only), extra shell steps (builder,
 * or the runtime stages as root), and files copied from other images pinned by full tag. Pure:
 * props in, the checked hooks the image model holds (src/image/build-hook-steps.ts) out.
 */
import * as z from 'zod/mini';
import { checkDebianPackages } from '../core/debian';
import { IMAGE_ENV, RUNTIME_ENV_PREFIX } from '../core/environment';
import { checkPinnedImage } from '../core/image-name';
import { Problems, oneOf, Schema } from '../core/problems';
import { secretProblem, secretValueKind } from '../core/secrets';
import { BuildHooks, BuildStepStage, ResolvedBuildStep, ResolvedCopy } from '../image/build-hook-steps';
import { heredocWords } from '../image/heredoc-words';

/** One extra shell step of the build, its own `RUN` (its own cached layer). */
export interface BuildStep {
  /**
   * The step's name (lowercase letters, digits and `-`), shown in the Dockerfile, the docs
   * and the cache-impact report.
   */
  readonly name: string;

  /**
   * The shell command, on one line (join commands with `&&`). No secret may appear in it:
   * read secrets from `/run/secrets/<id>` of a `secrets` mount.
   */
  readonly run: string;

  /**
   * Where the step runs.
   * @default BuildStepStage.BUILDER
   */
  readonly stage?: BuildStepStage;

  /**
   * Absolute directories kept between builds as BuildKit cache mounts (e.g. `/root/.cache/ccache`);
   * their content never lands in a layer.
   * @default - no cache mounts
   */
  readonly cacheMounts?: string[];

  /**
   * Ids of BuildKit secrets mounted for this step only, at `/run/secrets/<id>`
   * (`docker build --secret id=<id>,src=<file>`); the build fails when one is not given. The
   * secret never lands in a layer, an ARG or an ENV.
   * @default - no secrets
   */
  readonly secrets?: string[];
}

/** Files copied from another image (`COPY --from`), e.g. a static ffmpeg. */
export interface CopyFromImage {
  /**
   * The copy's name (lowercase letters, digits and `-`): the stage `copy-<name>` and the build
   * arg `COPY_<NAME>_IMAGE` that selects the image (override it for a mirror).
   */
  readonly name: string;

  /**
   * The image, pinned by a full version tag, e.g. `mwader/static-ffmpeg:7.1.1`; optionally
   * with `@sha256:` and its digest.
   */
  readonly image: string;

  /**
   * Also pin the image by digest (`sha256:` and 64 hex digits).
   * @default - pinned by full tag only
   */
  readonly digest?: string;

  /** The absolute path of a file or directory in that image, e.g. `/ffmpeg`. */
  readonly source: string;

  /**
   * The absolute path it is copied to in `dev` and `prod`, owned by root (read-only for the
   * service), e.g. `/usr/local/bin/ffmpeg`. Not under `/app`, `/opt/venv`, `/opt/mldocker`,
   * `/tmp` (a tmpfs hides it at run time) or the kernel's and secrets' file systems, and not a
   * parent of one of them (a copy to `/opt` would merge over `/opt/venv`).
   */
  readonly target: string;
}

/** Build hooks every service type accepts. */
export interface BuildHookOptions {
  /**
   * Debian packages only the `builder` stage installs (compilers, headers, cmake:
   * `gcc`, `libpq-dev`, ...); `prod` never has them. Runtime libraries go in `aptPackages`.
   * @default - none
   */
  readonly buildPackages?: string[];

  /**
   * Environment of the `builder` stage only (never `prod`), for what compiles there
   * (`CMAKE_ARGS`, `MAX_JOBS`, `FORCE_CUDA`). Secret-looking names and values are refused
   * (use a `buildSteps` secret mount), and so are the names the image sets (`PATH`,
   * `PYTHONPATH`, `VIRTUAL_ENV`, `PIP_INDEX_URL`, ...).
   * @default {}
   */
  readonly buildEnv?: { [key: string]: string };

  /**
   * Extra shell steps, each its own `RUN`: in the builder after the requirement tiers and
   * before the code, or in the runtime stages as root before the user switch.
   * @default []
   */
  readonly buildSteps?: BuildStep[];

  /**
   * Files copied from other images into `dev` and `prod`, each image pinned by full tag.
   * @default []
   */
  readonly copyFromImages?: CopyFromImage[];
}

const stringList = z.array(z.string());

/** The runtime shape of `BuildStep`. */
export const BUILD_STEP_SHAPE: Record<string, Schema> = {
  name: z.string(),
  run: z.string(),
  stage: z.optional(z.string()),
  cacheMounts: z.optional(stringList),
  secrets: z.optional(stringList),
};

/** The runtime shape of `CopyFromImage`. */
export const COPY_FROM_IMAGE_SHAPE: Record<string, Schema> = {
  name: z.string(),
  image: z.string(),
  digest: z.optional(z.string()),
  source: z.string(),
  target: z.string(),
};

/** The runtime shape of `BuildHookOptions` (part of every service's shape). */
export const BUILD_HOOKS_SHAPE: Record<string, Schema> = {
  buildPackages: z.optional(stringList),
  buildEnv: z.optional(z.record(z.string(), z.string())),
  buildSteps: z.optional(z.array(z.strictObject(BUILD_STEP_SHAPE))),
  copyFromImages: z.optional(z.array(z.strictObject(COPY_FROM_IMAGE_SHAPE))),
};

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;
const NAME_EXPECTED = 'lowercase letters, digits and "-", starting with a letter, at most 32 characters, e.g. "fetch-font"';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ABS_PATH = /^(\/[A-Za-z0-9_.+@-]+)+\/?$/;
const ASSIGNMENT = /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|)]+)/g;

/**
 * Names the builder sets or reads itself (besides the image's: `PATH`, `PYTHONPATH`, ...):
 * the index build args (a second index invites dependency confusion), the netrc secret, the
 * Python settings of every stage. Compared in any letter case; every `MLDOCKER_*` too.
 */
export const BUILD_ENV_RESERVED = [
  ...IMAGE_ENV, 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_FIND_LINKS', 'TORCH_INDEX_URL', 'NETRC',
  'PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE', 'PIP_DISABLE_PIP_VERSION_CHECK', 'PIP_NO_INPUT', 'LANG',
];

/**
 * Directories a copy may not write to (the service's own files, the virtualenv, tmpfs, kernel and secrets).
 */
const PROTECTED_TARGETS = ['/app', '/opt/venv', '/opt/mldocker', '/tmp', '/proc', '/sys', '/dev', '/run', '/etc/passwd', '/etc/group', '/etc/shadow'];
/** Directories a cache mount may not hide. */
const PROTECTED_CACHE = ['/opt/venv', '/app', '/opt/mldocker', '/proc', '/sys', '/dev', '/run', '/usr', '/etc', '/bin', '/sbin', '/lib'];

function under(path: string, dir: string): boolean {
  const p = path.replace(/\/$/, '');
  return p === dir || p.startsWith(`${dir}/`);
}

function cleanAbsolute(path: unknown): path is string {
  return typeof path === 'string' && ABS_PATH.test(path) && !path.split('/').some((p) => p === '.' || p === '..');
}

/** Checks the build hook props of a service; every problem is added. */
export function resolveBuildHooks(problems: Problems, props: BuildHookOptions): BuildHooks {
  const packages = checkDebianPackages(problems, 'buildPackages', props.buildPackages ?? []);
  const env = checkBuildEnv(problems, props.buildEnv ?? {});
  const steps = (props.buildSteps ?? []).map((s, i) => checkStep(problems, `buildSteps[${i}]`, s));
  const stepNames = steps.map((s) => s.name);
  const dupStep = stepNames.find((n, i) => stepNames.indexOf(n) !== i);
  if (dupStep) problems.add('buildSteps has two steps named', dupStep, 'a unique name for each step');
  const copies = (props.copyFromImages ?? []).map((c, i) => checkCopy(problems, `copyFromImages[${i}]`, c)).filter((c): c is ResolvedCopy => c !== undefined);
  const copyNames = (props.copyFromImages ?? []).map((c) => c.name);
  const dupCopy = copyNames.find((n, i) => copyNames.indexOf(n) !== i);
  if (dupCopy) problems.add('copyFromImages has two copies named', dupCopy, 'a unique name for each copy');
  const targets = copies.map((c) => c.target.replace(/\/$/, ''));
  const dupTarget = targets.find((t, i) => targets.findIndex((o) => under(t, o) || under(o, t)) !== i);
  if (dupTarget) problems.add('copyFromImages copies two sources to the same place', dupTarget, 'a separate target for each copy');
  return { packages, env, steps, copies };
}

function checkBuildEnv(problems: Problems, env: Record<string, string>): Array<[string, string]> {
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const field = `buildEnv.${name}`;
    if (!ENV_NAME.test(name)) {
      problems.add('buildEnv name', name, 'letters, digits and "_", not starting with a digit');
      continue;
    }
    const upper = name.toUpperCase();
    if (seen.has(upper)) problems.add(`buildEnv has ${name} twice in different case`, name, `one spelling (also "${seen.get(upper)}")`);
    seen.set(upper, name);
    if (BUILD_ENV_RESERVED.includes(upper) || upper.startsWith(RUNTIME_ENV_PREFIX)) {
      problems.add(`${field} is a variable the image or the builder sets`, name,
        `a name other than ${BUILD_ENV_RESERVED.join(', ')} and ${RUNTIME_ENV_PREFIX}* in any letter case (index urls are build args; packages go in requirements)`);
      continue;
    }
    const secret = secretProblem(name, value, field);
    if (secret) {
      problems.addRaw(secret.what, secret.got, 'no secrets in the build environment (image history keeps it): a buildSteps secret mount (secrets: ["<id>"]) read from /run/secrets/<id>');
      continue;
    }
    if (/[\r\n\0]/.test(value)) problems.add(field, value, 'a single-line value');
  }
  return Object.keys(env).sort().map((k) => [k, env[k]]);
}

function checkStep(problems: Problems, field: string, step: BuildStep): ResolvedBuildStep {
  if (!NAME.test(step.name)) problems.add(`${field}.name`, step.name, NAME_EXPECTED);
  const stages = Object.values(BuildStepStage) as string[];
  const stage = step.stage ?? BuildStepStage.BUILDER;
  if (!stages.includes(stage)) problems.add(`${field}.stage`, step.stage, `one of: ${oneOf(stages)} (BuildStepStage.BUILDER, RUNTIME_ROOT)`);
  checkRun(problems, `${field}.run`, step.run);
  const cacheMounts = step.cacheMounts ?? [];
  cacheMounts.forEach((m, i) => {
    if (!cleanAbsolute(m) || m === '/') {
      problems.add(`${field}.cacheMounts[${i}]`, m, 'an absolute directory without "." or ".." parts, e.g. "/root/.cache/ccache"');
    } else {
      const hidden = PROTECTED_CACHE.find((d) => under(m, d) || under(d, m.replace(/\/$/, '')));
      if (hidden) problems.add(`${field}.cacheMounts[${i}] would hide ${hidden} during the step`, m, `a cache directory outside ${PROTECTED_CACHE.join(', ')}, e.g. "/root/.cache/ccache"`);
    }
  });
  const dupMount = cacheMounts.find((m, i) => cacheMounts.indexOf(m) !== i);
  if (dupMount) problems.add(`${field}.cacheMounts lists a directory twice`, dupMount, 'each directory once');
  const secrets = step.secrets ?? [];
  secrets.forEach((id, i) => {
    if (!SECRET_ID.test(id)) {
      problems.add(`${field}.secrets[${i}]`, id, 'a buildkit secret id (letters, digits, "_", ".", "-"), the id only: the value comes from `docker build --secret id=<id>,src=<file>`');
    }
  });
  const dupSecret = secrets.find((s, i) => secrets.indexOf(s) !== i);
  if (dupSecret) problems.add(`${field}.secrets lists a secret twice`, dupSecret, 'each secret id once');
  return {
    name: step.name,
    run: step.run,
    stage: stage as BuildStepStage,
    cacheMounts: [...cacheMounts],
    secrets: [...secrets],
  };
}

/**
 * A step's command: one line, no heredoc, no credential inline (a value shape or a secret-named assignment).
 */
function checkRun(problems: Problems, field: string, run: string): void {
  if (run.trim() === '') {
    problems.add(field, run, 'a shell command, e.g. "python -m spacy download en_core_web_sm"');
    return;
  }
  const kind = secretValueKind(run);
  if (kind) {
    problems.addRaw(`${field} holds ${kind} inline`, '(value hidden)', 'no secret in the command (image history keeps it): list the secret id in secrets and read it from /run/secrets/<id>');
    return;
  }
  for (const m of run.matchAll(ASSIGNMENT)) {
    const value = m[2].replace(/^["']|["']$/g, '');
    if (value.startsWith('$') || value.startsWith('/run/secrets/') || value === '') continue;
    const secret = secretProblem(m[1], value, `${field} assignment ${m[1]}`);
    if (secret) {
      problems.addRaw(`${secret.what}`, secret.got, 'no secret in the command (image history keeps it): list the secret id in secrets and read it, e.g. ' +
        `${m[1]}="$(cat /run/secrets/<id>)"`);
    }
  }
  const heredocs = heredocWords(run);
  if (/[\r\n\0]/.test(run)) {
    problems.add(`${field} has more than one line`, run, 'one line (join commands with "&&")');
  } else if (/\\\s*$/.test(run)) {
    problems.add(`${field} ends with a backslash`, run, 'a complete command without a line continuation');
  } else if (heredocs.length > 0) {
    problems.add(`${field} has a heredoc (${heredocs.join(', ')}), which the dockerfile would read as its own`, run,
      'a command without a heredoc word (BuildKit reads every unquoted word "<<NAME", "<<-NAME" or "N<<NAME", '
        + 'the name quoted or escaped or not, as one): write the file with printf, or copy it in a step of your own image');
  }
}

function checkCopy(problems: Problems, field: string, copy: CopyFromImage): ResolvedCopy | undefined {
  const before = problems.count;
  if (!NAME.test(copy.name)) problems.add(`${field}.name`, copy.name, NAME_EXPECTED);
  const image = checkPinnedImage(problems, `${field}.image`, copy.image, copy.digest);
  if (!cleanAbsolute(copy.source) || copy.source === '/') {
    problems.add(`${field}.source`, copy.source, 'the absolute path of a file or directory in that image (not "/"), without "." or ".." parts, e.g. "/ffmpeg"');
  }
  if (!cleanAbsolute(copy.target) || copy.target === '/') {
    problems.add(`${field}.target`, copy.target, 'an absolute path (not "/") without "." or ".." parts, e.g. "/usr/local/bin/ffmpeg"');
  } else {
    const hit = PROTECTED_TARGETS.find((d) => under(copy.target, d));
    // A copy into a parent merges the image's tree over it: /opt would replace prod's /opt/venv.
    const owned = PROTECTED_TARGETS.find((d) => under(d, copy.target.replace(/\/$/, '')));
    const outside = `a path outside ${PROTECTED_TARGETS.join(', ')} and none of their parents (the service's code, `
      + 'the virtualenv, the runtime helpers, the /tmp tmpfs and the system\'s), e.g. "/usr/local/bin/ffmpeg" or "/opt/assets"';
    if (hit) {
      problems.add(`${field}.target is under ${hit}`, copy.target, outside);
    } else if (owned) {
      problems.add(`${field}.target is a parent of ${owned}, which the copy could overwrite`, copy.target, outside);
    }
  }
  if (problems.count !== before || image === undefined) return undefined;
  return {
    name: copy.name,
    image,
    source: copy.source,
    target: copy.target,
    arg: `COPY_${copy.name.toUpperCase().replace(/-/g, '_')}_IMAGE`,
    stageName: `copy-${copy.name}`,
  };
}
