/**
 * Distributed trainers on Kubernetes: a JobSet (or a Kubeflow Trainer TrainJob) of one pod per
 * node, built from the project's own manifests model. Each object's pod template passes the
 * restricted Pod Security Standard and the upstream pod schema; the real kustomize builds the
 * tree, with the generated names and image tags reaching the custom resources; the
 * NetworkPolicy lets the job's pods reach each other on the rendezvous and NCCL ports only.
 * (The CRD schemas themselves are checked in test/corpus/distributed-crds.test.ts.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DistributedTree, distributedTree, kustomizeBuild } from './support/distributed-tree';
import { podSpecOf, restrictedViolations, schemaErrors } from './support/kube-checks';
import { Pod, connects, podsOf } from './support/policy-evaluator';
import { DistributedRuntime, NcclDebug } from '../src/core/distributed-spec';
import { renderTemplate } from '../src/core/template';
import { COMPLETION_INDEX_FIELD } from '../src/stack/distributed-workload';
import { renderDistributedReadme } from '../src/stack/kubernetes-docs';
import { checkRenderedNames } from '../src/stack/kubernetes-names';
import { KubernetesEgress } from '../src/stack/kubernetes-props';

const SIZES: Array<[number, number]> = [1, 2, 4]
  .flatMap((nodes) => [1, 8].map((gpus): [number, number] => [nodes, gpus]));
const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
const TRAIN = ['-m', 'trainer.train'];

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);

/** The trainer's container: in the pod template of a Job or JobSet. */
function trainerContainer(built: DistributedTree): any {
  return podSpecOf(built.trainer).containers[0];
}

/** Variables by name: values, `field:<path>` for pod fields, `field:configmap:<key>` for ConfigMap keys. */
function envOf(entries: any[] = []): Record<string, string> {
  const valueOf = (e: any) => e.value
    ?? `field:${e.valueFrom?.fieldRef?.fieldPath ?? `configmap:${e.valueFrom?.configMapKeyRef?.key}`}`;
  return Object.fromEntries(entries.map((e) => [e.name, valueOf(e)]));
}

/** torchrun's size options as the launcher writes them. */
function sizeArgs(nodes: number, gpus: number): string[] {
  const perNode = `--nproc_per_node=${gpus}`;
  return nodes === 1 ? ['--standalone', '--nnodes=1', perNode] : [`--nnodes=${nodes}`, perNode];
}

/** The pod template of a JobSet's one replicated Job. */
function jobSetPod(doc: any): any {
  return doc.spec.replicatedJobs[0].template.spec.template;
}

const trees = new Map<string, DistributedTree>();
function tree(nodes: number, gpus: number, runtime = DistributedRuntime.JOBSET): DistributedTree {
  const key = `${nodes}/${gpus}/${runtime}`;
  if (!trees.has(key)) trees.set(key, distributedTree({ nodes, gpusPerNode: gpus, runtime }));
  return trees.get(key)!;
}

describe('rendezvous environment and launcher arguments for {1,2,4} nodes x {1,8} gpus', () => {
  test.each(SIZES)('%i node(s) of %i gpu(s)', (nodes, gpus) => {
    const t = tree(nodes, gpus);
    const c = trainerContainer(t);
    const env = envOf(c.env);
    expect(t.trainer.kind).toBe(nodes > 1 ? 'JobSet' : 'Job');
    expect(c.resources.limits['nvidia.com/gpu']).toBe(gpus);
    const launched = ['torchrun', ...sizeArgs(nodes, gpus), ...TRAIN];
    // one process: the image's own command (CMD); else the launcher's, as the container's arguments
    expect(c.args).toEqual(nodes * gpus === 1 ? undefined : launched);
    if (nodes > 1) {
      expect(env).toMatchObject({
        PET_NNODES: String(nodes),
        PET_NPROC_PER_NODE: String(gpus),
        NNODES: String(nodes),
        NPROC_PER_NODE: String(gpus),
        // the first pod's stable name: <jobset>-<replicated job>-<job index>-<pod index>.<subdomain>
        PET_MASTER_ADDR: 'trainer-node-0-0.trainer',
        MASTER_ADDR: 'trainer-node-0-0.trainer',
        PET_MASTER_PORT: '29500',
        MASTER_PORT: '29500',
        PET_NODE_RANK: `field:${COMPLETION_INDEX_FIELD}`,
        NODE_RANK: `field:${COMPLETION_INDEX_FIELD}`,
        NCCL_DEBUG: 'WARN',
        NCCL_IB_DISABLE: '1',
      });
      const job = t.trainer.spec.replicatedJobs[0].template.spec;
      expect([job.parallelism, job.completions, job.completionMode, job.backoffLimit])
        .toEqual([nodes, nodes, 'Indexed', 0]);
      expect(t.trainer.spec.network)
        .toEqual({ enableDNSHostnames: true, subdomain: 'trainer', publishNotReadyAddresses: true });
      expect(t.trainer.spec.successPolicy).toEqual({ operator: 'All', targetReplicatedJobs: ['node'] });
      expect(t.trainer.spec.failurePolicy).toEqual({ maxRestarts: 2 });
      // the first pod's name as JobSet makes it, with the replicated Job's name
      const spec = t.trainer.spec;
      expect(`${t.trainer.metadata.name}-${spec.replicatedJobs[0].name}-0-0.${spec.network.subdomain}`)
        .toBe(env.PET_MASTER_ADDR);
    } else {
      const rendezvous = ['PET_MASTER_ADDR', 'PET_MASTER_PORT', 'PET_NODE_RANK',
        'MASTER_ADDR', 'MASTER_PORT', 'NODE_RANK'];
      for (const name of rendezvous) expect(env[name]).toBeUndefined();
      if (gpus > 1) {
        expect(env).toMatchObject({ PET_NNODES: '1', PET_NPROC_PER_NODE: String(gpus), NCCL_DEBUG: 'WARN' });
      } else {
        expect(env.PET_NNODES).toBeUndefined();
      }
    }
  });

  test.each(SIZES)('%i node(s) of %i gpu(s): /dev/shm in memory, no host network, nothing privileged',
    (nodes, gpus) => {
      const pod = podSpecOf(tree(nodes, gpus).trainer);
      expect(pod.volumes.find((v: any) => v.name === 'dshm'))
        .toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
      expect(pod.hostNetwork).toBeUndefined();
      expect(pod.hostIPC).toBeUndefined();
      expect(pod.containers[0].securityContext.privileged).toBe(false);
      expect(restrictedViolations(tree(nodes, gpus).trainer)).toEqual([]);
    });
});

describe('a JobSet', () => {
  const t = tree(4, 8);

  test('its pods pin their ephemeral ports (an allowed sysctl) to the range the policy opens', () => {
    expect(podSpecOf(t.trainer).securityContext.sysctls)
      .toEqual([{ name: 'net.ipv4.ip_local_port_range', value: '32768 60999' }]);
  });

  test('the restart budget is the trainer\'s backoffLimit', () => {
    const budget = distributedTree({ nodes: 2, gpusPerNode: 8, backoffLimit: 5 });
    expect(budget.trainer.spec.failurePolicy).toEqual({ maxRestarts: 5 });
  });

  test('checkpoints and data are on ReadWriteMany claims: the pods may run on different nodes', () => {
    const claims = t.docs.filter((d) => d.kind === 'PersistentVolumeClaim');
    expect(claims.map((c) => [c.metadata.name, c.spec.accessModes])).toEqual([
      ['data', ['ReadWriteMany']], ['trainer-checkpoints', ['ReadWriteMany']],
    ]);
    // one node: the claims keep ReadWriteOnce
    const single = tree(1, 8).docs.filter((d) => d.kind === 'PersistentVolumeClaim');
    expect(single.map((c) => c.spec.accessModes)).toEqual([['ReadWriteOnce'], ['ReadWriteOnce']]);
  });

  test('its pod template and job template are valid for the upstream schemas (kubernetes-models)', () => {
    const job = t.trainer.spec.replicatedJobs[0].template;
    const pod = jobSetPod(t.trainer);
    expect(schemaErrors([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'trainer-node-0-0', ...pod.metadata },
        spec: pod.spec,
      },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'trainer-node-0' }, spec: job.spec },
    ])).toEqual([]);
  });

  test('a Kueue queue labels the JobSet (Kueue admits the set), not its pods; a Job of one node too', () => {
    const queued = distributedTree({ nodes: 2, gpusPerNode: 8, kueueQueueName: 'team-a' });
    expect(queued.trainer.metadata.labels[QUEUE_LABEL]).toBe('team-a');
    expect(jobSetPod(queued.trainer).metadata.labels[QUEUE_LABEL]).toBeUndefined();
    const single = distributedTree({ nodes: 1, gpusPerNode: 8, kueueQueueName: 'team-a' });
    expect([single.trainer.kind, single.trainer.metadata.labels[QUEUE_LABEL]]).toEqual(['Job', 'team-a']);
    expect(t.trainer.metadata.labels[QUEUE_LABEL]).toBeUndefined();
  });

  test('NCCL options: log level and interface as given; RDMA only as an opt-in naming its resource', () => {
    const plain = envOf(trainerContainer(t).env);
    expect(plain.NCCL_SOCKET_IFNAME).toBeUndefined();
    const nccl = {
      debug: NcclDebug.INFO, socketInterface: 'eth0', rdmaResource: 'rdma/rdma_shared_device_a',
    };
    const rdma = distributedTree({ nodes: 2, gpusPerNode: 8, nccl });
    const c = trainerContainer(rdma);
    expect(envOf(c.env)).toMatchObject({ NCCL_DEBUG: 'INFO', NCCL_SOCKET_IFNAME: 'eth0' });
    expect(envOf(c.env).NCCL_IB_DISABLE).toBeUndefined();
    expect(c.resources.limits).toEqual({
      'cpu': '8', 'memory': '16Gi', 'nvidia.com/gpu': 8, 'rdma/rdma_shared_device_a': 1,
    });
    // still unprivileged, no capability added, no host network
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(restrictedViolations(rdma.trainer)).toEqual([]);
  });

  test('the same definition renders the same objects', () => {
    expect(distributedTree({ nodes: 4, gpusPerNode: 8 }).files).toEqual(t.files);
  });
});

describe('the pods of a job across nodes reach each other on the rendezvous and NCCL ports only', () => {
  const NS = 'vision';
  const labelsOf = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });
  test.each([
    ['JobSet, open egress', DistributedRuntime.JOBSET, undefined],
    ['JobSet, restricted egress', DistributedRuntime.JOBSET, KubernetesEgress.RESTRICTED],
    ['TrainJob, open egress', DistributedRuntime.KUBEFLOW_TRAINER, undefined],
  ] as const)('%s', (_name, runtime, egress) => {
    const t = distributedTree({ nodes: 2, gpusPerNode: 8, runtime, egress });
    const policies = t.docs.filter((d) => d.kind === 'NetworkPolicy');
    const pods = podsOf(t.docs, labelsOf, NS);
    const rank0 = pods.find((p) => p.name === 'trainer')!;
    const rank1: Pod = { ...rank0, name: 'trainer-2' };
    const api = pods.find((p) => p.name === 'api')!;
    expect(connects(policies, rank1, rank0, 29500)).toBe(true);
    expect(connects(policies, rank0, rank1, 32768)).toBe(true);
    expect(connects(policies, rank1, rank0, 60999)).toBe(true);
    expect(connects(policies, rank1, rank0, 61000)).toBe(false);
    expect(connects(policies, rank1, rank0, 22)).toBe(false);
    expect(connects(policies, api, rank0, 29500)).toBe(false);
    const outsider: Pod = { ...rank0, name: 'x', namespace: 'other', namespaceLabels: labelsOf('other') };
    expect(connects(policies, outsider, rank0, 29500)).toBe(false);
    expect(schemaErrors(policies)).toEqual([]);
  });

  test('a job on one node opens nothing to its own pods', () => {
    const policy = tree(1, 8).docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'trainer');
    expect(policy.spec.ingress).toBeUndefined();
  });
});

describe('a TrainJob on the torch-distributed runtime', () => {
  const t = tree(2, 8, DistributedRuntime.KUBEFLOW_TRAINER);
  const spec = t.trainer.spec;

  test('overrides image, command, sizes and resources; the Trainer sets torchrun\'s PET_* itself', () => {
    expect(t.trainer.kind).toBe('TrainJob');
    expect(spec.runtimeRef)
      .toEqual({
        apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'torch-distributed',
      });
    expect(spec.trainer.image).toBe('ghcr.io/acme/vision-trainer:1.0.0');
    expect(spec.trainer.args).toEqual(['torchrun', ...sizeArgs(2, 8), ...TRAIN]);
    expect([spec.trainer.numNodes, spec.trainer.numProcPerNode]).toEqual([2, 8]);
    expect(spec.trainer.resourcesPerNode.limits['nvidia.com/gpu']).toBe(8);
    const env = envOf(spec.trainer.env);
    // the Trainer refuses these in a TrainJob (TorchRunReservedEnvNames) and sets them to the same values
    const reserved = [
      'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT',
    ];
    for (const name of reserved) expect(env[name]).toBeUndefined();
    // the Trainer's own first pod: <trainjob>-node-0-0.<trainjob>, port 29500
    expect(env).toMatchObject({
      MASTER_ADDR: 'trainer-node-0-0.trainer', MASTER_PORT: '29500', NNODES: '2', NPROC_PER_NODE: '8',
    });
    // the backing services' settings, key by key from their ConfigMap
    expect(env.DATABASE_URL).toBe('field:configmap:DATABASE_URL');
  });

  test('its runtime patch gives the pods the hardening and the labels the NetworkPolicy selects', () => {
    const patch = spec.runtimePatches[0];
    expect(patch.manager).toBe('projen-ml-docker.dev/kubernetes-manifests');
    const job = patch.trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(job.name).toBe('node');
    const pod = job.template.spec.template;
    expect(pod.metadata.labels)
      .toMatchObject({ 'app.kubernetes.io/name': 'trainer', 'app.kubernetes.io/part-of': 'vision' });
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['node']);
    expect(restrictedViolations(t.trainer)).toEqual([]);
    const asPod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'trainer-node-0-0' }, spec: podSpecOf(t.trainer),
    };
    expect(schemaErrors([asPod])).toEqual([]);
  });

  test('a TrainJob of one node: the runtime chosen explicitly', () => {
    const single = tree(1, 8, DistributedRuntime.KUBEFLOW_TRAINER);
    expect([single.trainer.kind, single.trainer.spec.trainer.numNodes]).toEqual(['TrainJob', 1]);
    expect(single.trainer.spec.trainer.args).toEqual(['torchrun', ...sizeArgs(1, 8), ...TRAIN]);
  });
});

describe('the name checks of the rendered tree', () => {
  const owners = (kind: string, name: string) => `${kind} ${name}`;

  const KINDS = [
    ['JobSet', DistributedRuntime.JOBSET], ['TrainJob', DistributedRuntime.KUBEFLOW_TRAINER],
  ] as const;
  test.each(KINDS)(
    'accept the %s and reach into its pod', (kind, runtime) => {
      const t = tree(2, 8, runtime);
      expect(checkRenderedNames(t.files, owners)).toEqual([]);
      const files = structuredClone(t.files);
      const object: any = files.flatMap((f) => f.documents).find((d: any) => d.kind === kind);
      const pod = podSpecOf(object);
      pod.volumes.push({ ...pod.volumes[0] });
      expect(checkRenderedNames(files, owners).map((p) => p.message))
        .toEqual([`two pod volumes of ${kind} trainer have the same name`]);
      object.metadata.name = kind === 'TrainJob' ? '9trainer' : 'Trainer';
      expect(checkRenderedNames(files, owners)[0].message)
        .toBe(`the ${kind} name of ${kind} ${object.metadata.name} is not a valid kubernetes name`);
    });
});

describe('the kustomize tree', () => {
  test('the overlay names its kustomize configuration; the base is untouched', () => {
    const t = tree(2, 8);
    const kustomization = (file: string) => t.files.find((f) => f.path === file)!.documents[0];
    expect(kustomization('train/kustomization.yaml').configurations).toEqual(['kustomizeconfig.yaml']);
    expect(kustomization('base/kustomization.yaml').configurations).toBeUndefined();
    // a trainer of one node renders no configuration at all
    expect(tree(1, 8).files.map((f) => f.path)).not.toContain('train/kustomizeconfig.yaml');
  });

  (hasKustomize ? test : test.skip).each([
    ['JobSet', DistributedRuntime.JOBSET],
    ['TrainJob', DistributedRuntime.KUBEFLOW_TRAINER],
  ] as const)('kubectl kustomize builds the %s: namespace, generated names, image tags', (kind, runtime) => {
    const t = tree(2, 8, runtime);
    // a deployment of the training overlay with its own image tag, as `kustomize edit set image` writes it
    const deploy = path.join(t.dir, 'deploy');
    fs.mkdirSync(deploy, { recursive: true });
    fs.writeFileSync(path.join(deploy, 'kustomization.yaml'),
      'resources: [../k8s/train]\nimages:\n- name: ghcr.io/acme/vision-trainer\n  newTag: "2.0.0"\n');
    const built = kustomizeBuild(t, 'deploy');
    const object = built.find((d) => d.kind === kind);
    const generated = (k: string, prefix: string) =>
      built.find((d) => d.kind === k && d.metadata.name.startsWith(prefix));
    const configMap = generated('ConfigMap', 'backing-services-');
    const secret = generated('Secret', 'stack-secrets-');
    expect(configMap.metadata.name).toMatch(/^backing-services-[a-z0-9]{10}$/);
    expect(object.metadata.namespace).toBe('vision');
    const pod = podSpecOf(object);
    expect(pod.volumes.find((v: any) => v.name === 'secrets').secret.secretName).toBe(secret.metadata.name);
    if (kind === 'JobSet') {
      expect(pod.containers[0].envFrom[0].configMapRef.name).toBe(configMap.metadata.name);
      expect(pod.containers[0].image).toBe('ghcr.io/acme/vision-trainer:2.0.0');
    } else {
      const refs = object.spec.trainer.env.filter((e: any) => e.valueFrom?.configMapKeyRef)
        .map((e: any) => e.valueFrom.configMapKeyRef.name);
      expect(new Set(refs)).toEqual(new Set([configMap.metadata.name]));
      expect(object.spec.trainer.image).toBe('ghcr.io/acme/vision-trainer:2.0.0');
    }
    expect(restrictedViolations(object)).toEqual([]);
  });
});

describe('the guides: the README section of the manifests and the section of docs/containers.md', () => {
  test('the README section says how to run and watch a JobSet and what the cluster needs', () => {
    const queued = distributedTree({ nodes: 2, gpusPerNode: 8, kueueQueueName: 'team-a' });
    const text = renderDistributedReadme(queued.model);
    for (const line of [
      '- **`trainer`** (`k8s/train/trainer.yaml`): a JobSet of 2 pods (nodes) with 8 GPUs each.',
      'torchrun\'s rendezvous store listens on the first pod, `trainer-node-0-0.trainer:29500`',
      'kubectl apply -k k8s/train/',
      '`kubectl -n vision delete jobset trainer`',
      '- **JobSet**: the JobSet controller, v0.5.0 or later',
      '8 GPUs free on each node',
      'every pod mounts the same claims, so they are ReadWriteMany:\n  `data` and `trainer-checkpoints`.',
      '- **Kueue**: the LocalQueue `team-a` in `vision`',
      'kubectl -n vision get jobset trainer',
      'kubectl -n vision logs -f -l jobset.sigs.k8s.io/jobset-name=trainer --prefix --max-log-requests=2',
      'NCCL uses TCP sockets (`NCCL_IB_DISABLE=1`)',
    ]) expect(text).toContain(line);
    expect(text).not.toContain('Kubeflow Trainer');
    expect(text).not.toMatch(/undefined|\[object/);
    expect(text.split('\n').filter((l) => l.length > 110 && !l.includes('https://'))).toEqual([]);
  });

  test('for a TrainJob: the Trainer and its version, what its runtime keeps', () => {
    const text = renderDistributedReadme(tree(2, 8, DistributedRuntime.KUBEFLOW_TRAINER).model);
    expect(text).toContain('- **Kubeflow Trainer**: v2.2.0 or later');
    expect(text).toContain('kubectl -n vision get trainjob trainer');
    expect(text).toContain('(`torch-distributed` has none: the\njob fails at the first failed pod)');
    expect(text).not.toContain('- **JobSet**');
    expect(text).not.toContain('- **Kueue**');
  });

  test('no section for a trainer of one node', () => {
    expect(renderDistributedReadme(tree(1, 8).model)).toBe('');
  });

  test('the docs/containers.md section: one row per trainer, then how each engine runs it', () => {
    const text = renderTemplate('containers-distributed.md.ejs', {
      trainers: [
        {
          id: 'trainer',
          nodes: 1,
          gpusPerNode: 8,
          compose: 'runs',
          kubernetes: 'Job',
          command: 'torchrun --standalone --nnodes=1 --nproc_per_node=8 -m trainer.train',
        },
        {
          id: 'pretrain',
          nodes: 4,
          gpusPerNode: 8,
          compose: 'refused (nodes 4)',
          kubernetes: 'JobSet',
          command: 'torchrun --nnodes=4 --nproc_per_node=8 -m pretrain.main',
        },
      ],
    });
    expect(text).toContain('| `pretrain` | 4 x 8 | `torchrun --nnodes=4 --nproc_per_node=8 -m pretrain.main` '
      + '| refused (nodes 4) | JobSet |');
    expect(text).toContain('ReadWriteMany');
    expect(text.split('\n').filter((l) => l.length > 110 && !l.startsWith('|'))).toEqual([]);
  });
});
