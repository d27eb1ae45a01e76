import {
  CLUSTER_DNS, KubeModel, KubeNetwork, KubePolicyPort, KubeWorkload, LABEL_PREFIX, NAMESPACE_NAME_LABEL,
  podSelectorLabels,
} from './kubernetes-model';

/**
 * The NetworkPolicies of the manifests, from the stack's links (`stack-links.ts`, the same
 * ones compose's `depends_on` and networks come from): a default deny in
 * `base/network-policies.yaml`, and one policy per workload, in the workload's own file, that
 * opens its ports to the workloads linked to it and, when egress is restricted (or the
 * workload is one compose keeps on its internal network), lists where it may connect to.
 * Pure: model in, plain objects out.
 */

/** The file of the default deny, beside the workloads in `base/`. */
export const NETWORK_POLICIES_FILE = 'network-policies.yaml';
/** The default deny's name. */
export const DEFAULT_DENY_POLICY = 'default-deny';

const API_VERSION = 'networking.k8s.io/v1';

type Peer = Record<string, unknown>;
/** One rule: its peers (`from` or `to`) and ports (none: every port). */
type Rule = { peers: Peer[]; ports?: readonly KubePolicyPort[] };

function ports(list: readonly KubePolicyPort[]): Array<Record<string, unknown>> {
  return list.map((p) => ({
    protocol: p.protocol,
    port: p.port,
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
  }));
}

function tcp(w: KubeWorkload): KubePolicyPort[] {
  return w.ports.map((p) => ({ port: p.port, protocol: 'TCP' }));
}

function podPeer(model: KubeModel, name: string): Peer {
  return { podSelector: { matchLabels: podSelectorLabels(model.partOf, name) } };
}

function rule(direction: 'from' | 'to', r: Rule): Record<string, unknown> {
  return { [direction]: r.peers, ...(r.ports ? { ports: ports(r.ports) } : {}) };
}

function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** The pods that may open this workload's ports: linked workloads, its own peers, the ingress source. */
function ingressRules(model: KubeModel, network: KubeNetwork, w: KubeWorkload): Rule[] {
  const rules: Rule[] = [];
  const name = w.spec.name;
  const deployed = (n: string) => model.workloads.some((x) => x.spec.name === n);
  const clients = [...new Set(network.links.filter((l) => l.to === name).map((l) => l.from))]
    .filter((c) => c !== name && deployed(c)).sort();
  if (clients.length && w.ports.length) {
    rules.push({ peers: clients.map((c) => podPeer(model, c)), ports: tcp(w) });
  }
  if (w.peerPorts?.length) rules.push({ peers: [podPeer(model, name)], ports: w.peerPorts });
  const source = network.ingressSource;
  if (source && network.exposed.includes(name) && w.ports.length) {
    const peer: Peer = {};
    if (source.namespaceLabels) peer.namespaceSelector = { matchLabels: sorted(source.namespaceLabels) };
    if (source.podLabels) peer.podSelector = { matchLabels: sorted(source.podLabels) };
    rules.push({ peers: [peer], ports: tcp(w) });
  }
  return rules;
}

/** Where this workload may connect to: DNS, the workloads it links to, its peers, the named ranges. */
function egressRules(model: KubeModel, network: KubeNetwork, w: KubeWorkload): Rule[] {
  const name = w.spec.name;
  const dns: Rule = {
    peers: [{
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: CLUSTER_DNS.namespace } },
      podSelector: { matchLabels: { ...CLUSTER_DNS.podLabels } },
    }],
    ports: [{ port: CLUSTER_DNS.port, protocol: 'UDP' }, { port: CLUSTER_DNS.port, protocol: 'TCP' }],
  };
  const rules: Rule[] = [dns];
  if (network.internalOnly.includes(name)) return rules;
  const targets = [...new Set(network.links.filter((l) => l.from === name).map((l) => l.to))].sort();
  for (const target of targets) {
    const t = model.workloads.find((x) => x.spec.name === target);
    // a backing service outside the cluster is reached through egressCidrs
    if (t && t.ports.length && target !== name) {
      rules.push({ peers: [podPeer(model, target)], ports: tcp(t) });
    }
  }
  if (w.peerPorts?.length) rules.push({ peers: [podPeer(model, name)], ports: w.peerPorts });
  const cidrs = network.egressCidrs ?? [];
  if (cidrs.length) rules.push({ peers: cidrs.map((c) => ({ ipBlock: { cidr: c.cidr } })) });
  return rules;
}

/**
 * Whether a workload's policy restricts its egress: under restricted egress, and for the
 * services compose keeps on its internal network.
 */
function restrictsEgress(network: KubeNetwork, w: KubeWorkload): boolean {
  return network.egressCidrs !== undefined || network.internalOnly.includes(w.spec.name);
}

/**
 * The policy of one workload: its pods, the ingress rules that open its ports, and its egress
 * rules when its egress is restricted. `metadata` is the workload's own (name and labels).
 */
export function workloadPolicy(model: KubeModel, w: KubeWorkload,
  metadata: Record<string, unknown>): Record<string, unknown> | undefined {
  const network = model.network;
  if (!network) return undefined;
  const egress = restrictsEgress(network, w);
  const spec: Record<string, unknown> = {
    podSelector: { matchLabels: podSelectorLabels(model.partOf, w.spec.name) },
    policyTypes: egress ? ['Ingress', 'Egress'] : ['Ingress'],
  };
  const ingress = ingressRules(model, network, w);
  // no ingress rule: nothing may open a connection to the pods
  if (ingress.length) spec.ingress = ingress.map((r) => rule('from', r));
  if (egress) spec.egress = egressRules(model, network, w).map((r) => rule('to', r));
  return { apiVersion: API_VERSION, kind: 'NetworkPolicy', metadata, spec };
}

/**
 * The default deny: refuses every connection into the selected pods (and, with restricted
 * egress, out of them) that no other policy allows. It selects every pod of a namespace the
 * manifests create, else only the stack's own pods (a shared namespace keeps its other
 * workloads' traffic).
 */
export function defaultDenyPolicy(model: KubeModel): Record<string, unknown> | undefined {
  const network = model.network;
  if (!network) return undefined;
  const partOf = { [`${LABEL_PREFIX}/part-of`]: model.partOf };
  return {
    apiVersion: API_VERSION,
    kind: 'NetworkPolicy',
    metadata: {
      name: DEFAULT_DENY_POLICY,
      labels: { ...partOf, [`${LABEL_PREFIX}/managed-by`]: 'projen-ml-docker' },
    },
    spec: {
      podSelector: network.wholeNamespace ? {} : { matchLabels: partOf },
      policyTypes: network.egressCidrs !== undefined ? ['Ingress', 'Egress'] : ['Ingress'],
    },
  };
}
