/**
 * The JobSet and TrainJob of distributed trainers against the real CRDs, read in place from
 * `../shared/data/k8s-crds/` (JobSet v1alpha2, Kubeflow Trainer's TrainJob, and the
 * `torch-distributed` ClusterTrainingRuntime a TrainJob refers to): each object is valid for
 * the CRD's OpenAPI schema with unknown fields refused (kubectl validates strictly), the CEL
 * rules that apply at creation hold, and the TrainJob's runtime patch targets what the runtime
 * has, so the pod the Trainer merges passes the restricted Pod Security Standard.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import * as YAML from 'yaml';
import { DistributedRuntime, NcclDebug } from '../../src/core/distributed-spec';
import {
  DistributedTree, DistributedTreeOptions, distributedTree, kustomizeBuild,
} from '../support/distributed-tree';
import { podSpecOf, restrictedViolations, schemaErrors } from '../support/kube-checks';
import { SHARED_DATA } from '../support/shared-data';

const CRDS = join(SHARED_DATA, 'k8s-crds');

interface Crd {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: any;
}

function readCrd(file: string, version: string): Crd {
  const crd = YAML.parse(readFileSync(join(CRDS, file), 'utf-8'));
  const served = crd.spec.versions.find((v: any) => v.name === version);
  if (!served?.served) throw new Error(`${file} serves no ${version}`);
  return { group: crd.spec.group, kind: crd.spec.names.kind, version, schema: served.schema.openAPIV3Schema };
}

/**
 * A CRD's structural schema as JSON Schema: unknown fields refused where the schema lists
 * its fields (the API server prunes them, and kubectl's strict validation refuses them),
 * `x-kubernetes-int-or-string` as integer-or-string, `nullable` as allowing null.
 */
function jsonSchema(node: any): any {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: any = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as any).map(([k, v]) => [k, jsonSchema(v)]));
    } else if (['items', 'additionalProperties', 'anyOf', 'allOf', 'oneOf', 'not'].includes(key)) {
      out[key] = jsonSchema(value);
    } else if (!key.startsWith('x-kubernetes-') && key !== 'nullable') {out[key] = value;}
  }
  if (node['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf ??= [{ type: 'integer' }, { type: 'string' }];
  }
  const listsFields = node.properties && node.additionalProperties === undefined;
  if (listsFields && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (node.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('int32', {
  type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
});
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });

const JOBSET = readCrd('jobset.x-k8s.io_jobsets.yaml', 'v1alpha2');
const TRAINJOB = readCrd('trainer.kubeflow.org_trainjobs.yaml', 'v1alpha1');
const validators = new Map([JOBSET, TRAINJOB]
  .map((crd) => [crd.kind, { crd, validate: ajv.compile(jsonSchema(crd.schema)) }]));

/** Schema errors of one object against its CRD (apiVersion and kind included). */
function crdErrors(doc: any): string[] {
  const v = validators.get(doc.kind);
  if (!v) return [`no CRD for ${doc.kind}`];
  const errors: string[] = [];
  if (doc.apiVersion !== `${v.crd.group}/${v.crd.version}`) errors.push(`apiVersion ${doc.apiVersion}`);
  if (!v.validate(doc)) {
    const describe = (e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`;
    errors.push(...(v.validate.errors ?? []).map(describe));
  }
  return errors;
}

/**
 * The CEL rules (`x-kubernetes-validations`) of the schema nodes a document reaches, except
 * those that compare with the old object (they apply to updates only).
 */
function creationRules(schema: any, doc: unknown, path = ''): Array<{ path: string; rule: string }> {
  if (!schema || doc === undefined) return [];
  const own = (schema['x-kubernetes-validations'] ?? [])
    .filter((r: any) => !String(r.rule).includes('oldSelf'))
    .map((r: any) => ({ path: path || '/', rule: String(r.rule) }));
  const nested: Array<{ path: string; rule: string }> = [];
  if (Array.isArray(doc)) {
    doc.forEach((item, i) => nested.push(...creationRules(schema.items, item, `${path}/${i}`)));
  } else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      nested.push(...creationRules(schema.properties?.[k], v, `${path}/${k}`));
    }
  }
  return [...own, ...nested];
}

const STARTUP_RULE = '!(has(self.startupPolicy) && self.startupPolicy.startupPolicyOrder == \'InOrder\' '
  + '&& self.replicatedJobs.exists(x, has(x.dependsOn)))';

/** Each creation rule the generated objects reach, evaluated by hand on the value it applies to. */
const RULES: Record<string, (self: any) => boolean> = {
  'self.metadata.name.matches(\'^[a-z]([-a-z0-9]*[a-z0-9])?$\')':
    (self) => /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(self.metadata.name),
  'size(self.metadata.name) <= 63': (self) => self.metadata.name.length <= 63,
  'self >= 1': (self) => self >= 1,
  [STARTUP_RULE]: (self) => !(self.startupPolicy?.startupPolicyOrder === 'InOrder'
    && self.replicatedJobs.some((x: any) => x.dependsOn)),
};

function valueAt(doc: any, path: string): any {
  return path === '/' ? doc : path.split('/').slice(1).reduce((cur, key) => cur?.[key], doc);
}

const VARIANTS: Array<[string, DistributedTreeOptions]> = [
  ['a JobSet of 2 nodes x 8 gpus', { nodes: 2, gpusPerNode: 8 }],
  ['a JobSet of 4 nodes x 1 gpu, queued, with a restart budget',
    { nodes: 4, gpusPerNode: 1, kueueQueueName: 'team-a', backoffLimit: 5 }],
  ['a JobSet with every NCCL option and RDMA', {
    nodes: 2,
    gpusPerNode: 8,
    nccl: {
      debug: NcclDebug.INFO,
      socketInterface: '^docker,lo',
      rdmaResource: 'nvidia.com/hostdev',
      portRange: '40000-49999',
    },
  }],
  ['a TrainJob of 2 nodes x 8 gpus',
    { nodes: 2, gpusPerNode: 8, runtime: DistributedRuntime.KUBEFLOW_TRAINER }],
  ['a TrainJob of 1 node, queued',
    { nodes: 1, gpusPerNode: 4, runtime: DistributedRuntime.KUBEFLOW_TRAINER, kueueQueueName: 'team-a' }],
];
const trees = new Map<string, DistributedTree>(VARIANTS
  .map(([name, options]) => [name, distributedTree(options)]));

describe.each(VARIANTS.map(([name]) => [name]))('%s', (name) => {
  const t = trees.get(name)!;

  test('is valid for the CRD\'s OpenAPI schema, unknown fields refused', () => {
    expect(crdErrors(t.trainer)).toEqual([]);
  });

  test('holds every CEL rule that applies at creation', () => {
    const crd = validators.get(t.trainer.kind)!.crd;
    const rules = creationRules(crd.schema, t.trainer);
    for (const { path, rule } of rules) {
      expect([path, rule, rule in RULES]).toEqual([path, rule, true]);
      expect([path, rule, RULES[rule](valueAt(t.trainer, path))]).toEqual([path, rule, true]);
    }
  });
});

describe('the schema check itself', () => {
  const jobSet = trees.get('a JobSet of 2 nodes x 8 gpus')!.trainer;

  test('refuses a misspelled field, a wrong type and a value out of the CRD\'s enum', () => {
    const withSpec = (spec: object) => crdErrors({ ...jobSet, spec: { ...jobSet.spec, ...spec } }).join('\n');
    expect(withSpec({ sucessPolicy: {} })).toContain('must NOT have additional properties');
    expect(withSpec({ failurePolicy: { maxRestarts: 'two' } })).toContain('must be integer');
    expect(withSpec({ successPolicy: { operator: 'Most' } })).toContain('allowed values');
    expect(crdErrors({ ...jobSet, apiVersion: 'jobset.x-k8s.io/v1' }))
      .toEqual(['apiVersion jobset.x-k8s.io/v1']);
  });

  test('reaches the CEL rules: a TrainJob named with a digit first breaks one', () => {
    const trainJob = trees.get('a TrainJob of 2 nodes x 8 gpus')!.trainer;
    const renamed = { ...trainJob, metadata: { ...trainJob.metadata, name: '1trainer' } };
    const broken = creationRules(TRAINJOB.schema, renamed)
      .filter(({ path, rule }) => !RULES[rule](valueAt(renamed, path)));
    expect(broken.map((r) => r.rule))
      .toEqual(['self.metadata.name.matches(\'^[a-z]([-a-z0-9]*[a-z0-9])?$\')']);
  });
});

describe('a TrainJob for a gpu fleet: the runtime patch carries the node affinity', () => {
  // T4 (7.5) and H100 (9.0): one node selector term per capability the image serves
  const t = distributedTree({
    nodes: 2, gpusPerNode: 8, runtime: DistributedRuntime.KUBEFLOW_TRAINER, gpuFleet: ['T4', 'H100'],
  });
  const term = (major: string, minor: string) => ({
    matchExpressions: [
      { key: 'nvidia.com/gpu.compute.major', operator: 'In', values: [major] },
      { key: 'nvidia.com/gpu.compute.minor', operator: 'In', values: [minor] },
    ],
  });
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('7', '5'), term('9', '0')] },
    },
  };
  const patchedPod = (trainJob: any) => trainJob.spec.runtimePatches[0].trainingRuntimeSpec.template.spec
    .replicatedJobs[0].template.spec.template.spec;

  test('kubectl kustomize renders the TrainJob with the affinity in its pod patch', () => {
    const docs = kustomizeBuild(t, 'k8s/train');
    const trainJobs = docs.filter((d) => d?.kind === 'TrainJob');
    expect(trainJobs.map((d) => d.metadata.name)).toEqual(['trainer']);
    expect(patchedPod(trainJobs[0]).affinity).toEqual(affinity);
  });

  test('the TrainJob is valid for its CRD\'s schema, affinity included, and a bad term is refused', () => {
    expect(crdErrors(t.trainer)).toEqual([]);
    const broken = structuredClone(t.trainer);
    patchedPod(broken).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
      .nodeSelectorTerms[0].matchExpressions[0].values = '7';
    expect(crdErrors(broken).join('\n')).toContain('must be array');
  });

  test('the patched pod holds the affinity; kubernetes-models accepts it as a pod spec', () => {
    const spec = podSpecOf(t.trainer);
    expect(spec.affinity).toEqual(affinity);
    expect(restrictedViolations(t.trainer)).toEqual([]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'trainer' }, spec };
    expect(schemaErrors([pod])).toEqual([]);
    const badTerms = structuredClone(pod);
    const node = badTerms.spec.affinity.nodeAffinity;
    node.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: 'x' };
    expect(schemaErrors([badTerms])).not.toEqual([]);
  });
});

describe('the torch-distributed runtime a TrainJob refers to', () => {
  // a Helm template file: the lines Helm fills in are left out, the rest is the object
  const text = readFileSync(join(CRDS, 'kubeflow-runtime-torch-distributed.yaml'), 'utf-8');
  const runtime = YAML.parse(text.split('\n').filter((line) => !line.includes('{{')).join('\n'));
  const runtimeSchema = readCrd('trainer.kubeflow.org_clustertrainingruntimes.yaml', 'v1alpha1');
  const trainJob = trees.get('a TrainJob of 2 nodes x 8 gpus')!.trainer;
  const patch = trainJob.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];

  test('exists under the name, kind and group the TrainJob names, as a torch runtime', () => {
    const ref = trainJob.spec.runtimeRef;
    expect([runtime.kind, runtime.metadata.name, runtime.apiVersion.split('/')[0]])
      .toEqual([ref.kind, ref.name, ref.apiGroup]);
    expect(runtime.spec.mlPolicy.torch).toBeDefined();
    expect(ajv.compile(jsonSchema(runtimeSchema.schema))(runtime)).toBe(true);
  });

  test('has the replicated Job and container the runtime patch targets', () => {
    const job = runtime.spec.template.spec.replicatedJobs.find((j: any) => j.name === patch.name);
    expect(job).toBeDefined();
    const containers = job.template.spec.template.spec.containers.map((c: any) => c.name);
    const patched = patch.template.spec.template.spec.containers.map((c: any) => c.name);
    expect(patched.every((n: string) => containers.includes(n))).toBe(true);
  });

  test('the pod the Trainer merges (runtime, patch, overrides) passes the restricted profile', () => {
    const job = runtime.spec.template.spec.replicatedJobs.find((j: any) => j.name === patch.name);
    const base = job.template.spec.template.spec;
    const patched = patch.template.spec.template.spec;
    const merged = {
      ...base,
      ...patched,
      containers: base.containers.map((c: any) => ({
        ...c,
        ...(patched.containers.find((p: any) => p.name === c.name) ?? {}),
        image: trainJob.spec.trainer.image,
        resources: trainJob.spec.trainer.resourcesPerNode,
      })),
    };
    // the runtime's own pod runs as its image's user (root for pytorch/pytorch): the patch makes it pass
    expect(restrictedViolations({ kind: 'Pod', spec: base })).not.toEqual([]);
    expect(restrictedViolations({ kind: 'Pod', spec: merged })).toEqual([]);
    expect(podSpecOf(trainJob)).toBe(patched);
  });
});
