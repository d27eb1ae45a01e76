import { compareCodeUnits } from '../core/order';
import { Problems } from '../core/problems';

/**
 * Model weights as a locked input of a service (`models` on `PythonService` and `GpuInference`):
 * where the files come from (the Hugging Face Hub at a commit, a URL, a folder of the repository),
 * where they land in the container, and how they get there. `npx projen models:lock` records
 * every file's size and sha256 in `models.lock`; synthesis reads only that lock, and the image
 * checks every file against it before the server starts.
 */

/** How a model's files reach the container. */
export enum ModelDelivery {
  /**
   * Fetched at build time in a Dockerfile stage of their own, verified against the lock, and
   * copied into the prod image after the code: the image is complete and starts offline.
   */
  BAKE = 'bake',
}

/** What every source of weights takes. */
export interface ModelWeightsOptions {
  /**
   * Where the files land in the container: a folder under `/models`.
   * @default "/models/<name>" where name is the repository's, the URL file's or the folder's last part
   */
  readonly into?: string;

  /**
   * How the files reach the container.
   * @default ModelDelivery.BAKE
   */
  readonly delivery?: ModelDelivery;
}

/** Options of weights on the Hugging Face Hub. */
export interface HuggingFaceWeightsOptions extends ModelWeightsOptions {
  /** The commit of the model repository: 40 hexadecimal characters (a branch or tag moves). */
  readonly revision: string;

  /**
   * Which files of the revision to take, as globs over their paths read as `huggingface_hub`'s
   * `allow_patterns` reads them (`fnmatch`: `*` also matches across folders, `?` one character),
   * e.g. `["*.safetensors", "*.json"]`.
   * @default - every file of the revision
   */
  readonly include?: string[];
}

/** Options of weights behind a URL. */
export interface UrlWeightsOptions extends ModelWeightsOptions {
  /**
   * The file's sha256 as its publisher gives it (64 hexadecimal characters): `models:lock`
   * refuses a download whose hash differs.
   * @default - the sha256 `models:lock` records from the download
   */
  readonly sha256?: string;
}

/** Where a model's files come from. Internal. */
export type ModelSourceKind = 'huggingface' | 'url' | 'path';

/** A model as the definition gives it, checked. Internal. */
export interface ModelSpec {
  readonly source: ModelSourceKind;
  /** `huggingface`: `org/name`; `url`: the URL; `path`: the folder, relative to the project root. */
  readonly location: string;
  readonly revision?: string;
  /** The globs, sorted and without duplicates; empty: every file. */
  readonly include: readonly string[];
  readonly sha256?: string;
  readonly into: string;
  readonly delivery: ModelDelivery;
  /** What the lock knows this model by: the source, its location and revision (never `into`). */
  readonly key: string;
}

/** The folder every model lands under. */
export const MODELS_ROOT = '/models';

const REVISION = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const HUB_REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const FOLDER_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const GLOB = /^[A-Za-z0-9._*?/-]+$/;

/**
 * Model weights a service needs: on the Hugging Face Hub at a commit, behind a URL, or in a
 * folder of the repository. Give them in a service's `models`.
 */
export class ModelWeights {
  /**
   * Files of a Hugging Face Hub model repository at one commit, e.g.
   * `ModelWeights.huggingFace('org/name', { revision: '<commit>', include: ['*.safetensors', '*.json'] })`.
   * The hub is `HF_ENDPOINT` (as `huggingface_hub` reads it), by default https://huggingface.co.
   * @param repo the model repository, `org/name`
   */
  public static huggingFace(repo: string, options: HuggingFaceWeightsOptions): ModelWeights {
    return new ModelWeights('huggingface', repo, options ?? {});
  }

  /**
   * One file behind an https URL, landing as `<into>/<file name>`.
   * @param url the file's https URL
   */
  public static url(url: string, options: UrlWeightsOptions = {}): ModelWeights {
    return new ModelWeights('url', url, options ?? {});
  }

  /**
   * A folder of the repository (relative to the project root), copied into the image.
   * @param path the folder, e.g. "models/classifier"
   */
  public static path(path: string, options: ModelWeightsOptions = {}): ModelWeights {
    return new ModelWeights('path', path, options ?? {});
  }

  /** Where the files come from: `huggingface`, `url` or `path`. */
  public readonly source: string;
  /** The repository (`org/name`), the URL or the folder. */
  public readonly location: string;

  private constructor(
    source: ModelSourceKind, location: string,
    private readonly options: HuggingFaceWeightsOptions | UrlWeightsOptions | ModelWeightsOptions,
  ) {
    this.source = source;
    this.location = location;
  }

  /**
   * The model checked (problems name `field`, e.g. `models[0]`); undefined when it has one.
   * @internal
   */
  public _spec(problems: Problems, field: string): ModelSpec | undefined {
    const before = problems.count;
    const source = this.source as ModelSourceKind;
    const o = this.options as Partial<HuggingFaceWeightsOptions & UrlWeightsOptions>;
    const location = this.location;
    let name: string | undefined;
    if (source === 'huggingface') {
      if (typeof location !== 'string' || !HUB_REPO.test(location) || location.includes('..')) {
        problems.add(`${field} repository`, location, 'a Hugging Face model repository "org/name"');
      } else {
        name = location.split('/')[1];
      }
      if (typeof o.revision !== 'string' || !REVISION.test(o.revision)) {
        problems.add(`${field}.revision`, o.revision,
          'a commit of the model repository, 40 lowercase hexadecimal characters (a branch or tag moves)');
      }
    } else if (source === 'url') {
      name = checkUrl(problems, field, location);
      if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !SHA256.test(o.sha256))) {
        problems.add(`${field}.sha256`, o.sha256, 'the file\'s sha256, 64 lowercase hexadecimal characters');
      }
    } else {
      name = checkRepositoryFolder(problems, field, location);
    }
    const include = checkIncludes(problems, field, source, o.include);
    const delivery = o.delivery ?? ModelDelivery.BAKE;
    if (!Object.values(ModelDelivery).includes(delivery)) {
      problems.add(`${field}.delivery`, delivery, `one of: ${Object.values(ModelDelivery).join(', ')}`);
    }
    const into = o.into ?? (name === undefined ? undefined : `${MODELS_ROOT}/${name}`);
    if (o.into !== undefined) checkInto(problems, field, o.into);
    if (problems.count > before || into === undefined) return undefined;
    return {
      source,
      location,
      revision: source === 'huggingface' ? o.revision : undefined,
      include,
      sha256: source === 'url' ? o.sha256 : undefined,
      into,
      delivery,
      key: modelKey(source, location, o.revision),
    };
  }
}

/** What the lock knows a model by: `huggingface:org/name@<commit>`, `url:<url>`, `path:<folder>`. */
export function modelKey(source: ModelSourceKind, location: string, revision?: string): string {
  return source === 'huggingface' ? `${source}:${location}@${revision}` : `${source}:${location}`;
}

/** Refuses `models` beside a `modelDir`: both would land at `/models`. */
export function checkModelsBesideFolder(problems: Problems, models: unknown, modelDir: unknown): void {
  if (models !== undefined && modelDir !== undefined) {
    problems.add(`models is set with a modelDir (both land at ${MODELS_ROOT})`, modelDir,
      'either models (locked weights) or a modelDir, not both');
  }
}

/** Checks a service's `models`: each one, then that no two land in the same folder or one inside another. */
export function checkModels(problems: Problems, models: readonly unknown[]): ModelSpec[] {
  const specs: ModelSpec[] = [];
  models.forEach((m, i) => {
    if (!(m instanceof ModelWeights)) {
      problems.add(`models[${i}]`, m, 'ModelWeights.huggingFace(...), ModelWeights.url(...) or ModelWeights.path(...)');
      return;
    }
    const spec = m._spec(problems, `models[${i}]`);
    if (!spec) return;
    const clash = specs.findIndex((s) => s.into === spec.into || spec.into.startsWith(`${s.into}/`)
      || s.into.startsWith(`${spec.into}/`));
    if (clash >= 0) {
      problems.add(`models[${i}].into overlaps models[${clash}].into ("${specs[clash].into}")`, spec.into,
        'a folder of its own for each model, e.g. "/models/<name>"');
      return;
    }
    specs.push(spec);
  });
  return specs;
}

function checkUrl(problems: Problems, field: string, url: unknown): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  const file = parsed?.pathname.split('/').pop() ?? '';
  if (!parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.search
    || parsed.hash || !FOLDER_PART.test(file) || /\s|["'\\$`]/.test(String(url))) {
    problems.add(`${field} url`, url,
      'an https URL of one file, without credentials, query or fragment, e.g. "https://example.org/model.onnx"');
    return undefined;
  }
  return file.replace(/\.[A-Za-z0-9]+$/, '') || file;
}

function checkRepositoryFolder(problems: Problems, field: string, path: unknown): string | undefined {
  const parts = typeof path === 'string' ? path.split('/') : [];
  if (parts.length === 0 || !parts.every((p) => FOLDER_PART.test(p) && p !== '..')) {
    problems.add(`${field} path`, path, 'a folder of the repository relative to its root, e.g. "models/classifier"');
    return undefined;
  }
  return parts[parts.length - 1];
}

function checkIncludes(
  problems: Problems, field: string, source: ModelSourceKind, include: readonly unknown[] | undefined,
): string[] {
  if (include === undefined) return [];
  if (source !== 'huggingface') {
    problems.add(`${field}.include is only read for Hugging Face models`, include,
      'no include (a URL is one file, a folder is taken whole)');
    return [];
  }
  if (!Array.isArray(include) || include.length === 0) {
    problems.add(`${field}.include`, include, 'a non-empty list of globs, e.g. ["*.safetensors", "*.json"]');
    return [];
  }
  include.forEach((g, j) => {
    const parts = typeof g === 'string' ? g.split('/') : [];
    if (typeof g !== 'string' || !GLOB.test(g) || parts.some((p) => p === '..' || p === '.' || p === '')) {
      problems.add(`${field}.include[${j}]`, g,
        'a relative glob of letters, digits, ".", "_", "-", "/", "*" and "?", e.g. "*.safetensors" or "onnx/*"');
    }
  });
  return [...new Set(include.filter((g): g is string => typeof g === 'string'))].sort(compareCodeUnits);
}

function checkInto(problems: Problems, field: string, into: unknown): void {
  const parts = typeof into === 'string' ? into.split('/') : [];
  if (typeof into !== 'string' || !into.startsWith(`${MODELS_ROOT}/`) || parts.length < 3
    || !parts.slice(2).every((p) => FOLDER_PART.test(p))) {
    problems.add(`${field}.into`, into, `a folder under ${MODELS_ROOT}, e.g. "${MODELS_ROOT}/classifier"`);
  }
}

/** Whether a file path matches one of the globs, as Python's `fnmatch` does (`*` spans folders). */
export function matchesInclude(path: string, include: readonly string[]): boolean {
  return include.length === 0 || include.some((g) => globRegExp(g).test(path));
}

function globRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')));
  return new RegExp(`^${body.join('')}$`, 's');
}
