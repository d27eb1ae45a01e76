import { BackingServiceKind } from './backing-service';
import {
  DRIVER_ANNOTATION, KUEUE_QUEUE_LABEL, KubeModel, KubeNetwork, KubeWorkload,
} from './kubernetes-model';
import { KubernetesBackingMode } from './kubernetes-props';
import { DEFAULT_DENY_POLICY, NETWORK_POLICIES_FILE } from './network-policy-render';
import { renderSecretsScript } from './secrets-render';
import { reachTable } from './stack-links';
import { BASE_DIR, K8S_DIR, SECRETS_DIR } from '../core/layout';
import { renderTemplate } from '../core/template';

/**
 * The two files beside the manifests that people read or run: `k8s/README.md` (how to apply,
 * the files, volumes, secrets, what to run each backing service with, who can reach what) and
 * `k8s/ensure-secrets.sh`. Both from the manifests' model alone.
 */

/** What to run each backing service with instead, when it is not run for you. */
const RECOMMENDED: Record<BackingServiceKind, string> = {
  [BackingServiceKind.POSTGRES]: 'the CloudNativePG operator (https://cloudnative-pg.io; a `Cluster` named `pg` serves read-write at `pg-rw` and keeps the app user\'s password in the Secret `pg-app`, key `password`) or a managed PostgreSQL (Amazon RDS, Cloud SQL, Azure Database for PostgreSQL)',
  [BackingServiceKind.REDIS]: 'a managed Redis or Valkey (ElastiCache, Memorystore, Azure Cache for Redis) or an operator your platform runs (for example the OT-CONTAINER-KIT redis-operator), with `requirepass` set',
  [BackingServiceKind.MLFLOW]: 'MLflow\'s own Helm chart (https://mlflow.org/docs/latest/self-hosting/kubernetes-helm/), backed by the PostgreSQL above and object storage for artifacts',
};

/**
 * `k8s/README.md` (templates/k8s-README.md.ejs): how to apply, the files, volumes, secrets, backing services.
 */
export function renderKubernetesReadme(
  marker: string, model: KubeModel, mode: KubernetesBackingMode, kinds: readonly BackingServiceKind[],
  hosts: Readonly<Record<string, string>>, dir: string = K8S_DIR,
): string {
  const overlays = [...new Set(model.workloads.flatMap((w) => w.overlays))].sort();
  return renderTemplate('k8s-README.md.ejs', {
    marker,
    dir,
    namespace: model.namespace,
    overlays,
    commands: [
      ['npx projen k8s:secrets', 'checks (or creates) the secret files kustomize reads'],
      [`kubectl apply -k ${dir}/`, 'the serving stack'],
      ...overlays.map((o) => [`kubectl apply -k ${dir}/${o}/`, `the serving stack plus the "${o}" jobs`]),
    ],
    files: [
      ['kustomization.yaml', 'entry point: the base'],
      [`${BASE_DIR}/kustomization.yaml`, `namespace \`${model.namespace}\`, resources, the \`backing-services\` ConfigMap and the \`stack-secrets\` Secret generators`],
      ...(model.network ? [[`${BASE_DIR}/${NETWORK_POLICIES_FILE}`,
        `NetworkPolicy \`${DEFAULT_DENY_POLICY}\`: every connection no other policy allows is refused`]] : []),
      ...model.workloads.filter((w) => w.overlays.length === 0).map((w) => [`${BASE_DIR}/${w.spec.name}.yaml`, describe(model, w)]),
      ...(model.claims.length ? [[`${BASE_DIR}/volumes.yaml`, `PersistentVolumeClaims: ${model.claims.map((c) => `\`${c.name}\` (${c.size})`).join(', ')}`]] : []),
      ...overlays.flatMap((o) => [
        [`${o}/kustomization.yaml`, `overlay for the compose profile \`${o}\`: the base plus its jobs`],
        ...model.workloads.filter((w) => w.overlays.includes(o)).map((w) => [`${o}/${w.spec.name}.yaml`, describe(model, w)]),
      ]),
    ],
    volumes: model.claims.length > 0 || model.workloads.some((w) => w.claimTemplates.length > 0),
    secrets: model.secrets,
    secretsDir: `${dir}/${BASE_DIR}/${SECRETS_DIR}`,
    external: mode === KubernetesBackingMode.EXTERNAL,
    backing: kinds.map((k) => ({ kind: k, recommended: RECOMMENDED[k], host: hosts[k] ?? k })),
    network: model.network && networkSection(model, model.network),
    // ends with its own newline; empty without a JobSet or TrainJob (the README stays as it was)
    distributed: renderDistributedReadme(model, dir).replace(/\n+$/, '\n') || undefined,
  });
}

/** The README's "Network policies" section: the table, the default deny, the ingress source, the egress. */
function networkSection(model: KubeModel, network: KubeNetwork): Record<string, unknown> {
  const restricted = network.egressCidrs !== undefined;
  const cidrs = network.egressCidrs ?? [];
  const internal = network.internalOnly.map(code);
  const inCluster = new Set(model.workloads.map((w) => w.spec.name));
  const outside = network.members.filter((m) => m.backing && !inCluster.has(m.name)).map((m) => code(m.name));
  const scope = network.wholeNamespace
    ? 'every pod of the namespace'
    : 'the pods of this stack (the namespace is not the manifests\' own: its other pods keep their traffic)';
  const them = (items: readonly string[]) => (items.length === 1 ? 'it' : 'them');
  return {
    table: reachTable(network.members, network.links),
    defaultDeny: `The default deny (\`${BASE_DIR}/${NETWORK_POLICIES_FILE}\`) refuses every connection `
      + `${restricted ? 'into and out of' : 'into'} ${scope} that no other policy allows.`,
    egressListed: restricted || internal.length > 0,
    inbound: item(inbound(model, network)),
    outbound: item(restricted ? [
      'restricted (`KubernetesEgress.RESTRICTED`): every pod reaches the cluster DNS (pods labelled',
      '`k8s-app: kube-dns` in `kube-system`, port 53) and the services of the table it uses;',
      cidrs.length
        ? `${internal.length ? `pods other than ${list(internal)}` : 'the pods'} also reach the ranges of `
          + '`egressCidrs`:'
        : 'nothing else (`egressCidrs` names no range).',
    ] : [
      'open (`KubernetesEgress.OPEN`): app pods may connect anywhere (model downloads, package indexes,',
      `APIs)${internal.length ? `; ${list(internal)} ${internal.length === 1 ? 'reaches' : 'reach'} only the `
        + `cluster DNS, as compose keeps ${them(internal)} on its internal network` : ''}.`,
      '`egress: KubernetesEgress.RESTRICTED` limits them to the cluster DNS, the table and the ranges of '
        + '`egressCidrs`.',
    ]),
    cidrs,
    outside: outside.length ? item([
      `${list(outside)}: the table's connections to ${them(outside)} leave the cluster`
        + `${restricted ? ' through the ranges of `egressCidrs`' : ''};`,
      `${outside.length === 1 ? 'its' : 'their'} own firewall decides who reaches ${them(outside)}.`,
    ]) : undefined,
    dnsNote: restricted
      ? ['A cluster DNS that is not `k8s-app: kube-dns` pods in `kube-system` (NodeLocal DNSCache,',
        'OpenShift\'s) needs its address in `egressCidrs`.']
      : [],
  };
}

/** Who outside the namespace reaches which ports, as lines of the README's list item. */
function inbound(model: KubeModel, network: KubeNetwork): string[] {
  const source = network.ingressSource;
  if (!source) {
    return [
      'nothing. Name your ingress controller with `ingressNamespaceSelector` (and `ingressPodSelector`)',
      'to let it reach the app services\' ports; `kubectl port-forward` works either way (it does not pass',
      'through NetworkPolicies).',
    ];
  }
  const labels = (l: Record<string, string>) => list(Object.keys(l).sort().map((k) => code(`${k}=${l[k]}`)));
  const exposed = network.exposed.map((name) => {
    const w = model.workloads.find((x) => x.spec.name === name);
    return `${code(name)} (port ${(w?.ports ?? []).map((p) => p.port).join(', ')})`;
  });
  return [
    source.podLabels ? `the pods labelled ${labels(source.podLabels)}` : 'the pods',
    source.namespaceLabels
      ? `of the namespaces labelled ${labels(source.namespaceLabels)}`
      : `of the namespace ${code(model.namespace)}`,
    `reach ${exposed.length ? list(exposed) : 'no service (each one has `exposeToIngress: false`)'};`,
    'the other services are reached only as the table says.',
  ];
}

/** The lines of a list item's text, continuation lines indented under it. */
function item(lines: readonly string[]): string {
  return lines.join('\n  ');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** `1 pod`, `2 pods`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** "a", "a and b", "a, b and c". */
function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Kueue's name of the integration that queues each kind. */
const KUEUE_INTEGRATIONS: Record<'JobSet' | 'TrainJob', string> = {
  JobSet: 'jobset.x-k8s.io/jobset',
  TrainJob: 'trainer.kubeflow.org/trainjob',
};

/**
 * The README's "Distributed training" section (templates/k8s-distributed.md.ejs): each JobSet
 * or TrainJob, how to run and watch it, and what the cluster needs for it (the controller and
 * its version, GPUs, ReadWriteMany storage, Kueue's queues). Empty without one.
 */
export function renderDistributedReadme(model: KubeModel, dir: string = K8S_DIR): string {
  const jobs = model.workloads.filter((w) => w.distributed);
  if (jobs.length === 0) return '';
  const kinds = [...new Set(jobs.map((w) => w.distributed!.kind))].sort();
  const claims = [...new Set(jobs.flatMap((w) => w.mounts.map((m) => m.claim)))].sort();
  const gpus = [...new Set(jobs.map((w) => w.distributed!.gpusPerNode))].sort((a, b) => a - b);
  const queues = [...new Set(jobs.flatMap((w) => {
    const queue = w.jobLabels?.[KUEUE_QUEUE_LABEL];
    return queue ? [queue] : [];
  }))].sort();
  const ns = model.namespace;
  return renderTemplate('k8s-distributed.md.ejs', {
    namespace: ns,
    kinds,
    deletes: list(jobs.map((w) => code(`kubectl -n ${ns} delete ${w.distributed!.kind.toLowerCase()} `
      + `${w.spec.name}`))),
    watch: jobs.flatMap((w) => {
      const kind = w.distributed!.kind;
      const pods = `-l jobset.sigs.k8s.io/jobset-name=${w.spec.name}`;
      return [
        `kubectl -n ${ns} get ${kind.toLowerCase()} ${w.spec.name}    # `
          + `${kind === 'JobSet' ? 'terminal state, restarts, completed' : 'conditions'}`,
        `kubectl -n ${ns} get pods ${pods} -o wide`,
        `kubectl -n ${ns} logs -f ${pods} --prefix --max-log-requests=${w.distributed!.nodes}`,
      ];
    }),
    trainers: jobs.map((w) => {
      const d = w.distributed!;
      const overlay = w.overlays[0];
      return {
        name: w.spec.name,
        kind: d.kind,
        nodes: d.nodes,
        what: `${d.kind === 'JobSet' ? 'a JobSet' : 'a TrainJob on the `torch-distributed` runtime'} `
          + `of ${plural(d.nodes, 'pod')} (nodes) with ${plural(d.gpusPerNode, 'GPU')} each`,
        file: `${dir}/${overlay ?? BASE_DIR}/${w.spec.name}.yaml`,
        apply: overlay ? `${dir}/${overlay}/` : `${dir}/`,
        host: d.rendezvousHost,
        port: d.rendezvousPort,
      };
    }),
    gpus: `${list(gpus.map(String))} GPU${gpus.length === 1 && gpus[0] === 1 ? '' : 's'}`,
    claims: claims.length ? list(claims.map(code)) : 'none here',
    queues: queues.length
      ? `the LocalQueue${queues.length === 1 ? '' : 's'} ${list(queues.map(code))}` : undefined,
    integrations: list(kinds.map((k) => code(KUEUE_INTEGRATIONS[k]))),
    rdma: jobs.some((w) => Object.keys(w.extendedResources ?? {}).length > 0),
  });
}

/**
 * `k8s/ensure-secrets.sh`: checks (external backing services) or creates (in-cluster ones) the files
 * kustomize's secretGenerator reads.
 */
export function renderKubernetesSecretsScript(
  marker: string, model: KubeModel, mode: KubernetesBackingMode, dir: string = K8S_DIR,
): string {
  const create = mode === KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS;
  return renderSecretsScript({
    marker,
    comments: [
      `The files kustomize's secretGenerator reads (${dir}/${BASE_DIR}/${SECRETS_DIR}/, git-ignored, 0700).`,
      create
        ? 'In-cluster backing services: missing files are created with random values; existing ones are kept.'
        : 'External backing services: their passwords must be placed here; missing files are listed.',
    ],
    dir: `${dir}/${BASE_DIR}/${SECRETS_DIR}`,
    dirVariable: true,
    names: model.secrets,
    create,
    mode: '400',
    countMissing: true,
    root: dir.split('/').map(() => '..').join('/'),
  });
}

function describe(model: KubeModel, w: KubeWorkload): string {
  const d = w.distributed;
  if (d) {
    const pods = `${plural(d.nodes, 'pod')} of ${plural(d.gpusPerNode, 'GPU')}`;
    const restarts = d.kind === 'JobSet' ? `, up to ${d.maxRestarts} restarts of the set` : '';
    return [`${d.kind} (${pods}${restarts})`, ...(model.network ? ['its NetworkPolicy'] : [])].join('; ');
  }
  const parts = [w.kind === 'Job' ? `Job (restartPolicy Never, backoffLimit ${w.backoffLimit})` : w.kind === 'StatefulSet' ? 'StatefulSet (1 replica, development only)' : `Deployment (${w.replicas} replica${w.replicas === 1 ? '' : 's'})`];
  if (w.ports.length && w.kind !== 'Job') parts.push(`Service on port ${w.ports.map((p) => p.port).join(', ')}`);
  if (w.gpuCount !== undefined) parts.push(`${w.gpuCount} GPU${w.gpuCount === 1 ? '' : 's'}${w.annotations[DRIVER_ANNOTATION] ? `, driver >= ${w.annotations[DRIVER_ANNOTATION]}` : ''}`);
  if (model.network) parts.push('its NetworkPolicy');
  return parts.join('; ');
}
