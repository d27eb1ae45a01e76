import { byCodeUnits } from '../core/order';

/**
 * Who opens connections to whom in a stack: the one description compose.yaml and the
 * Kubernetes manifests share. Compose renders it as `depends_on` and networks, the manifests
 * as NetworkPolicies, and both guides (`docs/containers.md`, `k8s/README.md`) as the same
 * table. Pure data: no projen, no constructs.
 *
 * An app service uses every backing service of its stack (it gets their connection settings
 * and password files) and reaches the app services it `dependsOn`; nothing else is a link.
 */

/** A container of a stack, as the links see it. */
export interface LinkMember {
  readonly name: string;
  /** A backing service preset (postgres, redis, mlflow). */
  readonly backing: boolean;
  /** The ports it listens on inside the stack (container ports). */
  readonly ports: readonly number[];
  /** App services only: the app services it depends on (the typed `dependsOn`), in order. */
  readonly dependsOn: readonly string[];
  /** It publishes a port on the host under compose. */
  readonly publishes: boolean;
}

/** One link: `from` opens connections to the ports of `to`. */
export interface StackLink {
  readonly from: string;
  readonly to: string;
  /** The ports of `to` (container ports; empty when it listens on none). */
  readonly ports: readonly number[];
  /** Why the link exists: `from` uses the backing service `to`, or `dependsOn` it. */
  readonly reason: 'backing service' | 'dependsOn';
}

/** The internal compose network of the backing services: no route out, nothing published. */
export const BACKEND_NETWORK = 'backend';
/** Compose's default network: the way out, and where published ports are bound. */
export const DEFAULT_NETWORK = 'default';

/**
 * The links of a stack, in a stable order: each app's `dependsOn` in the order given, then the
 * backing services in the order the stack lists them (compose's `depends_on` keeps that order).
 */
export function stackLinks(members: readonly LinkMember[]): StackLink[] {
  const byName = new Map(members.map((m) => [m.name, m]));
  const backing = members.filter((m) => m.backing);
  const link = (from: LinkMember, to: LinkMember, reason: StackLink['reason']): StackLink =>
    ({ from: from.name, to: to.name, ports: [...to.ports], reason });
  return members.filter((m) => !m.backing).flatMap((app) => [
    ...app.dependsOn.flatMap((d) => (byName.has(d) ? [link(app, byName.get(d)!, 'dependsOn')] : [])),
    ...backing.map((b) => link(app, b, 'backing service')),
  ]);
}

/** What a container opens connections to: its links' targets, in the links' order. */
export function linkTargets(links: readonly StackLink[], name: string): string[] {
  return links.filter((l) => l.from === name).map((l) => l.to);
}

/**
 * The compose networks a container joins. A backing service joins the internal `backend`
 * network only, plus `default` when it publishes a port (an internal network cannot). An app
 * service joins `default` (its way out, and its published ports) and `backend`, where it
 * reaches the backing services it uses: every one of its stack.
 */
export function composeNetworks(member: Pick<LinkMember, 'backing' | 'publishes'>): string[] {
  if (member.backing && !member.publishes) return [BACKEND_NETWORK];
  return [DEFAULT_NETWORK, BACKEND_NETWORK];
}

/** One row of the "who can reach what" table of both guides: a listening container and who reaches it. */
export interface ReachRow {
  readonly to: string;
  readonly ports: readonly number[];
  /** The containers that reach it, sorted, each with why. */
  readonly from: ReadonlyArray<{ readonly name: string; readonly reason: StackLink['reason'] }>;
}

/** The "who can reach what" table both guides print (`templates/reach-table.md.ejs`). */
export interface ReachTable {
  /** Every container that listens on a port, sorted by name, with the containers that may open it. */
  readonly reach: ReachRow[];
  /** The containers without a port, sorted: nothing connects to them. */
  readonly silent: string[];
}

/** The "who can reach what" table of a stack's members and links. */
export function reachTable(members: readonly LinkMember[], links: readonly StackLink[]): ReachTable {
  const sorted = [...members].sort(byCodeUnits((m) => m.name));
  return {
    reach: sorted.filter((m) => m.ports.length > 0).map((m) => ({
      to: m.name,
      ports: [...m.ports],
      from: links.filter((l) => l.to === m.name).map((l) => ({ name: l.from, reason: l.reason }))
        .sort(byCodeUnits((f) => f.name)),
    })),
    silent: sorted.filter((m) => m.ports.length === 0).map((m) => m.name),
  };
}
