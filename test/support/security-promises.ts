/**
 * The security promises of compose.yaml, written down a second time on the test side (not
 * imported from src), so a property or security test can hold any final document to them:
 * the generated one, and one after `addOverride`.
 */

/** The typed opt-outs and preset facts a service's promises depend on. */
export interface OptOuts {
  readonly publicPort?: boolean;
  readonly writableRootFilesystem?: boolean;
  readonly disableHealthCheck?: boolean;
  /** The user a backing preset runs as (postgres, redis: 999:999). */
  readonly user?: string;
  /** Backing services kept on the internal network only. */
  readonly internalOnly?: boolean;
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_KEY|(^|_)KEY$)/i;
const SIZE = /^[1-9][0-9]{0,5}[kmg]$/;
const BYTES: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function bytes(size: string): number {
  return Number(size.slice(0, -1)) * BYTES[size.slice(-1)];
}

/** Every promise one compose service breaks, as short descriptions (empty: none). */
export function serviceViolations(svc: any, opt: OptOuts = {}): string[] {
  const out: string[] = [];
  const fail = (what: string) => out.push(what);
  for (const p of svc.ports ?? []) {
    const text = typeof p === 'object' ? `${p.host_ip ?? ''}:` : String(p);
    if (!opt.publicPort && !/^(127\.0\.0\.1|\[::1\]):/.test(text)) fail(`port on every interface: ${JSON.stringify(p)}`);
  }
  for (const key of ['network_mode', 'pid', 'extends', 'devices', 'device_cgroup_rules', 'use_api_socket', 'provider']) {
    if (svc[key] !== undefined && svc[key] !== 'none' && svc[key] !== false && !(Array.isArray(svc[key]) && svc[key].length === 0)) fail(`${key} set`);
  }
  for (const key of ['ipc', 'uts', 'userns_mode', 'cgroup']) {
    if (/^(host|container:|service:)/i.test(String(svc[key] ?? ''))) fail(`${key} shares a namespace`);
  }
  if (svc.privileged !== undefined && svc.privileged !== false) fail('privileged');
  if ((svc.cap_add ?? []).length) fail('capabilities added');
  if (!(svc.cap_drop ?? []).map((c: string) => String(c).toUpperCase()).includes('ALL')) fail('cap_drop ALL missing');
  const sec: string[] = (svc.security_opt ?? []).map(String);
  if (!sec.some((o) => /^no-new-privileges([:=]true)?$/.test(o))) fail('no-new-privileges missing');
  if (sec.some((o) => /unconfined|label[:=]disable|spc_t|no-new-privileges[:=]false/i.test(o))) fail('unconfined security option');
  if (!opt.writableRootFilesystem && svc.read_only !== true) fail('root filesystem writable');
  if (svc.user !== opt.user && !/^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(String(svc.user))) fail(`user ${JSON.stringify(svc.user)}`);
  if (['0', 'root', 'docker'].some((g) => (svc.group_add ?? []).map(String).includes(g))) fail('privileged group');
  if (!opt.disableHealthCheck) {
    const h = svc.healthcheck;
    if (!h || (h.disable !== undefined && h.disable !== false) || !(Array.isArray(h.test) ? ['CMD', 'CMD-SHELL'].includes(h.test[0]) && h.test.length > 1 : typeof h.test === 'string')) {
      fail('health check missing or disabled');
    }
  }
  const limits = svc.deploy?.resources?.limits ?? {};
  if (!SIZE.test(String(limits.memory)) || bytes(limits.memory) < 6 * 1024 ** 2) fail(`memory limit ${JSON.stringify(limits.memory)}`);
  if (!(Number(limits.cpus) > 0)) fail('cpu limit missing');
  if (!(Number.isInteger(limits.pids) && limits.pids > 0)) fail('pids limit missing');
  for (const key of ['mem_limit', 'memswap_limit', 'mem_reservation', 'shm_size']) {
    if (svc[key] !== undefined && !SIZE.test(String(svc[key]))) fail(`${key} not a canonical size`);
  }
  if (svc.pids_limit !== undefined && !(svc.pids_limit > 0)) fail('pids unlimited');
  if (svc.oom_kill_disable !== undefined && svc.oom_kill_disable !== false) fail('oom killer disabled');
  for (const t of [].concat(svc.tmpfs ?? [])) if (!/size=[1-9][0-9]*[kmg](,|$)/.test(String(t))) fail(`tmpfs without a size: ${t}`);
  for (const v of svc.volumes ?? []) {
    const source = typeof v === 'string' ? (v.includes(':') ? v.split(':')[0] : '') : v.type === 'bind' ? String(v.source) : '';
    if (/^[/~]|(^|\/)\.\.(\/|$)|docker\.sock|(^|\/)(secrets|\.ssh|\.aws|\.git|\.env)(\/|$)/.test(source) || source === '.' || source === './') fail(`mount ${JSON.stringify(v)}`);
  }
  const env = svc.environment ?? {};
  const names = Array.isArray(env) ? env.map((e: string) => e.split('=')[0]) : Object.keys(env);
  for (const name of names) if (SECRET_NAME.test(name) && !/_FILE$/.test(name)) fail(`inline secret ${name}`);
  const image = String(svc.image);
  if (!/@sha256:[0-9a-f]{64}$/.test(image) && !/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(image.slice(image.lastIndexOf('/') + 1))) fail(`image not pinned: ${image}`);
  if (/:latest$/.test(image)) fail('image latest');
  if (opt.internalOnly && JSON.stringify(svc.networks) !== '["backend"]') fail('backing service off the internal network');
  for (const value of strings(svc)) if (value.replace(/\$\$/g, '').includes('$')) fail(`host interpolation: ${value}`);
  if (JSON.stringify(svc).includes('"<<"')) fail('yaml merge key');
  return out;
}

/** Every string in a value (keys excluded). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}
