/**
 * The one detector of secrets given inline as environment (service `environment`, compose,
 * Kubernetes, overrides). Pure: a name and a value in, a problem (with the value hidden) or
 * nothing out. Secrets belong in files mounted from compose secrets or Kubernetes Secrets,
 * with their path in a `*_FILE` variable.
 */

/** A problem in the parts of `Problems.addRaw`: what is wrong, what was got (never the value), what is allowed. */
export interface SecretProblem {
  readonly what: string;
  readonly got: string;
  readonly expected: string;
}

/** Whole `_`-separated words that name a secret wherever they stand (`DB_PASS`, `HF_TOKEN`, `SECRET_KEY`). */
const SECRET_WORDS = new Set([
  'PASS', 'PASSWD', 'PASSWORD', 'PASSWORDS', 'PASSPHRASE', 'PWD', 'SECRET', 'SECRETS', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS',
  'CREDS', 'APIKEY', 'PRIVATEKEY', 'SECRETKEY', 'ACCESSKEY', 'PASSKEY', 'SESSIONKEY',
]);
/** Endings that make a run-together word a secret word (`PGPASSWORD`, `CLIENTSECRET`, `APITOKEN`); not `PASS` (`BYPASS`). */
const SECRET_WORD_ENDINGS = /.(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|CREDENTIALS?)$/;
/** Words that name a secret only as the last word (`BASIC_AUTH` is one, `AUTH_URL` is not). */
const SECRET_LAST_WORDS = new Set(['AUTH', 'KEY', 'SALT']);
/** Two-word phrases that name a secret (`API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `CLIENT_SECRET` is covered by SECRET). */
const SECRET_PHRASES = [['API', 'KEY'], ['PRIVATE', 'KEY'], ['ACCESS', 'KEY'], ['SECRET', 'KEY'], ['SIGNING', 'KEY'], ['ENCRYPTION', 'KEY'], ['MASTER', 'KEY'], ['LICENSE', 'KEY']];
/** Words before a last `KEY` that make it a lookup key, not a secret (`CACHE_KEY`, `PARTITION_KEY`). */
const HARMLESS_KEY_QUALIFIERS = new Set(['CACHE', 'PARTITION', 'SORT', 'PRIMARY', 'FOREIGN', 'ROUTING', 'SHARD', 'HASH', 'RANGE', 'PUBLIC', 'OBJECT', 'LOOKUP', 'GROUP', 'DEDUP', 'IDEMPOTENCY', 'TRACE', 'METRIC', 'LABEL']);
/**
 * Last words that make a secret-looking name describe the secret rather than hold it
 * (`PASSWORD_MIN_LENGTH`, `TOKEN_URL`, `SECRET_NAME`, `AUTH_ENABLED`).
 */
const METADATA_LAST_WORDS = new Set([
  'LENGTH', 'LEN', 'MIN', 'MAX', 'LIMIT', 'LIMITS', 'COUNT', 'SIZE', 'TTL', 'EXPIRY', 'EXPIRES', 'LIFETIME', 'TIMEOUT', 'AGE',
  'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'NAME', 'ID', 'HEADER', 'PARAM', 'PREFIX', 'SUFFIX', 'ALGORITHM', 'ALG', 'TYPE',
  'MODE', 'ENABLED', 'DISABLED', 'ENABLE', 'DISABLE', 'REQUIRED', 'POLICY', 'ROTATION', 'VERSION', 'PROVIDER', 'BACKEND',
  'METHOD', 'SCHEME', 'SCOPE', 'SCOPES', 'AUDIENCE', 'ISSUER', 'FORMAT', 'ENCODING', 'STORE', 'MANAGER', 'REGION',
]);
/** Last words of a variable that holds where a secret is, not the secret (the right way). */
const REFERENCE_LAST_WORDS = new Set(['FILE', 'PATH', 'DIR']);
/** The shell's working directory, not a password. */
const NOT_SECRET_NAMES = new Set(['PWD', 'OLDPWD']);

/** Well-known shapes of credentials, found anywhere in a value. */
const SECRET_VALUES: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/, 'a private key'],
  [/(?<![A-Za-z0-9])sk-(?:proj-|ant-|live-|svcacct-)?[A-Za-z0-9_-]{20,}/, 'an api key ("sk-...")'],
  [/(?<![A-Za-z0-9])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/, 'a stripe key'],
  [/(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{30,}/, 'a github token'],
  [/(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}/, 'a github token'],
  [/(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/, 'a gitlab token'],
  [/(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/, 'an aws access key'],
  [/(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/, 'a slack token'],
  [/(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}/, 'a hugging face token'],
  [/(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/, 'a google api key'],
  [/(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}/, 'an npm token'],
  [/(?<![A-Za-z0-9])pypi-[A-Za-z0-9_-]{50,}/, 'a pypi token'],
  [/(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'a json web token'],
];
/** `scheme://user:password@host`: a URL carrying a non-empty password in its userinfo. */
const URL_PASSWORD = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@]*:[^\s/?#@]+@/;

/** An absolute path to a file, as a secret mounted at /run/secrets/<name>. */
const ABSOLUTE_FILE = /^\/[^\s]*[^/\s]$/;

const RIGHT_WAY = 'no secrets in environment: use a compose secret (a Kubernetes Secret on a cluster) and pass its path as <NAME>_FILE';

/**
 * Whether an environment name says it holds a secret: a secret word (`PASS`, `PASSWORD`,
 * `SECRET`, `TOKEN`, `CREDENTIALS`, `API_KEY`, ...) as a whole `_`-separated word in any
 * case, unless the name refers to where the secret is (`*_FILE`, `*_PATH`) or describes it
 * (`*_LENGTH`, `*_URL`). `TOKENIZERS_PARALLELISM`, `MAX_TOKENS` and `CACHE_KEY` are not secrets.
 */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET_NAMES.has(upper)) return false;
  const words = upper.split('_').filter((w) => w !== '');
  if (words.length === 0) return false;
  const last = words[words.length - 1];
  if (REFERENCE_LAST_WORDS.has(last) || METADATA_LAST_WORDS.has(last)) return false;
  if (words.some((w) => SECRET_WORDS.has(w) || SECRET_WORD_ENDINGS.test(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) {
    if (SECRET_PHRASES.some(([a, b]) => words[i] === a && words[i + 1] === b)) return true;
  }
  if (last === 'KEY') return words.length === 1 || !HARMLESS_KEY_QUALIFIERS.has(words[words.length - 2]);
  return SECRET_LAST_WORDS.has(last);
}

/** Whether the name refers to a secret kept in a file (`DB_PASSWORD_FILE`): its value must be a path. */
function isSecretReference(name: string): boolean {
  const words = name.toUpperCase().split('_').filter((w) => w !== '');
  if (words.length < 2 || !REFERENCE_LAST_WORDS.has(words[words.length - 1])) return false;
  return isSecretName(words.slice(0, -1).join('_'));
}

/** What kind of credential a value holds, or undefined (the value never leaves this function). */
export function secretValueKind(value: string): string | undefined {
  if (URL_PASSWORD.test(value)) return 'a url with a password';
  return SECRET_VALUES.find(([pattern]) => pattern.test(value))?.[1];
}

/**
 * The problem with one environment variable if it carries a secret inline, else undefined.
 * Looks at the name (secret words as whole words, any case) and at the value (a URL with a
 * password, well-known key and token shapes, private keys). The value is never shown.
 * `field` names the variable in the message (default `environment.<name>`).
 */
export function secretProblem(name: string, value: string, field = `environment.${name}`): SecretProblem | undefined {
  const got = `${JSON.stringify(name)} (value hidden)`;
  const text = typeof value === 'string' ? value : String(value);
  const kind = secretValueKind(text);
  if (kind === 'a url with a password') {
    return {
      what: `${field} holds a url with a password inline`,
      got,
      expected: 'a url without the password (e.g. "postgresql://app@db:5432/app"), with the password in a compose secret (a Kubernetes Secret on a cluster) whose path goes in <NAME>_PASSWORD_FILE',
    };
  }
  if (kind) return { what: `${field} holds ${kind} inline`, got, expected: RIGHT_WAY };
  if (isSecretReference(name)) {
    if (!ABSOLUTE_FILE.test(text)) {
      return { what: `${field} should hold the path of a secret file`, got, expected: 'an absolute path such as "/run/secrets/db_password" (the secret itself goes in the file, mounted as a compose secret or Kubernetes Secret)' };
    }
    return undefined;
  }
  // GOOGLE_APPLICATION_CREDENTIALS and its kind name a credentials file by convention: a path is right.
  if (/(^|_)CREDENTIALS?$/i.test(name) && ABSOLUTE_FILE.test(text)) return undefined;
  if (isSecretName(name)) return { what: `${field} looks like a secret given inline`, got, expected: RIGHT_WAY };
  return undefined;
}
