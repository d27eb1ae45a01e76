/**
 * NetworkPolicies of KubernetesManifests. The rendered tree is built with the real kustomize
 * (`kubectl kustomize`), every policy is validated against the upstream schemas
 * (kubernetes-models), and what the policies allow is computed by a small evaluator written
 * for the test (test/support/policy-evaluator.ts: pod labels against policy selectors), then
 * compared with what compose allows: its network membership plus `depends_on`, read from the
 * JSON of `docker compose config` for the same definition.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import {
  BackingService, ComposeStack, GpuInference, GpuTrainer, KubernetesBackingMode, KubernetesEgress,
  KubernetesManifests, MlDockerProject, PythonService,
} from '../src';
import { compose } from './support/compose-cli';
import {
  Endpoint, Pod, connects, egressAllowed, ingressAllowed, isolated, podsOf, selects,
} from './support/policy-evaluator';
import { newProject, synth } from './util';
import { hardenedSecurity } from '../src/core/container-spec';
import { gib } from '../src/core/sizes';
import { KubeModel, KubeWorkload } from '../src/stack/kubernetes-model';
import { renderKubernetes } from '../src/stack/kubernetes-render';

const REPO = path.resolve(__dirname, '..');
const RUNS = Number(process.env.FC_RUNS ?? 25);
const NAMESPACE = 'vision';

/** The ports the backing images listen on (their own documentation), by image repository. */
const IMAGE_PORTS: Record<string, number> = {
  'postgres': 5432,
  'redis': 6379,
  'ghcr.io/mlflow/mlflow': 5000,
};

// ---------------------------------------------------------------------------------------
// Schema validation with kubernetes-models (an ES module: validated in a child process).

const VALIDATE = `
import { readFileSync } from 'node:fs';
const docs = JSON.parse(readFileSync(0, 'utf-8'));
const errors = [];
for (const [i, d] of docs.entries()) {
  const [group, version] = d.apiVersion.split('/');
  const mod = await import('kubernetes-models/' + group + '/' + version + '/' + d.kind);
  try {
    new mod[d.kind](d).validate();
  } catch (e) {
    errors.push(i + ' ' + d.metadata.name + ': ' + e.message);
  }
}
process.stdout.write(JSON.stringify(errors));
`;

function schemaErrors(docs: unknown[]): string[] {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', VALIDATE],
    { cwd: REPO, input: JSON.stringify(docs), encoding: 'utf-8' });
  if (res.status !== 0) throw new Error(`kubernetes-models validation failed to run: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

// ---------------------------------------------------------------------------------------
// Definitions

const API = {
  command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  healthCheckPath: '/health',
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] },
};
const BACKING = () => [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW];
const INGRESS_NAMESPACE = { 'kubernetes.io/metadata.name': 'ingress-nginx' };
const INGRESS_PODS = { 'app.kubernetes.io/name': 'ingress-nginx' };

interface Services {
  api: PythonService;
  worker: PythonService;
  trainer: GpuTrainer;
  inference: GpuInference;
}

/**
 * api (port 8000) waits for inference (8080); worker (no port) waits for api; a trainer job
 * (no port, compose profile "train"); postgres, redis and mlflow behind them all.
 */
function stack(p: MlDockerProject, props: Record<string, unknown>,
  configure?: (k8s: KubernetesManifests, s: Services) => void): void {
  const inference = new GpuInference(p, 'inference',
    { torchVersion: '2.5.1', port: 8080, modelDir: 'models', command: ['python', '-m', 'inference.serve'] });
  const api = new PythonService(p, 'api', { ...API, dependsOn: [inference] });
  const worker = new PythonService(p, 'worker',
    { command: ['python', '-m', 'worker.main'], dependsOn: [api] });
  const trainer = new GpuTrainer(p, 'trainer',
    { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  new ComposeStack(p, 'stack', { backingServices: BACKING() });
  const k8s = new KubernetesManifests(p, 'k8s', { backingServices: BACKING(), ...props });
  configure?.(k8s, { api, worker, trainer, inference });
}

interface Built {
  dir: string;
  out: Record<string, any>;
  /** Every object of the base and each overlay, as kustomize builds them (each object once). */
  objects: any[];
  policies: any[];
  pods: Pod[];
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
if (!hasKustomize) {
  // eslint-disable-next-line no-console
  console.warn('kubectl with kustomize 5 is not on the PATH: the trees are read without kustomize');
}

const parseAll = (text: string): any[] => YAML.parseAllDocuments(text).map((d) => d.toJS());

/**
 * The objects of one kustomize tree: `kubectl kustomize`, or (without kubectl) the files its
 * kustomizations list, each object placed in the kustomization's namespace.
 */
function kustomized(dir: string, tree: string): any[] {
  if (hasKustomize) {
    return parseAll(execFileSync('kubectl', ['kustomize', tree], { cwd: dir, encoding: 'utf-8' }));
  }
  const kustomization = YAML.parse(fs.readFileSync(path.join(dir, tree, 'kustomization.yaml'), 'utf-8'));
  return (kustomization.resources as string[]).flatMap((r) => {
    const full = path.join(dir, tree, r);
    if (fs.statSync(full).isDirectory()) return kustomized(dir, path.join(tree, r));
    const docs = parseAll(fs.readFileSync(full, 'utf-8'));
    const ns = kustomization.namespace;
    const placed = (d: any) => ({ ...d, metadata: { ...d.metadata, namespace: ns } });
    return docs.map((d) => (ns && d.kind !== 'Namespace' ? placed(d) : d));
  });
}

/** Every kustomize tree of a project: the entry point and each overlay. */
function trees(dir: string): string[] {
  const overlays = fs.readdirSync(path.join(dir, 'k8s'))
    .filter((f) => f !== 'base' && fs.existsSync(path.join(dir, 'k8s', f, 'kustomization.yaml')));
  return ['k8s', ...overlays.map((f) => `k8s/${f}`)];
}

function build(define: (p: MlDockerProject) => void): Built {
  const project = newProject();
  define(project);
  const out = synth(project);
  const dir = project.outdir;
  // the secretGenerator reads the secret files: placeholder values, as a user would place them
  const secretsDir = path.join(dir, 'k8s/base/secrets');
  fs.mkdirSync(secretsDir, { recursive: true });
  for (const s of ['postgres_password', 'redis_password']) fs.writeFileSync(path.join(secretsDir, s), 'x');
  const seen = new Map<string, any>();
  for (const tree of trees(dir)) {
    for (const o of kustomized(dir, tree)) {
      seen.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    }
  }
  const objects = [...seen.values()];
  const namespaceObject = objects.find((o) => o.kind === 'Namespace');
  const pods = podsOf(objects, (ns) => namespaceLabels(ns, namespaceObject), NAMESPACE);
  return { dir, out, objects, policies: objects.filter((o) => o.kind === 'NetworkPolicy'), pods };
}

/** A namespace's labels as the API server has them: its own name, and the rendered labels for ours. */
function namespaceLabels(ns: string, rendered?: any): Record<string, string> {
  const own = rendered && rendered.metadata.name === ns ? rendered.metadata.labels : {};
  return { ...own, 'kubernetes.io/metadata.name': ns };
}

function pod(b: Built, name: string): Pod {
  const found = b.pods.find((p) => p.name === name);
  if (!found) throw new Error(`no pod ${name} among ${b.pods.map((p) => p.name).join(', ')}`);
  return found;
}

/** Another pod of the same workload (a second replica, another rank of a job). */
function sibling(p: Pod): Pod {
  return { ...p, name: `${p.name}-2` };
}

function foreignPod(namespace: string, labels: Record<string, string>, name = 'foreign'): Pod {
  return { name, namespace, namespaceLabels: namespaceLabels(namespace), labels, ports: [] };
}

const DNS: Pod = {
  name: 'coredns',
  namespace: 'kube-system',
  namespaceLabels: namespaceLabels('kube-system'),
  labels: { 'k8s-app': 'kube-dns' },
  ports: [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
  ],
};

// ---------------------------------------------------------------------------------------
// The pairs each side allows, as "from -> to:port"

/** The pairs the policies allow between the stack's pods, on each port a destination pod declares. */
function policyPairs(b: Built): string[] {
  const pairs: string[] = [];
  for (const source of b.pods) {
    for (const destination of b.pods.filter((d) => d !== source)) {
      for (const port of destination.ports) {
        if (connects(b.policies, source, destination, port.containerPort, port.protocol ?? 'TCP')) {
          pairs.push(`${source.name} -> ${destination.name}:${port.containerPort}`);
        }
      }
    }
  }
  return pairs.sort();
}

/** `docker compose config --format json` of the project's compose.yaml, every profile on. */
function composeJson(dir: string): any {
  const file = YAML.parse(fs.readFileSync(path.join(dir, 'compose.yaml'), 'utf-8'));
  const services: Record<string, any> = file.services;
  const profiles = [...new Set(Object.values(services).flatMap((s) => s.profiles ?? []))];
  fs.mkdirSync(path.join(dir, 'secrets'), { recursive: true });
  for (const s of ['postgres_password', 'redis_password']) {
    fs.writeFileSync(path.join(dir, 'secrets', s), 'x');
  }
  const active = profiles.flatMap((p) => ['--profile', p]);
  const res = compose(['-f', 'compose.yaml', ...active, 'config', '--format', 'json'], dir);
  if (res.status !== 0) throw new Error(`docker compose config failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/**
 * The pairs compose allows, from its own output: the services sharing an internal network
 * with a backing service reach it on the port its image listens on (network membership), and
 * a service reaches the container ports of an app service it `depends_on` over a network they
 * share. Backing services are the services compose does not build.
 */
function composePairs(doc: any): string[] {
  const services: Record<string, any> = doc.services;
  const internal = new Set(Object.keys(doc.networks ?? {}).filter((n) => doc.networks[n].internal));
  const networks = (s: string) => Object.keys(services[s].networks ?? {});
  const share = (a: string, b: string, only?: Set<string>) =>
    networks(a).some((n) => (!only || only.has(n)) && networks(b).includes(n));
  const backing = (s: string) => services[s].build === undefined;
  const imagePort = (s: string) => IMAGE_PORTS[String(services[s].image).replace(/[:@].*$/, '')];
  const pairs = new Set<string>();
  for (const a of Object.keys(services).filter((s) => !backing(s))) {
    for (const b of Object.keys(services).filter((s) => backing(s) && share(a, s, internal))) {
      pairs.add(`${a} -> ${b}:${imagePort(b)}`);
    }
    for (const b of Object.keys(services[a].depends_on ?? {}).filter((s) => !backing(s) && share(a, s))) {
      for (const p of services[b].ports ?? []) pairs.add(`${a} -> ${b}:${p.target}`);
    }
  }
  return [...pairs].sort();
}

/** Who shares an internal network with a backing service is exactly who `depends_on` it. */
function membershipMatchesWaits(doc: any): void {
  const services: Record<string, any> = doc.services;
  const internal = (s: any) => Object.keys(s.networks ?? {}).filter((n) => doc.networks[n]?.internal);
  for (const [name, s] of Object.entries(services).filter(([, x]) => x.build !== undefined)) {
    const waits = Object.keys(s.depends_on ?? {});
    for (const [other, o] of Object.entries(services).filter(([, x]) => x.build === undefined)) {
      const shares = internal(s).some((n) => internal(o).includes(n));
      expect([name, other, shares]).toEqual([name, other, waits.includes(other)]);
    }
  }
}

// ---------------------------------------------------------------------------------------

const open = build((p) => stack(p, {
  backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
  ingressNamespaceSelector: INGRESS_NAMESPACE,
  ingressPodSelector: INGRESS_PODS,
}, (k8s, s) => k8s.configureService(s.inference, { exposeToIngress: false })));
const restricted = build((p) => stack(p, {
  backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
  egress: KubernetesEgress.RESTRICTED,
  egressCidrs: { 'model-hub': '203.0.113.0/24', 'object-store': '198.51.100.128/25' },
}));
const external = build((p) => stack(p, {
  egress: KubernetesEgress.RESTRICTED,
  egressCidrs: { databases: '10.20.0.0/16' },
}));
const shared = build((p) => stack(p, { namespace: 'ml-apps', createNamespace: false }));
const scenarios: Array<[string, Built]> = [
  ['open egress, in-cluster backing services', open],
  ['restricted egress', restricted],
  ['external backing services', external],
  ['a namespace of someone else', shared],
];

describe('the policies allow what compose allows', () => {
  test.each(scenarios)('%s: the allowed pairs are compose\'s network membership plus depends_on', (_n, b) => {
    const doc = composeJson(b.dir);
    membershipMatchesWaits(doc);
    // external backing services have no pod: their pairs leave the cluster (the egress tests)
    const expected = composePairs(doc).filter((pair) => b.pods.some((p) => pair.includes(` -> ${p.name}:`)));
    expect(policyPairs(b)).toEqual(expected);
    // the comparison is not vacuous: both kinds of link are there
    expect(expected).toEqual(expect.arrayContaining(['api -> inference:8080', 'worker -> api:8000']));
    if (b === open || b === restricted) {
      const backingPairs = ['trainer -> postgres:5432', 'worker -> redis:6379', 'inference -> mlflow:5000'];
      expect(expected).toEqual(expect.arrayContaining(backingPairs));
    }
  });

  test('the definition\'s pairs, written out, as compose gives them', () => {
    expect(composePairs(composeJson(open.dir))).toEqual([
      'api -> inference:8080', 'api -> mlflow:5000', 'api -> postgres:5432', 'api -> redis:6379',
      'inference -> mlflow:5000', 'inference -> postgres:5432', 'inference -> redis:6379',
      'trainer -> mlflow:5000', 'trainer -> postgres:5432', 'trainer -> redis:6379',
      'worker -> api:8000', 'worker -> mlflow:5000', 'worker -> postgres:5432', 'worker -> redis:6379',
    ]);
  });

  test.each(scenarios)('%s: no pod reaches its own workload\'s pods, nor an undeclared port', (_n, b) => {
    for (const p of b.pods) {
      for (const port of p.ports) {
        expect([p.name, connects(b.policies, sibling(p), p, port.containerPort)]).toEqual([p.name, false]);
      }
      for (const source of b.pods) {
        const undeclared = connects(b.policies, source, p, 9999);
        expect([source.name, p.name, undeclared]).toEqual([source.name, p.name, false]);
      }
    }
  });
});

describe('every pod is covered', () => {
  test.each(scenarios)('%s: every pod has an ingress policy, and an egress one if restricted', (_n, b) => {
    expect(b.pods.length).toBeGreaterThanOrEqual(4);
    const egress = b === restricted || b === external;
    for (const p of b.pods) {
      expect([p.name, isolated(b.policies, p, 'Ingress')]).toEqual([p.name, true]);
      if (egress) expect([p.name, isolated(b.policies, p, 'Egress')]).toEqual([p.name, true]);
    }
  });

  test('the default deny selects every pod of a namespace the manifests create, pods added later too', () => {
    const stranger = foreignPod(NAMESPACE, { run: 'debug' }, 'debug');
    expect(isolated(open.policies, stranger, 'Ingress')).toBe(true);
    expect(connects(open.policies, pod(open, 'api'), stranger, 8000)).toBe(false);
    // with restricted egress nothing the policies do not name leaves it, DNS included
    expect(isolated(restricted.policies, stranger, 'Egress')).toBe(true);
    expect(connects(restricted.policies, stranger, DNS, 53, 'UDP')).toBe(false);
  });

  test('in a namespace the manifests do not create, the default deny leaves other workloads alone', () => {
    const stranger = foreignPod('ml-apps', { app: 'someone-else' }, 'theirs');
    expect(isolated(shared.policies, stranger, 'Ingress')).toBe(false);
    expect(connects(shared.policies, foreignPod('other', {}), stranger, 80)).toBe(true);
    expect(connects(shared.policies, foreignPod('other', {}), pod(shared, 'api'), 8000)).toBe(false);
    const deny = shared.policies.find((p) => p.metadata.name === 'default-deny');
    expect(deny.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'vision' } });
    expect(deny.metadata.namespace).toBe('ml-apps');
  });

  test('kubernetes-models accepts every policy of every scenario, and the schema check is live', () => {
    const all = scenarios.flatMap(([, b]) => b.policies);
    expect(all.length).toBeGreaterThan(20);
    expect(schemaErrors(all)).toEqual([]);
    const bad = JSON.parse(JSON.stringify(all[0]));
    bad.spec.podSelector = 'api';
    expect(schemaErrors([bad]).join('\n')).toMatch(/podSelector/);
  });

  (hasKustomize ? test : test.skip)('kubectl kustomize builds every tree, policies in the namespace', () => {
    for (const [, b] of scenarios) {
      for (const tree of trees(b.dir)) {
        const policies = kustomized(b.dir, tree).filter((o) => o.kind === 'NetworkPolicy');
        expect(policies.map((o) => o.metadata.name)).toContain('default-deny');
        for (const o of policies) expect(o.metadata.namespace).toBe(b === shared ? 'ml-apps' : NAMESPACE);
      }
    }
  });
});

describe('from outside the stack', () => {
  const controller = foreignPod('ingress-nginx', INGRESS_PODS, 'controller');
  test('the named ingress controller reaches the exposed app ports only', () => {
    expect(connects(open.policies, controller, pod(open, 'api'), 8000)).toBe(true);
    // exposeToIngress: false
    expect(connects(open.policies, controller, pod(open, 'inference'), 8080)).toBe(false);
    expect(connects(open.policies, controller, pod(open, 'postgres'), 5432)).toBe(false);
    expect(connects(open.policies, controller, pod(open, 'mlflow'), 5000)).toBe(false);
  });

  test('both selectors must match: other pods there, and that label elsewhere, are refused', () => {
    const api = pod(open, 'api');
    expect(connects(open.policies, foreignPod('ingress-nginx', { app: 'other' }), api, 8000)).toBe(false);
    expect(connects(open.policies, foreignPod('default', INGRESS_PODS), api, 8000)).toBe(false);
  });

  test('without ingress sources nothing outside reaches the stack', () => {
    for (const p of restricted.pods) {
      for (const port of p.ports) {
        const reached = connects(restricted.policies, controller, p, port.containerPort);
        expect([p.name, reached]).toEqual([p.name, false]);
      }
    }
  });
});

describe('egress', () => {
  const internet: Endpoint = { ip: '192.0.2.10' };
  const hub: Endpoint = { ip: '203.0.113.7' };
  const store: Endpoint = { ip: '198.51.100.200' };
  const storeOtherHalf: Endpoint = { ip: '198.51.100.20' };

  test('open: app pods and mlflow reach anything; postgres and redis only the DNS', () => {
    for (const name of ['api', 'worker', 'trainer', 'inference', 'mlflow']) {
      expect([name, connects(open.policies, pod(open, name), internet, 443)]).toEqual([name, true]);
    }
    for (const name of ['postgres', 'redis']) {
      const p = pod(open, name);
      expect([name, connects(open.policies, p, internet, 443)]).toEqual([name, false]);
      expect([name, connects(open.policies, p, DNS, 53, 'UDP')]).toEqual([name, true]);
      expect([name, connects(open.policies, p, pod(open, 'api'), 8000)]).toEqual([name, false]);
    }
  });

  test('restricted: the DNS, the links and the named ranges; nothing else', () => {
    const allows = (p: Pod, to: Endpoint, port: number, protocol = 'TCP') =>
      connects(restricted.policies, p, to, port, protocol);
    for (const p of restricted.pods) {
      const dns = [allows(p, DNS, 53, 'UDP'), allows(p, DNS, 53, 'TCP'), allows(p, DNS, 80)];
      expect([p.name, ...dns]).toEqual([p.name, true, true, false]);
      const elsewhere = [allows(p, internet, 443), allows(p, storeOtherHalf, 443)];
      expect([p.name, ...elsewhere]).toEqual([p.name, false, false]);
      const ranges = !['postgres', 'redis'].includes(p.name);
      expect([p.name, allows(p, hub, 443), allows(p, store, 443)]).toEqual([p.name, ranges, ranges]);
    }
    // DNS is kube-dns in kube-system, not any pod labelled like it
    const impostor = { ...DNS, namespace: 'tenant', namespaceLabels: namespaceLabels('tenant') };
    expect(allows(pod(restricted, 'api'), impostor, 53, 'UDP')).toBe(false);
  });

  test('external backing services are reached through egressCidrs', () => {
    expect(external.pods.map((p) => p.name).sort()).toEqual(['api', 'inference', 'trainer', 'worker']);
    expect(connects(external.policies, pod(external, 'trainer'), { ip: '10.20.3.4' }, 5432)).toBe(true);
    expect(connects(external.policies, pod(external, 'trainer'), { ip: '10.21.3.4' }, 5432)).toBe(false);
  });
});

describe('the docs say who can reach what, the same table for compose and Kubernetes', () => {
  const table = (text: string) => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| service | port | reached from |'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    return lines.slice(start, end);
  };

  test('docs/containers.md and k8s/README.md print the same rows, and the rows are the pairs', () => {
    const guide = table(open.out['docs/containers.md']);
    expect(guide.length).toBe(2 + 5);
    expect(table(open.out['k8s/README.md'])).toEqual(guide);
    const names = (cell: string) => cell.replace(/`/g, '').split(', ');
    const pairs = guide.slice(2).map((l) => l.split('|').map((c) => c.trim()))
      .flatMap(([, to, port, from]) => names(from).map((f) => `${f} -> ${names(to)[0]}:${port}`));
    expect(pairs.sort()).toEqual(composePairs(composeJson(open.dir)));
  });

  test('both guides note that policies need a network plugin that enforces them', () => {
    expect(open.out['k8s/README.md']).toMatch(/network plugin \(CNI\)/);
    const plugin = /network plugin\n?\s*\(CNI\) that implements NetworkPolicy/;
    expect(open.out['docs/containers.md']).toMatch(plugin);
    expect(open.out['k8s/README.md']).toContain('`kubernetes.io/metadata.name=ingress-nginx`');
    expect(restricted.out['k8s/README.md']).toContain('| `model-hub` | `203.0.113.0/24` |');
    expect(restricted.out['k8s/README.md']).toContain('NodeLocal DNSCache');
  });
});

describe('networkPolicies: false', () => {
  const off = build((p) => stack(p, { networkPolicies: false }));
  test('renders no NetworkPolicy and says so in both guides', () => {
    expect(off.policies).toEqual([]);
    expect(off.out['k8s/base/network-policies.yaml']).toBeUndefined();
    expect(off.out['k8s/README.md']).toContain('None (`networkPolicies: false`)');
    expect(off.out['docs/containers.md']).toContain('renders no NetworkPolicies (`networkPolicies: false`)');
    // every pod reaches every pod: nothing isolates them
    expect(connects(off.policies, foreignPod('other', {}), pod(off, 'api'), 8000)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// The model: a workload whose own pods reach each other (a distributed job's ranks)

describe('the policy model: a workload\'s own pods on its peer ports', () => {
  const job: KubeWorkload = {
    spec: {
      name: 'ddp',
      path: 'x/ddp',
      image: 'x-ddp',
      imageIsBuilt: true,
      workload: 'job',
      ports: [],
      environment: {},
      security: hardenedSecurity(),
      tmpfs: [],
      limits: { memory: gib(8), cpus: 4, pids: 4096 },
      volumes: [],
      secrets: [],
      dependsOn: [],
    },
    kind: 'Job',
    replicas: 1,
    requests: { cpu: '4', memory: '8Gi' },
    limits: { cpu: '4', memory: '8Gi' },
    nodeSelector: {},
    backoffLimit: 0,
    annotations: {},
    runAsUser: 10001,
    runAsGroup: 10001,
    scratch: [],
    mounts: [],
    claimTemplates: [],
    secretKeys: [],
    backingEnv: false,
    ports: [],
    overlays: ['train'],
    // the c10d rendezvous port and a range for NCCL's sockets
    peerPorts: [{ port: 29500, protocol: 'TCP' }, { port: 30000, endPort: 30100, protocol: 'TCP' }],
  };
  const server: KubeWorkload = {
    ...job,
    spec: { ...job.spec, name: 'api', workload: 'server' },
    kind: 'Deployment',
    backoffLimit: undefined,
    peerPorts: undefined,
    overlays: [],
    ports: [{ name: 'http', port: 8000 }],
  };
  const model = (egressCidrs?: Array<{ name: string; cidr: string }>): KubeModel => ({
    partOf: 'x',
    namespace: 'x',
    createNamespace: true,
    tag: 'dev',
    workloads: [job, server],
    claims: [],
    backingConfig: {},
    secrets: [],
    appSecrets: [],
    network: {
      members: [
        { name: 'ddp', backing: false, ports: [], dependsOn: [], publishes: false },
        { name: 'api', backing: false, ports: [8000], dependsOn: [], publishes: true },
      ],
      links: [],
      exposed: [],
      internalOnly: [],
      wholeNamespace: true,
      egressCidrs,
    },
  });
  const ddpLabels = { 'app.kubernetes.io/name': 'ddp', 'app.kubernetes.io/part-of': 'x' };
  const evaluate = (m: KubeModel) => {
    const docs: any[] = renderKubernetes(m).flatMap((f) => f.documents);
    const pods = podsOf(docs, (ns) => namespaceLabels(ns), 'x');
    const named = (name: string) => pods.find((p) => p.name === name)!;
    return { policies: docs.filter((d) => d.kind === 'NetworkPolicy'), ddp: named('ddp'), api: named('api') };
  };

  test.each([['open egress', undefined], ['restricted egress', []]] as const)(
    '%s: ranks reach each other on the peer ports, nothing else does', (_name, cidrs) => {
      const { policies, ddp, api } = evaluate(model(cidrs ? [...cidrs] : undefined));
      const rank = sibling(ddp);
      expect(connects(policies, ddp, rank, 29500)).toBe(true);
      expect(connects(policies, rank, ddp, 30000)).toBe(true);
      expect(connects(policies, ddp, rank, 30100)).toBe(true);
      expect(connects(policies, ddp, rank, 30101)).toBe(false);
      expect(connects(policies, ddp, rank, 8000)).toBe(false);
      expect(connects(policies, ddp, rank, 29500, 'UDP')).toBe(false);
      // other pods, of the stack or not, do not reach the peer ports
      expect(connects(policies, api, ddp, 29500)).toBe(false);
      const lookalike = foreignPod('x', { 'app.kubernetes.io/name': 'ddp' });
      expect(connects(policies, lookalike, ddp, 29500)).toBe(false);
      // the ranks reach no other pod through their peer rule
      expect(connects(policies, ddp, api, 8000)).toBe(false);
      expect(egressAllowed(policies, ddp, rank, 29500)).toBe(true);
    });

  test('a workload without peer ports gets no rule for its own pods; the policies are schema-valid', () => {
    const { policies, api } = evaluate(model([]));
    expect(connects(policies, api, sibling(api), 8000)).toBe(false);
    expect(schemaErrors(policies)).toEqual([]);
    expect(policies.find((p) => p.metadata.name === 'ddp').spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: ddpLabels } }],
      ports: [{ protocol: 'TCP', port: 29500 }, { protocol: 'TCP', port: 30000, endPort: 30100 }],
    }]);
  });
});

// ---------------------------------------------------------------------------------------
// The evaluator itself, on policies whose meaning the Kubernetes documentation spells out

describe('the test\'s policy evaluator', () => {
  const target: Pod = {
    name: 'db',
    namespace: 'prod',
    namespaceLabels: { 'kubernetes.io/metadata.name': 'prod', 'team': 'a' },
    labels: { role: 'db' },
    ports: [{ name: 'pg', containerPort: 5432 }],
  };
  const frontend = foreignPod('prod', { role: 'frontend' });
  const elsewhere: Pod = {
    ...foreignPod('dev', { role: 'frontend' }),
    namespaceLabels: { ...namespaceLabels('dev'), team: 'a' },
  };
  const policy = (spec: any) => ({ kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'prod' }, spec });
  const teamA = { namespaceSelector: { matchLabels: { team: 'a' } } };
  const admins = { podSelector: { matchLabels: { role: 'admin' } } };

  test('no policy allows everything; an empty ingress policy denies everything', () => {
    expect(connects([], frontend, target, 5432)).toBe(true);
    const denyAll = policy({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(connects([denyAll], frontend, target, 5432)).toBe(false);
    const other = policy({ podSelector: { matchLabels: { role: 'other' } }, policyTypes: ['Ingress'] });
    expect(connects([other], frontend, target, 5432)).toBe(true);
  });

  test('namespaceSelector and podSelector: both in one peer, either in two peers', () => {
    const and = policy({ podSelector: {}, ingress: [{ from: [{ ...teamA, ...admins }] }] });
    const or = policy({ podSelector: {}, ingress: [{ from: [teamA, admins] }] });
    expect(ingressAllowed([and], elsewhere, target, 5432)).toBe(false);
    expect(ingressAllowed([or], elsewhere, target, 5432)).toBe(true);
    // a podSelector alone means the policy's namespace
    const frontends = { podSelector: { matchLabels: { role: 'frontend' } } };
    const local = policy({ podSelector: {}, ingress: [{ from: [frontends] }] });
    expect(ingressAllowed([local], frontend, target, 5432)).toBe(true);
    expect(ingressAllowed([local], elsewhere, target, 5432)).toBe(false);
  });

  test('ports: numbers, names of the destination\'s ports, ranges, protocols', () => {
    const named = policy({ podSelector: {}, ingress: [{ ports: [{ port: 'pg' }] }] });
    expect(ingressAllowed([named], frontend, target, 5432)).toBe(true);
    expect(ingressAllowed([named], frontend, target, 5433)).toBe(false);
    const range = policy({
      podSelector: {},
      ingress: [{ ports: [{ port: 5000, endPort: 5500, protocol: 'TCP' }] }],
    });
    expect(ingressAllowed([range], frontend, target, 5432)).toBe(true);
    expect(ingressAllowed([range], frontend, target, 5432, 'UDP')).toBe(false);
  });

  test('policyTypes default to Ingress, plus Egress with egress rules; matchExpressions', () => {
    const egressOnly = policy({
      podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] },
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
    });
    expect(isolated([egressOnly], frontend, 'Ingress')).toBe(true);
    expect(isolated([egressOnly], frontend, 'Egress')).toBe(true);
    expect(egressAllowed([egressOnly], frontend, { ip: '10.2.0.1' }, 443)).toBe(true);
    expect(egressAllowed([egressOnly], frontend, { ip: '10.1.0.1' }, 443)).toBe(false);
    const absent = { matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] };
    const notIn = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] };
    expect(selects(absent, { role: 'x' })).toBe(false);
    expect(selects(notIn, { role: 'x' })).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------

describe('random stacks', () => {
  const app = fc.record({
    id: fc.constantFrom('alpha', 'bravo', 'charlie', 'delta', 'echo'),
    port: fc.option(fc.integer({ min: 1024, max: 9000 }), { nil: undefined }),
  });
  const def = fc.record({
    apps: fc.uniqueArray(app, { minLength: 1, maxLength: 4, selector: (a) => a.id }),
    // [from, to]: an app may wait for an app listed before it (no cycles)
    edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 5 }),
    backing: fc.subarray(['postgres', 'redis', 'mlflow'] as const),
    dev: fc.boolean(),
    restricted: fc.boolean(),
  }).filter((d) => {
    const ports = d.apps.flatMap((a) => (a.port ? [a.port] : []));
    return new Set(ports).size === ports.length;
  });
  const presets = {
    postgres: BackingService.POSTGRES,
    redis: BackingService.REDIS,
    mlflow: BackingService.MLFLOW,
  };

  type Def = typeof def extends fc.Arbitrary<infer T> ? T : never;

  function define(project: MlDockerProject, d: Def): void {
    const services: PythonService[] = [];
    for (const [i, a] of d.apps.entries()) {
      const n = d.apps.length;
      const waits = d.edges.filter(([from, to]) => from % n === i && to % n < i)
        .map(([, to]) => services[to % n]);
      const command = ['python', '-m', `${a.id}.main`];
      const dependsOn = [...new Set(waits)];
      services.push(new PythonService(project, a.id, { command, port: a.port, dependsOn }));
    }
    const backingServices = d.backing.map((b) => presets[b]);
    new ComposeStack(project, 'stack', { backingServices });
    new KubernetesManifests(project, 'k8s', {
      backingServices,
      backingServiceMode: d.dev
        ? KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS
        : KubernetesBackingMode.EXTERNAL,
      ...(d.restricted
        ? { egress: KubernetesEgress.RESTRICTED, egressCidrs: { outside: '10.0.0.0/8' } }
        : {}),
    });
  }

  test('the policies allow exactly the pairs compose allows', () => {
    fc.assert(fc.property(def, (d) => {
      const project = newProject();
      define(project, d);
      synth(project);
      const base = path.join(project.outdir, 'k8s/base');
      const docs = fs.readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
        .flatMap((f) => parseAll(fs.readFileSync(path.join(base, f), 'utf-8')));
      const ours = docs.find((x) => x.kind === 'Namespace');
      const pods = podsOf(docs, (ns) => namespaceLabels(ns, ours), NAMESPACE);
      const policies = docs.filter((x) => x.kind === 'NetworkPolicy');
      const b: Built = { dir: project.outdir, out: {}, objects: docs, policies, pods };
      const inCluster = (pair: string) => pods.some((p) => pair.includes(` -> ${p.name}:`));
      const expected = composePairs(composeJson(project.outdir)).filter(inCluster);
      expect(policyPairs(b)).toEqual(expected);
      for (const p of pods) expect(isolated(policies, p, 'Ingress')).toBe(true);
    }), { numRuns: Math.max(5, Math.ceil(RUNS / 2)) });
  });
});
