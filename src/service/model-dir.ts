import { checkRelativeDir } from './sources';
import { VolumeSpec } from '../core/container-spec';
import { WEIGHT_EXTENSIONS, alwaysExcludedPattern, secretPlacePattern } from '../core/dockerignore';
import { GENERATED_SECRET_DIRS } from '../core/layout';
import { Problems } from '../core/problems';
import type { RuntimeAdditions } from '../image/image-model';
import { SHARED_CODE_DIR } from '../image/image-paths';

/**
 * A service's model folder and caches, the same for every kind that has them (`PythonService`,
 * `GpuInference`): the folder mounted read-only at `/models` or baked into the image, and a
 * writable named cache volume for model hubs' downloads. A kind resolves its props into a
 * `ModelFolder`; `MlService` wires it into the image, the container and the ignore files.
 */

/** A service's model folder and cache volume, as its kind resolved them. */
export interface ModelFolder {
  /** The project-relative model folder, if any. */
  readonly dir?: string;
  /** Whether the folder is copied into the image (else it is mounted read-only at `/models`). */
  readonly bake: boolean;
  /** The named cache volume at `/cache` (`<id>-cache`), if any. */
  readonly cacheVolume?: string;
}

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
export function checkNoOverlap(
  problems: Problems, field: string, dir: string, others: ReadonlyArray<readonly [string, string]>,
): void {
  for (const [name, other] of others) {
    if (dir === other || dir.startsWith(`${other}/`) || other.startsWith(`${dir}/`)) {
      problems.add(`${field} overlaps ${name} ("${other}")`, dir, 'a directory outside the code and generated directories, e.g. "data" or "models"');
    }
  }
}

/**
 * Checks a model folder: clean, outside the code (`codePaths`, as [name, path]) and generated folders, no
 * credentials, bakeable.
 */
export function checkModelDir(
  problems: Problems, modelDir: string, bake: boolean, codePaths: ReadonlyArray<readonly [string, string]>,
): void {
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

/** What the folder adds to the image: its environment, the volume's mount point, the baked model. */
export function modelFolderImage(folder: ModelFolder | undefined): RuntimeAdditions {
  if (!folder) return {};
  const baked = folder.bake && folder.dir !== undefined;
  return {
    env: [
      ...folder.dir !== undefined ? [['MLDOCKER_MODEL_DIR', MODEL_DIR] as const] : [],
      // A baked model is complete: never reach for the Hugging Face Hub at run time.
      ...folder.bake ? [['HF_HUB_OFFLINE', '1'] as const] : [],
      ...folder.cacheVolume ? CACHE_ENV : [],
    ],
    steps: [
      ...folder.cacheVolume ? [{ kind: 'cache-dir', path: CACHE_DIR } as const] : [],
      // before the code: a code change does not copy the model again
      ...baked ? [{ kind: 'baked-model', from: folder.dir!, path: MODEL_DIR } as const] : [],
    ],
    contextPaths: baked ? [folder.dir!] : [],
  };
}

/** The container's volumes of the folder: the model mounted read-only unless baked, the cache volume. */
export function modelFolderVolumes(folder: ModelFolder | undefined): VolumeSpec[] {
  if (!folder) return [];
  return [
    ...folder.dir !== undefined && !folder.bake
      ? [{ source: `./${folder.dir}`, target: MODEL_DIR, readOnly: true, named: false }] : [],
    ...folder.cacheVolume
      ? [{ source: folder.cacheVolume, target: CACHE_DIR, readOnly: false, named: true }] : [],
  ];
}

/** The folders whose weights belong in the image: a baked model's. */
export function modelFolderArtefacts(folder: ModelFolder | undefined): string[] {
  return folder?.bake && folder.dir !== undefined ? [folder.dir] : [];
}

/** Ignore-file lines that let a baked model's weights back in, only inside its folder. */
export function modelFolderIgnoreLines(serviceId: string, folder: ModelFolder | undefined): string[] {
  const [dir] = modelFolderArtefacts(folder);
  if (dir === undefined) return [];
  return [
    `# The baked model (${serviceId}): weights are let back in, only inside ${dir}/.`,
    ...WEIGHT_PATTERNS.map((p) => `!${dir}/${p}`),
  ];
}

/** Model hubs' cache folders on the cache volume. */
const CACHE_ENV: ReadonlyArray<readonly [string, string]> = [
  ['HF_HOME', `${CACHE_DIR}/huggingface`],
  ['TORCH_HOME', `${CACHE_DIR}/torch`],
];
