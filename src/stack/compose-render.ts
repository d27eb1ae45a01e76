import { waitCondition } from './compose-dependencies';
import { BACKEND_NETWORK, LinkMember, StackLink, composeNetworks } from './stack-links';
import { ContainerSpec, userText } from '../core/container-spec';
import { composeSize } from '../core/sizes';

/** Everything the compose renderer needs: the neutral model plus stack-wide settings. */
export interface ComposeModel {
  readonly name: string;
  readonly containers: ContainerSpec[];
  /** Names of containers attached to the internal backend network only. */
  readonly internalOnly: string[];
  /** The containers as the stack's links see them: their networks come from these. */
  readonly members: readonly LinkMember[];
  /** Who opens connections to whom (each app's `depends_on` holds its targets). */
  readonly links: readonly StackLink[];
  readonly volumes: string[];
  readonly secrets: string[];
  /** Prefix and tag for images built by the stack. */
  readonly registry?: string;
  readonly tag: string;
}

/**
 * The compose profile of GPU services that have no profile of their own: `docker compose up`
 * on a host without an NVIDIA runtime would fail on their device reservations, so they start
 * only with `--profile gpu` (the `docker:up` task adds it where `docker info` lists an NVIDIA
 * runtime).
 */
export const GPU_PROFILE = 'gpu';

/**
 * Each container's compose profiles: its own, else `gpu` for a GPU service, else `gpu` for a
 * service that waits for one (compose refuses a dependency on a service it does not start).
 */
export function composeProfiles(containers: readonly ContainerSpec[]): Map<string, string[]> {
  const profiles = new Map(containers.map((c) => [
    c.name, c.profiles?.length ? [...c.profiles] : c.gpu ? [GPU_PROFILE] : [],
  ]));
  for (let changed = true; changed;) {
    changed = false;
    for (const c of containers) {
      if (profiles.get(c.name)!.length > 0) continue;
      if (c.dependsOn.some((d) => profiles.get(d)?.includes(GPU_PROFILE))) {
        profiles.set(c.name, [GPU_PROFILE]);
        changed = true;
      }
    }
  }
  return profiles;
}

/** Compose interpolates `$`: every literal `$` becomes `$$`. */
function escape(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function seconds(n: number): string {
  return `${n}s`;
}

function renderContainer(c: ContainerSpec, model: ComposeModel, profiles: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.build) {
    out.build = {
      context: '.',
      dockerfile: c.build.dockerfile,
      target: c.build.target,
      // compose requires `platform` to be one of these; with several it builds them all
      ...(c.platforms && c.platforms.length > 1 ? { platforms: [...c.platforms] } : {}),
    };
  }
  out.image = c.imageIsBuilt ? `${model.registry ? `${model.registry}/` : ''}${c.image}:${model.tag}` : c.image;
  if (c.platform) out.platform = c.platform;
  if (profiles.length) out.profiles = profiles;
  if (c.command) out.command = c.command.map(escape);
  out.restart = c.workload === 'job' ? 'on-failure' : 'unless-stopped';
  if (c.security.user) out.user = userText(c.security.user);
  if (c.ports.length) {
    out.ports = c.ports.map((p) => `${p.public ? '' : '127.0.0.1:'}${p.host}:${p.container}`);
  }
  const envKeys = Object.keys(c.environment).sort();
  if (envKeys.length) out.environment = Object.fromEntries(envKeys.map((k) => [k, escape(c.environment[k])]));
  if (c.secrets.length) out.secrets = [...c.secrets].sort();
  if (c.dependsOn.length) {
    const byName = new Map(model.containers.map((x) => [x.name, x]));
    // a job to finish, a service with a health check to be healthy, any other to be started
    out.depends_on = Object.fromEntries([...c.dependsOn].sort().map((d) => [d, { condition: byName.has(d) ? waitCondition(byName.get(d)!) : 'service_healthy' }]));
  }
  if (c.healthcheck) {
    const h = c.healthcheck;
    out.healthcheck = {
      test: h.shell ? ['CMD-SHELL', ...h.test.map(escape)] : ['CMD', ...h.test.map(escape)],
      interval: seconds(h.interval),
      timeout: seconds(h.timeout),
      start_period: seconds(h.startPeriod),
      start_interval: seconds(h.startInterval),
      retries: h.retries,
    };
  }
  out.read_only = c.security.readOnlyRootFilesystem;
  if (c.tmpfs.length) out.tmpfs = c.tmpfs.map((t) => `${t.path}:${t.exec ? 'exec,' : ''}mode=${t.mode},size=${composeSize(t.size)}`);
  if (c.shmSize) out.shm_size = composeSize(c.shmSize);
  if (c.ulimits) out.ulimits = c.ulimits;
  if (c.security.dropAllCapabilities) out.cap_drop = ['ALL'];
  if (c.security.capAdd.length) out.cap_add = [...c.security.capAdd].sort();
  if (c.security.noNewPrivileges) out.security_opt = ['no-new-privileges:true'];
  const resources: Record<string, unknown> = {
    limits: { cpus: c.limits.cpus, memory: composeSize(c.limits.memory), pids: c.limits.pids },
  };
  if (c.gpu) {
    const device: Record<string, unknown> = { driver: 'nvidia', capabilities: ['gpu'] };
    if (c.gpu.deviceIds) device.device_ids = [...c.gpu.deviceIds];
    else device.count = c.gpu.count ?? 'all';
    resources.reservations = { devices: [device] };
  }
  out.deploy = { resources };
  if (c.volumes.length) {
    out.volumes = c.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
  }
  const member = model.members.find((x) => x.name === c.name);
  out.networks = composeNetworks(member ?? { backing: false, publishes: c.ports.length > 0 });
  out.logging = { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } };
  return c.overrides ? deepMerge(out, c.overrides) : out;
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders the Compose Specification document (no `version:` key) as a plain object. */
export function renderCompose(model: ComposeModel): Record<string, unknown> {
  const profiles = composeProfiles(model.containers);
  const doc: Record<string, unknown> = {
    name: model.name,
    services: Object.fromEntries(model.containers.map((c) => [
      c.name, renderContainer(c, model, profiles.get(c.name)!),
    ])),
    networks: {
      // Backing services live on an internal network: no route out, nothing published.
      [BACKEND_NETWORK]: { internal: true },
    },
  };
  if (model.volumes.length) doc.volumes = Object.fromEntries([...model.volumes].sort().map((v) => [v, {}]));
  if (model.secrets.length) {
    doc.secrets = Object.fromEntries([...model.secrets].sort().map((s) => [s, { file: `./secrets/${s}` }]));
  }
  return doc;
}
