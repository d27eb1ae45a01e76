/**
 * The GPU fleet rule (src/gpu/gpu-fleet.ts). The table test recomputes every expectation from
 * the rows of data/ with its own few lines (the driver rule of python-slim images, the kernels of
 * each wheel, NVIDIA's compatibility rules) and never calls the module's helpers for it.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Problems } from '../src/core/problems';
import { GpuBase } from '../src/gpu/cuda';
import {
  FleetGpu, KernelKind, chooseFleetCuda, checkToolkitFleet, fleetArchList, lookupGpu, normalizeGpuName,
  resolveFleet, serveGpu, torchKernels,
} from '../src/gpu/gpu-fleet';

const DATA = join(__dirname, '..', 'data');
const read = (file: string): any => JSON.parse(readFileSync(join(DATA, file), 'utf-8'));
const MATRIX: any[] = read('torch-cuda-matrix.json');
const KERNELS: any[] = read('torch-cuda-kernels.json').rows;
const DRIVERS = read('cuda-driver-min.json');
const MODELS: any[] = read('gpu-models.json').gpus;
const EMBEDDED: string[] = read('cuda-compute-capabilities.json').embedded;

// ---- the test's own reading of the data ---------------------------------------------------
const num = (v: string): number[] => v.split('.').map(Number);
function cmp(a: string, b: string): number {
  const [x, y] = [num(a), num(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  return 0;
}
const gaDriver = (cuda: string): string | undefined =>
  DRIVERS.toolkits.find((t: any) => t.cuda === cuda && t.release === `${cuda} GA`)?.toolkitDriverMin;
function slimMinimum(cuda: string): string | undefined {
  const family = DRIVERS.minorVersionCompatibility[`${cuda.split('.')[0]}.x`];
  return family ? family.minExact ?? gaDriver(`${cuda.split('.')[0]}.0`) : undefined;
}
const capOf = (name: string): string => MODELS.find((m) => m.name === name).capability;
function served(torch: string, cuda: string, cap: string, driver: string): boolean {
  const row = KERNELS.find((r) => r.torch === torch && r.cuda === cuda);
  if (!row || row.sass === null) return false;
  if (row.sass.includes(cap)) return true;
  const major = cap.split('.')[0];
  if (!EMBEDDED.includes(cap) && row.sass.some((s: string) => s.split('.')[0] === major && cmp(s, cap) < 0 && !EMBEDDED.includes(s))) return true;
  const jit = gaDriver(cuda);
  return row.ptx !== null && row.ptx.some((p: string) => cmp(p, cap) <= 0)
    && jit !== undefined && cmp(driver, jit) >= 0;
}
function expectedChoice(torch: string, python: string, driver: string, caps: string[]): string | undefined {
  const variants = MATRIX.filter((r) => r.cuda !== null && r.torch.split('+')[0] === torch && r.pythons.includes(python))
    .filter((r) => { const m = slimMinimum(r.cuda); return m !== undefined && cmp(m, driver) <= 0; })
    .filter((r) => caps.every((c) => served(torch, r.cuda, c, driver)))
    .map((r) => r.cuda as string).sort(cmp);
  return variants.pop();
}
// ---------------------------------------------------------------------------------------------

function fleetOf(names: string[]): FleetGpu[] {
  const problems = new Problems('test');
  const fleet = resolveFleet(problems, 'gpuFleet', names);
  expect(problems.count).toBe(0);
  return fleet!;
}

function choose(
  torch: string, python: string, driver: string, names: string[], extra: Record<string, unknown> = {},
) {
  const problems = new Problems('stack/trainer');
  const choice = chooseFleetCuda(problems, {
    torchVersion: torch,
    pythonMinor: python,
    base: GpuBase.PYTHON_SLIM,
    hostDriver: driver,
    hostDriverField: 'hostDriverVersion',
    fleetField: 'gpuFleet',
    fleet: fleetOf(names),
    ...extra,
  });
  const messages: string[] = [];
  try {
    problems.throwIfAny();
  } catch (e) {
    messages.push(...(e as { problems: string[] }).problems);
  }
  return { choice, messages: messages.join('\n') };
}

const FLEETS: Record<string, string[]> = {
  'turing only': ['T4'],
  'ampere + hopper': ['A100', 'H100'],
  'hopper + blackwell': ['H100', 'B200'],
  'pascal + blackwell': ['P100', 'B200'],
  'a consumer ada card': ['RTX 4090'],
};
const HOST_DRIVERS = ['470.82.01', '525.60.13', '535.104.05', '550.54.14', '570.124.06', '580.65.06'];
const TORCH = [...new Set(MATRIX.filter((r) => r.cuda !== null).map((r) => r.torch.split('+')[0] as string))];

describe('the table: fleets x drivers x every torch release of the matrix (python 3.10, python-slim)', () => {
  const rows: Array<[string, string, string]> = [];
  for (const fleet of Object.keys(FLEETS)) {
    for (const driver of HOST_DRIVERS) for (const torch of TORCH) rows.push([fleet, driver, torch]);
  }

  test.each(rows)('%s on driver %s with torch %s: the choice or the refusal the data gives', (fleet, driver, torch) => {
    const caps = FLEETS[fleet].map(capOf);
    const hasPython = MATRIX.some((r) => r.cuda !== null && r.torch.split('+')[0] === torch && r.pythons.includes('3.10'));
    if (!hasPython) return; // no python 3.10 wheels at all: the CUDA resolver's refusal, not the fleet's
    const want = expectedChoice(torch, '3.10', driver, caps);
    const { choice, messages } = choose(torch, '3.10', driver, FLEETS[fleet]);
    if (want) {
      expect(messages).toBe('');
      expect(choice!.cuda).toBe(want);
      expect(choice!.capabilities).toEqual([...new Set(caps)].sort(cmp));
    } else {
      expect(choice).toBeUndefined();
      expect(messages).toMatch(/^\[stack\/trainer\] /);
      // the refusal names a GPU of the fleet (by what the user wrote) or the driver/python
      expect(FLEETS[fleet].some((n) => messages.includes(`"${n}"`)) || messages.includes('no cuda variant of torch')).toBe(true);
    }
  });

  test('the table covers both outcomes for every fleet (it can fail)', () => {
    for (const fleet of Object.keys(FLEETS)) {
      const caps = FLEETS[fleet].map(capOf);
      const outcomes = new Set<boolean>(HOST_DRIVERS.flatMap((d) => TORCH.map((t) => expectedChoice(t, '3.10', d, caps) !== undefined)));
      expect(fleet + [...outcomes].sort().join()).toBe(fleet + (fleet === 'pascal + blackwell' ? 'false' : 'false,true'));
    }
  });
});

describe('choices a reader can check against the rows', () => {
  test('hopper + blackwell on R570: torch 2.11.0 takes its cuda 12.8 wheels (sm_90 and sm_100 cubins)', () => {
    const { choice, messages } = choose('2.11.0', '3.11', '570.124.06', ['H100', 'B200']);
    expect(messages).toBe('');
    expect(choice!.cuda).toBe('12.8');
    expect(choice!.served.map((s) => `${s.kernel}/${s.kind}`)).toEqual(['sm_90/sass', 'sm_100/sass']);
  });

  test('a B300 (10.3) runs the sm_100 cubins: same major, stated as such', () => {
    const { choice } = choose('2.11.0', '3.11', '570.124.06', ['B300']);
    expect(choice!.served[0].kind).toBe(KernelKind.SASS_SAME_MAJOR);
    expect(choice!.served[0].note).toBe('"B300" (10.3): sm_100 cubins (same major, binary compatible)');
  });

  test('on R580 torch 2.14.1 takes cuda 13.2, and an explicit cudaVersion is checked against the fleet', () => {
    expect(choose('2.14.1', '3.11', '580.65.06', ['H100', 'B200']).choice!.cuda).toBe('13.2');
    const r = choose('2.14.1', '3.11', '580.65.06', ['P100', 'H100'], { cudaVersion: '13.0' });
    expect(r.choice).toBeUndefined();
    expect(r.messages).toBe('[stack/trainer] torch 2.14.1 with cuda 13.0 has no kernels for gpuFleet gpu "P100" (6.0): no cubin for it '
      + '(cubins: sm_75 sm_80 sm_86 sm_90 sm_100 sm_120) and no ptx it could jit (ptx: none): got "13.0"; expected cudaVersion one of: "12.6"');
  });

  test('pascal + blackwell names the gpu and offers dropping it or two images', () => {
    const r = choose('2.11.0', '3.11', '570.124.06', ['P100', 'B200']);
    expect(r.choice).toBeUndefined();
    expect(r.messages).toContain('no single cuda variant of torch 2.11.0 has kernels for the whole gpuFleet');
    expect(r.messages).toContain('gpuFleet without "B200" (cuda 12.6 then serves the rest)');
    expect(r.messages).toContain('two images: one service for "B200" (cuda 12.8), another for the rest (cuda 12.6)');
  });

  test('blackwell under an R535 driver: another torch is no help, a newer driver is named', () => {
    const r = choose('2.11.0', '3.11', '470.82.01', ['B200']);
    expect(r.choice).toBeUndefined();
    expect(r.messages).toContain('a hostDriverVersion >= 525.60.13 if every gpu host has it (cuda 12.8 then serves the fleet)');
  });

  test('a release whose kernels are unknown promises nothing and says why', () => {
    const r = choose('2.9.0', '3.11', '580.65.06', ['H100']);
    expect(r.choice).toBeUndefined();
    expect(r.messages).toContain('its kernels are not known (torch-cuda-kernels.json could not read them for torch 2.9.0 with cuda');
    expect(r.messages).toContain('torchVersion one of: "2.14.1", "2.11.0"');
  });
});

describe('kernels and how they reach a gpu', () => {
  const gpu = (capability: string): FleetGpu => ({ given: capability, capability });

  test('an ada card runs sm_86 cubins; a hopper card does not (other major)', () => {
    const k = torchKernels('2.5.1', '12.4');
    expect(serveGpu(k, gpu('8.9'), '550.54.14')).toEqual({ served: expect.objectContaining({ kind: KernelKind.SASS_SAME_MAJOR, kernel: 'sm_86' }) });
    expect(serveGpu(k, gpu('9.0'), '550.54.14')).toEqual({ served: expect.objectContaining({ kind: KernelKind.SASS, kernel: 'sm_90' }) });
    expect(serveGpu(k, gpu('10.0'), '550.54.14')).toEqual({ why: 'no cubin for it (cubins: sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90) and no ptx it could jit (ptx: none)' });
  });

  test('ptx is counted only where it is not newer than the gpu and the driver can jit it', () => {
    const k = { cuda: '12.8', sass: ['9.0'], ptx: ['9.0'] };
    expect(serveGpu(k, gpu('12.0'), '570.26')).toEqual({ served: expect.objectContaining({ kind: KernelKind.PTX_JIT, kernel: 'compute_90' }) });
    expect(serveGpu(k, gpu('12.0'), '535.104.05')).toEqual({ why: 'no cubin for it (cubins: sm_90); compute_90 ptx: jit of cuda 12.8 ptx needs a driver >= 570.26 (the toolkit driver), above the host driver 535.104.05' });
    expect(serveGpu(k, gpu('8.0'), '570.26')).toEqual({ why: 'no cubin for it (cubins: sm_90) and no ptx it could jit (ptx: compute_90)' });
  });

  test('an embedded part (Jetson Orin, 8.7) is not served by sm_80/sm_86 cubins', () => {
    expect('why' in serveGpu(torchKernels('2.5.1', '12.4'), gpu('8.7'), '550.54.14')).toBe(true);
  });
});

describe('the fleet as the user writes it', () => {
  test('names match as nvidia-smi and gpu feature discovery print them', () => {
    expect(lookupGpu('NVIDIA A100-SXM4-80GB')).toEqual({ name: 'A100', capability: '8.0' });
    expect(lookupGpu('NVIDIA-H100-80GB-HBM3')).toEqual({ name: 'H100', capability: '9.0' });
    expect(lookupGpu('Tesla T4')).toEqual({ name: 'T4', capability: '7.5' });
    expect(lookupGpu('nvidia geforce rtx 4090')).toEqual({ name: 'RTX 4090', capability: '8.9' });
    expect(lookupGpu('h100 pcie')?.capability).toBe('9.0');
    expect(lookupGpu('A100X')).toBeUndefined();
  });

  test('no two models of the table collapse to one key', () => {
    const keys = MODELS.map((m) => normalizeGpuName(m.name));
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('every row has a capability of the form X.Y and a known source', () => {
    const sources = Object.keys(read('gpu-models.json').sources);
    for (const m of MODELS) {
      expect(m.capability).toMatch(/^[0-9]{1,2}\.[0-9]$/);
      expect(sources).toContain(m.source);
    }
  });

  test('capabilities and names mix; bad entries are each refused with the nearest models', () => {
    expect(fleetOf(['7.5', 'H100'])).toEqual([{ given: '7.5', capability: '7.5' }, { given: 'H100', model: 'H100', capability: '9.0' }]);
    const problems = new Problems('proj');
    expect(resolveFleet(problems, 'gpuFleet', ['H1000', '9.9', 'A10G', 7])).toBeUndefined();
    expect(() => problems.throwIfAny()).toThrow(expect.objectContaining({
      problems: [
        '[proj] gpuFleet[0] is not in the reference gpu table: got "H1000"; expected a model such as "H100", "T1000", or its compute capability such as "9.0"',
        '[proj] gpuFleet[1] is no compute capability of nvidia\'s gpu list: got "9.9"; expected one of: "5.0", "5.2", "5.3", "6.0", "6.1", "6.2", "7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "10.3", "11.0", "12.0", "12.1"',
        '[proj] gpuFleet[2] names a gpu whose compute capability no nvidia page in the reference data states: got "A10G"; expected its compute capability instead (`nvidia-smi --query-gpu=compute_cap --format=csv,noheader` prints it), e.g. "8.6"',
        '[proj] gpuFleet[3]: got 7; expected a gpu model name such as "H100" or a compute capability such as "9.0"',
      ],
    }));
  });

  test('an empty fleet is refused', () => {
    const problems = new Problems('proj');
    expect(resolveFleet(problems, 'gpuFleet', [])).toBeUndefined();
    expect(problems.count).toBe(1);
  });
});

describe('arch lists for cuda extensions and torch-free builds', () => {
  function arch(cuda: string, names: string[], driver = '580.65.06') {
    const problems = new Problems('stack/ext');
    const list = fleetArchList(problems, { cuda, hostDriver: driver, fleet: fleetOf(names), fleetField: 'gpuFleet' });
    let message = '';
    try { problems.throwIfAny(); } catch (e) { message = (e as { problems: string[] }).problems.join('\n'); }
    return { list, message };
  }

  test('the fleet, not a default list: each gpu its own capability', () => {
    expect(arch('12.8', ['T4', 'A100', 'H100', 'B200']).list!.archList).toBe('7.5;8.0;9.0;10.0');
    expect(arch('12.8', ['L4', 'RTX 3090']).list!.archList).toBe('8.6;8.9');
  });

  test('a gpu nvcc does not target: an older capability of its major, else ptx the driver can jit', () => {
    expect(arch('12.8', ['B300']).list!.archList).toBe('10.0');
    expect(arch('12.6', ['B200'], '570.124.06').list!.archList).toBe('9.0+PTX');
    expect(arch('12.6', ['B200'], '535.104.05').message).toContain('nvcc of cuda 12.6 cannot build for gpuFleet gpu "B200" (10.0)');
  });

  test('cuda 13.0 dropped pascal: the refusal names the releases whose nvcc still targets it', () => {
    const r = checkToolkitFleet(new Problems('x'), { cuda: '13.0', hostDriver: '580.65.06', fleet: fleetOf(['P100']), fleetField: 'gpuFleet' });
    expect(r).toBeUndefined();
    expect(arch('13.0', ['P100']).message).toContain('expected a cuda release whose nvcc targets 6.0: "11.8", "12.0"');
  });

  test('a cuda release without a capability list is refused, naming why', () => {
    expect(arch('13.2', ['H100']).message).toContain('the reference data has no list of the compute capabilities nvcc of cuda 13.2 targets');
  });
});
