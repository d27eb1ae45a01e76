/**
 * Our own fixtures: a plain requirements.txt with ranges, markers, a continuation and -r/-c
 * includes (test/deps/fixtures/requirements-plain), and a PEP 751 pylock.toml shaped as the
 * specification's example (test/deps/fixtures/pylock).
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { copyOf, PATH, resolveIn } from './support';
import { Dependencies, LockFileKind, resolveForPlatforms } from '../../src/deps';

const FIXTURES = join(__dirname, 'fixtures');
const sha = (name: string): string => createHash('sha256').update(name).digest('hex');

describe('a plain requirements.txt with ranges, markers and includes', () => {
  const root = join(FIXTURES, 'requirements-plain');
  const deps = Dependencies.fromRequirementsFiles({
    ml: ['requirements/ml.txt'], core: ['requirements.txt'], dev: ['requirements/dev.txt'],
  });
  const r = resolveIn(root, deps);

  test('each tier holds its requirements as declared, markers evaluated for the image', () => {
    expect(r.locked).toBe(false);
    expect(r.tiers).toEqual({
      ml: ['numpy>=1.26,<3', 'scikit-learn==1.5.2'],
      core: ['fastapi>=0.110,<1.0', 'httpx>=0.27', 'pydantic~=2.7', 'requests', 'uvicorn[standard]==0.30.1'],
      // dev includes ../requirements.txt: the same lines stay in the core tier only
      dev: ['pytest==8.3.4'],
    });
    expect(r.constraints).toEqual(['urllib3<3']);
    expect(r.inputs).toEqual(['requirements.txt', 'requirements/common.txt', 'requirements/constraints.txt', 'requirements/dev.txt', 'requirements/ml.txt']);
  });

  test('python 3.10 keeps the tomli line its marker selects', () => {
    expect(resolveIn(root, deps, { pythonVersion: '3.10.14' }).tiers.ml).toContain('tomli==2.0.1');
    expect(r.tiers.ml.join()).not.toContain('tomli');
  });

  test('each unpinned line is one warning naming the file and the line', () => {
    expect(r.warnings).toEqual([
      `[${PATH}] requirements/ml.txt:1: "numpy>=1.26,<3" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`,
      `[${PATH}] requirements/common.txt:1: "pydantic~=2.7" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`,
      `[${PATH}] requirements/common.txt:2: "requests" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`,
      `[${PATH}] requirements.txt:5: "fastapi>=0.110,<1.0" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`,
      `[${PATH}] requirements.txt:8: "httpx >=0.27" is not pinned to one version; the image build resolves it (pin it, or lock the file with hashes)`,
    ]);
  });

  test('strictPins turns every unpinned line into an error', () => {
    const strict = Dependencies.fromRequirementsFiles({ core: ['requirements.txt'], strictPins: true });
    expect(() => resolveIn(root, strict)).toThrow(/requirements\/common.txt:1 is not pinned to one version: got "pydantic~=2.7"/);
  });

  test('a changed file changes the result (the files are read at each resolution)', () => {
    const copy = copyOf(root);
    writeFileSync(join(copy, 'requirements', 'ml.txt'), 'numpy==2.1.3\nscikit-learn==1.5.2\n');
    const changed = resolveIn(copy, deps);
    expect(changed.tiers.ml).toEqual(['numpy==2.1.3', 'scikit-learn==1.5.2']);
    expect(changed.tiers.core).toEqual(r.tiers.core);
  });
});

describe('a PEP 751 pylock.toml (the specification\'s example shape)', () => {
  const root = join(FIXTURES, 'pylock');
  const r = resolveIn(root, Dependencies.fromPyproject());

  test('packages selected by their markers and requires-python, with the hashes of the linux x86_64 files', () => {
    expect(r.lockKind).toBe(LockFileKind.PYLOCK);
    expect(r.lockFile).toBe('pylock.toml');
    expect(r.packages.core.map((p) => `${p.name}==${p.version}`)).toEqual(['attrs==25.1.0', 'cattrs==24.2.0', 'numpy==2.2.3']);
    // the dev group (which includes the test group) brings pytest and what it needs on linux
    expect(r.packages.dev.map((p) => `${p.name}==${p.version}`)).toEqual(['iniconfig==2.0.0', 'packaging==24.2', 'pluggy==1.5.0', 'pytest==8.3.4']);
    const numpy = r.packages.core.find((p) => p.key === 'numpy')!;
    expect(numpy.hashes).toEqual([
      sha('numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), sha('numpy-2.2.3.tar.gz'),
    ].sort());
  });

  test('aarch64 and python 3.12 pick their own wheels', () => {
    const arm = resolveIn(root, Dependencies.fromPyproject(), { platform: 'linux/arm64' });
    expect(arm.packages.core.find((p) => p.key === 'numpy')!.hashes).toEqual([
      sha('numpy-2.2.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl'), sha('numpy-2.2.3.tar.gz'),
    ].sort());
    const py312 = resolveIn(root, Dependencies.fromPyproject(), { pythonVersion: '3.12.8' });
    expect(py312.packages.core.find((p) => p.key === 'numpy')!.hashes).toEqual([
      sha('numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), sha('numpy-2.2.3.tar.gz'),
    ].sort());
  });

  test('without dependency edges, packages go to the tier whose groups select them', () => {
    const copy = copyOf(root);
    const text = readFileSync(join(copy, 'pylock.toml'), 'utf-8').replace(/^dependencies = .*\n/gm, '');
    writeFileSync(join(copy, 'pylock.toml'), text);
    const flat = resolveIn(copy, Dependencies.fromPyproject());
    expect(flat.packages.core.map((p) => p.key)).toEqual(['attrs', 'cattrs', 'numpy']);
    expect(flat.packages.dev.map((p) => p.key)).toEqual(['iniconfig', 'packaging', 'pluggy', 'pytest']);
  });

  test('devGroups: [] leaves the dev tier empty', () => {
    expect(resolveIn(root, Dependencies.fromPyproject({ devGroups: [] })).tiers.dev).toEqual([]);
  });
});

describe('torch in a lock', () => {
  const lock = (local: string, visionLocal = local) => [
    'version = 1', 'revision = 3', 'requires-python = ">=3.10"', '',
    '[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }',
    'dependencies = [{ name = "torch" }, { name = "torchvision" }]', '',
    '[[package]]', 'name = "torch"', `version = "2.5.1+${local}"`, `source = { registry = "https://torch-index.example.invalid/whl/${local}" }`,
    'dependencies = [{ name = "filelock" }]',
    `wheels = [{ url = "https://torch-index.example.invalid/whl/${local}/torch-2.5.1%2B${local}-cp311-cp311-linux_x86_64.whl", hash = "sha256:${sha('torch')}" }]`, '',
    '[[package]]', 'name = "torchvision"', `version = "0.20.1+${visionLocal}"`, `source = { registry = "https://torch-index.example.invalid/whl/${visionLocal}" }`,
    `wheels = [{ url = "https://torch-index.example.invalid/whl/${visionLocal}/torchvision-0.20.1%2B${visionLocal}-cp311-cp311-linux_x86_64.whl", hash = "sha256:${sha('tv')}" }]`, '',
    '[[package]]', 'name = "filelock"', 'version = "3.16.1"', 'source = { registry = "https://index.example.invalid/simple" }',
    `wheels = [{ url = "https://files.example.invalid/filelock-3.16.1-py3-none-any.whl", hash = "sha256:${sha('fl')}" }]`, '',
  ].join('\n');
  const pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["torch>=2.5", "torchvision"]\n';

  test('torch packages are reported apart with their local label; what they need stays in the tiers', () => {
    const root = copyOf(join(FIXTURES, 'pylock'));
    writeFileSync(join(root, 'pyproject.toml'), pyproject);
    writeFileSync(join(root, 'uv.lock'), lock('cu124'));
    const r = resolveIn(root, Dependencies.fromPyproject({ lockFile: 'uv.lock' }));
    expect(r.torch).toEqual({
      version: '2.5.1',
      local: 'cu124',
      packages: [
        expect.objectContaining({ name: 'torch', version: '2.5.1+cu124', hashes: [sha('torch')] }),
        expect.objectContaining({ name: 'torchvision', version: '0.20.1+cu124', hashes: [sha('tv')] }),
      ],
    });
    expect(r.tiers.core).toEqual(['filelock==3.16.1 \\', `    --hash=sha256:${sha('fl')}`]);
  });

  test('torch and torchvision for different variants is an error naming both', () => {
    const root = copyOf(join(FIXTURES, 'pylock'));
    writeFileSync(join(root, 'pyproject.toml'), pyproject);
    writeFileSync(join(root, 'uv.lock'), lock('cu124', 'cpu'));
    expect(() => resolveIn(root, Dependencies.fromPyproject({ lockFile: 'uv.lock' })))
      .toThrow('[vision/api] uv.lock pins torchvision 0.20.1+cpu for another variant than torch 2.5.1+cu124: got "0.20.1+cpu"; expected the same local label (+cu124) on torch, torchvision and torchaudio');
  });
});

describe('one set of tier files for several platforms', () => {
  const ctx = (root: string) => ({ projectRoot: root, pythonVersion: '3.11.9', platform: 'linux/amd64' as const, path: PATH });

  test('a lock: the files of both architectures hashed, nothing marked when both install the same', () => {
    const root = join(FIXTURES, 'pylock');
    const r = resolveForPlatforms(Dependencies.fromPyproject(), ctx(root), ['linux/amd64', 'linux/arm64']);
    expect(r.packages.core.find((p) => p.key === 'numpy')).toEqual(expect.objectContaining({
      marker: undefined,
      hashes: [
        sha('numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
        sha('numpy-2.2.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl'),
        sha('numpy-2.2.3.tar.gz'),
      ].sort(),
    }));
    expect(r.packages.core.map((p) => p.key)).toEqual(['attrs', 'cattrs', 'numpy']);
  });

  test('what only one platform installs gets its platform_machine marker', () => {
    const root = copyOf(join(FIXTURES, 'requirements-plain'));
    writeFileSync(join(root, 'requirements', 'ml.txt'), [
      `numpy==2.1.3 --hash=sha256:${sha('numpy-x86')} --hash=sha256:${sha('numpy-arm')}`,
      `nvidia-nccl-cu12==2.21.5 ; platform_machine == "x86_64" --hash=sha256:${sha('nccl')}`,
      '',
    ].join('\n'));
    const r = resolveForPlatforms(Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'] }), ctx(root), ['linux/amd64', 'linux/arm64']);
    expect(r.tiers.ml).toEqual([
      'numpy==2.1.3 \\',
      ...[sha('numpy-x86'), sha('numpy-arm')].sort().map((h, i) => `    --hash=sha256:${h}${i === 0 ? ' \\' : ''}`),
      'nvidia-nccl-cu12==2.21.5 ; platform_machine == "x86_64" \\',
      `    --hash=sha256:${sha('nccl')}`,
    ]);
  });
});
