import { GpuBase } from '../src';
import { CudaChoice } from '../src/gpu/cuda';
import { gpuImage } from '../src/gpu/gpu-kind';
import { NO_BUILD_HOOKS } from '../src/image/build-hook-steps';
import { addToImage, prodVenvSource, resolveImageModel, stageOrder } from '../src/image/image-model';

const CPU = resolveImageModel({
  serviceId: 'train',
  description: 'GPU trainer',
  imageName: 'vision-train',
  marker: 'm',
  python: { version: '3.11.16', minor: '3.11', image: 'python:3.11.16-slim-bookworm' },
  aptPackages: ['tini'],
  tierLines: { ml: [], core: [], dev: [] },
  constraints: false,
  hooks: NO_BUILD_HOOKS,
  copies: [{ from: 'services/train', to: '/app/train' }],
  workdir: '/app',
  moduleName: 'train',
  command: ['python', '-m', 'train'],
});

/** The CPU image with what a GPU service adds (`gpuImage`), as the image model's resolver applies it. */
const withGpu = (gpu: Parameters<typeof gpuImage>[0]) => addToImage(CPU, gpuImage(gpu));

const CHOICE: CudaChoice = { cuda: '12.4', driver: { minimum: '550.54.14', rule: 'a rule' } };

describe('gpuImage', () => {
  test('python-slim without extensions: notes, driver check, GPU env after the CPU env, labels; no toolkit', () => {
    const model = withGpu({
      base: GpuBase.PYTHON_SLIM, choice: CHOICE, driverCheck: true, extensionDirs: [],
    });
    expect(model.gpu).toEqual(expect.objectContaining({ cuda: '12.4', pythonSlim: true, minDriver: '550.54.14', driverCheck: true }));
    expect(model.entrypoint).toEqual(['/usr/bin/tini', '--', 'python', '-m', 'mldocker_runtime.driver_check']);
    expect(model.env.slice(0, CPU.env.length)).toEqual(CPU.env);
    expect(model.env.map(([k]) => k)).toEqual(expect.arrayContaining(['NVIDIA_VISIBLE_DEVICES', 'MLDOCKER_MIN_DRIVER', 'MLDOCKER_DRIVER_RULE', 'HF_HOME']));
    expect(model.labels).toContainEqual(['dev.projen-ml-docker.min-driver', '550.54.14']);
    expect(model.cudaToolkit).toBeUndefined();
    expect(model.cudaExtensions).toBeUndefined();
    expect(model.bases).toEqual(CPU.bases);
    expect(prodVenvSource(model)).toBe('deps-ml');
    expect(CPU.gpu).toBeUndefined(); // the input is not changed
  });

  test('python-slim with extensions: the Debian 12 toolkit in deps-ml, extensions compiled by its nvcc, prod copies builder', () => {
    const model = withGpu({
      base: GpuBase.PYTHON_SLIM,
      choice: CHOICE,
      driverCheck: false,
      extensionDirs: ['ext/a', 'ext/b'],
      keyringSha256: 'f'.repeat(64),
    });
    expect(model.cudaToolkit).toEqual(expect.objectContaining({ cuda: '12.4', sha256: 'f'.repeat(64) }));
    expect(model.cudaExtensions).toEqual(expect.objectContaining({ compiler: 'debian12', dirs: ['ext/a', 'ext/b'] }));
    // the arch list is data: the renderer quotes it for the Dockerfile
    expect(model.cudaExtensions!.archList).toMatch(/^\d+\.\d[^"]*$/);
    expect(model.contextPaths.slice(-2)).toEqual(['ext/a', 'ext/b']);
    expect(model.entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(prodVenvSource(model)).toBe('builder');
  });

  test('an nvidia/cuda base: the CUDA images as build args, Python copied in, a devel deps-ml for extensions', () => {
    const choice: CudaChoice = { ...CHOICE, runtimeImage: 'nvidia/cuda:12.4.1-runtime-ubuntu24.04', develImage: 'nvidia/cuda:12.4.1-devel-ubuntu24.04' };
    const model = withGpu({
      base: GpuBase.CUDA_RUNTIME, choice, driverCheck: true, extensionDirs: ['ext'],
    });
    expect(model.bases.map((b) => b.arg)).toEqual(['PYTHON_IMAGE', 'CUDA_IMAGE', 'CUDA_DEVEL_IMAGE']);
    expect(model.runtimeBase).toEqual({ arg: 'CUDA_IMAGE', image: 'nvidia/cuda:12.4.1-runtime-ubuntu24.04' });
    expect(model.devel).toEqual({ arg: 'CUDA_DEVEL_IMAGE', packages: ['g++'] });
    expect(model.copyPython?.os).toBe('ubuntu24.04');
    expect(model.cudaExtensions?.compiler).toBe('devel');
    expect(model.cudaToolkit).toBeUndefined();
    expect(stageOrder(model)[0]).toBe('python');
  });
});
