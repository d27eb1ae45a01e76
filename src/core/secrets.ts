/**
 * The one detector of secrets given inline as environment (service `environment`, compose,
 * Kubernetes, overrides). Pure: a name and a value in, a problem (with the value hidden) or
 * nothing out. Secrets belong in files mounted from compose secrets or Kubernetes Secrets,
 * with their path in a `*_FILE` variable.
 */

/**
 * A problem in the parts of `Problems.addRaw`: what is wrong, what was got (never the value), what is
 * allowed.
 */
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
/**
 * Endings that make a run-together word a secret word (`PGPASSWORD`, `CLIENTSECRET`, `APITOKEN`); not `PASS`
 * (`BYPASS`).
 */
const SECRET_WORD_ENDINGS = /.(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|CREDENTIALS?)$/;
/** Words that name a secret only as the last word (`BASIC_AUTH` is one, `AUTH_URL` is not). */
const SECRET_LAST_WORDS = new Set(['AUTH', 'KEY', 'SALT']);
/**
 * Two-word phrases that name a secret (`API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `CLIENT_SECRET` is covered by
 * SECRET).
 */
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

/** The userinfo of a web url (`https://user@`, `git+https://token@`, `https://user:pass@`): pip and git send it as credentials. */
const WEB_URL_USERINFO = /(?<![A-Za-z0-9+.-])(?:[A-Za-z][A-Za-z0-9.-]*\+)?https?:\/\/([^\s/?#@]+)@/gi;
/** Userinfo that is only `${VARIABLE}` parts (pip's own expansion, refused elsewhere with its own reason). */
const USERINFO_VARIABLES = /^(\$\{[A-Za-z0-9_]+\})(:\$\{[A-Za-z0-9_]+\})?$/;

/** What the install of a requirement should do instead of credentials in its url. */
export const URL_CREDENTIALS_EXPECTED = 'a url without credentials: the image build reads them from the BuildKit secret netrc '
  + '(docker build --secret id=netrc,src=$HOME/.netrc, with a "machine <host> login <user> password <token>" line), which pip uses for https urls';

/**
 * What credential a requirement line or dependency spec holds, or undefined: a login or token
 * in a web url's userinfo (any, a user alone included: `git+https://<token>@host/...`), a
 * password in any url, or a well-known token shape anywhere (`?token=ghp_...`). The value
 * never leaves this function.
 */
export function urlCredentialKind(text: string): string | undefined {
  for (const m of text.matchAll(WEB_URL_USERINFO)) {
    if (!USERINFO_VARIABLES.test(m[1])) return 'credentials in a url';
  }
  return secretValueKind(text.replace(/:\/\/\$\{[A-Za-z0-9_]+\}(:\$\{[A-Za-z0-9_]+\})?@/g, '://'));
}

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
  return secretNameRule(name, true);
}

/** Option names of common programs that take a password although no secret word stands alone in them. */
const SECRET_OPTION_NAMES = new Set(['REQUIREPASS', 'MASTERAUTH', 'BASIC_AUTH']);
/**
 * Last words of an option that names how a secret arrives, not the secret (`--password-stdin`,
 * `--token-env`).
 */
const CHANNEL_LAST_WORDS = new Set(['STDIN', 'PROMPT', 'ENV', 'VAR', 'CMD', 'COMMAND']);

/**
 * Whether a command-line option or `key=value` argument names a secret (`--password`,
 * `--api-key`, `--hf-token`, `--NotebookApp.token`, `db.password`, redis' `--requirepass`):
 * the environment-name rule over the name with `-` and `.` read as `_`, without the rule that
 * makes a lone last `KEY`, `AUTH` or `SALT` a secret (`--key`, `--auth` and `--sort-key` name
 * many things on command lines), and not when the option says how the secret arrives
 * (`--password-stdin`, `--token-env`, `--password-file`).
 */
export function isSecretOptionName(name: string): boolean {
  const upper = name.replace(/[-.]/g, '_').toUpperCase();
  const words = upper.split('_').filter((w) => w !== '');
  if (words.length === 0 || CHANNEL_LAST_WORDS.has(words[words.length - 1])) return false;
  if (SECRET_OPTION_NAMES.has(words.join('_')) || SECRET_OPTION_NAMES.has(words[words.length - 1])) return true;
  return secretNameRule(upper, false);
}

function secretNameRule(name: string, lastWordRules: boolean): boolean {
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
  if (!lastWordRules) return false;
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
