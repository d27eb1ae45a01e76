import type { BackingService, ResolvedBacking } from './backing-service';
import type { AppSecretNote } from './secrets-render';
import type { LinkMember } from './stack-links';
import type { ContainerSpec } from '../core/container-spec';
import { REGISTRY_PREFIX } from '../core/image-name';
import { byCodeUnits } from '../core/order';
import { Problems, oneOf } from '../core/problems';
import type { RuntimeSecret } from '../service/service-secrets';

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

/** What a stack reads of an app service's secrets. */
export interface AppSecretsOf {
  readonly id: string;
  readonly path: string;
  readonly secrets: ReadonlyArray<Pick<RuntimeSecret, 'name' | 'pathEnv' | 'description'>>;
}

/**
 * The app services' secrets of a stack, one file each, sorted by name, with the note of what to
 * write into it: services naming the same secret share its file, so they may not describe it
 * differently. A name a backing service of the stack uses is refused by the service itself.
 */
export function appSecretNotes(problems: Problems, apps: readonly AppSecretsOf[]): AppSecretNote[] {
  const byName = new Map<string, Array<{ app: AppSecretsOf; pathEnv: string; description?: string }>>();
  for (const app of apps) {
    for (const s of app.secrets) byName.set(s.name, [...byName.get(s.name) ?? [], { app, ...s }]);
  }
  return [...byName.keys()].sort(byCodeUnits((n) => n)).map((name) => {
    const readers = byName.get(name)!;
    const described = readers.filter((r) => r.description !== undefined);
    const other = described.find((r) => r.description !== described[0].description);
    if (other) {
      problems.addAt(other.app.path, `secrets: ${name} is described differently by ${described[0].app.id}`,
        other.description, `the description ${described[0].app.id} gives ("${described[0].description}"), `
          + 'or none: services naming one secret share its file');
    }
    const who = readers.map((r) => `${r.app.id} (${r.pathEnv})`);
    const via = `read by ${who.length === 1 ? who[0] : `${who.slice(0, -1).join(', ')} and ${who[who.length - 1]}`}`;
    return { name, note: described.length ? `${described[0].description}; ${via}` : `the value ${via}` };
  });
}
