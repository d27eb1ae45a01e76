/**
 * Bad input around the torch releases after 2.11: the CUDA 13.0 build on a host driver too old
 * for it, torchaudio where the wheel matrix pairs none, CUDA 13 wheels beside a CUDA 12 torch
 * (typed or from a requirement file), and NVIDIA's Python bindings taken for a CUDA runtime.
 */
import { Row, any, svc, trainer } from './support';
import { Dependencies, GpuTrainer } from '../../src';

const noTorch = (props: Record<string, unknown>) => trainer({ torchVersion: undefined, ...props });

export const rows: Row[] = [
  { name: 'torch 2.14.1 cuda 13.0 on the default host driver', build: trainer({ torchVersion: '2.14.1', cudaVersion: '13.0' }), path: 'vision/trainer', got: '"535.104.05"', expected: 'or cudaVersion one of: "12.6"' },
  { name: 'torchaudio with torch 2.13.0', build: trainer({ torchVersion: '2.13.0', torchPackages: ['torchaudio'] }), path: 'vision/trainer', got: '"torchaudio"', expected: 'torchPackages without torchaudio, or a torch release with a paired torchaudio (2.11.0 or older)' },
  {
    name: 'cpu torchaudio with torch 2.13.0',
    build: svc({ torchVersion: '2.13.0', torchPackages: ['torch', 'torchaudio'] }),
    path: 'vision/api',
    got: '"torchaudio"',
    expected: 'torchPackages lists torchaudio, which the wheel matrix pairs with no version of torch 2.13.0',
  },
  { name: 'cuda 13 wheels beside a cuda 12 torch', build: trainer({ torchVersion: '2.14.1', requirements: { ml: ['cuda-toolkit[cudart]==13.0.3'] } }), path: 'vision/trainer', got: '"cuda-toolkit[cudart]==13.0.3"', expected: 'nvidia\'s cuda 12 wheels only' },
  {
    name: 'cuda 13 wheels from a requirement file beside a cuda 12 torch',
    files: { 'deps/requirements.txt': 'numpy==2.1.3\nnvidia-nccl-cu13==2.30.7\n' },
    build: (p) => {
      new GpuTrainer(p, 'trainer', any({
        torchVersion: '2.14.1', command: ['python', '-m', 'trainer.train'], dependencies: Dependencies.fromRequirementsFiles({ ml: ['deps/requirements.txt'] }),
      }));
    },
    path: 'vision/trainer',
    got: '"nvidia-nccl-cu13==2.30.7"',
    expected: 'or a cudaVersion of cuda 13 with a hostDriverVersion that runs it',
  },
  { name: 'gpu without torch: cuda-bindings taken for a cuda 13 runtime', project: { hostDriverVersion: '580.65.06' }, build: noTorch({ cudaVersion: '13.0', requirements: { ml: ['cuda-bindings==13.0.3'] } }), path: 'vision/trainer', got: '"13.0"', expected: '"cuda-toolkit[cudart]==<13.x version>"' },
];
