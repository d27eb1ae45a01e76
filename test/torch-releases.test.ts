/**
 * The torch releases after 2.11 (2.12.x, 2.13.0, 2.14.x): CPU and GPU services synthesize with
 * the variants their wheels have, the CUDA 13.0 build follows the driver rule, torchaudio is never
 * installed where the wheel matrix pairs none, and CUDA 13 packaging (cuda-toolkit extras,
 * unsuffixed nvidia-* wheels, nvidia-*-cu13, cuda-bindings) is read by the torch and no-torch rules.
 */
import { GpuInference, GpuTrainer, MlDockerProject, PythonService, RequirementTier, TorchPackage } from '../src';
import { newProject, synth, validationError } from './util';
import { cudaWheelUse } from '../src/core/cuda-wheels';
import { cudaWheelRequirement } from '../src/gpu/cuda-without-torch';

const TRAIN = ['python', '-m', 'trainer.train'];
const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/** What the wheel listings say each new release has (data/torch-cuda-matrix.json, docs/reference-data.md). */
const RELEASES: Array<{ torch: string; vision: string; cudas: string[] }> = [
  { torch: '2.12.0', vision: '0.27.0', cudas: ['12.6', '13.0', '13.2'] },
  { torch: '2.12.1', vision: '0.27.1', cudas: ['12.6', '12.9', '13.0', '13.2'] },
  { torch: '2.13.0', vision: '0.28.0', cudas: ['12.6', '12.9', '13.0', '13.2'] },
  { torch: '2.14.0', vision: '0.29.0', cudas: ['12.6', '13.0', '13.2'] },
  { torch: '2.14.1', vision: '0.29.1', cudas: ['12.6', '13.0', '13.2'] },
];
const highest12 = (cudas: string[]) => cudas.filter((c) => c.startsWith('12.')).slice(-1)[0];

function cpuService(torchVersion: string, extra: Record<string, unknown> = {}): Record<string, any> {
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000, torchVersion, ...extra });
  return synth(project);
}

describe.each(RELEASES)('torch $torch', ({ torch, vision, cudas }) => {
  test('a CPU service installs the +cpu build and its torchvision from the CPU index, without torchaudio', () => {
    const out = cpuService(torch);
    expect(lines(out['docker/api/requirements-torch.txt'])).toEqual([`torch==${torch}+cpu`, `torchvision==${vision}`]);
    expect(out['docker/api/requirements-torch.txt']).toContain('--index-url https://download.pytorch.org/whl/cpu/');
    expect(out['docker/api/Dockerfile']).toContain('ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu/');
  });

  test.each(['3.10', '3.14'])('python %s has wheels of every variant', (python) => {
    const project = newProject({ hostDriverVersion: '999.0.0' });
    for (const cuda of cudas) {
      const t = new GpuTrainer(project, `t${cuda.replace('.', '')}`, { torchVersion: torch, cudaVersion: cuda, pythonVersion: python, command: TRAIN });
      expect(t.cudaVersion).toBe(cuda);
    }
  });

  test('on the default host driver 535 a GPU service gets the highest CUDA 12 variant; CUDA 13 needs >= 580.65.06', () => {
    const project = newProject();
    const t = new GpuTrainer(project, 'trainer', { torchVersion: torch, command: TRAIN, torchPackages: [TorchPackage.TORCHVISION] });
    const want = highest12(cudas);
    expect(t.cudaVersion).toBe(want);
    expect(t.minDriverVersion).toBe('525.60.13');
    const out = synth(project);
    const label = `cu${want.replace('.', '')}`;
    expect(lines(out['docker/trainer/requirements-torch.txt'])).toEqual([`torch==${torch}+${label}`, `torchvision==${vision}`]);
    expect(out['docker/trainer/Dockerfile']).toContain(`ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/${label}/`);
    // With a CUDA 13 driver on every host, the newest CUDA 13 build is chosen.
    const newer = new GpuTrainer(newProject({ hostDriverVersion: '580.65.06' }), 'trainer', { torchVersion: torch, command: TRAIN });
    expect(newer.cudaVersion).toBe(cudas[cudas.length - 1]);
    expect(newer.minDriverVersion).toBe('580.65.06');
  });
});

describe('the CUDA 13.0 build of torch 2.14.1 and the driver rule', () => {
  test('refused on the default host driver 535, naming the driver it needs and the variants that fit', () => {
    const err = validationError(() => new GpuTrainer(newProject(), 'trainer', { torchVersion: '2.14.1', cudaVersion: '13.0', command: TRAIN }));
    expect(err.message).toContain('[vision/trainer] cudaVersion 13.0 needs a host driver >= 580.65.06 (CUDA 13.x minor-version compatibility');
    expect(err.message).toContain('got "535.104.05"');
    expect(err.message).toContain('a hostDriverVersion (from the project) >= 580.65.06 if every gpu host has it, or cudaVersion one of: "12.6"');
  });

  test('accepted once every host has a CUDA 13 driver; the nvidia/cuda runtime base needs that release\'s toolkit driver', () => {
    const project = newProject({ hostDriverVersion: '580.95.05' });
    const t = new GpuInference(project, 'serve', { torchVersion: '2.14.1', cudaVersion: '13.0', port: 8080, command: ['python', '-m', 'serve.serve'] });
    expect(t.minDriverVersion).toBe('580.65.06');
    const out = synth(project);
    expect(lines(out['docker/serve/requirements-torch.txt'])).toEqual(['torch==2.14.1+cu130']);
    expect(out['docker/serve/Dockerfile']).toContain('dev.projen-ml-docker.cuda="13.0"');
  });

  test('an unknown patch release is refused with the known releases around it', () => {
    const err = validationError(() => cpuService('2.14.2'));
    expect(err.message).toContain('torchVersion has no wheels in the torch matrix: got "2.14.2"');
    expect(err.message).toContain('"2.13.0", "2.14.0", "2.14.1"');
  });
});

describe('torchaudio after torch 2.11', () => {
  test('asking for torchaudio with torch 2.13.0 is refused, naming what the release pairs', () => {
    const err = validationError(() => new GpuTrainer(newProject(), 'trainer', {
      torchVersion: '2.13.0', command: TRAIN, torchPackages: [TorchPackage.TORCHAUDIO, TorchPackage.TORCHVISION],
    }));
    expect(err.message).toContain('[vision/trainer] torchPackages lists torchaudio, which the wheel matrix pairs with no version of torch 2.13.0+cu129');
    expect(err.message).toContain('expected torchPackages without torchaudio (torch 2.13.0 pairs "torchvision"), or a torch release with a paired torchaudio (2.11.0 or older)');
  });

  test('torch 2.11.0 still installs its torchaudio', () => {
    expect(lines(cpuService('2.11.0')['docker/api/requirements-torch.txt'])).toEqual(['torch==2.11.0+cpu', 'torchaudio==2.11.0', 'torchvision==0.26.0']);
  });
});

describe('CUDA 13 packaging', () => {
  test.each([
    ['nvidia-cudnn-cu13==9.24.0.43', { major: '13', kind: 'libraries' }],
    ['nvidia_nccl_cu13==2.30.7', { major: '13', kind: 'libraries' }],
    ['cuda-toolkit[cublas,cudart]==13.0.3', { major: '13', kind: 'libraries' }],
    ['cuda-toolkit[cudart]>=13.0,<14', { major: '13', kind: 'libraries' }],
    ['nvidia-cuda-runtime==13.0.96', { major: '13', kind: 'libraries' }],
    ['jax[cuda13]==0.7.2', { major: '13', kind: 'libraries' }],
    ['cuda-bindings==13.0.3', { major: '13', kind: 'bindings' }],
    ['nvidia-cuda-runtime-cu12==12.6.77', { major: '12', kind: 'libraries' }],
    ['cuda-toolkit==13.0.3', undefined],
    ['nvidia-cufft==12.0.0.61', undefined],
    ['nvidia-cuda-runtime', undefined],
    ['numpy==2.1.3', undefined],
  ])('%s', (line, expected) => {
    expect(cudaWheelUse(line)).toEqual(expected);
  });

  test('the CUDA-runtime rule of GPU services without torch counts CUDA 13 library wheels, not the bindings alone', () => {
    expect(cudaWheelRequirement(['cuda-toolkit[cudart]==13.0.3'], '13')).toBe('cuda-toolkit[cudart]==13.0.3');
    expect(cudaWheelRequirement(['nvidia-cuda-runtime==13.0.96'], '13')).toBe('nvidia-cuda-runtime==13.0.96');
    expect(cudaWheelRequirement(['cuda-bindings==13.0.3'], '13')).toBeUndefined();
    expect(cudaWheelRequirement(['cuda-toolkit[cudart]==13.0.3'], '12')).toBeUndefined();
    const project = newProject({ hostDriverVersion: '580.65.06' });
    const ok = new GpuInference(project, 'cupy', {
      cudaVersion: '13.0',
      port: 8080,
      command: ['python', '-m', 'cupy.serve'],
      requirements: { ml: ['cuda-toolkit[cudart,cublas]==13.0.3'] },
    });
    expect(ok.minDriverVersion).toBe('580.65.06');
    const err = validationError(() => new GpuInference(newProject({ hostDriverVersion: '580.65.06' }), 'bind', {
      cudaVersion: '13.0', port: 8080, command: ['python', '-m', 'bind.serve'], requirements: { ml: ['cuda-bindings==13.0.3'] },
    }));
    expect(err.message).toContain('no requirement pulls nvidia\'s cuda 13 wheels');
    expect(err.message).toContain('e.g. "jax[cuda13]==<version>" or "cuda-toolkit[cudart]==<13.x version>"');
  });

  test('a torch service whose requirements pull CUDA 13 wheels beside a CUDA 12 torch is refused, listing them', () => {
    const build = (ml: string[], host?: string) => new GpuTrainer(newProject(host ? { hostDriverVersion: host } : {}), 'trainer', {
      torchVersion: '2.14.1', command: TRAIN, requirements: { ml },
    });
    const err = validationError(() => build(['numpy==2.1.3', 'nvidia-cudnn-cu13==9.24.0.43', 'cuda-bindings==13.0.3']));
    expect(err.message).toContain('[vision/trainer] requirements: 2 requirements pull nvidia\'s cuda 13 wheels '
      + '(nvidia-cudnn-cu13 at requirements.ml[1], cuda-bindings at requirements.ml[2]), but torch 2.14.1+cu126 is a cuda 12.6 build');
    expect(err.message).toContain('got "nvidia-cudnn-cu13==9.24.0.43"; expected nvidia\'s cuda 12 wheels only');
    // The same wheels fit the CUDA 13.0 build, and CUDA 12 wheels fit the CUDA 12 build.
    expect(build(['nvidia-cudnn-cu13==9.24.0.43', 'cuda-bindings==13.0.3'], '580.65.06').cudaVersion).toBe('13.2');
    expect(build(['nvidia-cudnn-cu12==9.10.2.21']).cudaVersion).toBe('12.6');
  });

  test('addRequirement is held to the same rule', () => {
    const project: MlDockerProject = newProject();
    const t = new GpuTrainer(project, 'trainer', { torchVersion: '2.14.1', command: TRAIN });
    const err = validationError(() => t.addRequirement(RequirementTier.ML, 'cuda-toolkit[cudart]==13.0.3'));
    expect(err.message).toContain('[vision/trainer] addRequirement: a requirement pulls nvidia\'s cuda 13 wheels');
  });

  test('a CPU torch service is not held to it (its image gets no GPU)', () => {
    expect(lines(cpuService('2.14.1', { requirements: { ml: ['nvidia-nccl-cu13==2.30.7'] } })['docker/api/requirements-ml.txt'])).toEqual(['nvidia-nccl-cu13==2.30.7']);
  });
});
