import * as z from 'zod/mini';
import { GpuBase, GpuPlatform } from './cuda';
import { Schema } from '../core/problems';
import { ServiceOptions } from '../service/service-options';
import { TorchPackage } from '../service/torch-packages';

/** Options every GPU service (trainer, inference) shares. */
export interface GpuServiceOptions extends ServiceOptions {
  /**
   * The torch version, e.g. `2.5.1`. torch (and the `torchPackages` companions) of that
   * release and its CUDA variant come from the vendored wheel matrix (`requirements-torch.txt`,
   * installed alone with `--index-url` of the PyTorch index for that variant).
   * @default - no torch: then `cudaVersion` is required, and the CUDA runtime comes from the
   * nvidia/cuda `gpuBase`, or on python-slim from NVIDIA's CUDA wheels the requirements pull
   * (e.g. `jax[cuda12]`); the driver rule, label and start-up check are the same
   */
  readonly torchVersion?: string;

  /**
   * Which packages of the PyTorch release the torch tier installs: torch always, plus
   * torchvision and torchaudio when listed, each at the version the wheel matrix pairs with
   * `torchVersion` (they cannot go in `requirements`). The matrix pairs no torchaudio with
   * torch 2.12 and later, so listing it there is refused.
   * @default [TorchPackage.TORCH]
   */
  readonly torchPackages?: TorchPackage[];

  /**
   * The CUDA variant of the torch wheels (`12.4`), checked against the wheel matrix, the
   * Python version, the base image data and `hostDriverVersion`.
   * @default - the highest CUDA variant with wheels for this torch and Python whose minimum
   * driver (under `gpuBase`) is at most `hostDriverVersion`
   */
  readonly cudaVersion?: string;

  /**
   * Where the image's CUDA libraries come from; decides the minimum host driver.
   * @default GpuBase.PYTHON_SLIM
   */
  readonly gpuBase?: GpuBase;

  /**
   * An exact `nvidia/cuda` tag for the runtime base (`12.6.3-cudnn-runtime-ubuntu24.04`),
   * instead of the newest one of the CUDA version. Must be listed in the reference tag data,
   * match `gpuBase` and be an ubuntu24.04 tag. Only for nvidia/cuda bases.
   * @default - the newest ubuntu24.04 tag of the gpuBase flavor for the CUDA version
   */
  readonly cudaImageTag?: string;

  /**
   * The oldest NVIDIA driver of the hosts this service runs on.
   * @default - the project's `hostDriverVersion` ("535.104.05" unless set)
   */
  readonly hostDriverVersion?: string;

  /**
   * The GPUs of the hosts this service runs on, by model name (`"H100"`) or compute capability
   * (`"9.0"`): the CUDA choice must carry kernels for each of them (see the project's
   * `gpuFleet`). Replaces the project's fleet for this service.
   * @default - the project's `gpuFleet` (none unless set: the CUDA choice follows the driver alone)
   */
  readonly gpuFleet?: string[];

  /**
   * Directories (relative to the project root, or `.` for the root itself: a `setup.py` there
   * building `pkg._C`, as detectron2 does) of Python packages with CUDA extensions, each holding a
   * `setup.py` or `pyproject.toml` (e.g. built with `torch.utils.cpp_extension`), compiled in the
   * builder stage with
   * `pip install --no-build-isolation` against the installed torch; pin their build
   * requirements (setuptools, ninja, ...) in the `ml` tier. The builder gets `nvcc` and the
   * headers of the torch wheels' CUDA major.minor: on `python-slim` (the default) from NVIDIA's
   * Debian 12 repository (same bookworm glibc as the runtime; pin `cudaKeyringSha256`), on an
   * nvidia/cuda `gpuBase` from the devel image of the runtime's release. Compiling needs no
   * driver: `hostDriverVersion` limits only the runtime. `prod` only copies the virtualenv.
   * With `.`, the builder reads the whole project (minus what the ignore files always leave out),
   * so any change to it compiles the extensions again.
   * @default - no CUDA extensions, no CUDA toolkit in any stage
   */
  readonly cudaExtensions?: string[];

  /**
   * The sha256 of NVIDIA's `cuda-keyring` package (`cuda-keyring_1.1-1_all.deb` of the Debian 12
   * x86_64 CUDA repository), which the python-slim CUDA extension builder downloads to trust
   * that repository: the build installs it only if the checksum matches. Only with
   * `cudaExtensions` on `gpuBase` python-slim.
   * @default - none in the Dockerfile: the build stops until
   * `--build-arg CUDA_KEYRING_SHA256=<sha256>` is given
   */
  readonly cudaKeyringSha256?: string;

  /**
   * Start without the entrypoint's host driver check. Opt-out for hosts you know better
   * (e.g. datacenter drivers with CUDA forward compatibility); the driver minimum stays in
   * the image label and the docs. At run time, `MLDOCKER_SKIP_DRIVER_CHECK=1` does the same.
   * @default false
   */
  readonly skipDriverCheck?: boolean;

  /**
   * How many GPUs compose reserves. Exclusive with `gpuDeviceIds`.
   * @default - all GPUs for a trainer, 1 for inference
   */
  readonly gpuCount?: number;

  /**
   * The GPUs compose reserves, by index (`"0"`) or UUID (`"GPU-..."`). Exclusive with `gpuCount`.
   * @default - a number of GPUs (see gpuCount)
   */
  readonly gpuDeviceIds?: string[];

  /**
   * The platform the image is built and run for.
   * @default GpuPlatform.LINUX_AMD64
   */
  readonly platform?: GpuPlatform;

  /**
   * Allow `platform: GpuPlatform.LINUX_ARM64`. The wheel matrix and the driver tables describe
   * x86_64; check that PyTorch publishes aarch64 CUDA wheels of your torch/CUDA pair first.
   * @default false
   */
  readonly allowArm64?: boolean;

  /**
   * The official Python image through a mirror or pinned by digest, e.g.
   * `registry.example/python:3.11.16-slim-bookworm@sha256:...`. It must be the
   * `<X.Y.Z>-slim-bookworm` variant of the service's Python: PyTorch's wheels are manylinux
   * (glibc), so alpine (musl) is refused.
   * @default - "python:<X.Y.Z>-slim-bookworm" from the reference tag data
   */
  readonly pythonImage?: string;
}

/**
 * The runtime shape of what `GpuServiceOptions` adds to `ServiceOptions` (test/props-shapes.test.ts
 * holds it to the interface).
 */
export const GPU_SERVICE_SHAPE: Record<string, Schema> = {
  torchVersion: z.optional(z.string()),
  torchPackages: z.optional(z.array(z.enum(Object.values(TorchPackage)))),
  cudaVersion: z.optional(z.string()),
  gpuBase: z.optional(z.string()),
  cudaImageTag: z.optional(z.string()),
  hostDriverVersion: z.optional(z.string()),
  gpuFleet: z.optional(z.array(z.string())),
  cudaExtensions: z.optional(z.array(z.string())),
  cudaKeyringSha256: z.optional(z.string()),
  skipDriverCheck: z.optional(z.boolean()),
  gpuCount: z.optional(z.number()),
  gpuDeviceIds: z.optional(z.array(z.string())),
  platform: z.optional(z.string()),
  allowArm64: z.optional(z.boolean()),
  pythonImage: z.optional(z.string()),
};
