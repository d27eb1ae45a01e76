import { loadData } from '../core/data';
import { Problems, oneOf } from '../core/problems';

interface PythonImageTags {
  readonly slimBookworm: Record<string, string>;
}

/** The Python minor versions we have pinned base images for. */
export function supportedPythonVersions(): string[] {
  return Object.keys(loadData<PythonImageTags>('python-image-tags.json').slimBookworm);
}

export interface PythonImage {
  /** `3.11` */
  readonly minor: string;
  /** `3.11.16` */
  readonly full: string;
  /** `python:3.11.16-slim-bookworm` */
  readonly image: string;
}

/**
 * Resolves `3.11` or `3.11.16` to the official `python:<X.Y.Z>-slim-bookworm` image from
 * the vendored tag table. A patch version other than the pinned one is refused, since
 * that tag is not known to exist.
 */
export function resolvePythonImage(
  problems: Problems, field: string, version: unknown,
): PythonImage | undefined {
  const tags = loadData<PythonImageTags>('python-image-tags.json').slimBookworm;
  const allowed = Object.keys(tags);
  const allowedFull = allowed.map((minor) => tags[minor].replace('-slim-bookworm', ''));
  if (typeof version === 'string') {
    const m = /^(3\.\d+)(\.\d+)?$/.exec(version);
    if (m && tags[m[1]]) {
      const tag = tags[m[1]];
      const full = tag.replace('-slim-bookworm', '');
      if (m[2] === undefined || full === version) {
        return { minor: m[1], full, image: `python:${tag}` };
      }
    }
  }
  problems.add(field, version, `one of: ${oneOf([...allowed, ...allowedFull])}`);
  return undefined;
}
