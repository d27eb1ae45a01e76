/**
 * The pure merge of dependency files with the typed lists, and the torch checks
 * (src/service/merged-tiers.ts), on hand-made resolver results.
 */
import { MlDockerValidationError } from '../../src';
import { Problems } from '../../src/core/problems';
import { TierRequirement } from '../../src/core/tier-requirement';
import { ResolvedDependencies, ResolvedPackage, ResolvedTorch } from '../../src/deps';
import { checkFileTorch, mergeTiers, torchVariant } from '../../src/service/merged-tiers';
import { TorchWheels } from '../../src/service/torch';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);

function pkg(
  name: string, version: string | undefined, hashes: string[] = [], requirement?: string,
): ResolvedPackage {
  return { name, key: name.toLowerCase(), version, requirement: requirement ?? `${name}==${version}`, hashes, from: 'uv.lock' };
}

function resolved(locked: boolean, packages: Partial<Record<'ml' | 'core' | 'dev', ResolvedPackage[]>>): ResolvedDependencies {
  const all = { ml: packages.ml ?? [], core: packages.core ?? [], dev: packages.dev ?? [] };
  return {
    tiers: { ml: [], core: [], dev: [] },
    packages: all,
    constraints: [],
    locked,
    lockFile: locked ? 'uv.lock' : undefined,
    warnings: [],
    inputs: [],
    probed: [],
  };
}

/** Typed lists as the service gives them to the merge: checked tier-file entries. */
function typed(lists: Record<'ml' | 'core' | 'dev', string[]>): Record<'ml' | 'core' | 'dev', TierRequirement[]> {
  const of = (list: string[]) => list.map((l) => TierRequirement.of(l));
  return { ml: of(lists.ml), core: of(lists.core), dev: of(lists.dev) };
}

const NONE = typed({ ml: [], core: [], dev: [] });

/** The problems collected so far, as the error would list them. */
function messagesOf(problems: Problems): string[] {
  try {
    problems.throwIfAny();
  } catch (e) {
    if (e instanceof MlDockerValidationError) return e.problems;
    throw e;
  }
  return [];
}

describe('mergeTiers', () => {
  test('locked packages become a pin line and one --hash line per hash', () => {
    const problems = new Problems('p/api');
    const merged = mergeTiers(problems, resolved(true, { core: [pkg('numpy', '2.1.3', [H1, H2])] }), NONE, 'dependencies');
    expect(problems.count).toBe(0);
    expect(merged.locked).toBe(true);
    expect(merged.lines.core).toEqual(['numpy==2.1.3 \\', `    --hash=sha256:${H1} \\`, `    --hash=sha256:${H2}`]);
  });

  test('unlocked: typed lines are added and sorted among the file lines', () => {
    const problems = new Problems('p/api');
    const merged = mergeTiers(problems, resolved(false, { core: [pkg('fastapi', undefined, [], 'fastapi>=0.110'), pkg('zope', '1.0')] }),
      typed({ ml: [], core: ['orjson==3.10.7'], dev: ['pytest==8.3.4'] }), 'dependencies');
    expect(problems.count).toBe(0);
    expect(merged.lines.core).toEqual(['fastapi>=0.110', 'orjson==3.10.7', 'zope==1.0']);
    expect(merged.lines.dev).toEqual(['pytest==8.3.4']);
  });

  test('the same exact pin in a file and a typed list is installed once, where the file puts it', () => {
    const problems = new Problems('p/api');
    const merged = mergeTiers(problems, resolved(true, { ml: [pkg('numpy', '2.1.3', [H1])] }), typed({ ml: [], core: ['numpy==2.1.3'], dev: [] }), 'dependencies');
    expect(problems.count).toBe(0);
    expect(merged.lines.core).toEqual([]);
    expect(merged.lines.ml[0]).toBe('numpy==2.1.3 \\');
  });

  test('another version in a typed list is a conflict naming both', () => {
    const problems = new Problems('p/api');
    mergeTiers(problems, resolved(true, { ml: [pkg('numpy', '2.1.3', [H1])] }), typed({ ml: [], core: ['numpy==2.0.0'], dev: [] }), 'dependencies');
    expect(messagesOf(problems)).toEqual([
      '[p/api] requirements.core[0] pins numpy differently than dependencies (uv.lock, ml tier): got "numpy==2.0.0"; expected one version of a package in the image: "numpy==2.1.3" as uv.lock has it, or numpy in only one of the two',
    ]);
  });

  test('a range in a file and a pin in a typed list are the pin, in the earlier tier, extras united (pip reads them together)', () => {
    const problems = new Problems('p/api');
    const merged = mergeTiers(problems, resolved(false, { core: [pkg('fastapi', undefined, [], 'fastapi[standard]>=0.110')] }),
      typed({ ml: ['fastapi==0.115.0'], core: [], dev: [] }), 'dependencies');
    expect(problems.count).toBe(0);
    expect(merged.lines).toEqual({ ml: ['fastapi[standard]==0.115.0'], core: [], dev: [] });
    const jax = mergeTiers(problems, resolved(false, { core: [pkg('jax', undefined, [], 'jax')] }), typed({ ml: ['jax[cuda12]==0.7.2'], core: [], dev: [] }), 'dependencies');
    expect(jax.lines).toEqual({ ml: ['jax[cuda12]==0.7.2'], core: [], dev: [] });
  });

  test('a typed pin outside the range of a file is a conflict naming both', () => {
    const problems = new Problems('p/api');
    mergeTiers(problems, resolved(false, { core: [pkg('fastapi', undefined, [], 'fastapi>=0.110')] }), typed({ ml: [], core: ['fastapi==0.100.0'], dev: [] }), 'dependencies');
    expect(messagesOf(problems)).toEqual([
      '[p/api] requirements.core[0] pins fastapi differently than dependencies (uv.lock, core tier): got "fastapi==0.100.0"; expected one version of a package in the image: "fastapi>=0.110" as uv.lock has it, or fastapi in only one of the two',
    ]);
  });

  test('a typed pin a lock does not hold is refused', () => {
    const problems = new Problems('p/api');
    mergeTiers(problems, resolved(true, { core: [pkg('numpy', '2.1.3', [H1])] }), typed({ ml: [], core: [], dev: ['pytest==8.3.4'] }), 'dependencies');
    expect(messagesOf(problems)[0]).toMatch(/^\[p\/api\] requirements\.dev\[0\] is not in the lock uv\.lock: got "pytest==8\.3\.4"; expected packages of a hash-locked install/);
  });
});

const WHEELS_CU124: TorchWheels = { torch: '2.5.1+cu124', torchvision: '0.20.1', torchaudio: '2.5.1', cuda: '12.4', indexUrl: 'x', pythons: ['3.11'] };
const WHEELS_CPU: TorchWheels = { ...WHEELS_CU124, torch: '2.5.1+cpu', cuda: undefined };

function torch(...packages: ResolvedPackage[]): ResolvedTorch {
  const [pub, local] = (packages[0].version ?? '').split('+');
  return { version: pub || undefined, local, packages };
}

describe('checkFileTorch', () => {
  const check = (t: ResolvedTorch | undefined, wheels: TorchWheels | undefined) => {
    const problems = new Problems('p/t');
    checkFileTorch(problems, t, wheels, 'dependencies');
    return messagesOf(problems);
  };

  test('variants', () => {
    expect(torchVariant(WHEELS_CU124)).toBe('cu124');
    expect(torchVariant(WHEELS_CPU)).toBe('cpu');
  });

  test('no torch in the files: nothing to check', () => {
    expect(check(undefined, undefined)).toEqual([]);
  });

  test('matching pins, with or without the local label', () => {
    expect(check(torch(pkg('torch', '2.5.1+cu124'), pkg('torchvision', '0.20.1+cu124')), WHEELS_CU124)).toEqual([]);
    expect(check(torch(pkg('torch', '2.5.1')), WHEELS_CU124)).toEqual([]);
    expect(check(torch(pkg('torch', '2.5.1+cpu')), WHEELS_CPU)).toEqual([]);
  });

  test('torch in the files of a service without torchVersion', () => {
    expect(check(torch(pkg('torch', '2.5.1')), undefined)[0]).toMatch(/dependencies lists torch \(uv\.lock\), but the service installs no torch: got "torch==2\.5\.1"; expected torchVersion set/);
  });

  test('another version names both', () => {
    expect(check(torch(pkg('torch', '2.4.1')), WHEELS_CU124)).toEqual([
      '[p/t] dependencies: uv.lock pins torch 2.4.1, but the service installs torch 2.5.1+cu124 (torchVersion 2.5.1): got "2.4.1"; expected torch 2.5.1 in the files, or torchVersion set to match them',
    ]);
    expect(check(torch(pkg('torch', '2.5.1'), pkg('torchvision', '0.19.0')), WHEELS_CU124)[0]).toMatch(/pins torchvision 0\.19\.0, but the service installs torchvision 0\.20\.1 \(torchVersion 2\.5\.1 \(with torchvision 0\.20\.1\)\)/);
  });

  test('another variant names both', () => {
    expect(check(torch(pkg('torch', '2.5.1+cu121')), WHEELS_CU124)[0]).toMatch(/pins torch 2\.5\.1\+cu121 \(cuda 12\.1 wheels\), but the service installs 2\.5\.1\+cu124 \(cuda 12\.4 wheels\)/);
    expect(check(torch(pkg('torch', '2.5.1+cu124')), WHEELS_CPU)[0]).toMatch(/\(cuda 12\.4 wheels\), but the service installs 2\.5\.1\+cpu \(cpu wheels\).*expected the variant \+cpu in the files, or a gpu service with cudaVersion/);
  });

  test('an unlocked range must admit the service\'s torch', () => {
    expect(check(torch(pkg('torch', undefined, [], 'torch>=2.4,<2.6')), WHEELS_CU124)).toEqual([]);
    expect(check(torch(pkg('torch', undefined, [], 'torch<2.5')), WHEELS_CU124)[0]).toMatch(/asks for "torch<2\.5", but the service installs torch 2\.5\.1\+cu124/);
  });
});
