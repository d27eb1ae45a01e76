import ignore from '@balena/dockerignore';
import { loadData } from './data';

/**
 * Extensions of large binary artefacts and data files (weights, checkpoints, arrays, tables,
 * archives): never sent to a build context at any depth, never committed by the generated
 * `.gitignore` (a baked model folder lets its weights back in).
 */
export const ARTEFACT_EXTENSIONS: readonly string[] = [
  '.pt', '.pth', '.ckpt', '.safetensors', '.bin', '.onnx', '.h5', '.hdf5', '.keras', '.pb', '.tflite', '.gguf', '.ggml', '.mar',
  '.engine', '.plan', '.msgpack', '.pkl', '.pickle', '.joblib', '.npy', '.npz', '.parquet', '.arrow', '.feather', '.tfrecord',
  '.lmdb', '.mdb', '.avro', '.orc', '.db', '.sqlite', '.sqlite3', '.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tar.xz', '.zip',
  '.gz', '.bz2', '.xz', '.zst', '.7z', '.rar', '.csv', '.tsv', '.jsonl',
];

/** The weight formats among the artefacts: what a baked model folder lets back in. */
export const WEIGHT_EXTENSIONS: readonly string[] = [
  '.pt', '.pth', '.ckpt', '.safetensors', '.bin', '.onnx', '.h5', '.hdf5', '.keras', '.pb', '.tflite', '.gguf', '.ggml', '.msgpack', '.mar', '.engine', '.plan',
];

/** Media files, excluded only inside data folders (a web service's own images are code). */
const MEDIA_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.tif', '.tiff', '.webp', '.wav', '.mp3', '.flac', '.ogg', '.mp4', '.avi', '.mov', '.mkv'];

/**
 * What the generated `.gitignore` leaves out of the repository: data and weights files, media in data
 * folders.
 */
export function gitignoredArtefacts(): string[] {
  return [...ARTEFACT_EXTENSIONS.map((ext) => `*${ext}`), ...DATA_MEDIA];
}

const DATA_MEDIA: readonly string[] = ['data', 'datasets'].flatMap((dir) => MEDIA_EXTENSIONS.map((ext) => `**/${dir}/**/*${ext}`));

/** One credential pattern of `data/credential-files.json`: what it holds, and where that is documented. */
export interface CredentialPattern {
  readonly pattern: string;
  readonly what: string;
  readonly source: string;
}

/**
 * Credential files and folders of common tools, at any depth: what a developer machine or a CI
 * checkout leaves beside the code (a `.git-credentials`, a kubeconfig, a cloud CLI's folder, an
 * SSH or TLS private key, a `.env` by any name, Google's OAuth `client_secret_*.json` and the
 * quickstarts' `token.json`, Dynaconf's `.secrets.toml`, a Terraform state). None is ever sent
 * to a build context, and no container mounts one. The table, with the documentation of each
 * tool, is `data/credential-files.json`.
 */
export const CREDENTIAL_PATTERNS: readonly string[] =
  loadData<{ patterns: CredentialPattern[] }>('credential-files.json').patterns.map((p) => p.pattern);

/**
 * VCS metadata, environments, caches and tracker runs: left out on purpose, code or not (a venv's packages).
 */
export const TOOLING_EXCLUDED: readonly string[] = [
  '**/.git',
  '**/.env',
  '**/.env.*',
  '**/.venv',
  '**/venv',
  '**/__pycache__',
  '**/*.py[cod]',
  '**/.pytest_cache',
  '**/.mypy_cache',
  '**/.ipynb_checkpoints',
  '**/mlruns',
  '**/wandb/run-*',
  '**/wandb/offline-run-*',
  '**/wandb/latest-run',
];

/**
 * Paths no image may receive, re-excluded after the allow-list, at any depth: VCS metadata,
 * virtualenvs and caches, experiment-tracker runs, secrets and keys as folders or files (the
 * credential files of common tools, `CREDENTIAL_PATTERNS`); data and weights by extension (so a
 * code package named `data`, `datasets`, `checkpoints` or `wandb` still reaches the image: only
 * its data files stay out), and media files inside `data`/`datasets` folders.
 */
export const ALWAYS_EXCLUDED: readonly string[] = [
  ...TOOLING_EXCLUDED,
  ...ARTEFACT_EXTENSIONS.map((ext) => `**/*${ext}`),
  ...DATA_MEDIA,
  ...CREDENTIAL_PATTERNS,
];

/**
 * The re-exclusions that leave a file out whatever it is: tooling and credentials (everything
 * but data and weights, which go by extension, which no code has).
 */
export const DELIBERATE_EXCLUSIONS: readonly string[] = [...TOOLING_EXCLUDED, ...CREDENTIAL_PATTERNS];

/**
 * The first pattern of `patterns` that excludes `path` (root-relative or absolute, `/`-separated), if any.
 */
function firstMatch(patterns: readonly string[], path: string): string | undefined {
  const clean = path.replace(/^\/+/, '');
  return patterns.find((pattern) => ignore().add([pattern]).ignores(clean));
}

/** The credential pattern that excludes a path (`config/kubeconfig`: the kubeconfig pattern), if any. */
export function credentialPatternOf(path: string): string | undefined {
  return firstMatch(CREDENTIAL_PATTERNS, path);
}

/** The re-exclusion that excludes a path inside an allowed folder, if any. */
export function reExclusionOf(path: string): string | undefined {
  return firstMatch(ALWAYS_EXCLUDED, path);
}

/**
 * The lines of an allow-list ignore file: exclude everything, let exactly the given paths
 * back in, then exclude what must never be sent even inside an allowed folder.
 */
export function ignoreFileLines(
  allowed: readonly string[], reExcludeExceptions: readonly string[] = [],
): string[] {
  // "." (the project root, read by a CUDA extension built from a root setup.py) lets every
  // top-level entry back in ("!." would match no file), the projen toolchain's node_modules excepted
  const root = allowed.includes('.');
  const unique = [...new Set(allowed.map((p) => (p === '.' ? '*' : p)))].sort();
  return [
    '# Allow-list: everything is excluded, then exactly what the Dockerfile reads is let back in.',
    '*',
    ...unique.map((p) => `!${p}`),
    ...root ? ['# The whole project is read (the root is built): the .projenrc toolchain is not.', 'node_modules'] : [],
    '# Never sent, even inside an allowed folder: data, weights, environments, secrets.',
    ...ALWAYS_EXCLUDED.filter((p) => !reExcludeExceptions.includes(p)),
  ];
}

/**
 * The always-excluded pattern that would exclude a code folder (or a file in it), if any:
 * such a folder could never reach the image, so it is refused at synth.
 */
export function alwaysExcludedPattern(dir: string): string | undefined {
  return ALWAYS_EXCLUDED.find((pattern) => {
    const matcher = ignore().add([pattern]);
    return matcher.ignores(dir) || matcher.ignores(`${dir}/__init__.py`);
  });
}

/** Folder and file names that hold credentials: never mounted into a container. */
const SECRET_PLACES: readonly string[] = ['**/.git', '**/.env', '**/.env.*', ...CREDENTIAL_PATTERNS];

/**
 * The credential pattern a project folder is, or sits inside, if any (`secrets`,
 * `home/.ssh/keys`): mounting it would hand those credentials to the container.
 */
export function secretPlacePattern(dir: string): string | undefined {
  const parts = dir.split('/').filter((p) => p !== '' && p !== '.');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  return SECRET_PLACES.find((pattern) => {
    const matcher = ignore().add([pattern]);
    return prefixes.some((p) => matcher.ignores(p));
  });
}
