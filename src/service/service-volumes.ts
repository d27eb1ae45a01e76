import { existsSync } from 'fs';
import { join } from 'path';
import { VolumeSpec } from '../core/container-spec';
import { Problems } from '../core/problems';
import { Size, checkSize } from '../core/sizes';
import type { RuntimeAdditions, SourceCopy } from '../image/image-model';
import { APP_DIR } from '../image/image-paths';

/**
 * What a service writes at run time besides `/tmp`, the same for every kind: the cache volume
 * (model hubs' and libraries' downloads, kept across restarts) and the folders its code writes
 * next to itself (`writablePaths`). Each is a folder the image creates for the app user and a
 * volume the stack mounts there, so the root filesystem stays read-only.
 */

/** Where the cache volume is mounted. */
export const CACHE_DIR = '/cache';

/**
 * The caches on the cache volume: XDG's (pip, most libraries), the Hugging Face Hub's, torch
 * hub's and Triton's compiled kernels, each replacing the image's place under the /tmp tmpfs.
 */
const CACHE_ENV: ReadonlyArray<readonly [string, string]> = [
  ['XDG_CACHE_HOME', CACHE_DIR],
  ['HF_HOME', `${CACHE_DIR}/huggingface`],
  ['TORCH_HOME', `${CACHE_DIR}/torch`],
  ['TRITON_CACHE_DIR', `${CACHE_DIR}/triton`],
];

/** Where a service's code is copied, and its working directory. */
type CodeLayout = { readonly workdir: string; readonly copies: readonly SourceCopy[] };

/** A writable folder: the path as given, where it is in the container, its volume. */
export interface WritableFolder {
  readonly path: string;
  readonly target: string;
  readonly volume: string;
}

/** A service's cache volume and writable folders, as checked. */
export interface ServiceVolumes {
  /** The named cache volume (`<id>-cache`) at `/cache`, and the size a cluster provisions for it. */
  readonly cache?: { readonly volume: string; readonly size?: Size };
  /** The writable folders. */
  readonly writable: readonly WritableFolder[];
}

/** The props this module reads. */
export interface ServiceVolumeProps {
  readonly cacheVolume?: boolean;
  readonly cacheSize?: string;
  readonly writablePaths?: string[];
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The largest cache volume accepted (64 TiB, what cloud block volumes offer). */
const MAX_CACHE_BYTES = 64 * 1024 ** 4;

/**
 * Checks `cacheVolume`, `cacheSize` and `writablePaths` against the service's code (`copies`,
 * landing under `workdir`) and the project on disk (`outdir`).
 */
export function resolveServiceVolumes(problems: Problems, id: string, props: ServiceVolumeProps,
  code: CodeLayout, outdir: string): ServiceVolumes {
  if (props.cacheVolume === false && props.cacheSize !== undefined) {
    problems.add('cacheSize is set with cacheVolume: false', props.cacheSize,
      'a size for the cache volume (cacheVolume true, or left out), or no cacheSize');
  }
  const size = props.cacheSize === undefined ? undefined
    : checkSize(problems, 'cacheSize', props.cacheSize, MAX_CACHE_BYTES, 1024 ** 2);
  const cached = props.cacheVolume ?? props.cacheSize !== undefined;
  const writable: WritableFolder[] = [];
  (props.writablePaths ?? []).forEach((path, i) => {
    const field = `writablePaths[${i}]`;
    const target = checkWritablePath(problems, field, path, code, outdir);
    if (target === undefined) return;
    const volume = `${id}-writable-${slug(path)}`;
    const clash = writable.find((w) => inside(target, w.target) || inside(w.target, target));
    if (clash) {
      const what = clash.target === target ? 'is listed twice' : `overlaps writablePaths "${clash.path}"`;
      problems.add(`${field} ${what}`, path, 'each writable folder once, none inside another');
    } else if (writable.some((w) => w.volume === volume)) {
      problems.add(`${field} gives the same volume name as another writable path (${volume})`, path,
        'writable paths that differ in more than "/", "_", "." or letter case');
    } else {
      writable.push({ path, target, volume });
    }
  });
  return { ...cached ? { cache: { volume: `${id}-cache`, ...size ? { size } : {} } } : {}, writable };
}

/**
 * A writable path: relative to the working directory, clean, not the code the image copies (nor
 * holding it), and not over a file or folder of the project the code folders copy (a volume there
 * would hide it). Returns where it is in the container, or undefined after a problem.
 */
function checkWritablePath(problems: Problems, field: string, path: unknown,
  code: CodeLayout, outdir: string): string | undefined {
  const text = typeof path === 'string' ? path : '';
  const parts = text.split('/');
  if (text.startsWith('/')) {
    problems.add(`${field} is absolute`, path,
      `a folder relative to the working directory (${code.workdir}), e.g. "sdxl-cache"`);
    return undefined;
  }
  if (parts.includes('..')) {
    problems.add(`${field} leaves the working directory`, path, 'a folder inside the working directory, without ".."');
    return undefined;
  }
  if (text.length === 0 || text.length > 200 || !parts.every((p) => SEGMENT.test(p) && p !== '.')) {
    problems.add(field, path,
      'a clean relative folder of letters, digits, "_", "-", "." and "/", e.g. "sdxl-cache" or "outputs/images"');
    return undefined;
  }
  const target = `${code.workdir}/${text}`;
  for (const copy of code.copies) {
    if (target === copy.to || inside(copy.to, target)) {
      problems.add(`${field} overlaps the code copied from "${copy.from}" (${copy.to})`, path,
        'a folder that is not and does not hold code the image copies, e.g. "sdxl-cache"');
      return undefined;
    }
    if (inside(target, copy.to) && existsSync(join(outdir, copy.from, target.slice(copy.to.length + 1)))) {
      problems.add(`${field} is a path of the code copied from "${copy.from}": a volume there would hide it`, path,
        'a folder the project does not have inside its code, e.g. "sdxl-cache"');
      return undefined;
    }
  }
  // services/common, copied to /app/common in every image
  const shared = `${APP_DIR}/common`;
  if (inside(target, shared) || inside(shared, target)) {
    problems.add(`${field} overlaps the shared code (${shared})`, path, 'a folder outside /app/common');
    return undefined;
  }
  return target;
}

/** `path` is `folder` or lies inside it. */
function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** A volume name's part from a path: lowercase letters, digits and single "-". */
function slug(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** What the volumes add to the image: the caches' variables, their mount points owned by the app user. */
export function serviceVolumesImage(volumes: ServiceVolumes): RuntimeAdditions {
  return {
    env: volumes.cache ? CACHE_ENV : [],
    steps: [
      ...volumes.cache ? [{ kind: 'cache-dir', path: CACHE_DIR } as const] : [],
      ...volumes.writable.length
        ? [{ kind: 'writable-dirs', paths: volumes.writable.map((w) => w.target) } as const] : [],
    ],
  };
}

/** The container's volumes: the cache volume, then each writable folder's. */
export function serviceVolumeSpecs(volumes: ServiceVolumes): VolumeSpec[] {
  return [
    ...volumes.cache ? [{
      source: volumes.cache.volume,
      target: CACHE_DIR,
      readOnly: false,
      named: true,
      ...volumes.cache.size ? { size: volumes.cache.size } : {},
    }] : [],
    ...volumes.writable.map((w) => ({
      source: w.volume, target: w.target, readOnly: false, named: true, podScoped: true,
    })),
  ];
}
