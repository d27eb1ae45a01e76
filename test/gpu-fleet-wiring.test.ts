/**
 * The GPU fleet from the props to the files: `gpuFleet` on the project and per GPU service decides
 * the CUDA variant (the fleet rule of gpu-fleet.ts), and the image label, the start-up check's
 * variable, the CUDA extensions' arch list, the containers guide and the Kubernetes node affinity
 * follow from it. Without a fleet none of them appears (the output digests hold the bytes).
 */
import { execFileSync, spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import * as YAML from 'yaml';
import { schemaErrors } from './support/kube-checks';
import { expectValidationError, newProject, synth, withExtensionFolders } from './util';
import { GpuInference, GpuTrainer, KubernetesManifests, MlDockerProject } from '../src';

const TRAIN = ['python', '-m', 'trainer.train'];

/** The Dockerfile's LABEL and ENV pairs of the last stage, as BuildKit reads them. */
function labelsAndEnv(dockerfile: string): { labels: Record<string, string>; env: Record<string, string> } {
  const parsed = DockerfileParser.parse(dockerfile);
  const labels: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const instruction of parsed.getInstructions()) {
    const kind = instruction.getKeyword();
    if (kind !== 'LABEL' && kind !== 'ENV') continue;
    for (const property of (instruction as any).getProperties()) {
      const value = String(property.getValue() ?? '').replace(/^"(.*)"$/, '$1');
      (kind === 'LABEL' ? labels : env)[property.getName()] = value;
    }
  }
  return { labels, env };
}

function trainerOf(project: MlDockerProject, props: Record<string, unknown> = {}): GpuTrainer {
  return new GpuTrainer(project, 'trainer', { torchVersion: '2.11.0', command: TRAIN, ...props } as any);
}

describe('the fleet of the readme: T4, A100, H100, B200 on driver 570.124.06 with torch 2.11.0', () => {
  const p = newProject({ hostDriverVersion: '570.124.06', gpuFleet: ['T4', 'A100', 'H100', 'B200'] });
  const trainer = trainerOf(p);
  const out = synth(p);
  const { labels, env } = labelsAndEnv(out['docker/trainer/Dockerfile']);

  test('takes the cuda 12.8 wheels, and the image lists the capabilities it serves', () => {
    expect(trainer.cudaVersion).toBe('12.8');
    expect(labels['dev.projen-ml-docker.torch']).toBe('2.11.0+cu128');
    expect(labels['dev.projen-ml-docker.gpu-capabilities']).toBe('7.5 8.0 9.0 10.0');
    expect(env.MLDOCKER_GPU_CAPABILITIES).toBe('7.5 8.0 9.0 10.0');
  });

  test('cuda extensions of that service would compile for 7.5;8.0;9.0;10.0', () => {
    const q = newProject({ hostDriverVersion: '570.124.06', gpuFleet: ['T4', 'A100', 'H100', 'B200'] });
    withExtensionFolders(q, 'ext');
    trainerOf(q, { cudaExtensions: ['ext'] });
    expect(synth(q)['docker/trainer/Dockerfile']).toContain('ARG TORCH_CUDA_ARCH_LIST="7.5;8.0;9.0;10.0"\n');
  });

  test('the containers guide names the fleet and how each gpu is served', () => {
    const doc: string = out['docs/containers.md'];
    expect(doc).toContain('| `trainer` | "T4" (7.5), "A100" (8.0), "H100" (9.0), "B200" (10.0) '
      + '| `7.5` `8.0` `9.0` `10.0` |');
    expect(doc).toContain('"B200" (10.0): sm_100 cubins');
    expect(doc).toContain('`MLDOCKER_SKIP_GPU_CHECK=1`');
  });
});

test('the readme\'s example is the one this file checks', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
  const section = readme.split('#### Declare your fleet')[1].split('\n## ')[0];
  expect(section).toContain("hostDriverVersion: '570.124.06'");
  expect(section).toContain("gpuFleet: ['T4', 'A100', 'H100', 'B200']");
  expect(section).toContain("torchVersion: '2.11.0', ... }) -> torch 2.11.0+cu128");
  expect(section).toContain('list `7.5 8.0 9.0 10.0`');
  expect(section).toContain('`TORCH_CUDA_ARCH_LIST="7.5;8.0;9.0;10.0"`');
});

describe('the fleet decides the cuda variant', () => {
  test('pascal beside hopper on R580: torch 2.14.1 takes cuda 12.6, not the driver\'s 13.x', () => {
    const alone = newProject({ hostDriverVersion: '580.65.06' });
    const driverOnly = new GpuTrainer(alone, 'trainer', { torchVersion: '2.14.1', command: TRAIN });
    expect(driverOnly.cudaVersion).toMatch(/^13\./);
    const p = newProject({ hostDriverVersion: '580.65.06', gpuFleet: ['P100', 'H100'] });
    const t = new GpuTrainer(p, 'trainer', { torchVersion: '2.14.1', command: TRAIN });
    expect(t.cudaVersion).toBe('12.6');
    const { labels } = labelsAndEnv(synth(p)['docker/trainer/Dockerfile']);
    expect(labels['dev.projen-ml-docker.gpu-capabilities']).toBe('6.0 9.0');
  });

  test("a service's own fleet replaces the project's", () => {
    const p = newProject({ hostDriverVersion: '580.65.06', gpuFleet: ['P100', 'H100'] });
    const own = new GpuTrainer(p, 'trainer', {
      torchVersion: '2.14.1', command: TRAIN, gpuFleet: ['H100', 'B200'],
    });
    const shared = new GpuInference(p, 'serve', {
      torchVersion: '2.14.1', port: 8080, command: ['python', '-m', 'serve.main'],
    });
    expect(own.cudaVersion).toMatch(/^13\./);
    expect(shared.cudaVersion).toBe('12.6');
  });

  test('a cudaVersion without kernels for a gpu is refused, naming the variant that serves it', () => {
    expectValidationError(() => {
      const p = newProject({ hostDriverVersion: '580.65.06', gpuFleet: ['P100', 'H100'] });
      new GpuTrainer(p, 'trainer', { torchVersion: '2.14.1', cudaVersion: '13.0', command: TRAIN });
    }, 'vision/trainer', '"13.0"',
    'expected cudaVersion one of: "12.6"');
  });

  test('pascal beside blackwell on R570: no single variant; dropping a gpu or two images are offered', () => {
    const err = expectValidationError(() => {
      const p = newProject({ hostDriverVersion: '570.124.06' });
      trainerOf(p, { gpuFleet: ['P100', 'B200'] });
    }, 'vision/trainer', '["P100","B200"]', 'gpuFleet without "B200" (cuda 12.6 then serves the rest)');
    expect(err.message).toContain(
      'two images: one service for "B200" (cuda 12.8), another for the rest (cuda 12.6)');
  });

  test('a project fleet that names no gpu of the table is refused before any service', () => {
    expectValidationError(() => newProject({ gpuFleet: ['H1000'] }), 'vision', '"H1000"',
      'or its compute capability such as "9.0"');
    expectValidationError(() => newProject({ gpuFleet: [] }), 'vision', 'gpuFleet: got []',
      'a non-empty list of gpu model names');
  });

  test("a service's bad fleet names its field", () => {
    expectValidationError(() => trainerOf(newProject(), { gpuFleet: ['9.9'] }), 'vision/trainer',
      'gpuFleet[0] is no compute capability of nvidia\'s gpu list: got "9.9"', 'one of: ');
  });
});

describe('what follows from the decision', () => {
  test('cuda extensions are compiled for the fleet, not the release default', () => {
    const p = newProject({ hostDriverVersion: '570.124.06', gpuFleet: ['L4', 'H100'] });
    withExtensionFolders(p, 'ext');
    trainerOf(p, { cudaExtensions: ['ext'] });
    const dockerfile: string = synth(p)['docker/trainer/Dockerfile'];
    // L4 (8.9): nvcc of 12.8 targets 8.9 itself
    expect(dockerfile).toContain('ARG TORCH_CUDA_ARCH_LIST="8.9;9.0"\n');
    expect(dockerfile).toContain('(default: the GPUs of\n# gpuFleet, as nvcc of CUDA 12.8 reaches them)');
    const plain = newProject({ hostDriverVersion: '570.124.06' });
    withExtensionFolders(plain, 'ext');
    trainerOf(plain, { cudaExtensions: ['ext'] });
    const release: string = synth(plain)['docker/trainer/Dockerfile'];
    expect(release).toContain('(default: CUDA 12.9\'s\n# data-center and desktop GPUs from Volta on;');
    expect(release).not.toContain('ARG TORCH_CUDA_ARCH_LIST="8.9;9.0"');
  });

  test('without torch the cuda release must target every gpu: cuda 13.0 refuses pascal', () => {
    const ok = newProject({ hostDriverVersion: '580.65.06', gpuFleet: ['T4', 'H100'] });
    new GpuInference(ok, 'jax-serve', {
      cudaVersion: '12.6',
      port: 8080,
      command: ['python', '-m', 'jax_serve.main'],
      requirements: { ml: ['jax[cuda12]==0.4.38'] },
    });
    const doc: string = synth(ok)['docs/containers.md'];
    expect(doc).toContain('"T4" (7.5): cuda 12.6 targets 7.5');
    expect(doc).toContain('| `7.5;9.0` |');
    expectValidationError(() => {
      const p = newProject({ hostDriverVersion: '580.65.06', gpuFleet: ['P100'] });
      new GpuInference(p, 'jax-serve', {
        cudaVersion: '13.0',
        port: 8080,
        command: ['python', '-m', 'jax_serve.main'],
        requirements: { ml: ['cuda-toolkit[cudart]==13.0.2'] },
      });
    }, 'vision/jax-serve', '"13.0"', 'a cuda release whose nvcc targets 6.0: "11.8", "12.0"');
  });

  test('no fleet: no capability label, variable or affinity', () => {
    const p = newProject();
    trainerOf(p);
    new KubernetesManifests(p, 'k8s');
    const out = synth(p);
    expect(out['docker/trainer/Dockerfile']).not.toContain('MLDOCKER_GPU_CAPABILITIES');
    expect(out['docker/trainer/Dockerfile']).not.toContain('gpu-capabilities');
    expect(JSON.stringify(out)).not.toContain('gpu.compute.major');
  });
});

describe('kubernetes: gpu pods land only on nodes whose gpus the image serves', () => {
  const p = newProject({ hostDriverVersion: '570.124.06', gpuFleet: ['T4', 'H100'] });
  trainerOf(p);
  new KubernetesManifests(p, 'k8s');
  const out = synth(p);
  const term = (major: string, minor: string) => ({
    matchExpressions: [
      { key: 'nvidia.com/gpu.compute.major', operator: 'In', values: [major] },
      { key: 'nvidia.com/gpu.compute.minor', operator: 'In', values: [minor] },
    ],
  });
  const terms = [term('7', '5'), term('9', '0')];
  const affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
  };

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
  const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
  (hasKustomize ? test : test.skip)('kubectl kustomize renders the affinity; the schema accepts it', () => {
    const rendered = execFileSync('kubectl', ['kustomize', 'k8s/train'], { cwd: p.outdir, encoding: 'utf8' });
    const docs = YAML.parseAllDocuments(rendered).map((d) => d.toJS());
    const job = docs.find((d) => d.kind === 'Job');
    expect(job.spec.template.spec.affinity).toEqual(affinity);
    expect(schemaErrors(docs)).toEqual([]);
  });

  test('the manifest itself carries one term per capability', () => {
    const files = Object.entries(out).filter(([k]) => k.startsWith('k8s/') && k.endsWith('.yaml'));
    const docs = files.flatMap(([, v]) => (typeof v === 'string'
      ? YAML.parseAllDocuments(v).map((d) => d.toJS()) : [v]));
    const jobs = docs.flat().filter((d) => d?.kind === 'Job');
    expect(jobs.length).toBe(1);
    expect(jobs[0].spec.template.spec.affinity).toEqual(affinity);
  });
});
