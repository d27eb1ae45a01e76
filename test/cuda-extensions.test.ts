/**
 * CUDA extensions (issue 17): the builder is the only stage with the toolkit, its CUDA is the
 * runtime's major.minor (and the torch wheels'), every base tag is in the shared reference
 * data, TORCH_CUDA_ARCH_LIST defaults to what that CUDA release compiles for, and a user list
 * naming an unsupported compute capability is refused.
 */
import { GpuBase, GpuTrainer, MlDockerProject } from '../src';
import { ancestry, parseDockerfile, stageNamed } from './support/dockerfile-rules';
import { readSharedJson } from './support/shared-data';
import { newProject, synth, validationError } from './util';
import { defaultArchList, supportedCapabilities } from '../src/gpu/cuda-arch';

const TRAIN = ['python', '-m', 'trainer.train'];

function sharedTags(): Set<string> {
  const main = readSharedJson<{ versions: Record<string, { ubuntuTags?: string[] }> }>('nvidia-cuda-tags.json');
  const extra = readSharedJson<{ versions: Record<string, { os: Record<string, { images: Array<{ tag: string }> }> }> }>('nvidia-cuda-tags-extra.json');
  return new Set([
    ...Object.values(main.versions).flatMap((v) => v.ubuntuTags ?? []),
    ...Object.values(extra.versions).flatMap((v) => Object.values(v.os).flatMap((o) => o.images.map((i) => i.tag))),
  ]);
}

function trainer(props: Record<string, unknown>, driver = '580.65.06'): Record<string, any> {
  const project: MlDockerProject = newProject({ hostDriverVersion: driver });
  new GpuTrainer(project, 'trainer', { torchVersion: '2.9.0', command: TRAIN, gpuBase: GpuBase.CUDA_RUNTIME, cudaExtensions: ['ext/op'], ...props });
  return synth(project);
}

describe.each([['12.6'], ['12.8']])('CUDA %s extensions', (cuda) => {
  const out = trainer({ cudaVersion: cuda });
  const text: string = out['docker/trainer/Dockerfile'];
  const df = parseDockerfile(text);

  test('only the build chain (deps-ml, then builder) starts from the devel image; prod starts from the runtime image', () => {
    const devel = /ARG CUDA_DEVEL_IMAGE=nvidia\/cuda:(\S+)/.exec(text)![1];
    const runtime = /ARG CUDA_IMAGE=nvidia\/cuda:(\S+)/.exec(text)![1];
    expect(stageNamed(df, 'deps-ml')!.base).toBe('${CUDA_DEVEL_IMAGE}');
    expect(stageNamed(df, 'builder')!.base).toBe('deps-ml');
    expect(ancestry(stageNamed(df, 'prod')!).map((s) => s.base)).toEqual(['${CUDA_IMAGE}', 'base']);
    // The extension step is in the builder, and only there.
    const withExt = df.stages.filter((s) => s.instructions.some((i) => i.getTextContent().includes('--no-build-isolation')));
    expect(withExt.map((s) => s.name)).toEqual(['builder']);
    // Toolkit CUDA == runtime CUDA (the same release), == the torch wheels' major.minor.
    expect(devel.replace('-devel-', '-runtime-')).toBe(runtime);
    expect(runtime.startsWith(`${cuda}.`)).toBe(true);
    expect(out['docker/trainer/requirements-torch.txt']).toContain(`+cu${cuda.replace('.', '')}`);
    // Every base tag is in the shared reference data.
    for (const tag of [devel, runtime]) expect(sharedTags()).toContain(tag);
  });

  test('TORCH_CUDA_ARCH_LIST defaults to the release\'s non-embedded GPUs from Volta on, the newest as PTX', () => {
    const arg = /ARG TORCH_CUDA_ARCH_LIST="([^"]+)"/.exec(text)![1];
    expect(arg).toBe(defaultArchList(cuda));
    const entries = arg.split(';');
    expect(entries[0]).toBe('7.0');
    expect(entries[entries.length - 1]).toMatch(/\+PTX$/);
    for (const e of entries) expect(supportedCapabilities(cuda)).toContain(e.replace('+PTX', ''));
    expect(entries).not.toContain('8.7');
    if (cuda === '12.8') expect(entries).toContain('12.0+PTX');
    else expect(entries[entries.length - 1]).toBe('9.0+PTX');
  });
});

test('a user arch list: accepted when the release supports it (ENV in the builder), refused with an unsupported capability', () => {
  const out = trainer({ cudaVersion: '12.8', buildEnv: { TORCH_CUDA_ARCH_LIST: '8.0;9.0;12.0+PTX' } });
  expect(out['docker/trainer/Dockerfile']).toContain('ENV TORCH_CUDA_ARCH_LIST="8.0;9.0;12.0+PTX"');
  const error = validationError(() => trainer({ cudaVersion: '12.6', buildEnv: { TORCH_CUDA_ARCH_LIST: '8.0;10.0' } }));
  expect(error.message).toContain('buildEnv.TORCH_CUDA_ARCH_LIST names compute capability 10.0, which nvcc of CUDA 12.6 does not support');
  expect(validationError(() => trainer({ cudaVersion: '12.6', buildEnv: { TORCH_CUDA_ARCH_LIST: 'sm_80' } })).message).toContain('no compute capability');
});
