/**
 * The one secret detector (src/internal/secrets.ts), in both directions: names and values
 * that carry credentials are refused with the value hidden and the right way named; the
 * look-alikes an ML project really uses (`TOKENIZERS_PARALLELISM`, `MAX_TOKENS`, `*_FILE`
 * paths) pass. Then the same detector through every place environment reaches: the service,
 * compose and Kubernetes.
 */
import { ComposeStack, KubernetesManifests, PythonService } from '../src';
import { expectValidationError, newProject, synth } from './util';
import { isSecretName, secretProblem, secretValueKind } from '../src/core/secrets';

const CMD = ['python', '-m', 'api.main'];

describe('secret names: secret words as whole words, in any case', () => {
  test.each([
    'DB_PASS', 'db_pass', 'Db_Passwd', 'DB_PASSWORD', 'API_TOKEN', 'HF_TOKEN', 'SECRET_KEY', 'DJANGO_SECRET_KEY', 'SECRET_KEY_BASE',
    'AWS_CREDENTIALS', 'AZURE_CREDENTIAL', 'GCP_CREDS', 'OPENAI_API_KEY', 'API_KEY', 'APIKEY', 'STRIPE_PRIVATE_KEY',
    'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY', 'OPENAI_KEY', 'KEY', 'BASIC_AUTH', 'PROXY_AUTH', 'JWT_SECRET', 'CLIENT_SECRETS',
    'PGPASSWORD', 'MYSQL_ROOTPASSWORD', 'SLACK_APITOKEN', 'SIGNING_KEY', 'ENCRYPTION_KEY_V2', 'SSH_PASSPHRASE', 'DB_PWD', 'HASH_SALT',
  ])('%s is a secret name', (name) => {
    expect(isSecretName(name)).toBe(true);
    expect(secretProblem(name, 'plain-value')).toMatchObject({ what: `environment.${name} looks like a secret given inline` });
  });

  test.each([
    'TOKENIZERS_PARALLELISM', 'MAX_TOKENS', 'MAX_NEW_TOKENS', 'KEY_PREFIX', 'CACHE_KEY', 'PARTITION_KEY', 'PUBLIC_KEY',
    'PASSWORD_MIN_LENGTH', 'TOKEN_URL', 'AUTH_URL', 'AUTH_ENABLED', 'SECRET_NAME', 'OAUTH_ISSUER', 'BYPASS_CACHE', 'COMPASS_HEADING',
    'PASSENGER_COUNT', 'PWD', 'KEYBOARD_LAYOUT', 'MONKEY', 'PRIVATE_REGISTRY', 'AUTHOR', 'TOKENIZER_NAME', 'LOG_LEVEL', 'AWS_ACCESS_KEY_ID',
  ])('%s is not a secret name', (name) => {
    expect(isSecretName(name)).toBe(false);
    expect(secretProblem(name, 'plain-value')).toBeUndefined();
  });

  test.each([
    ['DB_PASSWORD_FILE', '/run/secrets/db_password'],
    ['api_token_file', '/run/secrets/api_token'],
    ['HF_TOKEN_PATH', '/var/run/hf/token'],
    ['GOOGLE_APPLICATION_CREDENTIALS', '/run/secrets/gcp.json'],
    ['AWS_SHARED_CREDENTIALS_FILE', '/run/secrets/aws'],
  ])('%s pointing at a path is the right way and passes', (name, value) => {
    expect(secretProblem(name, value)).toBeUndefined();
  });

  test.each([
    ['DB_PASSWORD_FILE', 'hunter2'],
    ['API_TOKEN_FILE', 'tok en'],
    ['SECRET_KEY_PATH', '/srv/keys/'],
    ['GOOGLE_APPLICATION_CREDENTIALS', '{"type": "service_account"}'],
  ])('%s holding something other than a file path is refused', (name, value) => {
    const problem = secretProblem(name, value)!;
    expect(problem).toBeDefined();
    expect(JSON.stringify(problem)).not.toContain(value);
  });
});

describe('secret values: credentials inside ordinary names', () => {
  const FAKE = {
    openai: `sk-proj-${'A1b2C3d4'.repeat(4)}`,
    anthropic: `sk-ant-api03-${'x9Y8z7W6'.repeat(5)}`,
    github: `ghp_${'a1B2c3D4e5'.repeat(4)}`,
    githubPat: `github_pat_11ABCDEFG0${'z'.repeat(40)}`,
    gitlab: `glpat-${'Ab3'.repeat(8)}`,
    aws: 'AKIAIOSFODNN7EXAMPLE',
    slack: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp',
    huggingface: `hf_${'AbCdEfGhIj'.repeat(4)}`,
    stripe: `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
    google: `AIza${'SyA-1234567890abcdefghijklmnopqrstu'}`,
    jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    key: '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----',
  };

  test.each([
    ['DATABASE_URL', 'postgresql://app:pw@db/x', 'a url with a password'],
    ['CACHE', 'redis://:s3cret@redis:6379/0', 'a url with a password'],
    ['BROKER', 'amqp://guest:guest@rabbit:5672/', 'a url with a password'],
    ['REMOTE', 'https://oauth2:abc@gitlab.example.com/repo.git', 'a url with a password'],
    ['MODEL_SOURCE', `https://user:${FAKE.huggingface}@huggingface.co/org/model`, 'a url with a password'],
    ['OPENAI', FAKE.openai, 'api key'],
    ['CLAUDE', FAKE.anthropic, 'api key'],
    ['GH', FAKE.github, 'github token'],
    ['GH_FINE', FAKE.githubPat, 'github token'],
    ['GL', FAKE.gitlab, 'gitlab token'],
    ['AWS_ACCESS_KEY_ID', FAKE.aws, 'aws access key'],
    ['SLACK', FAKE.slack, 'slack token'],
    ['HUB', FAKE.huggingface, 'hugging face token'],
    ['PAYMENTS', FAKE.stripe, 'stripe key'],
    ['MAPS', FAKE.google, 'google api key'],
    ['AUTHORIZATION_HEADER', `Bearer ${FAKE.jwt}`, 'json web token'],
    ['SSH', FAKE.key, 'private key'],
    ['CLONE_URL', `https://${FAKE.github}@github.com/acme/x.git`, 'github token'],
  ])('%s holding %s is refused, the value hidden', (name, value, kind) => {
    expect(secretValueKind(value)).toContain(kind);
    const problem = secretProblem(name, value)!;
    expect(problem.what).toContain(kind);
    expect(problem.got).toBe(`"${name}" (value hidden)`);
    expect(problem.expected).toMatch(/compose secret/);
    expect(problem.expected).toMatch(/Kubernetes Secret/);
    expect(problem.expected).toMatch(/_FILE/);
    expect(JSON.stringify(problem)).not.toContain(value.slice(4, 20));
  });

  test.each([
    ['DATABASE_URL', 'postgresql://app@db:5432/x'],
    ['DATABASE_URL', 'postgresql://app:@db:5432/x'],
    ['SERVICE_URL', 'http://api:8080/v1/predict?a=b'],
    ['PROXY', 'http://[::1]:3128'],
    ['EMAIL', 'ml-team@example.com'],
    ['MODEL', 'sk-learn-model'],
    ['HF_HUB_ENABLE_HF_TRANSFER', 'hf_transfer'],
    ['BRANCH', 'ghp_short'],
    ['TAG', 'AKIA'],
    ['NOTE', '-----BEGIN CERTIFICATE-----'],
    ['TOKENIZERS_PARALLELISM', 'false'],
    ['MAX_TOKENS', '4096'],
  ])('%s=%s passes', (name, value) => {
    expect(secretProblem(name, value)).toBeUndefined();
  });
});

describe('one detector everywhere environment is accepted', () => {
  test('a service reports exactly what secretProblem says, and never the value', () => {
    const err = expectValidationError(() => new PythonService(newProject(), 'api', { command: CMD, environment: { DATABASE_URL: 'postgresql://app:hunter2@db/x' } }),
      'vision/api', '"DATABASE_URL" (value hidden)', 'postgresql://app@db:5432/app');
    const p = secretProblem('DATABASE_URL', 'postgresql://app:hunter2@db/x')!;
    expect(err.problems).toContain(`[vision/api] ${p.what}: got ${p.got}; expected ${p.expected}`);
    expect(err.message).not.toContain('hunter2');
  });

  test('every problem of the environment is reported at once', () => {
    const err = expectValidationError(() => new PythonService(newProject(), 'api', {
      command: CMD, environment: { DB_PASS: 'a', API_TOKEN: 'b', SECRET_KEY: 'c', GCP_CREDENTIALS: 'd', TOKENIZERS_PARALLELISM: 'false' },
    }), 'vision/api', '"DB_PASS" (value hidden)', 'compose secret');
    expect(err.problems.map((p) => /environment\.(\w+)/.exec(p)![1]).sort()).toEqual(['API_TOKEN', 'DB_PASS', 'GCP_CREDENTIALS', 'SECRET_KEY']);
  });

  test('allowed look-alikes reach compose and Kubernetes unchanged', () => {
    const project = newProject();
    const environment = { TOKENIZERS_PARALLELISM: 'false', MAX_TOKENS: '4096', DB_PASSWORD_FILE: '/run/secrets/db_password', DATABASE_URL: 'postgresql://app@db:5432/x' };
    new PythonService(project, 'api', { command: CMD, port: 8000, environment });
    new ComposeStack(project, 'stack');
    new KubernetesManifests(project, 'k8s');
    const out = synth(project);
    expect(out['compose.yaml']).toContain('TOKENIZERS_PARALLELISM: "false"');
    expect(out['compose.yaml']).toContain('DB_PASSWORD_FILE: /run/secrets/db_password');
    expect(out['k8s/base/api.yaml']).toContain('name: MAX_TOKENS');
  });
});
