/**
 * Hostile definitions: the compose escape hatch trying to undo the hardening,
 * plain-JavaScript mistakes that used to end in a TypeError, and values real engines refuse.
 */
import { any, CMD, cmdFor, inference, Row, stack, svc, trainer } from './support';
import { BackingService, ComposeStack, KubernetesManifests, MlDockerProject, PythonService } from '../../src';

/** A stack of `api` (port 8000) and postgres, with one override written through the escape hatch. */
const override = (
  service: string, key: string, value: unknown, props: Record<string, unknown> = {},
) => (p: MlDockerProject) => {
  new PythonService(p, 'api', { command: CMD, port: 8000, ...props });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] }).addOverride(service, key, value);
};
const at = (path: string, got: string) => `override services.${path}: got ${got}`;

export const rows: Row[] = [
  // 1. addOverride cannot undo the hardening: ports
  { name: 'override publishes on 0.0.0.0', build: override('api', 'ports', ['0.0.0.0:8000:8000']), path: 'vision/stack', got: at('api.ports[0]', '"0.0.0.0:8000:8000"'), expected: 'publicPort: true is the typed opt-out' },
  { name: 'override publishes without a host ip', build: override('api', 'ports', ['8000:8000']), path: 'vision/stack', got: at('api.ports[0]', '"8000:8000"'), expected: 'bound to 127.0.0.1' },
  { name: 'override publishes a bare container port', build: override('api', 'ports', [8000]), path: 'vision/stack', got: at('api.ports[0]', '8000'), expected: 'bound to 127.0.0.1' },
  { name: 'override publishes in long syntax on every interface', build: override('api', 'ports', [{ target: 8000, published: '8000', host_ip: '0.0.0.0' }]), path: 'vision/stack', got: at('api.ports[0]', '{"target":8000'), expected: 'bound to 127.0.0.1' },
  { name: 'override publishes through host interpolation', build: override('api', 'ports', ['${BIND:-0.0.0.0}:8000:8000']), path: 'vision/stack', got: at('api.ports[0]', '"${BIND:-0.0.0.0}:8000:8000"'), expected: 'a literal value' },
  { name: 'override publishes a backing service', build: override('postgres', 'ports', ['5432:5432']), path: 'vision/stack', got: at('postgres.ports[0]', '"5432:5432"'), expected: 'bound to 127.0.0.1' },
  // mounts
  { name: 'override mounts the docker socket', build: override('api', 'volumes', ['/var/run/docker.sock:/var/run/docker.sock']), path: 'vision/stack', got: at('api.volumes[0]', '"/var/run/docker.sock:/var/run/docker.sock"'), expected: 'no docker socket' },
  { name: 'override binds the docker socket in long syntax', build: override('api', 'volumes', [{ type: 'bind', source: '/var/run/docker.sock', target: '/s' }]), path: 'vision/stack', got: at('api.volumes[0]', '{"type":"bind"'), expected: 'no host path' },
  { name: 'override mounts the host /etc read-only', build: override('api', 'volumes', ['/etc:/host-etc:ro']), path: 'vision/stack', got: at('api.volumes[0]', '"/etc:/host-etc:ro"'), expected: 'no host path' },
  { name: 'override mounts the compose secrets folder', build: override('api', 'volumes', ['./secrets:/s:ro']), path: 'vision/stack', got: at('api.volumes[0]', '"./secrets:/s:ro"'), expected: 'holds no credentials' },
  { name: 'override mounts a folder above the project', build: override('api', 'volumes', ['../other:/o']), path: 'vision/stack', got: at('api.volumes[0]', '"../other:/o"'), expected: 'inside the project' },
  { name: 'override mounts the home directory', build: override('api', 'volumes', ['~/.aws:/root/.aws']), path: 'vision/stack', got: at('api.volumes[0]', '"~/.aws:/root/.aws"'), expected: 'no host path' },
  { name: 'override mounts an undeclared named volume', build: override('api', 'volumes', ['cache:/cache']), path: 'vision/stack', got: at('api.volumes[0]', '"cache:/cache"'), expected: 'stack.addVolume("cache") first' },
  { name: 'override publishes a host port another service publishes', build: (p) => { svc({ port: 8000 })(p); svc({ port: 9000 }, 'web')(p); new ComposeStack(p, 'stack').addOverride('web', 'ports', ['127.0.0.1:8000:9000']); }, path: 'vision/stack', got: at('web.ports[0]', '"127.0.0.1:8000:9000"'), expected: '8000 is published by api' },
  { name: 'override hands in the docker api socket', build: override('api', 'use_api_socket', true), path: 'vision/stack', got: at('api.use_api_socket', 'true'), expected: 'gives root on the host' },
  { name: 'override adds a host device', build: override('api', 'devices', ['/dev/sda:/dev/sda']), path: 'vision/stack', got: at('api.devices', '["/dev/sda:/dev/sda"]'), expected: 'no host devices' },
  // health check
  { name: 'override disables the health check', build: override('api', 'healthcheck', { disable: true }), path: 'vision/stack', got: at('api.healthcheck.disable', 'true'), expected: 'disableHealthCheck: true is the typed opt-out' },
  { name: 'override sets the health check to NONE', build: override('api', 'healthcheck', { test: ['NONE'] }), path: 'vision/stack', got: at('api.healthcheck.test', '["NONE"]'), expected: 'not NONE' },
  { name: 'override sets the health check to NONE in string form', build: override('api', 'healthcheck', { test: 'NONE' }), path: 'vision/stack', got: at('api.healthcheck.test', '"NONE"'), expected: 'not NONE' },
  { name: 'override removes the health check of postgres', build: override('postgres', 'healthcheck', null), path: 'vision/stack', got: at('postgres.healthcheck', 'null'), expected: 'a health check that stays enabled' },
  { name: 'override hides disable behind a yaml merge key', build: override('api', 'healthcheck', { '<<': { disable: true } }), path: 'vision/stack', got: 'override services.api.healthcheck: got "<<"', expected: 'a key other than "<<"' },
  // namespaces, privileges, confinement
  { name: 'override sets cgroup host', build: override('api', 'cgroup', 'host'), path: 'vision/stack', got: at('api.cgroup', '"host"'), expected: 'no cgroup "host"' },
  { name: 'override sets network_mode host', build: override('api', 'network_mode', 'host'), path: 'vision/stack', got: at('api.network_mode', '"host"'), expected: 'no network_mode' },
  { name: 'override joins a backing container network', build: override('api', 'network_mode', 'service:postgres'), path: 'vision/stack', got: at('api.network_mode', '"service:postgres"'), expected: 'no network_mode' },
  { name: 'override shares the host pid namespace', build: override('api', 'pid', 'host'), path: 'vision/stack', got: at('api.pid', '"host"'), expected: 'own process namespace' },
  { name: 'override shares the host ipc namespace', build: override('api', 'ipc', 'host'), path: 'vision/stack', got: at('api.ipc', '"host"'), expected: 'no shared ipc namespace' },
  { name: 'override sets userns_mode host', build: override('api', 'userns_mode', 'host'), path: 'vision/stack', got: at('api.userns_mode', '"host"'), expected: 'no userns_mode "host"' },
  { name: 'override sets privileged as a string', build: override('api', 'privileged', 'yes'), path: 'vision/stack', got: at('api.privileged', '"yes"'), expected: 'no privileged mode' },
  { name: 'override unconfines seccomp', build: override('api', 'security_opt', ['no-new-privileges:true', 'seccomp:unconfined']), path: 'vision/stack', got: at('api.security_opt[1]', '"seccomp:unconfined"'), expected: 'no option that unconfines' },
  { name: 'override drops no-new-privileges', build: override('api', 'security_opt', []), path: 'vision/stack', got: at('api.security_opt', '[]'), expected: '"no-new-privileges:true"' },
  { name: 'override empties cap_drop', build: override('api', 'cap_drop', []), path: 'vision/stack', got: at('api.cap_drop', '[]'), expected: '["ALL"]' },
  { name: 'override turns the root filesystem writable', build: override('api', 'read_only', false), path: 'vision/stack', got: at('api.read_only', 'false'), expected: 'writableRootFilesystem: true is the typed opt-out' },
  { name: 'override runs the app as root', build: override('api', 'user', '0:0'), path: 'vision/stack', got: at('api.user', '"0:0"'), expected: 'never root' },
  { name: 'override runs postgres as root by name', build: override('postgres', 'user', 'root'), path: 'vision/stack', got: at('postgres.user', '"root"'), expected: '"999:999"' },
  { name: 'override adds the docker group', build: override('api', 'group_add', ['docker']), path: 'vision/stack', got: at('api.group_add[0]', '"docker"'), expected: 'no privileged group' },
  { name: 'override puts postgres on the default network', build: override('postgres', 'networks', ['default', 'backend']), path: 'vision/stack', got: at('postgres.networks', '["default","backend"]'), expected: 'internal network' },
  { name: 'override builds with the host network', build: override('api', 'build', { network: 'host' }), path: 'vision/stack', got: at('api.build.network', '"host"'), expected: 'not host' },
  { name: 'override pulls the service from another file', build: override('api', 'extends', { file: 'other.yaml', service: 'api' }), path: 'vision/stack', got: at('api.extends', '{"file":"other.yaml"'), expected: 'no extends' },
  // inline secrets, sizes, images
  { name: 'override writes an inline password', build: override('api', 'environment', { DB_PASSWORD: 'hunter2' }), path: 'vision/stack', got: at('api.environment.DB_PASSWORD', '"DB_PASSWORD" (value hidden)'), expected: 'no secrets in environment' },
  { name: 'override writes an inline token in list form', build: override('api', 'environment', ['API_TOKEN=abc']), path: 'vision/stack', got: at('api.environment[0]', '"API_TOKEN" (value hidden)'), expected: 'no secrets in environment' },
  { name: 'override passes a secret build arg', build: override('api', 'build', { args: { NPM_TOKEN: 'x' } }), path: 'vision/stack', got: at('api.build.args.NPM_TOKEN', '"NPM_TOKEN" (value hidden)'), expected: 'no secrets in environment' },
  { name: 'override writes a memory limit in GB', build: override('api', 'deploy', { resources: { limits: { memory: '1GB' } } }), path: 'vision/stack', got: at('api.deploy.resources.limits.memory', '"1GB"'), expected: '"512m" or "8g"' },
  { name: 'override writes a memory limit under the engine minimum', build: override('api', 'deploy', { resources: { limits: { memory: '4m' } } }), path: 'vision/stack', got: at('api.deploy.resources.limits.memory', '"4m"'), expected: 'at least "6m"' },
  { name: 'override removes the limits', build: override('api', 'deploy', { resources: { limits: null } }), path: 'vision/stack', got: at('api.deploy.resources.limits', 'null'), expected: 'memory, cpus and pids limits' },
  { name: 'override lifts the pids limit', build: override('api', 'pids_limit', -1), path: 'vision/stack', got: at('api.pids_limit', '-1'), expected: 'no unlimited -1' },
  { name: 'override writes shm_size with a space', build: override('api', 'shm_size', '1 GB'), path: 'vision/stack', got: at('api.shm_size', '"1 GB"'), expected: '"512m" or "8g"' },
  { name: 'override writes a tmpfs without a size', build: override('api', 'tmpfs', ['/tmp:exec,mode=1777']), path: 'vision/stack', got: at('api.tmpfs[0]', '"/tmp:exec,mode=1777"'), expected: 'with a size option' },
  { name: 'override disables the oom killer', build: override('api', 'oom_kill_disable', true), path: 'vision/stack', got: at('api.oom_kill_disable', 'true'), expected: 'must be stopped' },
  { name: 'override unpins postgres to latest', build: override('postgres', 'image', 'postgres:latest'), path: 'vision/stack', got: at('postgres.image', '"postgres:latest"'), expected: 'pinned to a tag other than latest' },
  { name: 'override unpins the app image', build: override('api', 'image', 'vision-api'), path: 'vision/stack', got: at('api.image', '"vision-api"'), expected: 'pinned to a tag other than latest' },
  { name: 'override names a service id that is not a string (plain javascript)', build: (p) => { svc({})(p); new ComposeStack(p, 'stack').addOverride(any(7), 'labels', {}); }, path: 'vision/stack', got: 'addOverride service name: got 7', expected: 'the name of a service' },

  // 6. our error, never a TypeError
  { name: 'stack id taken by a service', build: (p) => { svc({}, 'stack')(p); new ComposeStack(p, 'stack'); }, path: 'vision/stack', got: '"stack"', expected: 'an id no other construct of the project uses' },
  { name: 'kubernetes id taken by a service', build: (p) => { svc({}, 'k8s')(p); new KubernetesManifests(p, 'k8s'); }, path: 'vision/k8s', got: '"k8s"', expected: 'an id no other construct of the project uses' },
  { name: 'service id taken by the stack', build: (p) => { svc({})(p); new ComposeStack(p, 'stack'); svc({}, 'stack')(p); }, path: 'vision/stack', got: '"stack"', expected: 'an id no other component of the project uses' },
  { name: 'stack props null (plain javascript)', build: (p) => { svc({})(p); new ComposeStack(p, 'stack', any(null)).addOverride('api', 'privileged', true); }, path: 'vision/stack', got: at('api.privileged', 'true'), expected: 'no privileged mode' },
  { name: 'kubernetes props null (plain javascript)', build: (p) => { new KubernetesManifests(p, 'k8s', any(null)); }, path: 'vision/k8s', got: '[]', expected: 'at least one PythonService' },
  { name: 'configureService without options (plain javascript)', build: (p) => { const a = new PythonService(p, 'w', { command: cmdFor('w') }); const k = new KubernetesManifests(p, 'k8s'); k.configureService(a, any(undefined)); k.configureService(a, any(null)); }, path: 'vision/k8s', got: '"w"', expected: 'one configureService call per service' },
  { name: 'stack id a number (plain javascript)', build: (p) => { svc({})(p); new ComposeStack(p, any(42)); }, path: 'vision/42', got: '42', expected: 'starting with a letter or digit' },
  { name: 'stack id with a slash', build: (p) => { svc({})(p); new ComposeStack(p, 'a/b'); }, path: 'vision/a/b', got: '"a/b"', expected: 'letters, digits' },
  { name: 'stack scope null (plain javascript)', build: () => { new ComposeStack(any(null), 'stack'); }, path: '?/stack', got: 'null', expected: 'a projen Project' },
  { name: 'kubernetes scope undefined (plain javascript)', build: () => { new KubernetesManifests(any(undefined), 'k8s'); }, path: '?/k8s', got: 'undefined', expected: 'a projen Project' },

  // 8. values real engines refuse
  { name: 'memory limit under the engine minimum', build: svc({ memoryLimit: '5m' }), path: 'vision/api', got: '"5m"', expected: 'at least "6m"' },
  { name: 'memory limit in kilobytes under the engine minimum', build: svc({ memoryLimit: '6143k' }), path: 'vision/api', got: '"6143k"', expected: 'smallest memory limit docker accepts' },
  { name: 'trainer memory limit of 1m', build: trainer({ memoryLimit: '1m', shmSize: '1m' }), path: 'vision/trainer', got: '"1m"', expected: 'at least "6m"' },
  { name: 'mlflow release without an image in the data', build: stack({ backingServices: [BackingService.mlflow({ version: '9.9.9' })] }), path: 'vision/stack', got: '"9.9.9"', expected: 'or another release pinned with digest' },
  { name: 'redis line without a bookworm image', build: stack({ backingServices: [BackingService.redis({ version: '8.4' })] }), path: 'vision/stack', got: '"8.4"', expected: '"7.4"' },
  { name: 'postgres full version instead of a line', build: stack({ backingServices: [BackingService.postgres({ version: '17.11' })] }), path: 'vision/stack', got: '"17.11"', expected: '"17"' },
  { name: 'trainer data dir is the secrets folder', build: trainer({ dataDir: 'secrets' }), path: 'vision/trainer', got: '"secrets"', expected: 'does not hold secrets' },
  { name: 'trainer data dir inside .ssh', build: trainer({ dataDir: 'home/.ssh/data' }), path: 'vision/trainer', got: '"home/.ssh/data"', expected: 'would mount credentials' },
  { name: 'trainer data dir holding the kubernetes secrets', build: trainer({ dataDir: 'k8s' }), path: 'vision/trainer', got: '"k8s"', expected: 'would mount credentials' },
  { name: 'inference model dir inside .git', build: inference({ modelDir: '.git/models' }), path: 'vision/inference', got: '".git/models"', expected: 'would mount credentials' },
  { name: 'service listed twice in services', build: (p) => { const a = new PythonService(p, 'api', { command: CMD }); new ComposeStack(p, 'stack', { services: [a, a] }); }, path: 'vision/stack', got: '"api"', expected: 'each service once in services' },
  { name: 'service listed twice in kubernetes services', build: (p) => { const a = new PythonService(p, 'api', { command: CMD }); new KubernetesManifests(p, 'k8s', { services: [a, a] }); }, path: 'vision/k8s', got: '"api"', expected: 'each service once in services' },
];
