/**
 * `addOverride` patches for the security and property tests: dangerous ones (each breaks a
 * promise of the generated compose.yaml) and harmless ones (each keeps every promise), on
 * the stack of `api` (port 8000, no opt-outs) and postgres.
 */
export interface Patch {
  readonly service: 'api' | 'postgres';
  readonly key: string;
  readonly value: unknown;
}

export const DANGEROUS: readonly Patch[] = [
  { service: 'api', key: 'ports', value: ['0.0.0.0:8000:8000'] },
  { service: 'api', key: 'ports', value: ['8000:8000'] },
  { service: 'api', key: 'ports', value: [{ target: 8000, published: '8000' }] },
  { service: 'api', key: 'ports', value: ['${BIND:-0.0.0.0}:8000:8000'] },
  { service: 'postgres', key: 'ports', value: ['5432:5432'] },
  { service: 'api', key: 'volumes', value: ['/var/run/docker.sock:/var/run/docker.sock'] },
  { service: 'api', key: 'volumes', value: [{ type: 'bind', source: '/', target: '/host' }] },
  { service: 'api', key: 'volumes', value: ['./secrets:/s:ro'] },
  { service: 'api', key: 'volumes', value: ['../:/up'] },
  { service: 'api', key: 'healthcheck', value: { disable: true } },
  { service: 'api', key: 'healthcheck', value: { test: ['NONE'] } },
  { service: 'postgres', key: 'healthcheck', value: { disable: 'true' } },
  { service: 'api', key: 'cgroup', value: 'host' },
  { service: 'api', key: 'network_mode', value: 'host' },
  { service: 'api', key: 'pid', value: 'host' },
  { service: 'api', key: 'ipc', value: 'host' },
  { service: 'api', key: 'uts', value: 'host' },
  { service: 'api', key: 'userns_mode', value: 'host' },
  { service: 'api', key: 'privileged', value: true },
  { service: 'api', key: 'privileged', value: 'true' },
  { service: 'api', key: 'cap_add', value: ['SYS_ADMIN'] },
  { service: 'api', key: 'cap_drop', value: ['NET_RAW'] },
  { service: 'api', key: 'security_opt', value: ['seccomp:unconfined'] },
  { service: 'api', key: 'security_opt', value: ['no-new-privileges:true', 'apparmor=unconfined'] },
  { service: 'api', key: 'read_only', value: false },
  { service: 'api', key: 'read_only', value: null },
  { service: 'api', key: 'user', value: 'root' },
  { service: 'postgres', key: 'user', value: '0' },
  { service: 'api', key: 'environment', value: { DB_PASSWORD: 'hunter2' } },
  { service: 'api', key: 'environment', value: ['HF_TOKEN=hf_abc'] },
  { service: 'api', key: 'deploy', value: { resources: { limits: { memory: '1GB' } } } },
  { service: 'api', key: 'deploy', value: { resources: { limits: { memory: '2m' } } } },
  { service: 'api', key: 'deploy', value: { resources: { limits: null } } },
  { service: 'api', key: 'shm_size', value: '2 gb' },
  { service: 'api', key: 'pids_limit', value: -1 },
  { service: 'api', key: 'oom_kill_disable', value: true },
  { service: 'api', key: 'tmpfs', value: ['/tmp'] },
  { service: 'api', key: 'devices', value: ['/dev/kvm'] },
  { service: 'api', key: 'image', value: 'vision-api:latest' },
  { service: 'postgres', key: 'image', value: 'postgres' },
  { service: 'postgres', key: 'networks', value: ['default', 'backend'] },
  { service: 'api', key: 'group_add', value: ['0'] },
  { service: 'api', key: 'use_api_socket', value: true },
  { service: 'api', key: 'build', value: { privileged: true } },
  { service: 'api', key: 'env_file', value: ['/etc/shadow'] },
  { service: 'api', key: 'volumes', value: ['postgres-data:/pg'] },
  { service: 'postgres', key: 'secrets', value: ['postgres_password', 'redis_password'] },
  { service: 'api', key: 'environment', value: { NVIDIA_VISIBLE_DEVICES: 'all' } },
  { service: 'api', key: 'depends_on', value: { nope: { condition: 'service_healthy' } } },
  { service: 'postgres', key: 'depends_on', value: { api: { condition: 'service_healthy' } } },
  { service: 'api', key: 'depends_on', value: { postgres: { condition: 'service_completed_successfully' } } },
];

export const HARMLESS: readonly Patch[] = [
  { service: 'api', key: 'labels', value: { team: 'vision' } },
  { service: 'api', key: 'stop_grace_period', value: '30s' },
  { service: 'api', key: 'ports', value: ['127.0.0.1:18000:8000'] },
  { service: 'api', key: 'user', value: '10002:10002' },
  { service: 'api', key: 'read_only', value: true },
  { service: 'api', key: 'security_opt', value: ['no-new-privileges:true', 'apparmor:docker-default'] },
  { service: 'api', key: 'healthcheck', value: { interval: '10s', retries: 5 } },
  { service: 'api', key: 'deploy', value: { resources: { limits: { memory: '2g', cpus: 1.5 } } } },
  { service: 'api', key: 'environment', value: { LOG_LEVEL: 'debug', PRICE: 'costs $$5' } },
  { service: 'api', key: 'volumes', value: ['./fixtures:/fixtures:ro'] },
  { service: 'api', key: 'tmpfs', value: ['/tmp:exec,mode=1777,size=512m'] },
  { service: 'postgres', key: 'stop_grace_period', value: '1m' },
  { service: 'postgres', key: 'shm_size', value: '256m' },
  { service: 'postgres', key: 'labels', value: ['backup=nightly'] },
];
