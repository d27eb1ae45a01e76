import type { BackingService, ResolvedBacking } from './backing-service';
import type { LinkMember } from './stack-links';
import type { ContainerSpec } from '../core/container-spec';
import { REGISTRY_PREFIX } from '../core/image-name';
import { Problems, oneOf } from '../core/problems';

/**
 * The checks and resolutions compose.yaml and the Kubernetes manifests share: both stacks
 * push built images to the same kind of target, resolve their backing services the same way
 * and refuse the same clashes. Each stack translates the result into its own model.
 */

/** A docker tag (the reference grammar): letters, digits, "_", "." and "-", at most 128. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** The tag of built images when a stack names none. */
export const DEFAULT_IMAGE_TAG = 'local';

/** Checks where a stack's built images go: a registry prefix without a tag, a tag other than "latest". */
export function checkImageTarget(
  problems: Problems, imageRegistry: string | undefined, imageTag: string | undefined,
): void {
  if (imageRegistry !== undefined && !REGISTRY_PREFIX.test(imageRegistry)) {
    problems.add('imageRegistry', imageRegistry, 'a registry and path without a tag, e.g. "ghcr.io/acme"');
  }
  if (imageTag !== undefined && (!IMAGE_TAG.test(imageTag) || imageTag === 'latest')) {
    problems.add('imageTag', imageTag, 'a docker tag (letters, digits, "_", ".", "-"; at most 128; not "latest")');
  }
}

/**
 * Resolves a stack's backing services once, each under its kind, and refuses an app service
 * that takes the name of one.
 */
export function resolveBacking(
  problems: Problems, backing: readonly BackingService[], appNames: readonly string[],
): Map<string, ResolvedBacking> {
  const resolved = new Map<string, ResolvedBacking>();
  for (const b of backing) {
    const r = b._resolve(problems);
    if (r) resolved.set(b.kind, r);
  }
  for (const name of resolved.keys()) {
    if (appNames.includes(name)) problems.add('an app service has the name of a backing service', name, `app service ids other than ${oneOf([...resolved.keys()])}`);
  }
  return resolved;
}

/**
 * The variables of an app's own environment that a backing service sets too, in any letter
 * case (compose would pass both spellings, and readers disagree on which wins): each with the
 * backing service's spelling.
 */
export function linkedEnvironmentClashes(
  environment: Record<string, string>, linked: readonly string[],
): Array<[key: string, linked: string]> {
  return Object.keys(environment).flatMap((key) => {
    const clash = linked.find((k) => k.toUpperCase() === key.toUpperCase());
    return clash ? [[key, clash] as [string, string]] : [];
  });
}

/**
 * The containers of a stack as its links see them (`stack-links.ts`): the app services'
 * containers with their typed `dependsOn`, then the backing services, each on the port it
 * listens on. Compose and the Kubernetes manifests build their links from this one list.
 */
export function linkMembers(apps: readonly ContainerSpec[],
  backing: ReadonlyMap<string, ResolvedBacking>): LinkMember[] {
  const app = (c: ContainerSpec): LinkMember => ({
    name: c.name,
    backing: false,
    ports: c.ports.map((p) => p.container),
    dependsOn: [...c.dependsOn],
    publishes: c.ports.length > 0,
  });
  const preset = (r: ResolvedBacking): LinkMember => ({
    name: r.container.name,
    backing: true,
    ports: [r.listen.port],
    dependsOn: [],
    publishes: r.container.ports.length > 0,
  });
  return [...apps.map(app), ...[...backing.values()].map(preset)];
}
