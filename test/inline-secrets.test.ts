/**
 * Found by a hostile review: a secret given inline in a command, a description or a
 * dependency's url is refused, and the value appears nowhere: not in the error, not in a
 * warning, not in a generated file. What is not a secret (ports, secret file paths, model ids,
 * urls without credentials) still synthesizes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { BackingService, ComposeStack, Dependencies, GpuTrainer, MlDockerProject, MlDockerValidationError, PythonService } from '../src';
import { synthIn, tree } from './util';

const HF = 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH';
const GHP = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Synthesizes in a fresh dir with these files; returns the error (or undefined), the warnings logged and the
 * tree.
 */
function run(files: Record<string, string>, build: (p: MlDockerProject) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'mld-inline-secrets-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const logged: string[] = [];
  const spies = (['log', 'warn', 'error', 'info'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...a: unknown[]) => {
    logged.push(a.map(String).join(' '));
  }));
  let error: unknown;
  try {
    synthIn(dir, {}, build);
  } catch (e) {
    error = e;
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  const text = Object.values(tree(dir)).map((b) => Buffer.from(b, 'base64').toString('utf8')).join('\n');
  return { error, logged: logged.join('\n'), text };
}

const CMD = ['python', '-m', 'api.main'];

describe('refused, and the value is shown nowhere', () => {
  test.each<[string, Record<string, string>, (p: MlDockerProject) => void, string]>([
    ['a url with a password in command', {}, (p) => { new PythonService(p, 'api', { command: [...CMD, '--db', 'postgresql://app:hunter2@db/app'], port: 8000 }); }, 'hunter2'],
    ['a token in a trainer command', {}, (p) => { new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train', `--hf-token=${HF}`] }); }, HF],
    ['a token in testCommand and description', {}, (p) => {
      new PythonService(p, 'api', { command: CMD, testCommand: ['pytest', `--token=${HF}`], description: `uses ${HF}`, requirements: { dev: ['pytest==8.3.4'] } });
    }, HF],
    ['redis --requirepass through an override', {}, (p) => {
      new PythonService(p, 'api', { command: CMD, port: 8000 });
      new ComposeStack(p, 'stack', { backingServices: [BackingService.REDIS] }).addOverride('redis', 'command', ['redis-server', '--requirepass', 'hunter2']);
    }, 'hunter2'],
    ['a git token in requirements.txt', { 'requirements.txt': `mypkg @ git+https://${GHP}@github.com/a/b@v1\nfastapi==0.115.6\n` }, (p) => {
      new PythonService(p, 'api', { command: CMD, dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements.txt'], allowDirectReferences: true }) });
    }, GHP],
    ['a token in pyproject.toml', { 'pyproject.toml': `[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["mypkg @ git+https://x-access-token:${GHP}@github.com/a/b"]\n` }, (p) => {
      new PythonService(p, 'api', { command: CMD, dependencies: Dependencies.fromPyproject({ allowDirectReferences: true }) });
    }, GHP],
  ])('%s', (_name, files, build, secret) => {
    const { error, logged, text } = run(files, build);
    expect(error).toBeInstanceOf(MlDockerValidationError);
    const message = (error as Error).message;
    expect(message).toContain('(value hidden)');
    expect(message).not.toContain(secret);
    expect(logged).not.toContain(secret);
    // nothing written but the input files themselves
    expect(text.split(secret).length - 1).toBe(Object.values(files).join('\n').split(secret).length - 1);
  });
});

describe('not secrets: synthesized as before', () => {
  test('ports, secret file paths, model ids, urls without credentials, env references', () => {
    const { error } = run({
      'services/api/main.py': '', 'requirements.txt': 'mypkg @ https://files.example.invalid/mypkg-1.0.tar.gz\nfastapi==0.115.6\n',
    }, (p) => {
      new PythonService(p, 'api', {
        command: [...CMD, '--port', '8000', '--config', '/run/secrets/x', '--model', 'meta-llama/Llama-3-8B', '--db', 'postgresql://app@db:5432/app',
          '--password-file', '/run/secrets/db_password', '--max-tokens', '512'],
        port: 8000,
        description: 'reads its password from a compose secret',
        dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements.txt'], allowDirectReferences: true }),
      });
      new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW] })
        .addOverride('api', 'command', [...CMD, '--token-file', '/run/secrets/hf_token']);
    });
    expect(error).toBeUndefined();
  });
});

test('an argument with a newline and a token: both problems, the value in neither', () => {
  const { error } = run({}, (p) => { new PythonService(p, 'api', { command: [...CMD, '--db\npostgresql://app:hunter2@db/app'] }); });
  expect((error as MlDockerValidationError).problems).toEqual([
    '[vision/api] command[3]: got (value hidden); expected an argument without newlines or NUL',
    expect.stringContaining('[vision/api] command[3] holds a url with a password inline: got (value hidden)'),
  ]);
});
