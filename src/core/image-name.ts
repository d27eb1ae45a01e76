/**
 * Image names we write (compose, Kubernetes, CI, Dockerfile comments) from the project name,
 * valid for the Docker reference grammar (the distribution project's reference package):
 * a name is `[domain/]component(/component)*`, each path component
 * `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, the whole name at most 255 characters.
 */
import { createHash } from 'crypto';
import { withDigest } from './digest';
import { Problems } from './problems';

/** One path component of a repository name. */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
/** A registry prefix: a domain (with an optional port) and optional path components, no tag. */
export const REGISTRY_PREFIX = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
/** The longest repository name, registry included (the reference grammar's limit). */
export const NAME_TOTAL_MAX = 255;
/**
 * The longest part taken from the project name: with a 40-character service id the image name stays short.
 */
export const PROJECT_PART_MAX = 64;

/**
 * The repository name the project's images start with, derived from the npm package name:
 * lowercase, the npm scope kept as a prefix (`@acme/vision` -> `acme-vision`), characters
 * outside `[a-z0-9._-]` and runs of separators the grammar refuses turned into `-`,
 * separators trimmed from the ends, and names over 64 characters cut, with a short hash of
 * the whole name so two long names stay apart. Undefined when no letter or digit remains.
 */
export function imageRepository(projectName: string): string | undefined {
  const raw = String(projectName ?? '');
  let name = raw.toLowerCase().replace(/^@([^/]*)\//, '$1-').replace(/[^a-z0-9._-]+/g, '-');
  // A run of separators is valid only as ".", "_", "__" or dashes alone.
  name = name.replace(/[._-]{2,}/g, (run) => (run === '__' || /^-+$/.test(run) ? run : '-'));
  name = trimSeparators(name);
  if (name === '') return undefined;
  if (name.length > PROJECT_PART_MAX) {
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
    name = `${trimSeparators(name.slice(0, PROJECT_PART_MAX - hash.length - 1))}-${hash}`;
  }
  return name;
}

function trimSeparators(name: string): string {
  return name.replace(/^[._-]+|[._-]+$/g, '');
}

/** The image name of one service: `<repository>-<service id>` (falls back to the id alone). */
export function serviceImageName(projectName: string, serviceId: string): string {
  const repository = imageRepository(projectName);
  return repository ? `${repository}-${serviceId}` : serviceId;
}

/** Reports a built image whose full name (registry prefix included) is over the grammar's limit. */
export function checkImageNameLength(
  problems: Problems, field: string, registry: string | undefined, names: readonly string[],
): void {
  for (const name of names) {
    const full = registry ? `${registry}/${name}` : name;
    if (full.length > NAME_TOTAL_MAX) {
      problems.add(`${field} makes the image name "${name}" longer than docker allows`, registry,
        `a registry prefix of at most ${NAME_TOTAL_MAX - name.length - 1} characters (a whole image name is at most ${NAME_TOTAL_MAX})`);
      return;
    }
  }
}

/**
 * A tag that names one release: major.minor.patch, an optional `v` before it and a suffix after
 * (`12.6.3-base-ubuntu24.04`).
 */
export const FULL_VERSION_TAG = /^v?[0-9]+\.[0-9]+\.[0-9]+(?:[-._+][A-Za-z0-9._-]+)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The parts of an image reference `[registry/]path[:tag][@sha256:...]`. */
export interface ImageReference {
  /** The repository name, registry included (`ghcr.io/acme/tools`). */
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses an image reference with the reference grammar's name rules (a registry prefix when
 * the first component has a `.` or a port or is `localhost`, then path components); undefined
 * when it is not a valid reference.
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  if (typeof ref !== 'string' || ref.length === 0) return undefined;
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const name = colon > slash ? named.slice(0, colon) : named;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (name.length === 0 || name.length > NAME_TOTAL_MAX) return undefined;
  const parts = name.split('/');
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
  const valid = hasRegistry ? REGISTRY_PREFIX.test(name) : parts.every((p) => PATH_COMPONENT.test(p));
  return valid ? { name, tag, digest } : undefined;
}

/**
 * Checks a reference to an image the build reads (a base image, an image files are copied
 * from): a valid reference pinned to a full version tag (`latest`, `1`, `1.2`, `bookworm`
 * move), optionally with a digest given inline or as `digest`. Returns the reference with
 * the digest, or undefined after adding the problem.
 */
export function checkPinnedImage(
  problems: Problems, field: string, ref: unknown, digest?: unknown,
): string | undefined {
  const example = 'e.g. "ghcr.io/acme/tools:1.4.2" or "mwader/static-ffmpeg:7.1.1", optionally "@sha256:<64 hex>"';
  const parsed = typeof ref === 'string' ? parseImageReference(ref) : undefined;
  if (!parsed) {
    problems.add(field, ref, `an image reference "[registry/]name:tag" with lowercase name components, ${example}`);
    return undefined;
  }
  if (parsed.tag === undefined || !FULL_VERSION_TAG.test(parsed.tag)) {
    problems.add(`${field} is not pinned to a full version tag (${parsed.tag === undefined ? 'no tag means latest' : `tag "${parsed.tag}" moves`})`, ref,
      `a tag with a full version major.minor.patch, ${example}`);
    return undefined;
  }
  const before = problems.count;
  const pinned = withDigest(problems, `${field} digest`, ref as string, digest);
  return problems.count === before ? pinned : undefined;
}
