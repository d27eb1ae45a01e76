/**
 * Hostile values: secrets hidden in ordinary names and in values, environment
 * that overrides what the image needs, service ids that shadow Python modules, and project
 * names or registries that give no valid image reference.
 */
import { any, cmdFor, inference, Row, stack, svc, trainer } from './support';
import { BackingService, GpuTrainer, PythonService } from '../../src';

const hidden = (name: string) => `"${name}" (value hidden)`;
const RIGHT_WAY = 'use a compose secret (a Kubernetes Secret on a cluster) and pass its path as <NAME>_FILE';
const FAKE_GITHUB = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
const FAKE_HF = `hf_${'AbCdEfGhIj'.repeat(4)}`;
const FAKE_OPENAI = `sk-proj-${'A1b2C3d4'.repeat(4)}`;
const id = (serviceId: string) => (p: any) => {
  new PythonService(p, serviceId, { command: cmdFor(serviceId) });
};

export const rows: Row[] = [
  // secrets in names: whole words, any case
  { name: 'secret: DB_PASS', build: svc({ environment: { DB_PASS: 'x' } }), path: 'vision/api', got: hidden('DB_PASS'), expected: RIGHT_WAY },
  { name: 'secret: api_token in lowercase', build: svc({ environment: { api_token: 'x' } }), path: 'vision/api', got: hidden('api_token'), expected: RIGHT_WAY },
  { name: 'secret: SECRET_KEY', build: svc({ environment: { SECRET_KEY: 'django-insecure' } }), path: 'vision/api', got: hidden('SECRET_KEY'), expected: RIGHT_WAY },
  { name: 'secret: *_CREDENTIALS', build: svc({ environment: { WANDB_CREDENTIALS: 'x' } }), path: 'vision/api', got: hidden('WANDB_CREDENTIALS'), expected: RIGHT_WAY },
  { name: 'secret: run-together PGPASSWORD', build: svc({ environment: { PGPASSWORD: 'x' } }), path: 'vision/api', got: hidden('PGPASSWORD'), expected: RIGHT_WAY },
  { name: 'secret: BASIC_AUTH', build: svc({ environment: { BASIC_AUTH: 'user:pw' } }), path: 'vision/api', got: hidden('BASIC_AUTH'), expected: RIGHT_WAY },
  { name: 'secret: a *_PASSWORD_FILE holding the password', build: svc({ environment: { DB_PASSWORD_FILE: 'hunter2' } }), path: 'vision/api', got: hidden('DB_PASSWORD_FILE'), expected: 'an absolute path such as "/run/secrets/db_password"' },
  { name: 'secret: trainer HF_TOKEN', build: trainer({ environment: { HF_TOKEN: 'x' } }), path: 'vision/trainer', got: hidden('HF_TOKEN'), expected: RIGHT_WAY },
  // secrets in values
  { name: 'secret: password in a database url', build: svc({ environment: { DATABASE_URL: 'postgresql://app:pw@db/x' } }), path: 'vision/api', got: hidden('DATABASE_URL'), expected: 'a url without the password' },
  { name: 'secret: password in a redis url without user', build: svc({ environment: { CACHE: 'redis://:pw@cache:6379/0' } }), path: 'vision/api', got: hidden('CACHE'), expected: '<NAME>_PASSWORD_FILE' },
  { name: 'secret: inference url with a password', build: inference({ environment: { MODEL_STORE: 's3://key:secret@minio:9000/models' } }), path: 'vision/inference', got: hidden('MODEL_STORE'), expected: 'a url without the password' },
  { name: 'secret: github token in an ordinary name', build: svc({ environment: { GIT_REMOTE: `https://${FAKE_GITHUB}@github.com/acme/x.git` } }), path: 'vision/api', got: hidden('GIT_REMOTE'), expected: RIGHT_WAY },
  { name: 'secret: openai key in an ordinary name', build: svc({ environment: { LLM: FAKE_OPENAI } }), path: 'vision/api', got: hidden('LLM'), expected: RIGHT_WAY },
  { name: 'secret: aws key id shape', build: svc({ environment: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' } }), path: 'vision/api', got: hidden('AWS_ACCESS_KEY_ID'), expected: RIGHT_WAY },
  { name: 'secret: hugging face token in an ordinary name', build: trainer({ environment: { HUB: FAKE_HF } }), path: 'vision/trainer', got: hidden('HUB'), expected: RIGHT_WAY },
  { name: 'secret: slack token', build: svc({ environment: { NOTIFY: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKl' } }), path: 'vision/api', got: hidden('NOTIFY'), expected: RIGHT_WAY },
  { name: 'secret: a private key', build: svc({ environment: { SSH: '-----BEGIN RSA PRIVATE KEY-----MIIE' } }), path: 'vision/api', got: hidden('SSH'), expected: RIGHT_WAY },
  // environment the image needs, in any letter case
  { name: 'env: PYTHONPATH', build: svc({ environment: { PYTHONPATH: '/src' } }), path: 'vision/api', got: '"PYTHONPATH"', expected: 'a name other than PATH, HOME, PYTHONPATH' },
  { name: 'env: path in lowercase', build: svc({ environment: { path: '/usr/bin' } }), path: 'vision/api', got: '"path"', expected: 'in any letter case' },
  { name: 'env: Home', build: svc({ environment: { Home: '/root' } }), path: 'vision/api', got: '"Home"', expected: 'a name other than PATH, HOME' },
  { name: 'env: LD_PRELOAD', build: svc({ environment: { LD_PRELOAD: '/tmp/x.so' } }), path: 'vision/api', got: '"LD_PRELOAD"', expected: 'LD_PRELOAD' },
  { name: 'env: VIRTUAL_ENV on a trainer', build: trainer({ environment: { VIRTUAL_ENV: '/venv' } }), path: 'vision/trainer', got: '"VIRTUAL_ENV"', expected: 'VIRTUAL_ENV' },
  { name: 'env: an MLDOCKER_ name', build: svc({ environment: { MLDOCKER_DATA_DIR: '/x' } }), path: 'vision/api', got: '"MLDOCKER_DATA_DIR"', expected: 'a name not starting with MLDOCKER_' },
  { name: 'env: mldocker_ in lowercase on a trainer', build: trainer({ environment: { mldocker_skip_driver_check: '1' } }), path: 'vision/trainer', got: '"mldocker_skip_driver_check"', expected: 'skipDriverCheck' },
  { name: 'env: MlDocker_Model_Dir on inference', build: inference({ environment: { MlDocker_Model_Dir: '/m' } }), path: 'vision/inference', got: '"MlDocker_Model_Dir"', expected: 'MLDOCKER_' },
  { name: 'env: generated password file name in lowercase', build: svc({ environment: { postgres_password_file: '/run/secrets/mine' } }), path: 'vision/api', got: '"postgres_password_file"', expected: 'POSTGRES_PASSWORD_FILE, REDIS_PASSWORD_FILE in any letter case' },
  { name: 'env: generated password file name in mixed case', build: svc({ environment: { Redis_Password_File: '/run/secrets/mine' } }), path: 'vision/api', got: '"Redis_Password_File"', expected: 'REDIS_PASSWORD_FILE' },
  { name: 'env: backing url name in another case', build: stack({ backingServices: [BackingService.POSTGRES] }, svc({ port: 8000, environment: { database_url: 'postgresql://app@elsewhere/x' } })), path: 'vision/api', got: '"database_url"', expected: 'the stack sets DATABASE_URL' },
  // service ids that shadow Python modules
  { name: 'id: json', build: id('json'), path: 'vision/json', got: '"json"', expected: 'not a standard library module' },
  { name: 'id: email', build: id('email'), path: 'vision/email', got: '"email"', expected: 'e.g. "email-service"' },
  { name: 'id: http', build: id('http'), path: 'vision/http', got: '"http"', expected: 'not a standard library module' },
  { name: 'id: typing', build: id('typing'), path: 'vision/typing', got: '"typing"', expected: 'not a standard library module' },
  { name: 'id: asyncio', build: id('asyncio'), path: 'vision/asyncio', got: '"asyncio"', expected: 'python 3.10, 3.11, 3.12, 3.13, 3.14' },
  { name: 'id: distutils (removed in 3.12, still there on 3.10)', build: id('distutils'), path: 'vision/distutils', got: '"distutils"', expected: 'not a standard library module' },
  { name: 'id: py-compile as a module name', build: id('py-compile'), path: 'vision/py-compile', got: '"py-compile"', expected: 'not a standard library module' },
  { name: 'id: trainer named pickle', build: (p) => { new GpuTrainer(p, 'pickle', any({ torchVersion: '2.5.1', command: ['python', '-m', 'pickle.train'] })); }, path: 'vision/pickle', got: '"pickle"', expected: 'not a standard library module' },
  { name: 'id: the runtime helpers package', build: id('mldocker-runtime'), path: 'vision/mldocker-runtime', got: '"mldocker-runtime"', expected: 'not the runtime helpers\' package' },
  // image references
  { name: 'image: project name with nothing valid', project: { name: '~~' }, build: () => {}, path: '~~', got: '"~~"', expected: 'at least one letter or digit' },
  { name: 'image: project name of separators', project: { name: '~-~' }, build: () => {}, path: '~-~', got: '"~-~"', expected: 'at least one letter or digit' },
  { name: 'image: project name over npm\'s limit', project: { name: 'a'.repeat(260) }, build: () => {}, path: 'aaaaaaaaaa', got: '"aaaaaaaaaa', expected: 'at most 214 characters' },
  { name: 'image: registry prefix too long for the image name', build: stack({ imageRegistry: `registry.example.com/${'a'.repeat(240)}` }), path: 'vision/stack', got: '"registry.example.com/aaaa', expected: 'a registry prefix of at most 244 characters' },
  { name: 'image: registry with a double dot', build: stack({ imageRegistry: 'registry..example.com/acme' }), path: 'vision/stack', got: '"registry..example.com/acme"', expected: 'a registry and path' },
];
