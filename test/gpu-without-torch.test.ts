/**
 * GPU services without torch: JAX on python-slim with NVIDIA's CUDA wheels, ONNX
 * Runtime on an nvidia/cuda cudnn-runtime base. Checked against the shared reference data:
 * every base tag exists there, the driver minimum follows the same rule as with torch, the
 * label and the start-up check stay.
 */
import { GpuBase, GpuInference, GpuTrainer, MlDockerProject } from '../src';
import { checkDockerfile } from './support/dockerfile-rules';
import { newProject, synth, validationError } from './util';
import { knownCudaImageTags } from '../src/gpu/cuda';
import { cudaWheelRequirement } from '../src/gpu/cuda-without-torch';

/** The command of the sample an inference service gets (`services/<module>/serve.py`). */
const serveOf = (id: string) => ['python', '-m', `${id.replace(/-/g, '_')}.serve`];

function build(fn: (p: MlDockerProject) => void): Record<string, any> {
  const project = newProject({ hostDriverVersion: '560.35.03' });
  fn(project);
  return synth(project);
}

/**
 * Every nvidia/cuda tag the package knows (each is held to NVIDIA's lists by
 * test/corpus/derived-data.test.ts).
 */
function knownTags(): string[] {
  return knownCudaImageTags().map((t) => t.tag);
}

describe('GPU services without torch', () => {
  const out = build((p) => {
    new GpuInference(p, 'jax-serve', { cudaVersion: '12.6', port: 8080, command: serveOf('jax-serve'), requirements: { ml: ['jax[cuda12]==0.4.38'] } });
    new GpuInference(p, 'ort', { cudaVersion: '12.6', gpuBase: GpuBase.CUDNN_RUNTIME, port: 8081, command: serveOf('ort'), requirements: { ml: ['onnxruntime-gpu==1.20.1'] } });
    new GpuTrainer(p, 'llama', { cudaVersion: '12.8', gpuBase: GpuBase.CUDA_RUNTIME, command: ['python', '-m', 'llama.train'], hostDriverVersion: '575.51.03' });
  });

  test.each(['jax-serve', 'ort', 'llama'])('%s: no torch tier, the driver label and start-up check, every dockerfile rule', (id) => {
    const text: string = out[`docker/${id}/Dockerfile`];
    expect(out[`docker/${id}/requirements-torch.txt`]).toBeUndefined();
    expect(text).not.toMatch(/TORCH_INDEX_URL|torch tier|dev\.projen-ml-docker\.torch=/);
    expect(text).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "mldocker_runtime.driver_check"]');
    expect(text).toMatch(/dev\.projen-ml-docker\.min-driver="[0-9.]+"/);
    expect(text).toMatch(/MLDOCKER_MIN_DRIVER="[0-9.]+"/);
    expect(checkDockerfile(text)).toEqual([]);
    // The sample code imports no torch.
    expect(Object.entries(out).filter(([f]) => f.startsWith(`services/${id}/`)).map(([, c]) => String(c)).join('\n')).not.toMatch(/import torch/);
  });

  test('python-slim: the minimum is CUDA 12.x minor-version compatibility, as with torch wheels', () => {
    const text: string = out['docker/jax-serve/Dockerfile'];
    // CUDA 12.x minor-version compatibility: NVIDIA's release notes, >= 525.60.13 on Linux
    expect(text).toContain('dev.projen-ml-docker.min-driver="525.60.13"');
    expect(text).toContain('ARG PYTHON_IMAGE=python:3.11.16-slim-bookworm');
    expect(text).not.toContain('CUDA_IMAGE');
  });

  test('nvidia/cuda bases: a tag the package knows, the minimum is the toolkit driver of that CUDA release', () => {
    // NVIDIA's CUDA release notes: the toolkit driver of 12.6 GA is 560.28.03, of 12.8 GA 570.26
    for (const [id, cuda, driver] of [['ort', '12.6', '560.28.03'], ['llama', '12.8', '570.26']]) {
      const text: string = out[`docker/${id}/Dockerfile`];
      const tag = /ARG CUDA_IMAGE=nvidia\/cuda:(\S+)/.exec(text)![1];
      expect(knownTags()).toContain(tag);
      expect(tag.startsWith(`${cuda}.`)).toBe(true);
      expect(text).toContain(`dev.projen-ml-docker.min-driver="${driver}"`);
    }
  });

  test('which requirements bring the CUDA wheels of a major', () => {
    expect(cudaWheelRequirement(['jax[cuda12]==0.4.38'], '12')).toBe('jax[cuda12]==0.4.38');
    expect(cudaWheelRequirement(['jax[cuda12_pip]==0.4.20'], '12')).toBe('jax[cuda12_pip]==0.4.20');
    expect(cudaWheelRequirement(['nvidia_cuda_runtime_cu12==12.6.77'], '12')).toBe('nvidia_cuda_runtime_cu12==12.6.77');
    expect(cudaWheelRequirement(['jax[cuda12]==0.4.38'], '13')).toBeUndefined();
    expect(cudaWheelRequirement(['onnxruntime-gpu==1.20.1', 'jax==0.4.38'], '12')).toBeUndefined();
  });

  test.each([
    ['no torchVersion and no cudaVersion', { port: 8080 }, 'torchVersion is required without cudaVersion'],
    ['python-slim without CUDA wheels in the requirements', { cudaVersion: '12.6', port: 8080, requirements: { ml: ['onnxruntime-gpu==1.20.1'] } }, 'no requirement pulls nvidia\'s cuda 12 wheels'],
    ['a CUDA release no base or wheel offers', { cudaVersion: '12.7', port: 8080, requirements: { ml: ['jax[cuda12]==0.4.38'] } }, 'cudaVersion is not a cuda release'],
    ['a CUDA release without an ubuntu24.04 image', { cudaVersion: '12.2', gpuBase: GpuBase.CUDA_RUNTIME, port: 8080 }, 'no ubuntu24.04 nvidia/cuda runtime tag'],
    ['a driver too old for the image', { cudaVersion: '12.8', gpuBase: GpuBase.CUDA_RUNTIME, port: 8080 }, 'needs a host driver >= 570'],
    ['torchPackages without torch', { cudaVersion: '12.6', gpuBase: GpuBase.CUDA_RUNTIME, port: 8080, torchPackages: ['torchvision'] }, 'torchPackages is set without torchVersion'],
  ])('refused: %s', (_name, props, message) => {
    const error = validationError(() => build((p) => new GpuInference(p, 'serve', { command: serveOf('serve'), ...(props as object) })));
    expect(error.message).toContain('[vision/serve]');
    expect(error.message).toContain(message);
  });
});
