import { Problems } from './problems';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * An image reference pinned by digest as well as by tag (`name:tag@sha256:...`). Without a
 * digest the reference is returned as it is; a malformed digest, or a second digest on a
 * reference that already has one, is a problem.
 */
export function withDigest(problems: Problems, field: string, image: string, digest: unknown): string {
  if (digest === undefined) return image;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    problems.add(field, digest, '"sha256:" followed by 64 lowercase hex digits');
    return image;
  }
  if (image.includes('@')) {
    problems.add(`${field} is given for an image already pinned by digest`, image, 'the digest in one place');
    return image;
  }
  return `${image}@${digest}`;
}
