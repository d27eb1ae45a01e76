import { commandSecrets, composeCommandSecrets, textSecret } from '../src/core/command-secrets';
import { isSecretName, isSecretOptionName } from '../src/core/secrets';

const HF = 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH';
const indexes = (args: string[]) => commandSecrets(args, 'command').map((s) => s.index);

describe('commandSecrets: credential shapes in any argument', () => {
  test.each([
    [['python', '-m', 'api.main', '--db', 'postgresql://app:hunter2@db/app'], 4, 'a url with a password'],
    [['python', '-m', 'trainer.train', `--hf-token=${HF}`], 3, 'a hugging face token'],
    [['pytest', `--token=${HF}`], 1, 'a hugging face token'],
    [['sh', '-c', `python app.py --key ${HF}`], 2, 'a hugging face token'],
    [['python', 'app.py', 'AKIAABCDEFGHIJKLMNOP'], 2, 'an aws access key'],
  ])('%j', (args, index, kind) => {
    const found = commandSecrets(args, 'command');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ index, kind, what: `command[${index}] holds ${kind} inline`, got: '(value hidden)' });
    expect(found[0].expected).toContain('/run/secrets/<name>');
    // the value never reaches the problem
    expect(JSON.stringify(found)).not.toContain(args[index].slice(-8));
  });
});

describe('commandSecrets: an option named like a secret followed by a literal value', () => {
  test.each([
    [['redis-server', '--requirepass', 'hunter2'], 2, '--requirepass'],
    [['python', 'app.py', '--password', 'hunter2'], 3, '--password'],
    [['python', 'app.py', '--db-password=hunter2'], 2, '--db-password='],
    [['python', 'app.py', '--api-key', 'abc123'], 3, '--api-key'],
    [['jupyter', 'lab', '--NotebookApp.token=abc'], 2, '--NotebookApp.token='],
    [['env', 'DB_PASSWORD=hunter2', 'python', 'app.py'], 1, 'DB_PASSWORD='],
    [['python', 'train.py', 'db.password=hunter2'], 2, 'db.password='],
    [['python', 'train.py', '+wandb.api_key=abc'], 2, '+wandb.api_key='],
    [['sh', '-c', 'redis-server --requirepass "hunter2"'], 2, '--requirepass'],
    [['celery', 'flower', '--basic-auth=user:pw'], 2, '--basic-auth='],
  ])('%j', (args, index, name) => {
    const found = commandSecrets(args, 'testCommand');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ index, what: `testCommand[${index}] gives ${name} a secret inline`, got: '(value hidden)' });
  });
});

describe('commandSecrets: what is not a secret', () => {
  test.each([
    [['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000']],
    [['python', '-m', 'api.main', '--config', '/run/secrets/x']],
    [['python', '-m', 'serve', '--model', 'meta-llama/Llama-3-8B', '--max-tokens', '512', '--tokenizer', 'gpt2']],
    [['python', 'app.py', '--db', 'postgresql://app@db:5432/app', '--url', 'https://huggingface.co/models']],
    [['python', 'app.py', '--password-file', '/run/secrets/db_password', '--token-env', 'HF_TOKEN']],
    [['python', 'app.py', '--password', '/run/secrets/db_password', '--token', '$HF_TOKEN']],
    [['docker', 'login', '--password-stdin', 'registry']],
    [['python', 'app.py', '--key', 'model_name', '--sort-key', 'date', '--auth', 'none', '--cache-key=abc']],
    [['python', 'app.py', '--token', '--verbose']],
    [['jupyter', 'lab', '--NotebookApp.token=']],
    [['python', 'run_glue.py', '--use_auth_token', 'True', '--push_to_hub_token=false']],
    [['sh', '-c', 'exec python -m api.main --port 8000']],
    [['python', '-c', 'print("password")']],
    [['gunicorn', '-w', '2', '-b', '0.0.0.0:8000', 'api.main:app']],
    [['env', 'TOKENIZERS_PARALLELISM=false', 'OMP_NUM_THREADS=1', 'python', 'app.py']],
    // a relative path to the file that holds the key or token
    [['python', '-m', 'serve', '--private-key', 'keys/server.key', '--ssl-keyfile=./tls/key', '--api-key', 'token.txt']],
  ])('%j', (args) => {
    expect(indexes(args)).toEqual([]);
  });

  test('arguments that are not strings are left to the shape checks', () => {
    expect(commandSecrets([1 as unknown as string, null as unknown as string], 'command')).toEqual([]);
    expect(commandSecrets(undefined as unknown as string[], 'command')).toEqual([]);
  });
});

describe('isSecretOptionName', () => {
  test('reads "-" and "." as "_" and keeps the environment rule for secret words', () => {
    for (const n of ['password', 'db-password', 'hf-token', 'api-key', 'NotebookApp.token', 'client-secret', 'requirepass', 'masterauth', 'basic-auth', 'ssl-keyfile-password']) {
      expect([n, isSecretOptionName(n)]).toEqual([n, true]);
    }
    for (const n of ['key', 'auth', 'salt', 'sort-key', 'hmac-key', 'max-tokens', 'tokenizer', 'token-file', 'password-stdin', 'token-env', 'password-min-length', 'port', 'ssl-keyfile', 'bypass']) {
      expect([n, isSecretOptionName(n)]).toEqual([n, false]);
    }
  });

  test('the environment rule is unchanged (a lone KEY, AUTH or SALT still names a secret there)', () => {
    expect(isSecretName('KEY')).toBe(true);
    expect(isSecretName('BASIC_AUTH')).toBe(true);
    expect(isSecretName('HMAC_KEY')).toBe(true);
    expect(isSecretName('BASIC_AUTH_USER')).toBe(false);
    expect(isSecretName('REQUIREPASS')).toBe(false);
  });
});

describe('composeCommandSecrets', () => {
  test('list and string forms of command and entrypoint, with the document path', () => {
    expect(composeCommandSecrets({ command: ['redis-server', '--requirepass', 'hunter2'], entrypoint: `run --token=${HF}` })).toEqual([
      { path: ['command', 2], got: 'a secret after --requirepass (value hidden)', expected: expect.stringContaining('/run/secrets/<name>') },
      { path: ['entrypoint'], got: 'a hugging face token (value hidden)', expected: expect.stringContaining('/run/secrets/<name>') },
    ]);
  });

  test('a generated backing service command passes', () => {
    expect(composeCommandSecrets({ command: ['redis-server', '/tmp/redis.conf'] })).toEqual([]);
    expect(composeCommandSecrets({ command: 'mlflow server --host 0.0.0.0 --port 5000' })).toEqual([]);
  });
});

describe('textSecret', () => {
  test('a credential shape in free text, never a word', () => {
    expect(textSecret(`uses ${HF}`, 'description')).toEqual({
      what: 'description holds a hugging face token inline', got: '(value hidden)', expected: expect.stringContaining('text without credentials'),
    });
    expect(textSecret('reads the password from a compose secret; calls https://api.example.com', 'description')).toBeUndefined();
    expect(textSecret(undefined, 'description')).toBeUndefined();
  });
});
