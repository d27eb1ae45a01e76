/**
 * The CUDA runtime of a GPU service without torch on python-slim comes from NVIDIA's CUDA
 * wheels its requirements pull: typed, or from its dependency files (read at synth), with the
 * extras that pull them known from package metadata (`data/cuda-wheel-extras.json`):
 * `jax[cuda12]` pulls them, `jax[cuda12-local]` does not.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Pkg, PYPROJECT, uvLock } from './lock-fixtures';
import { projectWith } from './support';
import { Dependencies, GpuInference } from '../../src';
import { cudaWheelRequirement } from '../../src/gpu/cuda-without-torch';
import { problemsOf, synthIn } from '../util';

const CODE = { 'services/serve/__init__.py': '', 'services/serve/serve.py': '' };
const serve = (props: Record<string, unknown>) => (p: any) => new GpuInference(p, 'serve', {
  cudaVersion: '12.6', port: 8080, command: ['python', '-m', 'serve.serve'], ...props,
});
const PROJECT = { hostDriverVersion: '560.35.03' };

test('the extras of the package metadata table: cuda12 pulls the wheels, cuda12-local does not', () => {
  expect(cudaWheelRequirement(['jax[cuda12-local]==0.7.2'], '12')).toBeUndefined();
  expect(cudaWheelRequirement(['jax[cuda13]==0.7.2'], '13')).toBe('jax[cuda13]==0.7.2');
  expect(cudaWheelRequirement(['tensorflow[and-cuda]==2.18.0'], '12')).toBe('tensorflow[and-cuda]==2.18.0');
  expect(cudaWheelRequirement(['jax-cuda12-plugin[with_cuda]==0.7.2'], '12')).toBe('jax-cuda12-plugin[with_cuda]==0.7.2');
  // a package of another project with an extra named like a CUDA major pulls nothing we know of
  expect(cudaWheelRequirement(['somelib[cuda12]==1.0'], '12')).toBeUndefined();
  expect(cudaWheelRequirement(['nvidia-cuda-runtime==13.0.96'], '13')).toBe('nvidia-cuda-runtime==13.0.96');
  expect(cudaWheelRequirement(['nvidia-cuda-runtime==12.9.79'], '13')).toBeUndefined();
});

test('a typed jax[cuda12-local] is refused: it brings no runtime', () => {
  const dir = projectWith(CODE);
  expect(problemsOf(() => synthIn(dir, PROJECT, serve({ requirements: { ml: ['jax[cuda12-local]==0.7.2'] } }))).join('\n'))
    .toContain('no requirement pulls nvidia\'s cuda 12 wheels');
});

test('jax[cuda12] in a requirement file is read at synth; the Dockerfile names the files, not a pin', () => {
  const dir = projectWith({ ...CODE, 'requirements.txt': 'jax[cuda12]==0.7.2\n' });
  synthIn(dir, PROJECT, serve({ dependencies: Dependencies.fromRequirementsFiles({ ml: ['requirements.txt'] }) }));
  const dockerfile = readFileSync(join(dir, 'docker/serve/Dockerfile'), 'utf-8');
  expect(dockerfile).toContain('NVIDIA\'s CUDA 12 wheels of the dependency files carry their own CUDA runtime');
  expect(dockerfile).not.toContain('0.7.2');
});

test('jax[cuda12-local] in a file, or CUDA wheels only in the dev tier, are refused at synth', () => {
  const local = projectWith({ ...CODE, 'requirements.txt': 'jax[cuda12-local]==0.7.2\n' });
  const expected = '[vision/serve] gpuBase "python-slim" without torch has no cuda runtime: neither requirements nor the dependency files '
    + 'pull nvidia\'s cuda 12 wheels: got "12.6"; expected a requirement that does in the ml or core tier';
  expect(problemsOf(() => synthIn(local, PROJECT, serve({ dependencies: Dependencies.fromRequirementsFiles({ ml: ['requirements.txt'] }) }))).join('\n'))
    .toContain(expected);
  const dev = projectWith({ ...CODE, 'dev.txt': 'jax[cuda12]==0.7.2\n' });
  expect(problemsOf(() => synthIn(dev, PROJECT, serve({ dependencies: Dependencies.fromRequirementsFiles({ dev: ['dev.txt'] }) }))).join('\n'))
    .toContain(expected);
});

test('a lock whose closure holds nvidia-cuda-runtime-cu12 brings the runtime', () => {
  const pkgs: Pkg[] = [
    { name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3', deps: ['jax-cuda12-plugin'] }, { name: 'pytest', version: '8.3.4' },
    { name: 'jax-cuda12-plugin', version: '0.7.2', deps: ['nvidia-cuda-runtime-cu12'] }, { name: 'nvidia-cuda-runtime-cu12', version: '12.6.77' },
  ];
  const dir = projectWith({ ...CODE, 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(pkgs) });
  synthIn(dir, PROJECT, serve({ dependencies: Dependencies.fromPyproject() }));
  expect(readFileSync(join(dir, 'docker/serve/requirements-core.txt'), 'utf-8')).toContain('nvidia-cuda-runtime-cu12==12.6.77 \\');
});
