/**
 * A trainer across GPUs and nodes through the public API, as a `.projenrc.ts` writes it: the
 * command compose runs (checked with the real `docker compose config`), the image that stays
 * one for every size, the manifests' JobSet with its README section, the containers guide,
 * and a trainer without any distributed prop rendered exactly as before. The rendered
 * objects themselves (environment, kustomize, restricted checks, policies) are checked in
 * test/distributed-kubernetes.test.ts, on trees built the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { compose } from './support/compose-cli';
import { newProject, synth } from './util';
import {
  ComposeStack, DistributedRuntime, GpuTrainer, KubernetesManifests, MlDockerProject, NcclDebug,
  PythonService, TrainerLauncher,
} from '../src';

const TRAIN = ['python', '-m', 'trainer.train'];

/** A project with one trainer (extra props as given) in a compose stack; its compose service and files. */
interface Synthesized {
  readonly p: MlDockerProject;
  readonly out: Record<string, any>;
  /** The trainer's service in compose.yaml. */
  readonly svc: any;
}

function composeTrainer(props: Record<string, unknown>): Synthesized {
  const p = newProject();
  new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: TRAIN, ...props });
  new ComposeStack(p, 'stack');
  const out = synth(p);
  return { p, out, svc: YAML.parse(out['compose.yaml']).services.trainer };
}

/** The trainer's service as `docker compose config` resolves it, the `train` profile on. */
function composeResolved(dir: string): any {
  const res = compose(['-f', 'compose.yaml', '--profile', 'train', 'config', '--format', 'json'], dir);
  expect(res.stderr).not.toMatch(/error/i);
  expect(res.status).toBe(0);
  return JSON.parse(res.stdout).services.trainer;
}

const cmdOf = (dockerfile: string): string[] => [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)]
  .map((m) => JSON.parse(m[1])).pop();

describe('compose: one node with several GPUs', () => {
  const { p, out, svc } = composeTrainer({ gpusPerNode: 2 });

  test('docker compose config shows torchrun starting one process per GPU, on the GPUs it reserves', () => {
    const resolved = composeResolved(p.outdir);
    expect(resolved.command)
      .toEqual(['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=2', '-m', 'trainer.train']);
    expect(resolved.deploy.resources.reservations.devices).toEqual([
      { driver: 'nvidia', capabilities: ['gpu'], count: 2 },
    ]);
    expect(resolved.environment).toMatchObject({
      PET_NNODES: '1',
      PET_NPROC_PER_NODE: '2',
      NNODES: '1',
      NPROC_PER_NODE: '2',
      NCCL_DEBUG: 'WARN',
      NCCL_IB_DISABLE: '1',
    });
    // the reservation picks the GPUs: no "all" widens it
    expect(resolved.environment.NVIDIA_VISIBLE_DEVICES).toBeUndefined();
  });

  test('the image keeps the user\'s command: one image runs every size', () => {
    expect(cmdOf(out['docker/trainer/Dockerfile'])).toEqual(TRAIN);
    expect(svc.shm_size).toBe('8g');
  });

  test('docs/containers.md says what each container runs and where', () => {
    expect(out['docs/containers.md']).toContain('| `trainer` | 1 x 2 | '
      + '`torchrun --standalone --nnodes=1 --nproc_per_node=2 -m trainer.train` | runs | no manifests |');
  });

  test('gpuCount gives the size when gpusPerNode is left out; nccl settings reach the environment', () => {
    const nccl = { debug: NcclDebug.INFO, socketInterface: 'eth0' };
    const { svc: counted } = composeTrainer({ gpuCount: 4, nccl });
    expect(counted.command).toEqual(['torchrun', '--standalone', '--nnodes=1', '--nproc_per_node=4', '-m',
      'trainer.train']);
    expect(counted.environment).toMatchObject({ NCCL_DEBUG: 'INFO', NCCL_SOCKET_IFNAME: 'eth0' });
  });
});

describe('commands the launcher keeps', () => {
  test('a command that names torchrun runs as written, checked against the sizes', () => {
    const command = ['torchrun', '--standalone', '--nproc_per_node=gpu', '-m', 'trainer.train'];
    const { out, svc } = composeTrainer({ command, gpusPerNode: 4 });
    expect(svc.command).toBeUndefined();
    expect(cmdOf(out['docker/trainer/Dockerfile'])).toEqual(command);
    expect(svc.environment.PET_NPROC_PER_NODE).toBe('4');
  });

  test('TrainerLauncher.AS_WRITTEN: the command is not wrapped, the sizes reach the environment', () => {
    const { svc } = composeTrainer({ gpusPerNode: 2, launcher: TrainerLauncher.AS_WRITTEN });
    expect(svc.command).toBeUndefined();
    expect(svc.environment).toMatchObject({ PET_NPROC_PER_NODE: '2', NPROC_PER_NODE: '2' });
  });
});

describe('a trainer without any distributed prop is rendered as before', () => {
  test('several GPUs by gpuCount alone: the command runs once, as written, no launcher variables', () => {
    const { out, svc } = composeTrainer({ gpuCount: 2 });
    expect(svc.command).toBeUndefined();
    expect(Object.keys(svc.environment).filter((k) => /^(PET_|NCCL_|NNODES|NPROC)/.test(k))).toEqual([]);
    expect(out['docs/containers.md']).not.toContain('## Training on several GPUs and nodes');
  });
});

describe('kubernetes: a trainer across nodes', () => {
  function project(runtime?: DistributedRuntime): { p: MlDockerProject; out: Record<string, any> } {
    const p = newProject();
    const api = new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new GpuTrainer(p, 'trainer', {
      torchVersion: '2.5.1',
      command: TRAIN,
      nodes: 2,
      gpusPerNode: 8,
      distributedRuntime: runtime,
      kueueQueueName: 'team-a',
    });
    // compose runs on one host: the trainer stays out of its stack
    new ComposeStack(p, 'stack', { services: [api] });
    new KubernetesManifests(p, 'k8s');
    return { p, out: synth(p) };
  }

  const { p, out } = project();

  test('k8s/train/trainer.yaml holds the JobSet, its pods given the launcher\'s command', () => {
    const docs = YAML.parseAllDocuments(out['k8s/train/trainer.yaml']).map((d) => d.toJS());
    const jobSet = docs.find((d) => d.kind === 'JobSet');
    expect(docs.map((d) => d.kind)).toEqual(['JobSet', 'NetworkPolicy']);
    expect(jobSet.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
    const container = jobSet.spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(container.args).toEqual(['torchrun', '--nnodes=2', '--nproc_per_node=8', '-m', 'trainer.train']);
    expect(container.resources.limits['nvidia.com/gpu']).toBe(8);
    expect(fs.readdirSync(path.join(p.outdir, 'k8s', 'train')).sort())
      .toEqual(['kustomization.yaml', 'kustomizeconfig.yaml', 'trainer.yaml']);
  });

  test('the NetworkPolicy opens the rendezvous and NCCL ports to the trainer\'s own pods', () => {
    const policy = YAML.parseAllDocuments(out['k8s/train/trainer.yaml']).map((d) => d.toJS())
      .find((d) => d.kind === 'NetworkPolicy');
    const peers = policy.spec.ingress.filter((r: any) => r.ports?.some((port: any) => port.port === 29500));
    expect(peers).toEqual([{
      from: [{
        podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'trainer' }) },
      }],
      ports: [{ port: 29500, protocol: 'TCP' }, { port: 32768, endPort: 60999, protocol: 'TCP' }],
    }]);
  });

  test('k8s/README.md says how to run and watch it, and what the cluster needs', () => {
    const readme: string = out['k8s/README.md'];
    expect(readme).toContain('## Distributed training');
    expect(readme).toContain('kubectl apply -k k8s/train/');
    expect(readme).toContain('- **JobSet**: the JobSet controller');
    expect(readme).toContain('- **Kueue**: the LocalQueue `team-a` in `vision`');
    expect(readme.indexOf('## Distributed training')).toBeLessThan(readme.indexOf('## Security'));
    expect(readme).not.toMatch(/\n\n\n/);
  });

  test('docs/containers.md: the trainer runs on Kubernetes, compose leaves it out', () => {
    expect(out['docs/containers.md']).toContain('| `trainer` | 2 x 8 | '
      + '`torchrun --nnodes=2 --nproc_per_node=8 -m trainer.train` '
      + '| left out (nodes 2: one host) | JobSet |');
  });

  test('distributedRuntime KUBEFLOW_TRAINER renders a TrainJob instead', () => {
    const trainJob = project(DistributedRuntime.KUBEFLOW_TRAINER).out['k8s/train/trainer.yaml'];
    const kinds = YAML.parseAllDocuments(trainJob).map((d) => d.toJS().kind);
    expect(kinds).toEqual(['TrainJob', 'NetworkPolicy']);
  });
});
