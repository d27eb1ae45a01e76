/**
 * A small NetworkPolicy evaluator, written from the Kubernetes API reference
 * (networking.k8s.io/v1) and independent of the product code: which connections a set of
 * policies allows between pods (or from a pod to an address outside the cluster).
 *
 * The rules it implements: a pod is isolated for a direction when a policy of its namespace
 * selects it and lists that direction in `policyTypes` (absent: Ingress, plus Egress when the
 * policy has egress rules); an isolated pod allows what the union of those policies' rules
 * allows; a rule matches when one of its peers matches (no peers: everything) and one of its
 * ports matches (no ports: every port). A peer with a podSelector alone selects pods of the
 * policy's namespace; with a namespaceSelector, pods of the selected namespaces; both
 * together, pods matching both. Named ports resolve against the destination pod's ports.
 * A connection needs the source's egress and the destination's ingress to allow it.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly namespaceLabels: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly ports: ReadonlyArray<{ name?: string; containerPort: number; protocol?: string }>;
  /** An address for ipBlock peers; a pod without one is never matched by an ipBlock. */
  readonly ip?: string;
}

/** An address outside the cluster. */
export interface External {
  readonly ip: string;
}

export type Endpoint = Pod | External;

const isPod = (e: Endpoint): e is Pod => (e as Pod).labels !== undefined;

/** Whether a label selector matches labels; an absent or empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipv4(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** IPv4 only: enough for the addresses the tests use. */
export function inCidr(ip: string, cidr: string): boolean {
  if (ip.includes(':') || cidr.includes(':')) return false;
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}

function peerMatches(peer: any, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!other.ip) return false;
    const except: string[] = peer.ipBlock.except ?? [];
    return inCidr(other.ip, peer.ipBlock.cidr) && !except.some((c) => inCidr(other.ip!, c));
  }
  if (!isPod(other)) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, other.namespaceLabels)
    : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: any[] | undefined, port: number, protocol: string,
  destination: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      // a named port is the destination pod's port of that name and protocol
      return isPod(destination) && destination.ports.some((c) =>
        c.name === p.port && (c.protocol ?? 'TCP') === protocol && c.containerPort === port);
    }
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

function types(policy: any): string[] {
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? ['Egress'] : [])];
}

function applicable(policies: readonly any[], pod: Pod, direction: 'Ingress' | 'Egress'): any[] {
  return policies.filter((p) => (p.metadata.namespace ?? pod.namespace) === pod.namespace
    && types(p).includes(direction) && selects(p.spec.podSelector, pod.labels));
}

/** A rule's peers match `other` (no peers: everything). */
function peersMatch(peers: any[] | undefined, policyNamespace: string, other: Endpoint): boolean {
  return !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, policyNamespace, other));
}

/** Whether the destination pod's policies let the source in on the port. */
export function ingressAllowed(policies: readonly any[], source: Endpoint, destination: Pod, port: number,
  protocol = 'TCP'): boolean {
  const isolating = applicable(policies, destination, 'Ingress');
  if (isolating.length === 0) return true;
  return isolating.some((p) => (p.spec.ingress ?? []).some((r: any) =>
    peersMatch(r.from, p.metadata.namespace ?? destination.namespace, source)
    && portMatches(r.ports, port, protocol, destination)));
}

/** Whether the source pod's policies let it out to the destination on the port. */
export function egressAllowed(policies: readonly any[], source: Pod, destination: Endpoint, port: number,
  protocol = 'TCP'): boolean {
  const isolating = applicable(policies, source, 'Egress');
  if (isolating.length === 0) return true;
  return isolating.some((p) => (p.spec.egress ?? []).some((r: any) =>
    peersMatch(r.to, p.metadata.namespace ?? source.namespace, destination)
    && portMatches(r.ports, port, protocol, destination)));
}

/** Whether a connection from `source` to `destination` on the port is allowed both ways. */
export function connects(policies: readonly any[], source: Pod, destination: Endpoint, port: number,
  protocol = 'TCP'): boolean {
  return egressAllowed(policies, source, destination, port, protocol)
    && (!isPod(destination) || ingressAllowed(policies, source, destination, port, protocol));
}

/** Whether some policy selects the pod for the direction. */
export function isolated(policies: readonly any[], pod: Pod, direction: 'Ingress' | 'Egress'): boolean {
  return applicable(policies, pod, direction).length > 0;
}

/**
 * The pod template of a workload object: a Deployment's, StatefulSet's or Job's own, a
 * JobSet's (its first replicated Job's), or the pod a Kubeflow TrainJob's runtime patch writes.
 */
function podTemplateOf(d: any): any {
  if (d.kind === 'JobSet') return d.spec.replicatedJobs[0].template.spec.template;
  if (d.kind === 'TrainJob') {
    const job = d.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
    return job.template.spec.template;
  }
  return ['Deployment', 'StatefulSet', 'Job'].includes(d.kind) ? d.spec.template : undefined;
}

/** The pods of the workloads among Kubernetes objects (one pod per workload, named after it). */
export function podsOf(docs: readonly any[], namespaceLabels: (namespace: string) => Record<string, string>,
  fallbackNamespace: string): Pod[] {
  return docs.filter((d) => podTemplateOf(d) !== undefined).map((d) => {
    const namespace = d.metadata.namespace ?? fallbackNamespace;
    const template = podTemplateOf(d);
    return {
      name: d.metadata.name,
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      labels: template.metadata.labels,
      ports: template.spec.containers.flatMap((c: any) => c.ports ?? []),
    };
  });
}
