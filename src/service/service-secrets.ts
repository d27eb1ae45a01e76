import * as z from 'zod/mini';
import { textSecret } from '../core/command-secrets';
import {
  BACKING_LINK_ENV, BACKING_SECRETS, IMAGE_SET_ENV, NVIDIA_ENV_PREFIX, reservedEnvProblem,
} from '../core/environment';
import { Problems, oneOf } from '../core/problems';
import { secretProblem } from '../core/secrets';

/**
 * A file the service reads at run time (a Hugging Face token, an API key): a compose secret or
 * a key of the stack's Kubernetes Secret, mounted at `/run/secrets/<name>`. The container's
 * environment holds only the file's path, in `pathEnv`; the value never reaches compose.yaml,
 * the manifests, the image or the docs.
 */
export interface ServiceSecret {
  /**
   * The secret's name: the file `secrets/<name>` (compose; `k8s/base/secrets/<name>` for
   * Kubernetes), mounted at `/run/secrets/<name>`. Lowercase letters, digits and `_`, starting
   * with a letter (`hf_token`). Services that name the same secret share its file.
   */
  readonly name: string;

  /**
   * The environment variable that holds the file's path (`/run/secrets/<name>`), never the value.
   * @default - the name in upper case with `_FILE` (`hf_token` -> `HF_TOKEN_FILE`)
   */
  readonly pathEnv?: string;

  /**
   * What to write into the file, one line (`a Hugging Face read token`): the note the secrets
   * scripts print while the file is empty.
   * @default - "the value <service> reads from the file in <pathEnv>"
   */
  readonly description?: string;
}

/** The runtime shape of `ServiceSecret` (test/props-shapes.test.ts holds it to the interface). */
export const SERVICE_SECRET_SHAPE = {
  name: z.string(),
  pathEnv: z.optional(z.string()),
  description: z.optional(z.string()),
};

/** Where a compose secret (and a key of the Kubernetes Secret) is mounted in the container. */
export const RUN_SECRETS_DIR = '/run/secrets';

/** A service's secret, checked: its name, the variable holding its path, and its note. */
export interface RuntimeSecret {
  readonly name: string;
  readonly pathEnv: string;
  /** `/run/secrets/<name>`. */
  readonly path: string;
  /** The description given, if any. */
  readonly description?: string;
}

const SECRET_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a service's `secrets` against each other, its `environment` and the names the image
 * and the backing services use, and returns the ones that passed.
 */
export function resolveSecrets(
  problems: Problems, secrets: readonly ServiceSecret[], environment: Readonly<Record<string, string>>,
): RuntimeSecret[] {
  const out: RuntimeSecret[] = [];
  const names = new Set<string>();
  const paths = new Map<string, string>();
  const ownEnv = new Map(Object.keys(environment).map((k) => [k.toUpperCase(), k]));
  secrets.forEach((secret, i) => {
    const field = `secrets[${i}]`;
    const before = problems.count;
    const name = secret.name;
    if (!SECRET_NAME.test(name)) {
      problems.add(`${field}.name`, name,
        'lowercase letters, digits and "_", starting with a letter, at most 63 characters, e.g. "hf_token"');
      return;
    }
    const backing = Object.entries(BACKING_SECRETS).find(([, s]) => s === name);
    if (backing) {
      problems.add(`${field}.name is the secret of the ${backing[0]} backing service`, name,
        `a name other than ${oneOf(Object.values(BACKING_SECRETS))} (the stack mounts them where a service `
          + 'uses that backing service)');
      return;
    }
    if (names.has(name)) {
      problems.add(`${field}.name is listed twice`, name, 'each secret once per service');
    }
    const pathEnv = secret.pathEnv ?? `${name.toUpperCase()}_FILE`;
    const pathField = secret.pathEnv === undefined ? `${field}.pathEnv (default)` : `${field}.pathEnv`;
    checkPathEnv(problems, pathField, pathEnv);
    const folded = pathEnv.toUpperCase();
    const own = ownEnv.get(folded);
    if (own !== undefined) {
      problems.add(`${pathField} is also set in environment`, pathEnv,
        `a variable environment does not set (environment.${own}), e.g. "${name.toUpperCase()}_PATH"`);
    } else if (paths.has(folded)) {
      problems.add(`${pathField} is the path variable of ${paths.get(folded)} too`, pathEnv,
        'a variable of its own for each secret');
    }
    if (secret.description !== undefined) checkDescription(problems, `${field}.description`, secret.description);
    names.add(name);
    paths.set(folded, name);
    if (problems.count === before) {
      out.push({
        name,
        pathEnv,
        path: `${RUN_SECRETS_DIR}/${name}`,
        ...secret.description !== undefined ? { description: secret.description } : {},
      });
    }
  });
  return out;
}

/** The variable of a secret's path: a plain name the image, the runtime and the stack do not set. */
function checkPathEnv(problems: Problems, field: string, pathEnv: string): void {
  if (!ENV_NAME.test(pathEnv)) {
    problems.add(field, pathEnv, 'an environment variable name: letters, digits and "_", not starting with a digit');
    return;
  }
  const upper = pathEnv.toUpperCase();
  // NVIDIA_* is refused on GPU services too: the nvidia runtime reads those names.
  const reserved = reservedEnvProblem(pathEnv, BACKING_LINK_ENV, true);
  if (reserved || IMAGE_SET_ENV.includes(upper) || upper.startsWith(NVIDIA_ENV_PREFIX)) {
    problems.add(`${field} is a variable the image, its runtime helpers or the backing services set`, pathEnv,
      'a name of its own, such as "<NAME>_FILE" (not PATH, HOME, PYTHONPATH, HF_HOME, TORCH_HOME, '
        + 'XDG_CACHE_HOME, any other variable the Dockerfile sets, MLDOCKER_* or NVIDIA_*, nor what a backing '
        + 'service sets)');
    return;
  }
  // The variable holds a path: a name that says it holds the secret itself would read as one.
  if (secretProblem(pathEnv, `${RUN_SECRETS_DIR}/x`)) {
    problems.add(`${field} names a secret, not where it is`, pathEnv,
      'a name ending in _FILE or _PATH (the variable holds the path of the file), e.g. "HF_TOKEN_FILE"');
  }
}

/** A note on what to write into the file: one line of plain text, no credential. */
function checkDescription(problems: Problems, field: string, text: string): void {
  const secret = textSecret(text, field);
  if (secret) {
    problems.addRaw(secret.what, secret.got, 'what to write into the file, never the value itself');
  } else if (!/^[\x20-\x7e]{1,200}$/.test(text)) {
    problems.add(field, text, 'one line of printable ascii text, at most 200 characters');
  }
}

/** The container's environment for its secrets: each path variable holding the file's path. */
export function secretEnvironment(secrets: readonly RuntimeSecret[]): Record<string, string> {
  return Object.fromEntries(secrets.map((s) => [s.pathEnv, s.path]));
}
