/**
 * Kubernetes manifests of a distributed trainer, through the public API: a project with a
 * real trainer (its `nodes`, `gpusPerNode`, `distributedRuntime`, `kueueQueueName`, `nccl`),
 * an API and backing services, synthesized to a temp dir so the real kustomize can build the
 * tree; the manifests' own model and files beside it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BackingService, GpuTrainer, PythonService } from '../../src';
import { DistributedRuntime, DistributedSpec, NcclOptions } from '../../src/core/distributed-spec';
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
  /** The project's `gpuFleet`; then driver 570.124.06 and torch 2.11.0, whose kernels the data knows. */
  readonly gpuFleet?: string[];
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
  const fleet = options.gpuFleet ? { gpuFleet: options.gpuFleet, hostDriverVersion: '570.124.06' } : {};
  const project = newProject(fleet);
  new PythonService(project, 'api', {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    healthCheckPath: '/health',
    requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] },
  });
  const trainer = new GpuTrainer(project, 'trainer', {
    torchVersion: options.gpuFleet ? '2.11.0' : '2.5.1',
    command: options.command ?? TRAINER_COMMAND,
    nodes: options.nodes,
    gpusPerNode: options.gpusPerNode,
    distributedRuntime: options.runtime,
    kueueQueueName: options.kueueQueueName,
    nccl: options.nccl,
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
  // the manifests' own model, as their synth built it, and the files it renders
  const model: KubeModel = (k8s as any).buildModel();
  const files = renderKubernetes(model);
  const docs = files.filter((f) => !/kustomiz(ation|econfig)\.yaml$/.test(f.path))
    .flatMap((f) => f.documents);
  const object = docs.find((d: any) => d.metadata?.name === 'trainer' && d.kind !== 'NetworkPolicy');
  const spec = trainer._container().distributed!;
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
