import { projectWith, problemsOf } from './support';
import { ResolveRun } from '../../src/deps/resolve-run';
import { ResolveContext } from '../../src/deps/resolved';

const root = projectWith({ 'keep.txt': '' });

function run(over: Partial<ResolveContext> = {}): ResolveRun {
  return new ResolveRun({ projectRoot: root, pythonVersion: '3.11.9', platform: 'linux/amd64', path: 'vision/api', ...over });
}

const pkg = (name: string, version: string | undefined, from = 'uv.lock') => ({ name, key: name, version, requirement: `${name}==${version}`, hashes: [], from });

describe('ResolveRun', () => {
  test('the image is checked once, every bad field at a time', () => {
    expect(problemsOf(() => run({ pythonVersion: '3.11', glibcVersion: '2', platform: 'linux/386' as ResolveContext['platform'] }))).toEqual([
      '[vision/api] python version: got "3.11"; expected an exact cpython version such as "3.11.9"',
      '[vision/api] glibc version: got "2"; expected a glibc version such as "2.35"',
      '[vision/api] platform: got "linux/386"; expected "linux/amd64", "linux/arm64"',
    ]);
  });

  test('the target: arm64 is aarch64, glibc 2.35 unless given; the field defaults to "dependencies"', () => {
    expect(run({ platform: 'linux/arm64', glibcVersion: '2.36' }).target).toEqual({ pythonVersion: '3.11.9', arch: 'aarch64', glibc: [2, 36] });
    expect(run().target.glibc).toEqual([2, 35]);
    expect(run().field).toBe('dependencies');
    expect(run({ field: 'deps' }).field).toBe('deps');
  });

  test('admitsPython reads requires-python ranges with spaces', () => {
    expect(run().admitsPython('>= 3.10, < 3.13')).toBe(true);
    expect(run().admitsPython('>=3.12')).toBe(false);
  });

  test('place keeps torch packages out of the tiers; result sorts each tier and torch in its own order', () => {
    const r = run();
    r.place('core', pkg('zlib-ng', '1.0'));
    r.place('core', pkg('attrs', '24.2.0'));
    r.place('ml', pkg('torchvision', '0.20.1+cu124'));
    r.place('ml', pkg('torch', '2.5.1+cu124'));
    const result = r.result();
    expect(result.tiers.core).toEqual(['attrs==24.2.0', 'zlib-ng==1.0']);
    expect(result.tiers.ml).toEqual([]);
    expect(result.torch).toMatchObject({ version: '2.5.1', local: 'cu124' });
    expect(result.torch!.packages.map((p) => p.key)).toEqual(['torch', 'torchvision']);
  });

  test('a companion without a local label beside a labelled torch is left to the service to pair', () => {
    const r = run();
    r.place('ml', pkg('torch', '2.8.0+cu128'));
    r.place('ml', pkg('torchvision', '0.23.0', 'uv.lock (torchvision)'));
    expect(r.result().torch).toMatchObject({ version: '2.8.0', local: 'cu128' });
    expect(r.result().torch!.packages.map((p) => p.version)).toEqual(['2.8.0+cu128', '0.23.0']);
  });

  test('a labelled companion beside torch without a label is refused', () => {
    const r = run();
    r.place('ml', pkg('torch', '2.8.0'));
    r.place('ml', pkg('torchvision', '0.23.0+cu128', 'uv.lock (torchvision)'));
    expect(problemsOf(() => r.result())).toEqual([
      '[vision/api] uv.lock (torchvision) pins torchvision 0.23.0+cu128 for another variant than torch 2.8.0: got "0.23.0+cu128"; expected the same local label (none) on torch, torchvision and torchaudio',
    ]);
  });

  test('torch packages of two variants are refused', () => {
    const r = run();
    r.place('ml', pkg('torch', '2.5.1+cu124'));
    r.place('ml', pkg('torchvision', '0.20.1+cpu', 'uv.lock (torchvision)'));
    expect(problemsOf(() => r.result())).toEqual([
      '[vision/api] uv.lock (torchvision) pins torchvision 0.20.1+cpu for another variant than torch 2.5.1+cu124: got "0.20.1+cpu"; expected the same local label (+cu124) on torch, torchvision and torchaudio',
    ]);
  });
});
