import ignore from '@balena/dockerignore';

/**
 * Paths no image may receive, re-excluded after the allow-list, at any depth: data sets,
 * checkpoints and weights, virtualenvs and caches, VCS metadata, secrets and keys.
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
  '**/data',
  '**/datasets',
  '**/checkpoints',
  '**/mlruns',
  '**/wandb',
  '**/*.pt',
  '**/*.pth',
  '**/*.ckpt',
  '**/*.safetensors',
  '**/*.onnx',
  '**/*.h5',
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
