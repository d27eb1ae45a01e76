/**
 * What a service reads and writes at run time: its secrets (names, path variables, notes), its
 * cache volume and the folders its code writes next to itself.
 */
import { Row, any, cmdFor, inference, svc, trainer } from './support';
import { BackingService, ComposeStack, PythonService } from '../../src';

const ALLOWED_NAME = 'lowercase letters, digits and "_", starting with a letter, at most 63 characters, e.g. "hf_token"';
const OWN_VARIABLE = 'a name of its own, such as "<NAME>_FILE" (not PATH, HOME, PYTHONPATH, HF_HOME';

export const rows: Row[] = [
  { name: 'secret name with a dash and capitals', build: svc({ secrets: [{ name: 'HF-Token' }] }), path: 'vision/api', got: 'secrets[0].name: got "HF-Token"', expected: ALLOWED_NAME },
  { name: 'secret name with a path', build: svc({ secrets: [{ name: '../hf_token' }] }), path: 'vision/api', got: 'secrets[0].name: got "../hf_token"', expected: ALLOWED_NAME },
  { name: 'secret without a name', build: svc({ secrets: [{ pathEnv: 'HF_TOKEN_FILE' }] }), path: 'vision/api', got: 'secrets[0].name', expected: 'expected' },
  { name: 'secret with a misspelled key', build: svc({ secrets: [{ name: 'hf_token', pathenv: 'X_FILE' }] }), path: 'vision/api', got: 'pathenv', expected: 'expected' },
  {
    name: 'secret named like the postgres password',
    build: svc({ secrets: [{ name: 'postgres_password' }] }),
    path: 'vision/api',
    got: 'secrets[0].name is the secret of the postgres backing service: got "postgres_password"',
    expected: 'a name other than "postgres_password", "redis_password" (the stack mounts them',
  },
  {
    name: 'secret listed twice in one service',
    build: svc({ secrets: [{ name: 'hf_token' }, { name: 'hf_token', pathEnv: 'HF_TOKEN_PATH' }] }),
    path: 'vision/api',
    got: 'secrets[1].name is listed twice: got "hf_token"',
    expected: 'each secret once per service',
  },
  {
    name: 'secret path variable PATH',
    build: svc({ secrets: [{ name: 'hf_token', pathEnv: 'PATH' }] }),
    path: 'vision/api',
    got: 'secrets[0].pathEnv is a variable the image, its runtime helpers or the backing services set: got "PATH"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable HF_HOME',
    build: inference({ secrets: [{ name: 'hf_token', pathEnv: 'HF_HOME' }] }),
    path: 'vision/inference',
    got: 'secrets[0].pathEnv is a variable the image, its runtime helpers or the backing services set: got "HF_HOME"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable pythonpath in lower case',
    build: svc({ secrets: [{ name: 'hf_token', pathEnv: 'pythonpath' }] }),
    path: 'vision/api',
    got: 'got "pythonpath"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable of the runtime helpers',
    build: trainer({ secrets: [{ name: 'wandb_key', pathEnv: 'MLDOCKER_KEY_FILE' }] }),
    path: 'vision/trainer',
    got: 'got "MLDOCKER_KEY_FILE"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable the nvidia runtime reads, on a gpu service',
    build: inference({ secrets: [{ name: 'hf_token', pathEnv: 'NVIDIA_VISIBLE_DEVICES' }] }),
    path: 'vision/inference',
    got: 'got "NVIDIA_VISIBLE_DEVICES"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable a backing service sets',
    build: svc({ secrets: [{ name: 'db_token', pathEnv: 'DATABASE_URL' }] }),
    path: 'vision/api',
    got: 'got "DATABASE_URL"',
    expected: OWN_VARIABLE,
  },
  {
    name: 'secret path variable also set in environment',
    build: svc({ environment: { HF_TOKEN_FILE: '/data/token' }, secrets: [{ name: 'hf_token' }] }),
    path: 'vision/api',
    got: 'secrets[0].pathEnv (default) is also set in environment: got "HF_TOKEN_FILE"',
    expected: 'a variable environment does not set (environment.HF_TOKEN_FILE), e.g. "HF_TOKEN_PATH"',
  },
  {
    name: 'two secrets with one path variable',
    build: svc({ secrets: [{ name: 'hf_token', pathEnv: 'TOKEN_FILE' }, { name: 'gh_token', pathEnv: 'token_file' }] }),
    path: 'vision/api',
    got: 'secrets[1].pathEnv is the path variable of hf_token too: got "token_file"',
    expected: 'a variable of its own for each secret',
  },
  {
    name: 'secret path variable named like the secret itself',
    build: svc({ secrets: [{ name: 'hf_token', pathEnv: 'HF_TOKEN' }] }),
    path: 'vision/api',
    got: 'secrets[0].pathEnv names a secret, not where it is: got "HF_TOKEN"',
    expected: 'a name ending in _FILE or _PATH (the variable holds the path of the file), e.g. "HF_TOKEN_FILE"',
  },
  {
    name: 'secret path variable with a dash',
    build: svc({ secrets: [{ name: 'hf_token', pathEnv: 'HF-TOKEN-FILE' }] }),
    path: 'vision/api',
    got: 'secrets[0].pathEnv: got "HF-TOKEN-FILE"',
    expected: 'an environment variable name: letters, digits and "_", not starting with a digit',
  },
  {
    name: 'secret description holding the token itself',
    build: svc({ secrets: [{ name: 'hf_token', description: 'hf_abcdefghijklmnopqrstuvwxyz0123456789AB' }] }),
    path: 'vision/api',
    got: 'secrets[0].description holds a hugging face token inline',
    expected: 'what to write into the file, never the value itself',
  },
  {
    name: 'secret description on two lines',
    build: svc({ secrets: [{ name: 'hf_token', description: 'a token\nfrom the hub' }] }),
    path: 'vision/api',
    got: 'secrets[0].description: got "a token\\nfrom the hub"',
    expected: 'one line of printable ascii text, at most 200 characters',
  },
  {
    name: 'one secret described differently by two services',
    build: (p) => {
      new PythonService(p, 'api', any({ command: cmdFor('api'), secrets: [{ name: 'hf_token', description: 'a read token' }] }));
      new PythonService(p, 'worker', any({ command: cmdFor('worker'), secrets: [{ name: 'hf_token', description: 'a write token' }] }));
      new ComposeStack(p, 'stack', { backingServices: [BackingService.REDIS] });
    },
    path: 'vision/worker',
    got: 'secrets: hf_token is described differently by api: got "a write token"',
    expected: 'the description api gives ("a read token"), or none: services naming one secret share its file',
  },
  {
    name: 'cache size in gigabytes with a b',
    build: inference({ cacheSize: '50GB' }),
    path: 'vision/inference',
    got: 'cacheSize: got "50GB"',
    expected: 'a size as an integer and a unit k, m or g, e.g. "512m" or "8g"',
  },
  {
    name: 'cache size with the cache volume off',
    build: trainer({ cacheVolume: false, cacheSize: '50g' }),
    path: 'vision/trainer',
    got: 'cacheSize is set with cacheVolume: false: got "50g"',
    expected: 'a size for the cache volume (cacheVolume true, or left out), or no cacheSize',
  },
  {
    name: 'cache volume given as a string',
    build: inference({ cacheVolume: 'yes' }),
    path: 'vision/inference',
    got: 'cacheVolume has the wrong type: got "yes"',
    expected: 'true or false',
  },
  {
    name: 'writable path that is absolute',
    build: svc({ writablePaths: ['/app/sdxl-cache'] }),
    path: 'vision/api',
    got: 'writablePaths[0] is absolute: got "/app/sdxl-cache"',
    expected: 'a folder relative to the working directory (/app), e.g. "sdxl-cache"',
  },
  {
    name: 'writable path leaving the working directory',
    build: svc({ writablePaths: ['../tmp/x'] }),
    path: 'vision/api',
    got: 'writablePaths[0] leaves the working directory: got "../tmp/x"',
    expected: 'a folder inside the working directory, without ".."',
  },
  {
    name: 'writable path with a dot segment',
    build: svc({ writablePaths: ['./cache'] }),
    path: 'vision/api',
    got: 'writablePaths[0]: got "./cache"',
    expected: 'a clean relative folder of letters, digits, "_", "-", "." and "/"',
  },
  {
    name: 'writable path that is the code folder',
    build: svc({ writablePaths: ['api'] }),
    path: 'vision/api',
    got: 'writablePaths[0] overlaps the code copied from "services/api" (/app/api): got "api"',
    expected: 'a folder that is not and does not hold code the image copies, e.g. "sdxl-cache"',
  },
  {
    name: 'writable path inside the code folder over its files',
    build: svc({ writablePaths: ['api/main.py'] }),
    path: 'vision/api',
    got: 'writablePaths[0] is a path of the code copied from "services/api": a volume there would hide it: got "api/main.py"',
    expected: 'a folder the project does not have inside its code, e.g. "sdxl-cache"',
  },
  {
    name: 'writable path over the shared code',
    build: svc({ writablePaths: ['common/cache'] }),
    path: 'vision/api',
    got: 'writablePaths[0] overlaps the shared code (/app/common): got "common/cache"',
    expected: 'a folder outside /app/common',
  },
  {
    name: 'writable path listed twice',
    build: svc({ writablePaths: ['sdxl-cache', 'sdxl-cache'] }),
    path: 'vision/api',
    got: 'writablePaths[1] is listed twice: got "sdxl-cache"',
    expected: 'each writable folder once, none inside another',
  },
  {
    name: 'writable path inside another',
    build: svc({ writablePaths: ['outputs', 'outputs/images'] }),
    path: 'vision/api',
    got: 'writablePaths[1] overlaps writablePaths "outputs": got "outputs/images"',
    expected: 'each writable folder once, none inside another',
  },
  {
    name: 'two writable paths giving one volume name',
    build: svc({ writablePaths: ['sdxl_cache', 'sdxl-cache'] }),
    path: 'vision/api',
    got: 'writablePaths[1] gives the same volume name as another writable path (api-writable-sdxl-cache): got "sdxl-cache"',
    expected: 'writable paths that differ in more than "/", "_", "." or letter case',
  },
];
