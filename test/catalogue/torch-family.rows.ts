/**
 * Bad input around torchvision and torchaudio pulled in by other packages: a lock whose
 * torchvision is another CUDA build than its torch, or another release than the one the wheel
 * matrix pairs with the service's torch.
 */
import { Row, any } from './support';
import { Dependencies, GpuTrainer } from '../../src';
import { PYPROJECT_TIMM, timmLock } from '../deps/lock-fixtures';

const timmTrainer = (props: Record<string, unknown>) => (p: any) => {
  new GpuTrainer(p, 'trainer', any({
    torchVersion: '2.4.1',
    command: ['python', '-m', 'trainer.train'],
    dependencies: Dependencies.fromPyproject(),
    ...props,
  }));
};

export const rows: Row[] = [
  {
    name: 'a lock pulling torchvision of another cuda build than its torch',
    files: { 'pyproject.toml': PYPROJECT_TIMM, 'uv.lock': timmLock('cu124', 'cu121') },
    build: timmTrainer({}),
    path: 'vision/trainer',
    got: '"0.19.1+cu121"',
    expected: 'the same local label (+cu124) on torch, torchvision and torchaudio',
  },
  {
    name: 'a lock pulling the cu124 torch family for a service given cu118 wheels',
    files: { 'pyproject.toml': PYPROJECT_TIMM, 'uv.lock': timmLock('cu124') },
    build: timmTrainer({ cudaVersion: '11.8' }),
    path: 'vision/trainer',
    got: '"2.4.1+cu124"',
    expected: 'the variant +cu118 in the files, or cudaVersion set to match them',
  },
  {
    name: 'a lock pulling torchvision of another torch release than torchVersion',
    files: { 'pyproject.toml': PYPROJECT_TIMM, 'uv.lock': timmLock('cu124') },
    build: timmTrainer({ torchVersion: '2.5.1' }),
    path: 'vision/trainer',
    got: '"2.4.1+cu124"',
    expected: 'torch 2.5.1 in the files, or torchVersion set to match them',
  },
];
