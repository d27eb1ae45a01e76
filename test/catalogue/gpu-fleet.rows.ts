/**
 * Bad input around the GPU fleet (`gpuFleet` on the project and on a GPU service): entries the
 * reference table cannot place, a fleet no CUDA variant of the torch release serves, an explicit
 * `cudaVersion` without kernels for one of its GPUs, and the CUDA releases whose nvcc cannot
 * build for it (CUDA extensions, a service without torch).
 */
import { Row, any, inference, trainer } from './support';
import { GpuInference } from '../../src';

const noTorch = (cudaVersion: string, fleet: string[]) => (p: any) => {
  new GpuInference(p, 'inference', any({
    cudaVersion,
    gpuFleet: fleet,
    port: 8080,
    command: ['python', '-m', 'inference.serve'],
    requirements: { ml: ['cuda-toolkit[cudart]==13.0.2'] },
  }));
};

/** A trainer compiling a CUDA extension for a fleet with the user's own arch list. */
const archList = (fleet: string[], list: string) => trainer({
  torchVersion: '2.11.0',
  gpuFleet: fleet,
  cudaExtensions: ['ext/op'],
  buildEnv: { TORCH_CUDA_ARCH_LIST: list },
});

export const rows: Row[] = [
  {
    name: 'gpu fleet without torch: a cuda release without a capability list',
    project: { hostDriverVersion: '580.65.06' },
    build: noTorch('13.1', ['H100']),
    path: 'vision/inference',
    got: 'the reference data has no list of the compute capabilities nvcc of cuda 13.1 targets, so '
      + 'no arch list can be derived for gpuFleet: got "13.1"',
    expected: 'a cuda release with one: "11.8", "12.0", "12.1", "12.2", "12.3", "12.4", "12.5", "12.6", '
      + '"12.8", "12.9", "13.0"',
  },
  {
    name: 'gpu fleet of the project: pascal beside blackwell',
    project: { hostDriverVersion: '570.124.06', gpuFleet: ['P100', 'B200'] },
    build: trainer({ torchVersion: '2.11.0' }),
    path: 'vision/trainer',
    got: 'no single cuda variant of torch 2.11.0 has kernels for the whole gpuFleet (from the '
      + 'project): gpu "B200" (10.0) is served only without others (cuda 12.6: "B200" (10.0): no '
      + 'cubin for it (cubins: sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90) and no ptx it could jit '
      + '(ptx: none); cuda 12.8: "P100" (6.0): no cubin for it (cubins: sm_75 sm_80 sm_86 sm_90 '
      + 'sm_100 sm_120) and no ptx it could jit (ptx: none); cuda 12.9: "P100" (6.0): its kernels '
      + 'are not known (torch-cuda-kernels.json could not read them for torch 2.11.0 with cuda '
      + '12.9), "B200" (10.0): its kernels are not known (torch-cuda-kernels.json could not read '
      + 'them for torch 2.11.0 with cuda 12.9)): got ["P100","B200"]',
    expected: 'gpuFleet (from the project) without "B200" (cuda 12.6 then serves the rest), or two '
      + 'images: one service for "B200" (cuda 12.8), another for the rest (cuda 12.6)',
  },
  {
    name: 'the project\'s gpuFleet as one string',
    project: { gpuFleet: 'H100' },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet has the wrong type: got "H100"',
    expected: 'a list',
  },
  {
    name: 'an empty project gpuFleet',
    project: { gpuFleet: [] },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet: got []',
    expected: 'a non-empty list of gpu model names or compute capabilities, e.g. ["T4", "A100", "H100"] '
      + 'or ["7.5", "8.0", "9.0"]',
  },
  {
    name: 'a project gpuFleet model the gpu table lacks',
    project: { gpuFleet: ['T4', 'H1000'] },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet[1] is not in the reference gpu table: got "H1000"',
    expected: 'a model such as "H100", "T1000", or its compute capability such as "9.0"',
  },
  {
    name: 'a project gpuFleet capability no gpu has',
    project: { gpuFleet: ['9.9'] },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet[0] is no compute capability of nvidia\'s gpu list: got "9.9"',
    expected: 'one of: "5.0", "5.2", "5.3", "6.0", "6.1", "6.2", "7.0", "7.2", "7.5", "8.0", "8.6", '
      + '"8.7", "8.9", "9.0", "10.0", "10.3", "11.0", "12.0", "12.1"',
  },
  {
    name: 'a project gpuFleet model whose capability no nvidia page states',
    project: { gpuFleet: ['A10G'] },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet[0] names a gpu whose compute capability no nvidia page in the reference data '
      + 'states: got "A10G"',
    expected: 'its compute capability instead (`nvidia-smi --query-gpu=compute_cap '
      + '--format=csv,noheader` prints it), e.g. "8.6"',
  },
  {
    name: 'a project gpuFleet entry that is a number',
    project: { gpuFleet: [90] },
    build: trainer({}),
    path: 'vision',
    got: 'gpuFleet[0] has the wrong type: got 90',
    expected: 'a string',
  },
  {
    name: 'a service gpuFleet as one string',
    build: trainer({ gpuFleet: 'H100' }),
    path: 'vision/trainer',
    got: 'gpuFleet has the wrong type: got "H100"',
    expected: 'a list',
  },
  {
    name: 'a service gpuFleet model the gpu table lacks',
    build: inference({ gpuFleet: ['RTX 9090'] }),
    path: 'vision/inference',
    got: 'gpuFleet[0] is not in the reference gpu table: got "RTX 9090"',
    expected: 'a model of nvidia\'s cuda gpu list, or its compute capability such as "9.0"',
  },
  {
    name: 'an empty service gpuFleet',
    build: trainer({ gpuFleet: [] }),
    path: 'vision/trainer',
    got: 'gpuFleet: got []',
    expected: 'a non-empty list of gpu model names or compute capabilities, e.g. ["T4", "A100", "H100"] '
      + 'or ["7.5", "8.0", "9.0"]',
  },
  {
    name: 'gpu fleet: a cudaVersion without kernels for a pascal gpu',
    project: { hostDriverVersion: '580.65.06' },
    build: trainer({ torchVersion: '2.14.1', cudaVersion: '13.0', gpuFleet: ['P100', 'H100'] }),
    path: 'vision/trainer',
    got: 'torch 2.14.1 with cuda 13.0 has no kernels for gpuFleet gpu "P100" (6.0): no cubin for it '
      + '(cubins: sm_75 sm_80 sm_86 sm_90 sm_100 sm_120) and no ptx it could jit (ptx: none): got '
      + '"13.0"',
    expected: 'cudaVersion one of: "12.6"',
  },
  {
    name: 'gpu fleet: pascal beside blackwell on one torch 2.11.0 image',
    project: { hostDriverVersion: '570.124.06' },
    build: trainer({ torchVersion: '2.11.0', gpuFleet: ['P100', 'B200'] }),
    path: 'vision/trainer',
    got: 'no single cuda variant of torch 2.11.0 has kernels for the whole gpuFleet: gpu "B200" '
      + '(10.0) is served only without others (cuda 12.6: "B200" (10.0): no cubin for it (cubins: '
      + 'sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90) and no ptx it could jit (ptx: none); cuda '
      + '12.8: "P100" (6.0): no cubin for it (cubins: sm_75 sm_80 sm_86 sm_90 sm_100 sm_120) and '
      + 'no ptx it could jit (ptx: none); cuda 12.9: "P100" (6.0): its kernels are not known '
      + '(torch-cuda-kernels.json could not read them for torch 2.11.0 with cuda 12.9), "B200" '
      + '(10.0): its kernels are not known (torch-cuda-kernels.json could not read them for torch '
      + '2.11.0 with cuda 12.9)): got ["P100","B200"]',
    expected: 'gpuFleet without "B200" (cuda 12.6 then serves the rest), or two images: one service for '
      + '"B200" (cuda 12.8), another for the rest (cuda 12.6)',
  },
  {
    name: 'gpu fleet: a torch release whose kernels the data does not know',
    project: { hostDriverVersion: '570.124.06' },
    build: trainer({ torchVersion: '2.9.0', gpuFleet: ['H100'] }),
    path: 'vision/trainer',
    got: 'no cuda variant of torch 2.9.0 that runs on hostDriverVersion (from the project) '
      + '570.124.06 has kernels for gpuFleet gpu "H100" (9.0) (cuda 12.6: "H100" (9.0): its '
      + 'kernels are not known (torch-cuda-kernels.json could not read them for torch 2.9.0 with '
      + 'cuda 12.6); cuda 12.8: "H100" (9.0): its kernels are not known (torch-cuda-kernels.json '
      + 'could not read them for torch 2.9.0 with cuda 12.8)): got ["H100"]',
    expected: 'torchVersion one of: "2.14.1", "2.11.0", "2.10.0"',
  },
  {
    name: 'gpu fleet without torch: cuda 13.0 for a pascal gpu',
    project: { hostDriverVersion: '580.65.06' },
    build: noTorch('13.0', ['P100']),
    path: 'vision/inference',
    got: 'nvcc of cuda 13.0 cannot build for gpuFleet gpu "P100" (6.0): no cubin for it (cubins: '
      + 'sm_75 sm_80 sm_86 sm_87 sm_88 sm_89 sm_90 sm_100 sm_103 sm_110 sm_120 sm_121) and no ptx '
      + 'it could jit (ptx: compute_75 compute_80 compute_86 compute_87 compute_88 compute_89 '
      + 'compute_90 compute_100 compute_103 compute_110 compute_120 compute_121): got "13.0"',
    expected: 'a cuda release whose nvcc targets 6.0: "11.8", "12.0", "12.1", "12.2", "12.3", "12.4", '
      + '"12.5", "12.6", "12.8", "12.9", or gpuFleet without it',
  },
  {
    name: 'an arch list of buildEnv without the fleet\'s hopper gpu',
    project: { hostDriverVersion: '570.124.06' },
    build: archList(['A100', 'H100'], '8.0'),
    path: 'vision/trainer',
    got: 'buildEnv.TORCH_CUDA_ARCH_LIST builds no kernel for gpuFleet gpu "H100" (9.0) (fleet: "A100" '
      + '(8.0), "H100" (9.0)): no cubin for it (cubins: sm_80) and no ptx it could jit (ptx: none): '
      + 'got "8.0"',
    expected: 'a list that covers every gpu of the fleet, e.g. "8.0;9.0" (what the fleet gives when '
      + 'buildEnv.TORCH_CUDA_ARCH_LIST is not set)',
  },
  {
    name: 'an arch list of buildEnv without the fleet\'s turing gpu',
    project: { hostDriverVersion: '570.124.06' },
    build: archList(['T4', 'A100'], '8.0;8.6+PTX'),
    path: 'vision/trainer',
    got: 'buildEnv.TORCH_CUDA_ARCH_LIST builds no kernel for gpuFleet gpu "T4" (7.5) (fleet: "T4" (7.5), '
      + '"A100" (8.0)): no cubin for it (cubins: sm_80 sm_86) and no ptx it could jit (ptx: compute_86): '
      + 'got "8.0;8.6+PTX"',
    expected: 'a list that covers every gpu of the fleet, e.g. "7.5;8.0" (what the fleet gives when '
      + 'buildEnv.TORCH_CUDA_ARCH_LIST is not set)',
  },
];
