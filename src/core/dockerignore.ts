import ignore from '@balena/dockerignore';

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

/** What the generated `.gitignore` leaves out of the repository: data and weights files, media in data folders. */
export function gitignoredArtefacts(): string[] {
  return [...ARTEFACT_EXTENSIONS.map((ext) => `*${ext}`), ...DATA_MEDIA];
}

const DATA_MEDIA: readonly string[] = ['data', 'datasets'].flatMap((dir) => MEDIA_EXTENSIONS.map((ext) => `**/${dir}/**/*${ext}`));

/**
 * Paths no image may receive, re-excluded after the allow-list, at any depth: VCS metadata,
 * virtualenvs and caches, experiment-tracker runs, secrets and keys as folders or files; data
 * and weights by extension (so a code package named `data`, `datasets`, `checkpoints` or
 * `wandb` still reaches the image: only its data files stay out), and media files inside
 * `data`/`datasets` folders.
 */
export const ALWAYS_EXCLUDED: readonly string[] = [
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
  ...ARTEFACT_EXTENSIONS.map((ext) => `**/*${ext}`),
  ...DATA_MEDIA,
  '**/secrets',
  '**/.netrc',
  '**/.pypirc',
  '**/.npmrc',
  '**/.aws',
  '**/.ssh',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/credentials.json',
  '**/service-account*.json',
];

/**
 * The lines of an allow-list ignore file: exclude everything, let exactly the given paths
 * back in, then exclude what must never be sent even inside an allowed folder.
 */
export function ignoreFileLines(allowed: readonly string[], reExcludeExceptions: readonly string[] = []): string[] {
  const unique = [...new Set(allowed)].sort();
  return [
    '# Allow-list: everything is excluded, then exactly what the Dockerfile reads is let back in.',
    '*',
    ...unique.map((p) => `!${p}`),
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
const SECRET_PLACES: readonly string[] = [
  ...ALWAYS_EXCLUDED.filter((p) => /^\*\*\/(\.git|\.env|\.env\.\*|secrets|\.netrc|\.pypirc|\.npmrc|\.aws|\.ssh|id_rsa\*|id_ed25519\*|\*\.pem|\*\.key|\*\.p12|credentials\.json|service-account\*\.json)$/.test(p)),
  '**/.gnupg',
  '**/.docker',
  '**/.kube',
  '**/.config/gcloud',
];

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
