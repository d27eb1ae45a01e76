/**
 * The CUDA toolkit of a python-slim builder (CUDA extensions on the default `gpuBase`): nvcc,
 * headers and the libraries torch extensions link, from NVIDIA's Debian 12 repository for the
 * torch wheels' CUDA major.minor, from `data/cuda-debian12.json`. Only the builder (and dev)
 * gets it; the host driver rule never applies to it.
 */
import { GpuPlatform } from './cuda';
import { loadData } from '../core/data';
import { Problems, oneOf } from '../core/problems';
import type { CudaToolkit } from '../image/image-model';

interface Debian12Data {
  readonly glibc: string;
  readonly architecture: string;
  readonly repositoryUrl: string;
  readonly keyring: { readonly package: string; readonly version: string; readonly file: string };
  readonly releases: readonly string[];
  readonly packages: readonly string[];
  readonly hostCompiler: readonly string[];
  readonly cudaHome: string;
}

const data = (): Debian12Data => loadData<Debian12Data>('cuda-debian12.json');
const SHA256 = /^[0-9a-f]{64}$/;

/** The CUDA major.minor releases the reference data lists Debian 12 packages for. */
export function debian12CudaReleases(): string[] {
  return [...data().releases];
}

/** What the builder installs for one CUDA major.minor. */
export interface Debian12Toolkit {
  /** `12.8` */
  readonly cuda: string;
  /** `/usr/local/cuda-12.8`, where the Debian packages install the toolkit. */
  readonly cudaHome: string;
  /** The host C++ compiler, then the CUDA packages of that release (`cuda-nvcc-12-8`, ...). */
  readonly packages: string[];
}

/** The toolkit of a CUDA release (whether Debian 12 has it is `checkDebian12Toolkit`'s job). */
export function debian12Toolkit(cuda: string): Debian12Toolkit {
  const d = data();
  const dashed = cuda.replace('.', '-');
  return {
    cuda,
    cudaHome: d.cudaHome.replace('{mm}', cuda),
    packages: [...d.hostCompiler, ...d.packages.map((p) => p.replace('{v}', dashed))],
  };
}

/** What a python-slim CUDA extension builder is checked against. */
export interface Debian12Request {
  /** The torch wheels' CUDA major.minor. */
  readonly cuda: string;
  readonly platform: string;
  readonly keyringSha256?: string;
  /** The CUDA variants the torch release has wheels for (to suggest only those that work). */
  readonly offered: readonly string[];
  /** The torch version, for the message. */
  readonly torchVersion: string;
}

/**
 * Checks that Debian 12 packages exist for the wheels' CUDA and the platform, and the keyring
 * checksum's form. Never looks at the host driver: compiling needs none.
 */
export function checkDebian12Toolkit(problems: Problems, req: Debian12Request): boolean {
  const before = problems.count;
  const d = data();
  const nvidiaBases = '"runtime" or "cudnn-runtime" (the builder is then the nvidia/cuda devel image of the runtime\'s release)';
  if (!d.releases.includes(req.cuda)) {
    const usable = req.offered.filter((c) => d.releases.includes(c));
    const instead = usable.length > 0
      ? `a cudaVersion with them: ${oneOf(usable)}`
      : `a torchVersion with wheels for a cuda with them (${oneOf(d.releases)}; torch ${req.torchVersion} has ${oneOf(req.offered)})`;
    problems.add(`cudaExtensions on gpuBase "python-slim" need NVIDIA's Debian 12 packages of CUDA ${req.cuda} (the torch wheels' CUDA), which the reference data does not list`,
      req.cuda, `${instead}, or gpuBase ${nvidiaBases}`);
  }
  if (req.platform !== GpuPlatform.LINUX_AMD64) {
    problems.add(`cudaExtensions on gpuBase "python-slim" use NVIDIA's Debian 12 ${d.architecture} repository`, req.platform,
      `platform "${GpuPlatform.LINUX_AMD64}", or gpuBase ${nvidiaBases}`);
  }
  if (req.keyringSha256 !== undefined && !(typeof req.keyringSha256 === 'string' && SHA256.test(req.keyringSha256))) {
    problems.add('cudaKeyringSha256', req.keyringSha256, `64 lowercase hex digits: the sha256sum of ${d.repositoryUrl}${d.keyring.file}`);
  }
  return problems.count === before;
}

/**
 * What the builder installs for the toolkit (`templates/dockerfile/cuda-toolkit.ejs`): the keyring
 * (checked by sha256), the packages, CUDA_HOME and PATH.
 */
export function debian12ToolkitModel(cuda: string, keyringSha256: string | undefined): CudaToolkit {
  const d = data();
  const toolkit = debian12Toolkit(cuda);
  return {
    cuda,
    glibc: d.glibc,
    repositoryUrl: d.repositoryUrl,
    keyringFile: d.keyring.file,
    keyringPackage: d.keyring.package,
    sha256: keyringSha256,
    packages: toolkit.packages,
    cudaHome: toolkit.cudaHome,
  };
}
