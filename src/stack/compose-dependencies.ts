/**
 * The `depends_on` graph of a compose stack: what each wait waits for, and the rules that keep
 * every accepted graph one `docker compose` runs, whichever profiles are active. The typed
 * `dependsOn` of services and the final document (overrides applied) are held to the same rules:
 *
 * - every service a service waits for exists in the stack;
 * - no cycle;
 * - a service that keeps running never waits for a job (a job runs once, by hand, in its own
 *   compose profile; `docker:up` never starts it);
 * - the service waited for runs whenever the waiting one does: it has no profile, or every
 *   profile of the waiting one (compose refuses a dependency on a service it does not start,
 *   and profiles only widen: `profiles: [a, b]` starts with `a` OR `b`). A wait with
 *   `required: false` is exempt, as compose skips it when the other service is not started;
 * - the condition can be met: `service_healthy` needs a health check, and
 *   `service_completed_successfully` a job (a server never completes).
 *
 * Pure functions of the container specs or of the document; the stack reports the problems.
 */
import { ContainerSpec } from '../core/container-spec';
import { Problems, oneOf, show } from '../core/problems';

/** What compose waits for before it starts a service that depends on another. */
export type WaitCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/**
 * What a service waits for when it depends on `target`: a job to finish successfully, a service
 * with a health check to be healthy, any other to be started (compose stops `up` with "has no
 * healthcheck configured" when asked to wait for the health of a container without one).
 */
export function waitCondition(target: Pick<ContainerSpec, 'workload' | 'healthcheck'>): WaitCondition {
  if (target.workload === 'job') return 'service_completed_successfully';
  return target.healthcheck ? 'service_healthy' : 'service_started';
}

/** How the docs label a wait: `healthy`, `started` or `completed`. */
export function waitLabel(condition: WaitCondition): 'healthy' | 'started' | 'completed' {
  return condition === 'service_healthy' ? 'healthy' : condition === 'service_started' ? 'started' : 'completed';
}

const JOB_WAIT = 'services that keep running (PythonService, GpuInference, backing services): a job such as a GpuTrainer runs once, by hand, in its compose profile (docker:up never starts it), so nothing that keeps running can wait for it';

/** `"train"` or `"gpu", "train"`, or `no profile`. */
function profileText(profiles: readonly string[]): string {
  return profiles.length ? `compose profile ${oneOf(profiles)}` : 'no profile';
}

/**
 * Whether a service of `from` profiles may wait for one of `to` profiles: the other one runs
 * whenever this one does.
 */
export function profilesAllowWait(from: readonly string[], to: readonly string[]): boolean {
  return to.length === 0 || (from.length > 0 && from.every((p) => to.includes(p)));
}

function profileExpectation(name: string, from: readonly string[]): string {
  return `services compose starts whenever ${name} runs (it has ${profileText(from)}): services without a profile${from.length ? ` or with ${from.length > 1 ? 'every one' : 'that one'}` : ''} (a service that waits for a GPU service joins the "gpu" profile by itself; a job's own profile is never passed on)`;
}

/**
 * Checks the typed `dependsOn` of the app services: no server waits for a job, and every
 * service waited for runs whenever the waiting one does (`profiles`: each container's compose
 * profiles, the gpu one passed on). Problems belong to the waiting service's construct.
 */
export function checkTypedWaits(
  problems: Problems, apps: readonly ContainerSpec[], byName: ReadonlyMap<string, ContainerSpec>,
  profiles: ReadonlyMap<string, string[]>,
): void {
  for (const app of apps) {
    for (const name of app.dependsOn) {
      const target = byName.get(name);
      if (!target) continue; // refused as a service outside the stack
      if (app.workload !== 'job' && target.workload === 'job') {
        problems.addAt(app.path, `dependsOn a job, which ${app.name} cannot wait for`, name, JOB_WAIT);
        continue;
      }
      const from = profiles.get(app.name) ?? [];
      const to = profiles.get(name) ?? [];
      if (!profilesAllowWait(from, to)) {
        problems.addAt(app.path, `dependsOn a service of ${profileText(to)}, which compose does not start with ${app.name}`, name, profileExpectation(app.name, from));
      }
    }
  }
}

/** One wait of the final document. */
interface Wait {
  readonly from: string;
  readonly to: string;
  /** The entry's key in the document (`depends_on.api`, or `depends_on[0]` for the list form). */
  readonly key: string | number;
  readonly condition: unknown;
  readonly required: boolean;
}

/** What the final-document check needs to know of each service beyond the document. */
export interface WaitFacts {
  /** A job (runs to completion) rather than a service that keeps running. */
  readonly job: boolean;
}

/**
 * Checks the `depends_on` of the FINAL compose document (overrides applied) with the rules of
 * this module. `overrides` tells which keys an override wrote, so a problem names it
 * (`override services.api.depends_on.nope`); the typed graph was checked before, so in practice
 * every problem found here comes from an override.
 */
export function checkDocumentWaits(
  problems: Problems, doc: Record<string, any>, facts: ReadonlyMap<string, WaitFacts>,
  overrides: ReadonlyMap<string, Record<string, unknown>>,
): void {
  const services: Record<string, any> = isObject(doc.services) ? doc.services : {};
  const names = Object.keys(services);
  const overridden = (service: string, key: string) => key in (overrides.get(service) ?? {});
  // an override's list replaces the generated waits; its map adds or changes the entries it names
  const waitFromOverride = (w: Wait) => {
    const value = overrides.get(w.from)?.depends_on;
    return Array.isArray(value) || (isObject(value) && w.to in value);
  };
  const profilesOf = (name: string): string[] => {
    const p = services[name]?.profiles;
    return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
  };
  const waits = names.flatMap((name) => waitsOf(name, services[name]));
  const report = (w: Wait, fromOverride: boolean, got: string, expected: string, what = '') => {
    const key = typeof w.key === 'number' ? `[${w.key}]` : `.${/^[A-Za-z0-9_-]+$/.test(w.key) ? w.key : `[${show(w.key)}]`}`;
    problems.addRaw(`${fromOverride ? 'override' : 'compose.yaml'} services.${w.from}.depends_on${key}${what}`, got, expected);
  };
  for (const w of waits) {
    const byOverride = waitFromOverride(w);
    if (!(w.to in services)) {
      report(w, byOverride, show(w.to), `a service of the stack: one of ${oneOf(names.filter((n) => n !== w.from))}`);
      continue;
    }
    const target = services[w.to];
    const job = facts.get(w.to)?.job ?? false;
    if (!(facts.get(w.from)?.job ?? false) && job) {
      report(w, byOverride, show(w.to), JOB_WAIT, ' waits for a job');
      continue;
    }
    const from = profilesOf(w.from);
    const to = profilesOf(w.to);
    if (w.required && !profilesAllowWait(from, to)) {
      const fromOverride = byOverride || overridden(w.from, 'profiles') || overridden(w.to, 'profiles');
      report(w, fromOverride, show(w.to), `${profileExpectation(w.from, from)}, or "required: false" for a wait compose may skip`,
        ` names a service of ${profileText(to)}, which compose does not start with ${w.from}`);
      continue;
    }
    if (w.condition === 'service_healthy' && !hasHealthCheck(target)) {
      const fromOverride = byOverride || overridden(w.to, 'healthcheck');
      report(w, fromOverride, show(w.condition), `"service_started" or "service_completed_successfully": ${w.to} has no health check, and compose stops with "has no healthcheck configured" when told to wait for its health`, '.condition');
    } else if (w.condition === 'service_completed_successfully' && !job) {
      report(w, byOverride, show(w.condition), `"service_healthy" or "service_started": ${w.to} keeps running (restart "${String(target.restart ?? 'unless-stopped')}"), it never completes`, '.condition');
    }
  }
  const cycle = findCycle(names, waits);
  if (cycle) {
    const edges = cycle.slice(1).map((to, i) => waits.find((w) => w.from === cycle[i] && w.to === to)!);
    const first = edges.find(waitFromOverride) ?? edges[0];
    report(first, waitFromOverride(first), show(cycle.join(' -> ')), 'dependencies without cycles (compose refuses to start a cycle)', ' closes a cycle');
  }
}

/** The waits of one service, from either form of `depends_on` (list: "started"; map: its condition). */
function waitsOf(from: string, service: unknown): Wait[] {
  if (!isObject(service)) return [];
  const deps = service.depends_on;
  if (Array.isArray(deps)) {
    return deps.flatMap((to, i) => (typeof to === 'string' ? [{ from, to, key: i, condition: 'service_started', required: true }] : []));
  }
  if (!isObject(deps)) return [];
  return Object.entries(deps).map(([to, entry]) => ({
    from,
    to,
    key: to,
    condition: isObject(entry) ? entry.condition : undefined,
    required: !(isObject(entry) && entry.required === false),
  }));
}

/** A health check compose runs: one that is set, not disabled and not NONE. */
function hasHealthCheck(service: Record<string, any>): boolean {
  const h = service.healthcheck;
  if (!isObject(h) || (h.disable !== undefined && h.disable !== false)) return false;
  const test = h.test;
  return typeof test === 'string' ? !['', 'NONE'].includes(test.trim().toUpperCase()) : Array.isArray(test) && test.length > 1 && ['CMD', 'CMD-SHELL'].includes(test[0]);
}

/** The first cycle of the graph, as `[a, b, a]`, in the order of `names`. */
function findCycle(names: readonly string[], waits: readonly Wait[]): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const w of waits.filter((x) => x.from === name)) {
      const found = names.includes(w.to) ? visit(w.to) : undefined;
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of names) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
