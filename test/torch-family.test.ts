/**
 * The torch family: torchvision and torchaudio, however they are pulled in, are the builds the
 * wheel matrix pairs with the service's torch, from the torch tier's index. Named by a lock, they
 * join the torch tier (hash-locked when the lock holds the variant's builds); otherwise every
 * later tier is constrained to the paired build, which pip's own resolver is shown to respect;
 * after the last tier a build-time check (the runtime helper `mldocker_runtime.torch_check`) compares the
 * installed builds with the pairing, run here with the host's python3 against fake installed metadata.
 */
import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Dependencies, GpuTrainer, MlDockerProjectOptions, PythonService, TorchPackage } from '../src';
import { PYPROJECT_TIMM, timmLock } from './deps/lock-fixtures';
import { pipInstalls, parseDockerfile } from './support/dockerfile-rules';
import { newProject, synth } from './util';

const TRAIN = ['python', '-m', 'trainer.train'];

type Out = Record<string, any>;

function trainer(props: Record<string, unknown>, options: Partial<MlDockerProjectOptions> = {}): Out {
  const project = newProject(options);
  new GpuTrainer(project, 'trainer', { command: TRAIN, ...props } as any);
  return synth(project);
}

function lockedTrainer(lock: string, props: Record<string, unknown> = {}): Out {
  const project = newProject();
  writeFileSync(join(project.outdir, 'pyproject.toml'), PYPROJECT_TIMM);
  writeFileSync(join(project.outdir, 'uv.lock'), lock);
  const dependencies = Dependencies.fromPyproject();
  const all = { command: TRAIN, torchVersion: '2.4.1', dependencies, ...props };
  new GpuTrainer(project, 'trainer', all as any);
  return synth(project);
}

/** The Dockerfile's (first) pip install of a requirement file. */
const installOf = (out: Out, file: string) => pipInstalls(parseDockerfile(out['docker/trainer/Dockerfile']))
  .find((i) => i.requirements.includes(`/tmp/requirements/${file}`))!;
/** The requirement lines of a generated requirement file (comments and hash lines left out). */
const pins = (text: string | undefined) => (text ?? '').split('\n')
  .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(' '))
  .map((l) => l.replace(/ \\$/, ''));
/** The torch check's arguments, in every stage that runs it (dev and prod). */
const CHECK_RUN = /^RUN \["python", "-m", "mldocker_runtime\.torch_check", (.*)\]$/gm;
const checks = (dockerfile: string) => [...dockerfile.matchAll(CHECK_RUN)]
  .map((m) => JSON.parse(`[${m[1]}]`) as string[]);

describe('without a lock: the constraints of every later tier pin the paired builds', () => {
  test.each([
    // [case, props, project options, torch tier, constraints]
    ['timm on torch 2.4.1 (cu124 chosen)', { torchVersion: '2.4.1' }, {},
      ['torch==2.4.1+cu124'], ['torchaudio==2.4.1+cu124', 'torchvision==0.19.1+cu124']],
    ['a fleet on an older driver (cu118 chosen)', { torchVersion: '2.4.1' },
      { hostDriverVersion: '470.82.01' },
      ['torch==2.4.1+cu118'], ['torchaudio==2.4.1+cu118', 'torchvision==0.19.1+cu118']],
    ['a CUDA 13 era torch on the default driver (a CUDA 12 build chosen, no paired torchaudio)',
      { torchVersion: '2.14.1' }, {},
      ['torch==2.14.1+cu126'], ['torchvision==0.29.1+cu126']],
    ['torchvision in torchPackages: only torchaudio is constrained',
      { torchVersion: '2.4.1', torchPackages: [TorchPackage.TORCHVISION] }, {},
      ['torch==2.4.1+cu124', 'torchvision==0.19.1'], ['torchaudio==2.4.1+cu124']],
  ])('%s', (_name, props, options, torchTier, constraints) => {
    const out = trainer({ ...props, requirements: { ml: ['timm==1.0.12'] } }, options);
    expect(pins(out['docker/trainer/requirements-torch.txt'])).toEqual(torchTier);
    expect(pins(out['docker/trainer/constraints.txt'])).toEqual(constraints);
    expect(out['docker/trainer/constraints.txt']).toContain('torchPackages with TorchPackage.');
    // the ml tier's install reads the constraints file (and the torch tier's pins)
    const ml = installOf(out, 'requirements-ml.txt');
    expect(ml.constraints).toContain('/tmp/requirements/constraints.txt');
    const mount = { source: 'docker/trainer/constraints.txt', target: '/tmp/requirements/constraints.txt' };
    expect(ml.mounts).toContainEqual({ type: 'bind', ...mount });
    // the check after the last tier knows every build of the family, in dev and in prod
    const label = torchTier[0].split('+')[1];
    const companions = torchTier.filter((p) => !p.startsWith('torch==')).map((p) => `${p}+${label}`);
    const family = [torchTier[0], ...constraints, ...companions].sort();
    expect(checks(out['docker/trainer/Dockerfile'])).toEqual([family, family]);
  });

  test('every companion in the torch tier: no constraints file, the check still runs', () => {
    const torchPackages = [TorchPackage.TORCHVISION, TorchPackage.TORCHAUDIO];
    const out = trainer({ torchVersion: '2.4.1', torchPackages });
    expect(out['docker/trainer/constraints.txt']).toBeUndefined();
    expect(out['docker/trainer/Dockerfile']).not.toContain('constraints.txt');
    expect(checks(out['docker/trainer/Dockerfile'])[0])
      .toEqual(['torch==2.4.1+cu124', 'torchaudio==2.4.1+cu124', 'torchvision==0.19.1+cu124']);
  });

  test('a CPU service with torch installs the whole family from the cpu index: nothing to constrain', () => {
    const project = newProject();
    new PythonService(project, 'api', {
      command: ['python', '-m', 'api.main'], torchVersion: '2.4.1', requirements: { ml: ['timm==1.0.12'] },
    });
    const out = synth(project);
    expect(pins(out['docker/api/requirements-torch.txt']))
      .toEqual(['torch==2.4.1+cpu', 'torchaudio==2.4.1', 'torchvision==0.19.1']);
    expect(out['docker/api/constraints.txt']).toBeUndefined();
    expect(checks(out['docker/api/Dockerfile'])[0])
      .toEqual(['torch==2.4.1+cpu', 'torchaudio==2.4.1+cpu', 'torchvision==0.19.1+cpu']);
  });

  test('a service without torch gets neither constraints nor the check', () => {
    const project = newProject();
    const requirements = { ml: ['numpy==2.1.3'] };
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], requirements });
    const out = synth(project);
    expect(out['docker/api/constraints.txt']).toBeUndefined();
    expect(checks(out['docker/api/Dockerfile'])).toEqual([]);
  });

  test('docs/containers.md lists each service\'s torch family, its variant and how it is installed', () => {
    const project = newProject();
    const torchPackages = [TorchPackage.TORCHVISION];
    new GpuTrainer(project, 'trainer', { command: TRAIN, torchVersion: '2.4.1', torchPackages });
    const doc: string = synth(project)['docs/containers.md'];
    expect(doc).toContain('| `trainer` | `torch` | `2.4.1+cu124` | torch tier |');
    expect(doc).toContain('| `trainer` | `torchvision` | `0.19.1+cu124` | torch tier |');
    expect(doc).toContain('| `trainer` | `torchaudio` | `2.4.1+cu124` | only if another package pulls it: '
      + 'pinned to this build by `constraints.txt` |');
    expect(doc).toContain('add it to the service\'s `torchPackages`');
  });
});

describe('pip, given the constraints file, takes the paired build or none', () => {
  const work = mkdtempSync(join(tmpdir(), 'torch-constraints-'));
  /** A wheel directory holding fake torchvision wheels of these versions (metadata only). */
  function wheels(versions: string[]): string {
    const dir = join(work, `wheels-${versions.join('-')}`);
    mkdirSync(dir);
    const script = [
      'import sys, zipfile',
      'd, v = sys.argv[1], sys.argv[2]',
      'info = "torchvision-%s.dist-info" % v',
      'with zipfile.ZipFile("%s/torchvision-%s-py3-none-any.whl" % (d, v), "w") as z:',
      '    z.writestr(info + "/METADATA", "Metadata-Version: 2.1\\nName: torchvision\\nVersion: %s\\n" % v)',
      '    z.writestr(info + "/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\n"',
      '               "Root-Is-Purelib: true\\nTag: py3-none-any\\n")',
      '    z.writestr(info + "/RECORD", "")',
    ].join('\n');
    for (const v of versions) {
      const r = spawnSync('python3', ['-c', script, dir, v], { encoding: 'utf-8' });
      expect(r.stderr).toBe('');
    }
    return dir;
  }
  const out = trainer({ torchVersion: '2.4.1', requirements: { ml: ['timm==1.0.12'] } });
  const constraints = join(work, 'constraints.txt');
  writeFileSync(constraints, out['docker/trainer/constraints.txt']);
  const dryRun = (dir: string) => spawnSync('python3', ['-m', 'pip', 'install', '--dry-run',
    '--ignore-installed', '--no-deps', '--no-index', '--find-links', dir, '-c', constraints, 'torchvision'],
  { encoding: 'utf-8', env: { ...process.env, PIP_CONFIG_FILE: '/dev/null' } });

  test('only the default index\'s build (no label): the install fails instead of taking it', () => {
    const r = dryRun(wheels(['0.19.1']));
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('Would install');
    expect(r.stderr).toMatch(/Cannot install torchvision|No matching distribution found for torchvision/);
  });

  test('the paired build beside others: pip takes the paired one', () => {
    const r = dryRun(wheels(['0.19.1', '0.19.1+cu118', '0.19.1+cu124', '0.20.0']));
    expect(r.stdout).toMatch(/Would install torchvision-0\.19\.1\+cu124/);
  });
});

describe('a lock that holds torchvision (pulled in by timm): it joins the torch tier', () => {
  test('the variant\'s builds in the lock: the torch tier is hash-locked, nothing is constrained', () => {
    const out = lockedTrainer(timmLock('cu124'));
    const torchTier: string = out['docker/trainer/requirements-torch.txt'];
    expect(pins(torchTier)).toEqual(['torch==2.4.1+cu124', 'torchvision==0.19.1+cu124']);
    // each with the hash the lock gives its wheel
    expect(torchTier).toMatch(/torchvision==0\.19\.1\+cu124 \\\n {4}--hash=sha256:[0-9a-f]{64}\n/);
    expect(torchTier.match(/--hash=sha256:/g)).toHaveLength(2);
    expect(pins(out['docker/trainer/requirements-core.txt'])).not.toContain('torchvision==0.19.1+cu124');
    expect(out['docker/trainer/constraints.txt']).toBeUndefined();
    const install = installOf(out, 'requirements-torch.txt');
    expect(install.indexUrl).toBe('$TORCH_INDEX_URL');
    expect(install.options).toEqual(expect.arrayContaining(['--require-hashes', '--no-deps']));
  });

  test('PyPI\'s builds in the lock (no label): they join the torch tier without its hashes', () => {
    // the lock's hashes are of PyPI's wheels, which the torch index does not hold
    const out = lockedTrainer(timmLock(''));
    expect(pins(out['docker/trainer/requirements-torch.txt']))
      .toEqual(['torch==2.4.1+cu124', 'torchvision==0.19.1']);
    expect(out['docker/trainer/requirements-torch.txt']).not.toContain('--hash');
    expect(installOf(out, 'requirements-torch.txt').options).not.toContain('--require-hashes');
  });

  test('PyPI\'s torchvision (no label) beside the variant\'s torch: paired with torch\'s build', () => {
    // uv locks torchvision from PyPI when only torch is bound to PyTorch's index
    const out = lockedTrainer(timmLock('cu124', ''));
    const torchTier: string = out['docker/trainer/requirements-torch.txt'];
    // the matrix's pins, installed from the torch index alone, which holds only the +cu124 builds
    expect(pins(torchTier)).toEqual(['torch==2.4.1+cu124', 'torchvision==0.19.1']);
    expect(torchTier).not.toContain('--hash');
    expect(installOf(out, 'requirements-torch.txt').indexUrl).toBe('$TORCH_INDEX_URL');
    expect(installOf(out, 'requirements-torch.txt').options).not.toContain('--require-hashes');
  });

  test('a lock with another variant\'s torchvision is refused before anything is written', () => {
    expect(() => lockedTrainer(timmLock('cu124', 'cu121')))
      .toThrow(/pins torchvision 0\.19\.1\+cu121 for another variant than torch 2\.4\.1\+cu124/);
  });
});

describe('the build-time check (mldocker_runtime.torch_check) against fake installed metadata', () => {
  const work = mkdtempSync(join(tmpdir(), 'torch-check-'));
  const script = join(work, 'torch_check.py');
  cpSync(join(__dirname, '..', 'templates', 'runtime', 'torch_check.py'), script);
  let sites = 0;
  /** A site dir holding the metadata of these installed packages, and the check run against it alone. */
  function check(installed: Record<string, string>, args: string[]) {
    const site = join(work, `site-${sites++}`);
    for (const [name, version] of Object.entries(installed)) {
      const info = join(site, `${name}-${version}.dist-info`);
      mkdirSync(info, { recursive: true });
      writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
    }
    mkdirSync(site, { recursive: true });
    // -S: no site-packages of the host, so only the fake metadata is found
    return spawnSync('python3', ['-S', script, ...args], {
      encoding: 'utf-8', env: { PATH: process.env.PATH, PYTHONPATH: site },
    });
  }
  const FAMILY = ['torch==2.4.1+cu124', 'torchaudio==2.4.1+cu124', 'torchvision==0.19.1+cu124'];

  test('the paired builds pass silently; a companion that is not installed is fine', () => {
    const r = check({ torch: '2.4.1+cu124', torchvision: '0.19.1+cu124' }, FAMILY);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
  });

  test('PyPI\'s torchvision beside a cu124 torch fails, naming it, both builds and the fix', () => {
    const r = check({ torch: '2.4.1+cu124', torchvision: '0.19.1' }, FAMILY);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('torch check: torchvision 0.19.1 is installed, but this image\'s torch build needs '
      + 'torchvision 0.19.1+cu124 (paired with torch 2.4.1+cu124); fix: add TorchPackage.TORCHVISION to the '
      + 'service\'s torchPackages, so the torch tier installs torchvision 0.19.1+cu124 from the torch '
      + 'index\n');
  });

  test('another CUDA build of torchaudio and a replaced torch are both reported', () => {
    const r = check({ torch: '2.4.1+cu121', torchaudio: '2.4.1+cu118' }, FAMILY);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'torch check: torch 2.4.1+cu121 is installed, but this image\'s torch build needs torch 2.4.1+cu124; '
        + 'fix: a package of a later tier replaced it: pin it in no tier (torch comes from torchVersion '
        + 'alone)',
      'torch check: torchaudio 2.4.1+cu118 is installed, but this image\'s torch build needs torchaudio '
        + '2.4.1+cu124 (paired with torch 2.4.1+cu124); fix: add TorchPackage.TORCHAUDIO to the service\'s '
        + 'torchPackages, so the torch tier installs torchaudio 2.4.1+cu124 from the torch index',
    ]);
  });

  test('torch missing fails; a malformed argument is a usage error', () => {
    expect(check({}, FAMILY).stderr)
      .toContain('torch check: torch is not installed; expected torch 2.4.1+cu124 from the torch tier');
    expect(check({}, FAMILY).status).toBe(1);
    expect(check({}, ['torch']).status).toBe(2);
  });

  test('the arguments the Dockerfile passes are the ones the check reads', () => {
    const out = trainer({ torchVersion: '2.4.1' });
    const [args] = checks(out['docker/trainer/Dockerfile']);
    const mismatch = check({ torch: '2.4.1+cu124', torchvision: '0.19.1' }, args);
    expect(mismatch.stderr).toContain('fix: add TorchPackage.TORCHVISION');
    expect(check({ torch: '2.4.1+cu124', torchvision: '0.19.1+cu124' }, args).status).toBe(0);
  });
});
