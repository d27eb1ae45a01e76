import { KubeNetwork, KubeWorkload, NAMESPACE_NAME_LABEL, workloadLabels } from './kubernetes-model';
import { KubernetesEgress, KubernetesManifestsProps } from './kubernetes-props';
import { checkNodeSelector } from './kubernetes-quantities';
import { LinkMember, StackLink } from './stack-links';
import { isCidrProblem, parseCidr } from '../core/cidr';
import { Problems } from '../core/problems';

/**
 * The network props of the manifests (`networkPolicies`, the ingress sources, the egress and
 * its named ranges), checked once in the constructor, and the policies' model built from them
 * and the stack's links at synth (`kubernetes-model.ts` `KubeNetwork`; rendered by
 * `network-policy-render.ts`).
 */

type Labels = Record<string, string>;

/** The network props, checked and resolved. */
export interface NetworkSettings {
  /** `networkPolicies` (default true). */
  readonly enabled: boolean;
  readonly ingressSource?: { readonly namespaceLabels?: Labels; readonly podLabels?: Labels };
  /** Restricted egress: its named ranges, sorted by name. Absent: open. */
  readonly egressCidrs?: ReadonlyArray<{ readonly name: string; readonly cidr: string }>;
}

const CIDR_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TURNED_OFF = ['ingressNamespaceSelector', 'ingressPodSelector', 'egressCidrs'] as const;

/**
 * Checks the network props. `externalBacking` names the backing services the manifests reach
 * outside the cluster (restricted egress needs a range to reach them through).
 */
export function checkNetworkProps(problems: Problems, props: KubernetesManifestsProps,
  externalBacking: readonly string[]): NetworkSettings {
  const enabled = props.networkPolicies ?? true;
  const restricted = props.egress === KubernetesEgress.RESTRICTED;
  if (!enabled) {
    for (const key of TURNED_OFF.filter((k) => props[k] !== undefined)) {
      problems.add(`${key} is set with networkPolicies: false`, props[key],
        `no ${key} (nothing enforces it without network policies), or networkPolicies: true`);
    }
    if (restricted) {
      problems.add('egress is restricted with networkPolicies: false', props.egress,
        'networkPolicies: true (the egress rules are network policies), or no egress');
    }
    return { enabled };
  }
  const namespaceLabels = selector(problems, 'ingressNamespaceSelector', props.ingressNamespaceSelector,
    'namespace of the cluster');
  const podLabels = selector(problems, 'ingressPodSelector', props.ingressPodSelector,
    'pod of the namespace');
  const ingressSource = namespaceLabels || podLabels ? { namespaceLabels, podLabels } : undefined;
  if (props.egressCidrs !== undefined && !restricted) {
    problems.add('egressCidrs is set with open egress', Object.keys(props.egressCidrs),
      'egress: KubernetesEgress.RESTRICTED (open egress reaches every address already), '
      + 'or no egressCidrs');
  }
  if (!restricted) return { enabled, ingressSource };
  const ranges = cidrs(problems, props.egressCidrs ?? {});
  if (externalBacking.length > 0 && ranges.length === 0) {
    problems.add('egress is restricted, but egressCidrs has no range for the backing services '
      + 'run outside the cluster', externalBacking,
    'their address ranges in egressCidrs, e.g. { "postgres": "10.20.0.0/16" } (or KubernetesEgress.OPEN)');
  }
  return { enabled, ingressSource, egressCidrs: ranges };
}

/** A label selector of the props: label keys and values, at least one label. */
function selector(problems: Problems, field: string, labels: Labels | undefined,
  every: string): Labels | undefined {
  if (labels === undefined) return undefined;
  if (Object.keys(labels).length === 0) {
    problems.add(field, labels, `at least one label (an empty selector matches every ${every})`);
    return undefined;
  }
  return checkNodeSelector(problems, field, labels);
}

/** The named ranges, each a canonical CIDR under a DNS-label name, each range once, sorted by name. */
function cidrs(problems: Problems, named: Record<string, string>): Array<{ name: string; cidr: string }> {
  const out: Array<{ name: string; cidr: string }> = [];
  const seen = new Map<string, string>();
  for (const name of Object.keys(named).sort()) {
    const cidr = named[name];
    if (!CIDR_NAME.test(name) || name.length > 63) {
      problems.add('egressCidrs name', name, 'lowercase letters, digits and "-", starting and ending with '
        + 'a letter or digit, at most 63 characters, e.g. "model-hub"');
    }
    const parsed = parseCidr(cidr);
    if (isCidrProblem(parsed)) {
      problems.add(`egressCidrs.${name}`, cidr, parsed.expected);
    } else if (parsed.prefix === 0) {
      problems.add(`egressCidrs.${name} is every address`, cidr,
        'a narrower range, or egress: KubernetesEgress.OPEN');
    } else if (seen.has(cidr)) {
      problems.add(`egressCidrs.${name} repeats the range of egressCidrs.${seen.get(cidr)}`, cidr,
        'each range once');
    } else {
      seen.set(cidr, name);
      out.push({ name, cidr });
    }
  }
  return out;
}

/** What the policies' model needs beyond the settings. */
export interface NetworkContext {
  readonly members: readonly LinkMember[];
  readonly links: readonly StackLink[];
  readonly workloads: readonly KubeWorkload[];
  /** The app workloads whose ports the ingress source does not reach (`exposeToIngress: false`). */
  readonly hidden: ReadonlySet<string>;
  /** Workloads compose keeps on its internal network only. */
  readonly internalOnly: readonly string[];
  readonly partOf: string;
  readonly namespace: string;
  /** Labels of the Namespace object the manifests render; absent when they render none. */
  readonly namespaceLabels?: Labels;
}

/**
 * The policies' model, refusing ingress sources that would select the stack's own pods (one
 * service reaches another through `dependsOn`, never through the door meant for an ingress
 * controller). Undefined with `networkPolicies: false`.
 */
export function networkModel(problems: Problems, settings: NetworkSettings,
  ctx: NetworkContext): KubeNetwork | undefined {
  if (!settings.enabled) return undefined;
  const source = settings.ingressSource;
  if (source) {
    const ours = { ...(ctx.namespaceLabels ?? {}), [NAMESPACE_NAME_LABEL]: ctx.namespace };
    const inOurNamespace = source.namespaceLabels === undefined || within(source.namespaceLabels, ours);
    const selected = inOurNamespace
      ? ctx.workloads.filter((w) => within(source.podLabels ?? {}, workloadLabels(ctx.partOf, w)))
      : [];
    if (selected.length > 0) {
      problems.add('the ingress sources select pods of the manifests', selected.map((w) => w.spec.name),
        'labels of pods or namespaces outside the stack, such as an ingress controller\'s '
        + '(one service reaches another through dependsOn)');
    }
  }
  // backing services are never exposed: compose publishes mlflow to the host only
  const apps = ctx.workloads.filter((w) => w.kind !== 'StatefulSet' && w.ports.length > 0)
    .map((w) => w.spec.name);
  return {
    members: ctx.members,
    links: ctx.links,
    ingressSource: source,
    exposed: source ? apps.filter((a) => !ctx.hidden.has(a)) : [],
    egressCidrs: settings.egressCidrs,
    internalOnly: ctx.internalOnly.filter((n) => ctx.workloads.some((w) => w.spec.name === n)),
    wholeNamespace: ctx.namespaceLabels !== undefined,
  };
}

/** Every label of `wanted` is in `labels` with the same value. */
function within(wanted: Labels, labels: Labels): boolean {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}
