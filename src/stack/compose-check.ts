import { composeCommandSecrets } from '../core/command-secrets';
import { secretPlacePattern } from '../core/dockerignore';
import { gpuEnvProblem } from '../core/environment';
import { Problems, oneOf, show } from '../core/problems';
import { secretProblem } from '../core/secrets';
import { MIN_MEMORY_BYTES, sizeProblem } from '../core/sizes';

/**
 * What a service may do that the defaults forbid: only the typed opt-outs of its definition
 * (`publicPort`, `writableRootFilesystem`, `disableHealthCheck`) and what a preset needs
 * (a backing service's own user). Everything else is held to the defaults.
 */
export interface ComposeServicePolicy {
  /** `publicPort`: ports may be published on every interface. */
  readonly publicPorts: boolean;
  /** false with `writableRootFilesystem`: `read_only` must otherwise stay true. */
  readonly readOnlyRoot: boolean;
  /** false with `disableHealthCheck`: a health check must otherwise stay, enabled. */
  readonly healthCheck: boolean;
  /** The user the definition runs the container as (undefined: the image's user). */
  readonly user?: string;
  /** Capabilities the definition adds (none today). */
  readonly capAdd: readonly string[];
  /** Backing services reachable only on the internal network. */
  readonly internalOnly: boolean;
  /** A GPU service: only these may set the NVIDIA runtime's `NVIDIA_*` variables. */
  readonly gpu: boolean;
  /** The compose secrets the definition gives the service: an override may drop some, never add one. */
  readonly secrets: readonly string[];
}

type Path = ReadonlyArray<string | number>;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;
const NON_ROOT_USER = /^[1-9][0-9]*(:[1-9][0-9]*)?$/;
const NO_NEW_PRIVILEGES = /^no-new-privileges([:=]true)?$/i;
const UNCONFINING_OPTION = /^((seccomp|apparmor|systempaths)[:=]unconfined|label[:=]disable|label[:=]type[:=](spc_t|unconfined_t)|no-new-privileges[:=]false)$/i;
/** Keys that hand the container the host or the engine; no definition needs them. */
const REFUSED_KEYS: Record<string, string> = {
  devices: 'no host devices (GPUs are reserved through deploy.resources.reservations)',
  device_cgroup_rules: 'no device cgroup rules (they open host devices)',
  extends: 'no extends (a service read from another file would escape these checks)',
  use_api_socket: 'no use_api_socket (the docker api socket gives root on the host)',
  provider: 'no provider (it runs a plugin binary on the host)',
  env_file: 'no env_file (it reads a file of the host into the environment, past the checks on inline secrets and host paths): plain values go in the service\'s environment (or an environment override), credentials in compose secrets read through <NAME>_FILE',
};

/**
 * Checks the FINAL compose document (after every `addOverride`) against the promises the
 * generated output keeps: ports on 127.0.0.1, no host namespaces, no privileges or added
 * capabilities, no-new-privileges and no unconfined profiles, a read-only root, a non-root
 * user, health checks, well-formed limits, no host paths or credential folders mounted, no
 * inline secrets in environment, pinned images; a backing service's data volume mounted by
 * no other container (`backingVolumes`: volume -> the backing service that owns it), no
 * secret a service is not given, no NVIDIA runtime variable on a service without GPUs. Only
 * the typed opt-outs in `policies` relax a promise. Problems name the document path, marked
 * `override` when an override wrote it.
 */
export function checkComposeDocument(
  problems: Problems, doc: Record<string, any>, policies: ReadonlyMap<string, ComposeServicePolicy>,
  overrides: ReadonlyMap<string, Record<string, unknown>>,
  backingVolumes: ReadonlyMap<string, string> = new Map(),
): void {
  for (const [name, override] of overrides) checkOverrideValue(problems, ['services', name], override);
  const services: Record<string, any> = doc.services ?? {};
  const hostPorts = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    const policy = policies.get(name);
    if (!policy || !isObject(service)) continue;
    const override = overrides.get(name) ?? {};
    const report = (path: Path, got: unknown, expected: string, shown = false) => {
      const where = ['services', name, ...path];
      const fromOverride = typeof path[0] === 'string' && path[0] in override;
      const what = `${fromOverride ? 'override' : 'compose.yaml'} ${pathText(where)}`;
      if (shown) problems.addRaw(what, String(got), expected);
      else problems.add(what, got, expected);
    };
    checkService(service, policy, report, Object.keys(doc.volumes ?? {}));
    checkBoundaries(name, service, policy, report, backingVolumes);
    (Array.isArray(service.ports) ? service.ports : []).forEach((port: unknown, i: number) => {
      const host = hostPort(port);
      if (host === undefined) return;
      const other = hostPorts.get(host);
      if (other) report(['ports', i], port, `a host port no other service publishes (${host} is published by ${other})`);
      hostPorts.set(host, name);
    });
  }
}

/** The host port (or range) a port entry publishes, if it names one. */
function hostPort(port: unknown): string | undefined {
  if (isObject(port)) return port.published === undefined ? undefined : String(port.published);
  if (typeof port !== 'string') return undefined;
  const spec = port.replace(/\/[a-z]+$/i, '').replace(/^\[[^\]]*\]:/, 'ip:');
  const parts = spec.split(':');
  const host = parts.length === 3 ? parts[1] : parts.length === 2 ? parts[0] : undefined;
  return host ? host : undefined;
}

/** `shown`: `got` is already the text to show (a secret's name, its value hidden). */
type Report = (path: Path, got: unknown, expected: string, shown?: boolean) => void;

function checkService(
  s: Record<string, any>, policy: ComposeServicePolicy, report: Report, namedVolumes: string[],
): void {
  for (const [key, expected] of Object.entries(REFUSED_KEYS)) {
    if (s[key] !== undefined && !(Array.isArray(s[key]) && s[key].length === 0) && s[key] !== false) {
      report([key], s[key], expected);
    }
  }
  checkPorts(s, policy, report);
  checkNamespaces(s, policy, report);
  checkPrivileges(s, policy, report);
  checkHealth(s, policy, report);
  checkLimits(s, report);
  checkMounts(s, report, namedVolumes);
  checkEnvironment(s.environment, ['environment'], report);
  for (const secret of composeCommandSecrets(s)) report(secret.path, secret.got, secret.expected, true);
  checkImage(s, report);
  checkBuild(s.build, report);
}

function checkPorts(s: Record<string, any>, policy: ComposeServicePolicy, report: Report): void {
  if (s.ports === undefined || policy.publicPorts) return;
  const expected = 'a port bound to 127.0.0.1, e.g. "127.0.0.1:8000:8000" (publicPort: true is the typed opt-out for every interface)';
  if (!Array.isArray(s.ports)) return report(['ports'], s.ports, expected);
  s.ports.forEach((port: unknown, i: number) => {
    const ip = isObject(port) ? port.host_ip : typeof port === 'string' ? hostIp(port) : undefined;
    if (typeof ip !== 'string' || !LOOPBACK.test(ip)) report(['ports', i], port, expected);
  });
}

/** The host ip of a short-syntax port (`ip:host:container[/proto]`), if it names one. */
function hostIp(port: string): string | undefined {
  const spec = port.replace(/\/[a-z]+$/i, '');
  const bracketed = /^\[([^\]]+)\]:/.exec(spec);
  if (bracketed) return bracketed[1];
  const parts = spec.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

function checkNamespaces(s: Record<string, any>, policy: ComposeServicePolicy, report: Report): void {
  if (s.network_mode !== undefined && s.network_mode !== 'none') {
    report(['network_mode'], s.network_mode, 'no network_mode (services join the stack networks; host, container: and service: modes bypass them and the port bindings)');
  }
  if (s.pid !== undefined) report(['pid'], s.pid, 'no pid (the container keeps its own process namespace)');
  if (typeof s.ipc === 'string' && /^(host|container:|service:)/i.test(s.ipc)) report(['ipc'], s.ipc, 'no shared ipc namespace (private, shareable or none)');
  for (const key of ['uts', 'userns_mode', 'cgroup']) {
    if (typeof s[key] === 'string' && s[key].toLowerCase() === 'host') report([key], s[key], `no ${key} "host" (the container keeps its own namespace)`);
  }
  if (policy.internalOnly && s.networks !== undefined) {
    const names = Array.isArray(s.networks) ? s.networks
      : isObject(s.networks) ? Object.keys(s.networks) : [s.networks];
    if (names.length !== 1 || names[0] !== 'backend') report(['networks'], s.networks, '["backend"] only (backing services stay on the internal network)');
  }
}

function checkPrivileges(s: Record<string, any>, policy: ComposeServicePolicy, report: Report): void {
  if (s.privileged !== undefined && s.privileged !== false) report(['privileged'], s.privileged, 'no privileged mode (there is no opt-out)');
  const capAdd: unknown[] = s.cap_add === undefined ? [] : Array.isArray(s.cap_add) ? s.cap_add : [s.cap_add];
  capAdd.forEach((cap, i) => {
    if (!policy.capAdd.includes(cap as string)) report(['cap_add', i], cap, 'no added capabilities (cap_drop ALL stays; there is no opt-out)');
  });
  if (!Array.isArray(s.cap_drop) || !s.cap_drop.some((c: unknown) => typeof c === 'string' && c.toUpperCase() === 'ALL')) {
    report(['cap_drop'], s.cap_drop, '["ALL"]');
  }
  const options: unknown[] = Array.isArray(s.security_opt) ? s.security_opt : [];
  if (!options.some((o) => typeof o === 'string' && NO_NEW_PRIVILEGES.test(o))) {
    report(['security_opt'], s.security_opt, 'a list keeping "no-new-privileges:true"');
  }
  options.forEach((o, i) => {
    if (typeof o !== 'string' || UNCONFINING_OPTION.test(o)) report(['security_opt', i], o, 'no option that unconfines the container (seccomp, apparmor, selinux labels and system paths stay confined)');
  });
  if (policy.readOnlyRoot && s.read_only !== true) report(['read_only'], s.read_only, 'true (writableRootFilesystem: true is the typed opt-out)');
  if (s.user !== policy.user && !(typeof s.user === 'string' && NON_ROOT_USER.test(s.user))) {
    report(['user'], s.user, `${policy.user === undefined ? 'no user (the image runs as a non-root user)' : `"${policy.user}"`} or another numeric non-root "uid:gid", never root`);
  }
  const groups: unknown[] = Array.isArray(s.group_add) ? s.group_add
    : s.group_add === undefined ? [] : [s.group_add];
  groups.forEach((g, i) => {
    if (['0', 'root', 'docker', 'wheel', 'sudo', 'adm', 'disk'].includes(String(g))) report(['group_add', i], g, 'no privileged group (root, docker, disk, ...)');
  });
  if (s.oom_kill_disable !== undefined && s.oom_kill_disable !== false) report(['oom_kill_disable'], s.oom_kill_disable, 'no oom_kill_disable (a container over its memory limit must be stopped)');
  for (const hook of ['post_start', 'pre_stop']) {
    (Array.isArray(s[hook]) ? s[hook] : []).forEach((h: any, i: number) => {
      if (isObject(h) && h.privileged !== undefined && h.privileged !== false) report([hook, i, 'privileged'], h.privileged, 'no privileged hook');
      if (isObject(h) && h.user !== undefined && !NON_ROOT_USER.test(String(h.user))) report([hook, i, 'user'], h.user, 'a numeric non-root "uid:gid", never root');
    });
  }
}

function checkHealth(s: Record<string, any>, policy: ComposeServicePolicy, report: Report): void {
  if (!policy.healthCheck) return;
  const expected = 'a health check that stays enabled (disableHealthCheck: true is the typed opt-out)';
  const h = s.healthcheck;
  if (!isObject(h)) return report(['healthcheck'], h, expected);
  if (h.disable !== undefined && h.disable !== false) return report(['healthcheck', 'disable'], h.disable, expected);
  const test = h.test;
  const runs = typeof test === 'string' ? !['', 'NONE'].includes(test.trim().toUpperCase()) : Array.isArray(test) && test.length > 1 && ['CMD', 'CMD-SHELL'].includes(test[0]);
  if (!runs) report(['healthcheck', 'test'], test, `${expected}: ["CMD", ...] or ["CMD-SHELL", ...], not NONE`);
}

/** Top-level compose keys that are other spellings of a deploy limit, with the typed prop that sets it. */
const LIMIT_ALIASES: ReadonlyArray<readonly [string, string, string]> = [
  ['mem_limit', 'memory', 'memoryLimit'],
  ['cpus', 'cpus', 'cpuLimit'],
  ['pids_limit', 'pids', 'pidsLimit'],
];

function checkLimits(s: Record<string, any>, report: Report): void {
  const limits = s.deploy?.resources?.limits;
  if (!isObject(limits)) return report(['deploy', 'resources', 'limits'], limits, 'memory, cpus and pids limits');
  const memory = sizeProblem(limits.memory, undefined, MIN_MEMORY_BYTES);
  if (memory) report(['deploy', 'resources', 'limits', 'memory'], limits.memory, memory);
  if (!(positiveNumber(limits.cpus) >= 0.01)) report(['deploy', 'resources', 'limits', 'cpus'], limits.cpus, 'a number of cores of at least 0.01, e.g. 2 or 0.5');
  if (!(Number.isInteger(limits.pids) && limits.pids >= 16)) report(['deploy', 'resources', 'limits', 'pids'], limits.pids, 'an integer of at least 16');
  const reservation = s.deploy?.resources?.reservations?.memory;
  if (reservation !== undefined && sizeProblem(reservation)) report(['deploy', 'resources', 'reservations', 'memory'], reservation, sizeProblem(reservation)!);
  for (const key of ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size']) {
    const problem = s[key] === undefined ? undefined : sizeProblem(s[key], undefined, key === 'mem_limit' ? MIN_MEMORY_BYTES : 1);
    if (problem) report([key], s[key], problem);
  }
  if (s.pids_limit !== undefined && !(Number.isInteger(s.pids_limit) && s.pids_limit >= 16)) report(['pids_limit'], s.pids_limit, 'an integer of at least 16 (no unlimited -1)');
  if (s.cpus !== undefined && !(positiveNumber(s.cpus) >= 0.01)) report(['cpus'], s.cpus, 'a number of cores of at least 0.01');
  // Compose reads these keys as other spellings of the deploy limits every service has, and
  // refuses a project that sets one setting twice ("can't set distinct values on ...").
  for (const [key, limit, prop] of LIMIT_ALIASES) {
    if (s[key] !== undefined && limits[limit] !== undefined) {
      report([key], s[key], `no ${key}: compose reads it as deploy.resources.limits.${limit}, which the service already sets; change the service's ${prop} instead`);
    }
  }
  const tmpfs: unknown[] = s.tmpfs === undefined ? [] : Array.isArray(s.tmpfs) ? s.tmpfs : [s.tmpfs];
  tmpfs.forEach((t, i) => {
    const size = typeof t === 'string' ? /(?:^|[:,])size=([^,]*)/.exec(t)?.[1] : undefined;
    const problem = sizeProblem(size, 64 * 1024 ** 3);
    if (problem) report(['tmpfs', i], t, `a tmpfs with a size option, e.g. "/tmp:mode=1777,size=256m" (size ${problem})`);
  });
}

function checkMounts(s: Record<string, any>, report: Report, namedVolumes: string[]): void {
  const expected = 'a named volume of the stack, or a folder inside the project that holds no credentials (no host path, no docker socket)';
  const volumes = Array.isArray(s.volumes) ? s.volumes : s.volumes === undefined ? [] : [s.volumes];
  volumes.forEach((v: unknown, i: number) => {
    if (typeof v === 'string') {
      const parts = v.split(':');
      if (parts.length > 1 && /^[a-z0-9][a-z0-9_.-]*$/i.test(parts[0]) && !namedVolumes.includes(parts[0])) {
        report(['volumes', i], v, `a named volume the stack declares (${namedVolumes.length ? `one of: ${oneOf(namedVolumes)}, or ` : ''}stack.addVolume("${parts[0]}") first)`);
      } else if (parts.length > 1 && !mountSourceOk(parts[0], namedVolumes)) {
        report(['volumes', i], v, expected);
      }
    } else if (isObject(v)) {
      if (v.type === 'bind' && !mountSourceOk(String(v.source ?? ''), [])) report(['volumes', i], v, expected);
      else if (v.type === 'tmpfs' && v.tmpfs?.size === undefined) report(['volumes', i], v, 'a tmpfs mount with tmpfs.size');
      else if (v.type === 'volume' && v.source !== undefined && !namedVolumes.includes(String(v.source))) report(['volumes', i], v, 'a named volume the stack declares (stack.addVolume first)');
      else if (!['bind', 'volume', 'tmpfs'].includes(String(v.type))) report(['volumes', i], v, expected);
    } else {
      report(['volumes', i], v, expected);
    }
  });
}

/** A bind source inside the project holding no credentials, or a named volume. */
function mountSourceOk(source: string, namedVolumes: string[]): boolean {
  if (namedVolumes.includes(source)) return true;
  if (!source.startsWith('./')) return false;
  const rel = source.slice(2).replace(/\/+$/, '');
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '..' || p === '' || p === '.')) return false;
  return !secretPlacePattern(rel) && !['secrets', 'k8s/base/secrets'].some((d) => d === rel || d.startsWith(`${rel}/`));
}

function checkEnvironment(env: unknown, path: Path, report: Report): void {
  // the list form holds NAME=value strings, the map form name -> value
  const pairs: Array<[string | number, string, string]> = Array.isArray(env)
    ? env.map((e, i) => {
      const text = String(e);
      const at = text.indexOf('=');
      return [i, at < 0 ? text : text.slice(0, at), at < 0 ? '' : text.slice(at + 1)];
    })
    : isObject(env) ? Object.entries(env).map(([k, v]) => [k, k, v === null || v === undefined ? '' : String(v)]) : [];
  for (const [key, name, value] of pairs) {
    const problem = secretProblem(name, value);
    if (problem) report([...path, key], problem.got, problem.expected, true);
  }
}

function checkImage(s: Record<string, any>, report: Report): void {
  const image = s.image;
  const expected = 'an image pinned to a tag other than latest, or to a digest';
  if (typeof image !== 'string') return report(['image'], image, expected);
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
  if (!tag || tag === 'latest') report(['image'], image, expected);
}

function checkBuild(build: unknown, report: Report): void {
  if (!isObject(build)) return;
  if (build.privileged !== undefined && build.privileged !== false) report(['build', 'privileged'], build.privileged, 'no privileged build');
  if (typeof build.network === 'string' && build.network.toLowerCase() === 'host') report(['build', 'network'], build.network, 'the default build network, not host');
  if (Array.isArray(build.entitlements) && build.entitlements.length) report(['build', 'entitlements'], build.entitlements, 'no build entitlements');
  const contexts: Array<[Path, unknown]> = [[['build', 'context'], build.context],
    ...Object.entries(isObject(build.additional_contexts) ? build.additional_contexts : {}).map(([k, v]) => [['build', 'additional_contexts', k], v] as [Path, unknown])];
  for (const [path, ctx] of contexts) {
    if (typeof ctx === 'string' && (ctx.startsWith('/') || ctx.startsWith('~') || ctx.split('/').includes('..'))) {
      report(path, ctx, 'a build context inside the project (a relative path without "..")');
    }
  }
  if (isObject(build.args)) checkEnvironment(build.args, ['build', 'args'], report);
  else if (Array.isArray(build.args)) checkEnvironment(build.args, ['build', 'args'], report);
}

/**
 * What belongs to one service stays with it: a backing service's data volume is mounted by no
 * other container, a service holds only the secrets the definition gives it, and only GPU
 * services set the NVIDIA runtime's variables.
 */
function checkBoundaries(name: string, s: Record<string, any>, policy: ComposeServicePolicy, report: Report,
  backingVolumes: ReadonlyMap<string, string>): void {
  (Array.isArray(s.volumes) ? s.volumes : []).forEach((v: unknown, i: number) => {
    const source = typeof v === 'string' && v.includes(':') ? v.slice(0, v.indexOf(':')) : isObject(v) && v.type === 'volume' ? String(v.source ?? '') : undefined;
    const owner = source === undefined ? undefined : backingVolumes.get(source);
    if (owner !== undefined && owner !== name) {
      report(['volumes', i], v, `a volume other than a backing service's data (${source} holds ${owner}'s files: reach ${owner} over the network, or stack.addVolume a volume of your own)`);
    }
  });
  const given = policy.secrets.length ? `one of: ${oneOf([...policy.secrets])}` : 'none';
  (Array.isArray(s.secrets) ? s.secrets : []).forEach((secret: unknown, i: number) => {
    const source = isObject(secret) ? secret.source : secret;
    if (typeof source !== 'string' || !policy.secrets.includes(source)) {
      report(['secrets', i], secret, `only the secrets the definition gives ${name} (${given}): an override cannot hand a service another service's credentials`);
    }
  });
  if (policy.gpu) return;
  const env = s.environment;
  const names: Array<[string | number, string]> = Array.isArray(env)
    ? env.map((e, i) => [i, String(e).split('=')[0]])
    : isObject(env) ? Object.keys(env).map((k) => [k, k]) : [];
  for (const [key, envName] of names) {
    const problem = gpuEnvProblem(envName);
    if (problem) report(['environment', key], envName, problem.expected);
  }
}

/** What an override writes itself: no yaml merge keys, no host-environment interpolation. */
function checkOverrideValue(problems: Problems, path: Path, value: unknown): void {
  if (typeof value === 'string') {
    if (value.replace(/\$\$/g, '').includes('$')) {
      problems.add(`override ${pathText(path)}`, value, 'a literal value: write "$$" for a "$" (compose would fill "${...}" from the host environment when it starts, after these checks)');
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkOverrideValue(problems, [...path, i], v));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '<<') problems.add(`override ${pathText(path)}`, k, 'a key other than "<<" (a yaml merge key adds keys these checks cannot see)');
      else checkOverrideValue(problems, [...path, k], v);
    }
  }
}

function positiveNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `services.api.ports[0]` */
function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z0-9_-]+$/.test(p) ? `${i ? '.' : ''}${p}` : `[${show(p)}]`)).join('');
}
