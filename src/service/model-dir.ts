import { checkRelativeDir } from './sources';
import { VolumeSpec } from '../core/container-spec';
import { WEIGHT_EXTENSIONS, alwaysExcludedPattern, secretPlacePattern } from '../core/dockerignore';
import { GENERATED_SECRET_DIRS } from '../core/layout';
import { Problems } from '../core/problems';
import type { RuntimeStep } from '../image/image-model';
import { SHARED_CODE_DIR } from '../image/image-paths';

/**
 * A service's model folder and caches, shared by `GpuInference` and CPU `PythonService`s: the
 * folder mounted read-only at `/models` or baked into the image, and a writable named cache
 * volume for model hubs' downloads.
 */

/** Where the model directory is inside the container. */
export const MODEL_DIR = '/models';
/** Where the cache volume is mounted. */
export const CACHE_DIR = '/cache';

/** The ignore-file patterns of weight files, let back in for exactly a baked model folder. */
const WEIGHT_PATTERNS = WEIGHT_EXTENSIONS.map((ext) => `**/*${ext}`);

/**
 * A folder mounted into a container must not be, sit inside or contain a folder of
 * credentials: `dataDir: "secrets"` would hand every compose secret to the container.
 */
export function checkMountSecrets(problems: Problems, field: string, dir: string): void {
  const pattern = secretPlacePattern(dir);
  const holds = GENERATED_SECRET_DIRS.find((s) => s.startsWith(`${dir}/`));
  if (pattern || holds) {
    problems.add(`${field} would mount credentials into the container (${pattern ?? `it holds ${holds}/`})`, dir,
      'a folder of data or models that is not, is not inside and does not hold secrets, keys, .env or .git folders, e.g. "data" or "models"');
  }
}

/** A mount directory must not be, contain or sit inside a code or generated directory. */
export function checkNoOverlap(problems: Problems, field: string, dir: string, others: Array<[string, string]>): void {
  for (const [name, other] of others) {
    if (dir === other || dir.startsWith(`${other}/`) || other.startsWith(`${dir}/`)) {
      problems.add(`${field} overlaps ${name} ("${other}")`, dir, 'a directory outside the code and generated directories, e.g. "data" or "models"');
    }
  }
}

/** Checks a model folder: clean, outside the code (`codePaths`, as [name, path]) and generated folders, no credentials, bakeable. */
export function checkModelDir(problems: Problems, modelDir: string, bake: boolean, codePaths: Array<[string, string]>): void {
  const before = problems.count;
  checkRelativeDir(problems, 'modelDir', modelDir);
  checkNoOverlap(problems, 'modelDir', modelDir, [...codePaths, ['services/common', SHARED_CODE_DIR], ['docker/', 'docker']]);
  if (problems.count === before) checkMountSecrets(problems, 'modelDir', modelDir);
  const excludedBy = bake ? alwaysExcludedPattern(modelDir) : undefined;
  if (excludedBy && problems.count === before) {
    // The ignore file lets only weights back in below an excluded folder: the model's
    // config, tokenizer and other files would silently be missing from the image.
    problems.add(`bakeModel with a modelDir the ignore files always exclude (${excludedBy})`, modelDir,
      'a model folder outside data, checkpoints and other always-excluded folders (e.g. "models"), or bakeModel: false to mount it');
  }
}

/** The runtime step that copies a baked model into the image, before the code. */
export function bakedModelStep(modelDir: string): RuntimeStep {
  return { kind: 'baked-model', from: modelDir, path: MODEL_DIR };
}

/** Ignore-file lines that let a baked model's weights back in, only inside its folder. */
export function bakedModelIgnoreLines(serviceId: string, modelDir: string): string[] {
  return [
    `# The baked model (${serviceId}): weights are let back in, only inside ${modelDir}/.`,
    ...WEIGHT_PATTERNS.map((p) => `!${modelDir}/${p}`),
  ];
}

/** The read-only mount of a model folder that is not baked. */
export function modelVolume(modelDir: string): VolumeSpec {
  return { source: `./${modelDir}`, target: MODEL_DIR, readOnly: true, named: false };
}

/** The runtime step that makes the cache volume's mount point, owned by the app user. */
export function cacheDirStep(): RuntimeStep {
  return { kind: 'cache-dir', path: CACHE_DIR };
}

/** Model hubs' cache folders on the cache volume. */
export const CACHE_ENV: ReadonlyArray<[string, string]> = [
  ['HF_HOME', `${CACHE_DIR}/huggingface`],
  ['TORCH_HOME', `${CACHE_DIR}/torch`],
];
