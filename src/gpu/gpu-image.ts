import { CUDA_IMAGE_OS, CudaChoice, GpuBase } from './cuda';
import { defaultArchList } from './cuda-arch';
import { debian12ToolkitModel } from './cuda-debian12';
import { loadData } from '../core/data';
import { ImageModel, addRuntime } from '../image/image-model';
import { RUNTIME_PACKAGE } from '../image/image-paths';
import { TorchWheels } from '../service/torch';

/** What a GPU service resolved, the input of `extendGpuImage`. */
export interface GpuImageFacts {
  readonly base: GpuBase;
  readonly choice: CudaChoice;
  readonly torch?: TorchWheels;
  readonly driverCheck: boolean;
  /** Directories of CUDA extensions compiled in builder. */
  readonly extensionDirs: readonly string[];
  /** The cuda-keyring checksum of a python-slim extension builder. */
  readonly keyringSha256?: string;
}

/** The variables NVIDIA's own images set (nvidia-cuda-tags.json `defaultContainerEnv`). */
export function nvidiaEnvironment(): Array<[string, string]> {
  const env = loadData<{ defaultContainerEnv: Record<string, string> }>('nvidia-cuda-tags.json').defaultContainerEnv;
  return [['NVIDIA_VISIBLE_DEVICES', env.NVIDIA_VISIBLE_DEVICES], ['NVIDIA_DRIVER_CAPABILITIES', env.NVIDIA_DRIVER_CAPABILITIES]];
}

/**
 * A CPU image model made a GPU one: the header's GPU notes, the driver minimum (environment,
 * labels, the entrypoint's check), caches on /tmp, the CUDA extensions and their compiler (a
 * Debian 12 toolkit on python-slim, the devel image on nvidia/cuda), and on nvidia/cuda bases
 * the official Python copied in. Pure.
 */
export function extendGpuImage(model: ImageModel, gpu: GpuImageFacts): ImageModel {
  const { choice } = gpu;
  const slim = gpu.base === GpuBase.PYTHON_SLIM;
  const dirs = gpu.extensionDirs;
  const extended: ImageModel = {
    ...model,
    gpu: {
      base: gpu.base,
      cuda: choice.cuda,
      torch: gpu.torch?.torch,
      torchIndexUrl: gpu.torch?.indexUrl,
      pythonSlim: slim,
      minDriver: choice.driver.minimum,
      driverRule: choice.driver.rule,
      driverCheck: gpu.driverCheck,
    },
    entrypoint: gpu.driverCheck ? [...model.entrypoint, 'python', '-m', `${RUNTIME_PACKAGE}.driver_check`] : model.entrypoint,
    cudaExtensions: dirs.length === 0 ? undefined : {
      compiler: slim ? 'debian12' : 'devel',
      cuda: choice.cuda,
      archList: defaultArchList(choice.cuda) ?? '',
      dirs,
    },
    ...slim ? {
      cudaToolkit: dirs.length > 0 ? debian12ToolkitModel(choice.cuda, gpu.keyringSha256) : undefined,
    } : {
      bases: [...model.bases, { arg: 'CUDA_IMAGE', image: choice.runtimeImage! },
        ...choice.develImage ? [{ arg: 'CUDA_DEVEL_IMAGE', image: choice.develImage }] : []],
      runtimeBase: { arg: 'CUDA_IMAGE', image: choice.runtimeImage! },
      copyPython: { os: CUDA_IMAGE_OS, packages: loadData<{ packages: string[] }>('ubuntu-python-runtime.json').packages },
      // nvcc needs a host C++ compiler; installed only if the devel image lacks it.
      devel: choice.develImage ? { arg: 'CUDA_DEVEL_IMAGE', packages: ['g++'] } : undefined,
    },
  };
  return addRuntime(extended, {
    env: [
      ...nvidiaEnvironment(),
      // Caches on the writable /tmp tmpfs (the root filesystem is read-only).
      ['HF_HOME', '/tmp/.cache/huggingface'],
      ['TORCH_HOME', '/tmp/.cache/torch'],
      ['TRITON_CACHE_DIR', '/tmp/.cache/triton'],
      ['MLDOCKER_MIN_DRIVER', choice.driver.minimum],
      ['MLDOCKER_DRIVER_RULE', choice.driver.rule],
    ],
    labels: [
      ['dev.projen-ml-docker.min-driver', choice.driver.minimum],
      ['dev.projen-ml-docker.driver-rule', choice.driver.rule],
      ['dev.projen-ml-docker.gpu-base', gpu.base],
      ...gpu.torch ? [['dev.projen-ml-docker.torch', gpu.torch.torch] as const] : [],
      ['dev.projen-ml-docker.cuda', choice.cuda],
    ],
    contextPaths: dirs,
  });
}
