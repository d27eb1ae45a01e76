/**
 * Kubernetes manifests of a distributed trainer, built the way `KubernetesManifests` will
 * once `GpuTrainer` takes `nodes` and `gpusPerNode`: the project's own model (a real
 * trainer, API and backing services), the trainer's command from the launcher, its workload
 * made distributed, every file rendered and written over the synthesized tree so the real
 * kustomize can build it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BackingService, GpuTrainer, PythonService } from '../../src';
import {
  DistributedRuntime, DistributedSpec, NcclOptions, resolveDistributed,
} from '../../src/core/distributed-spec';
import { Problems } from '../../src/core/problems';
import { toSafeYaml } from '../../src/core/yaml';
import { planLaunch } from '../../src/entry/distributed-launch';
import { distributedWorkload } from '../../src/stack/distributed-workload';
import { KubernetesManifests } from '../../src/stack/kubernetes';
import { KubeFile, KubeModel } from '../../src/stack/kubernetes-model';
import { KubernetesEgress } from '../../src/stack/kubernetes-props';
import { renderKubernetes } from '../../src/stack/kubernetes-render';
import { newProject, synth } from '../util';

export interface DistributedTreeOptions {
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly runtime?: DistributedRuntime;
  readonly kueueQueueName?: string;
  readonly nccl?: NcclOptions;
  /** The trainer's `configureService` backoffLimit: the JobSet's restart budget. */
  readonly backoffLimit?: number;
  readonly command?: string[];
  readonly egress?: KubernetesEgress;
}

export interface DistributedTree {
  readonly dir: string;
  readonly spec: DistributedSpec;
  readonly model: KubeModel;
  readonly files: KubeFile[];
  /** Every object of every file, kustomizations and kustomize configurations left out. */
  readonly docs: any[];
  /** The trainer's object: a Job, JobSet or TrainJob. */
  readonly trainer: any;
}

export const TRAINER_COMMAND = ['python', '-m', 'trainer.train'];

export function distributedTree(options: DistributedTreeOptions): DistributedTree {
  const project = newProject();
  new PythonService(project, 'api', {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    healthCheckPath: '/health',
    requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] },
  });
  const trainer = new GpuTrainer(project, 'trainer', {
    torchVersion: '2.5.1',
    command: options.command ?? TRAINER_COMMAND,
    gpuCount: options.gpusPerNode,
  });
  const k8s = new KubernetesManifests(project, 'k8s', {
    backingServices: [BackingService.POSTGRES, BackingService.REDIS],
    gpuNodeSelector: { 'nvidia.com/gpu.present': 'true' },
    imageRegistry: 'ghcr.io/acme',
    imageTag: '1.0.0',
    ...(options.egress === KubernetesEgress.RESTRICTED
      ? {
        egress: KubernetesEgress.RESTRICTED,
        egressCidrs: { postgres: '10.20.0.0/16', redis: '10.30.0.0/16' },
      }
      : {}),
  });
  if (options.backoffLimit !== undefined) {
    k8s.configureService(trainer, { backoffLimit: options.backoffLimit });
  }
  synth(project);
  // the manifests' own model, as their synth built it
  const base: KubeModel = (k8s as any).buildModel();
  const problems = new Problems(trainer.path);
  const spec = resolveDistributed(problems, {
    nodes: options.nodes,
    gpusPerNode: options.gpusPerNode,
    distributedRuntime: options.runtime,
    kueueQueueName: options.kueueQueueName,
    nccl: options.nccl,
  });
  const workloads = base.workloads.map((w) => {
    if (w.spec.name !== 'trainer') return w;
    // the trainer's command lives in its image (CMD); here the launcher's command is written
    // out as the container's arguments, so the rendered pod shows it
    const plan = planLaunch(problems, options.command ?? TRAINER_COMMAND, spec);
    return distributedWorkload({ ...w, spec: { ...w.spec, command: plan.command } }, spec);
  });
  problems.throwIfAny();
  const model: KubeModel = { ...base, workloads };
  const files = renderKubernetes(model);
  for (const file of files) {
    const full = path.join(project.outdir, 'k8s', file.path);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    const yaml = file.documents.map((d) => toSafeYaml(d, { aliasDuplicateObjects: false }));
    fs.writeFileSync(full, yaml.join('---\n'));
  }
  const docs = files.filter((f) => !/kustomiz(ation|econfig)\.yaml$/.test(f.path))
    .flatMap((f) => f.documents);
  const object = docs.find((d: any) => d.metadata?.name === 'trainer' && d.kind !== 'NetworkPolicy');
  return { dir: project.outdir, spec, model, files, docs, trainer: object };
}

/** The objects `kubectl kustomize <dir>` builds, parsed, with the secret files it reads placed first. */
export function kustomizeBuild(tree: DistributedTree, dir: string): any[] {
  for (const secret of tree.model.secrets) {
    const file = path.join(tree.dir, 'k8s', 'base', 'secrets', secret);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) fs.writeFileSync(file, `test-${secret}`);
  }
  const out = execFileSync('kubectl', ['kustomize', dir], { cwd: tree.dir, encoding: 'utf-8' });
  return YAML.parseAllDocuments(out).map((d) => d.toJS());
}
