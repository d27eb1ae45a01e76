/**
 * Image names we write (compose, Kubernetes, CI, Dockerfile comments) from the project name,
 * valid for the Docker reference grammar (the distribution project's reference package):
 * a name is `[domain/]component(/component)*`, each path component
 * `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, the whole name at most 255 characters.
 */
import { createHash } from 'crypto';
import { Problems } from './problems';

/** One path component of a repository name. */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
/** A registry prefix: a domain (with an optional port) and optional path components, no tag. */
export const REGISTRY_PREFIX = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
/** The longest repository name, registry included (the reference grammar's limit). */
export const NAME_TOTAL_MAX = 255;
/** The longest part taken from the project name: with a 40-character service id the image name stays short. */
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
export function checkImageNameLength(problems: Problems, field: string, registry: string | undefined, names: readonly string[]): void {
  for (const name of names) {
    const full = registry ? `${registry}/${name}` : name;
    if (full.length > NAME_TOTAL_MAX) {
      problems.add(`${field} makes the image name "${name}" longer than docker allows`, registry,
        `a registry prefix of at most ${NAME_TOTAL_MAX - name.length - 1} characters (a whole image name is at most ${NAME_TOTAL_MAX})`);
      return;
    }
  }
}
