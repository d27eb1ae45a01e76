/**
 * Our fleet rule against cog's measured torch kernel floors (`../shared/data/gpu/cog-gpu-floors.json`,
 * facts transcribed from replicate/cog, read in place): wherever both cover a case they agree.
 * Cog measured the arch lists of five wheels and brackets each floor between a measured release
 * that has the kernels and one below that has not; our rows of those wheels come from PyTorch's
 * build settings, not from cog.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { FleetGpu, serveGpu, torchKernels } from '../../src/gpu/gpu-fleet';

const FILE = join(__dirname, '..', '..', '..', 'shared', 'data', 'gpu', 'cog-gpu-floors.json');
const cog = JSON.parse(readFileSync(FILE, 'utf-8'));
const gpu = (capability: string): FleetGpu => ({ given: capability, capability });
const variantCuda = (variant: string): string => `${variant.slice(2, -1)}.${variant.slice(-1)}`;
// a driver new enough for every PTX JIT: cog measured kernels, not drivers
const NEWEST = '9999.0';

describe('cog gpu floors (shared reference data)', () => {
  test('the file is there', () => expect(existsSync(FILE)).toBe(true));

  test('measured arch lists: where our row knows the wheel, the cubins and ptx agree', () => {
    let compared = 0;
    for (const m of cog.measuredArchLists) {
      const k = torchKernels(m.torch, variantCuda(m.variant));
      if (k.sass === null) continue;
      compared++;
      const ours = k.sass.map((c) => `sm_${c.replace('.', '')}`);
      if (Array.isArray(m.cubins)) {
        expect(ours).toEqual(m.cubins);
      } else {
        // written as a range "sm_50 ... sm_90": the ends agree
        const [first, last] = String(m.cubins).split(' ... ');
        expect([ours[0], ours[ours.length - 1]]).toEqual([first, last]);
      }
      expect(k.ptx!.map((c) => `compute_${c.replace('.', '')}`)).toEqual(m.ptx);
    }
    expect(compared).toBeGreaterThanOrEqual(3);
  });

  test('floors: the floor wheel serves the capability, the measured wheel below it does not', () => {
    let compared = 0;
    const measured = cog.measuredArchLists
      .map((m: any) => ({ torch: m.torch, cuda: variantCuda(m.variant) }));
    for (const f of cog.floors) {
      const at = torchKernels(f.minTorch, f.minCuda);
      if (at.sass !== null) {
        compared++;
        expect('served' in serveGpu(at, gpu(f.computeCapability), NEWEST)).toBe(true);
      }
      // the bracket: measured wheels of an older torch than the floor lack the capability
      const older = measured
        .filter((m: any) => m.torch < f.minTorch || (m.torch === f.minTorch && m.cuda < f.minCuda));
      for (const below of older) {
        const k = torchKernels(below.torch, below.cuda);
        if (k.sass === null) continue;
        compared++;
        expect(`${below.torch}+${below.cuda} ${f.computeCapability} ${'served' in serveGpu(k, gpu(f.computeCapability), NEWEST)}`)
          .toBe(`${below.torch}+${below.cuda} ${f.computeCapability} false`);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});
