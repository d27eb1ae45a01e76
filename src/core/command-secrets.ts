/**
 * Secrets given inline in a command (`command`, `testCommand`, a compose `command` or
 * `entrypoint`) or in a line of text written into generated files (`description`). A command
 * becomes the image's `CMD` (image config: whoever pulls the image reads it), the entry
 * check's `RUN`, `compose.yaml` and `docs/containers.md`. Pure: arguments in, problems (the
 * value never in them) out.
 *
 * Two rules, the environment detector's (`secrets.ts`) read for command lines:
 * - a value shape anywhere in an argument (`postgresql://app:pw@db/app`, `hf_...`, `ghp_...`,
 *   `sk-...`, `AKIA...`, a private key), `--flag=value` forms included;
 * - an option or `key=value` argument whose name says it holds a secret (`--password x`,
 *   `--api-key=x`, `--NotebookApp.token=x`, `DB_PASSWORD=x` after `env`, redis'
 *   `--requirepass x`) followed by a literal value. A value that names where the secret is
 *   (an absolute path such as `/run/secrets/db_password`, a relative one to a key or text file
 *   such as `certs/server.key`), a `$VARIABLE` a shell expands, a
 *   switch (`--use_auth_token True`), an empty value or the next option is not a secret.
 * Arguments with spaces (the script of `sh -c`) are read word by word for the second rule.
 */
import { SecretProblem, isSecretOptionName, secretValueKind } from './secrets';

/** One argument found to hold a secret: its index and the problem (the value hidden). */
export interface ArgumentSecret extends SecretProblem {
  readonly index: number;
  /**
   * What it holds, for messages that name the argument otherwise: `a hugging face token`,
   * `a secret after --password`.
   */
  readonly kind: string;
}

/** What to do instead, for anything a container runs. */
export const COMMAND_SECRET_EXPECTED = 'no secret in a command (the image config, compose.yaml and the docs keep it): the program reads it from a file mounted as a compose secret at /run/secrets/<name> (a Kubernetes Secret on a cluster), e.g. with that path in <NAME>_FILE';

const HIDDEN = '(value hidden)';
/** `--name=value`, `-name=value`. */
const OPTION_WITH_VALUE = /^--?([A-Za-z][A-Za-z0-9_.-]*)=([\s\S]*)$/;
/** `--name`, `-name` (a separate value may follow). */
const OPTION = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/;
/** `NAME=value` (after `env`), `key=value` and hydra's `+key=value` / `++key=value`. */
const ASSIGNMENT = /^\+{0,2}([A-Za-z_][A-Za-z0-9_.-]*)=([\s\S]*)$/;

/** Switch values (`--use_auth_token True` turns a feature on, it holds no token). */
const SWITCH_VALUES = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'none', 'null', '0', '1']);

/**
 * A relative path to a file holding the secret (`./keys/tls.key`, `certs/server.pem`,
 * `token.txt`): a secret itself has no file extension of these kinds.
 */
const FILE_PATH = /^(?:\.{1,2}\/|~\/)|^[\w.\-/]*\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|gpg|asc|txt|json|ya?ml|toml|cfg|ini|conf|env)$/i;

/**
 * A value that stands for a secret without being one: a path, a variable, a switch, nothing, the next option.
 */
function isLiteralSecret(value: string): boolean {
  const v = value.replace(/^(["'])([\s\S]*)\1$/, '$2');
  return v !== '' && !/^[$/\-@]/.test(v) && !FILE_PATH.test(v) && !SWITCH_VALUES.has(v.toLowerCase());
}

/** The option or assignment name that gives a secret a literal value within `words`, if any. */
function namedSecret(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const inline = OPTION_WITH_VALUE.exec(word) ?? ASSIGNMENT.exec(word);
    if (inline) {
      if (isSecretOptionName(inline[1]) && isLiteralSecret(inline[2])) return word.slice(0, word.indexOf('=') + 1);
      continue;
    }
    const option = OPTION.exec(word);
    if (option && i + 1 < words.length && isSecretOptionName(option[1]) && isLiteralSecret(words[i + 1])) {
      return word;
    }
  }
  return undefined;
}

/**
 * The arguments of a command that hold a secret inline. `field` names the command in the
 * messages (`command`, `testCommand`); each problem names the argument (`command[4]`).
 * Non-string arguments are left to the shape checks.
 */
export function commandSecrets(args: readonly unknown[], field: string): ArgumentSecret[] {
  if (!Array.isArray(args)) return [];
  const out: ArgumentSecret[] = [];
  const found = new Set<number>();
  const add = (index: number, what: string, kind: string) => {
    if (found.has(index)) return;
    found.add(index);
    out.push({ index, kind, what: `${field}[${index}] ${what}`, got: HIDDEN, expected: COMMAND_SECRET_EXPECTED });
  };
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') return;
    const kind = secretValueKind(arg);
    if (kind) add(i, `holds ${kind} inline`, kind);
  });
  // an option and its value: the value's index is the one reported
  args.forEach((arg, i) => {
    if (typeof arg !== 'string' || found.has(i)) return;
    if (/\s/.test(arg.trim())) {
      const name = namedSecret(arg.trim().split(/\s+/));
      if (name) add(i, `gives ${name} a secret inline`, `a secret after ${name}`);
      return;
    }
    const name = namedSecret([arg]);
    if (name) return add(i, `gives ${name} a secret inline`, `a secret after ${name}`);
    const option = OPTION.exec(arg);
    const next = args[i + 1];
    if (option && typeof next === 'string' && isSecretOptionName(option[1]) && isLiteralSecret(next)) add(i + 1, `gives ${arg} a secret inline`, `a secret after ${arg}`);
  });
  return out.sort((a, b) => a.index - b.index);
}

/**
 * The secrets of a compose service's `command` and `entrypoint` (a list, or a string compose
 * splits like a shell), with their document path under the service (`["command", 2]`) and
 * the `got` text to show (what it holds, the value hidden).
 */
export function composeCommandSecrets(
  service: Record<string, unknown>,
): Array<{ path: Array<string | number>; got: string; expected: string }> {
  const out: Array<{ path: Array<string | number>; got: string; expected: string }> = [];
  for (const key of ['command', 'entrypoint']) {
    const value = service[key];
    const args = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    for (const s of commandSecrets(args, key)) {
      out.push({ path: typeof value === 'string' ? [key] : [key, s.index], got: `${s.kind} ${HIDDEN}`, expected: COMMAND_SECRET_EXPECTED });
    }
  }
  return out;
}

/**
 * The problem with one line of free text written into generated files (a Dockerfile comment,
 * the docs), when it holds a credential's shape. Names in text are not read (prose may say
 * "password").
 */
export function textSecret(text: unknown, field: string): SecretProblem | undefined {
  if (typeof text !== 'string') return undefined;
  const kind = secretValueKind(text);
  if (!kind) return undefined;
  return {
    what: `${field} holds ${kind} inline`,
    got: HIDDEN,
    expected: 'text without credentials (it is written into the Dockerfile, the image\'s description label and docs/containers.md)',
  };
}
