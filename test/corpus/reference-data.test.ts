/**
 * The refreshed reference data against the shared third-party copies (`../shared/data`): the
 * torch-matrix rows that came from cog are exactly the shared derived copy, every newer row is
 * newer than anything in it and names its own sources, and the driver rows the generator reads
 * are NVIDIA's rows of the shared table.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as pep440 from '@renovatebot/pep440';
import { readSharedJson } from '../support/shared-data';

const read = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', file), 'utf-8'));

interface Row {
  torch: string;
  torchvision: string;
  torchaudio: string | null;
  cuda: string | null;
  indexUrl: string | null;
  pythons: string[];
  source: { from: string | string[]; checked: string };
}
const ours: Row[] = read('torch-cuda-matrix.json');
const shared: Array<Omit<Row, 'source'>> = readSharedJson('torch-cuda-matrix.json');
const withoutSource = ({ source: _source, ...rest }: Row) => rest;
const publicVersion = (v: string) => v.split('+')[0];

describe('the torch wheel matrix against the shared derived copy', () => {
  const fromCog = ours.filter((r) => ([] as string[]).concat(r.source.from).some((f) => f.startsWith('replicate/cog pkg/config/torch_compatibility.json @ 6110c912')));

  test('the rows sourced from cog are exactly the shared copy, in the same order', () => {
    expect(fromCog.map(withoutSource)).toEqual(shared);
  });

  test('every other row is a torch release newer than the shared copy\'s newest, and names sources checked since', () => {
    const newestShared = shared.map((r) => publicVersion(r.torch)).sort(pep440.compare).slice(-1)[0];
    const rest = ours.filter((r) => !fromCog.includes(r));
    expect(rest.length).toBeGreaterThan(0);
    for (const row of rest) {
      expect({ torch: row.torch, newer: pep440.gt(publicVersion(row.torch), newestShared) })
        .toEqual({ torch: row.torch, newer: true });
      const from = ([] as string[]).concat(row.source.from);
      expect(from.length).toBeGreaterThan(1);
      expect(row.source.checked > '2026-08-21').toBe(true);
    }
  });

  test('the new releases keep the shape of the shared rows: the same Python range as 2.11.0 and the index of their variant', () => {
    const pythons211 = shared.find((r) => r.torch === '2.11.0+cpu')!.pythons;
    for (const row of ours.filter((r) => !fromCog.includes(r))) {
      expect(row.pythons).toEqual(pythons211);
      expect(row.indexUrl).toBe(`https://download.pytorch.org/whl/${row.cuda === null ? 'cpu' : `cu${row.cuda.replace('.', '')}`}/`);
    }
  });
});

describe('the CUDA driver table against the shared copy', () => {
  const table = read('cuda-driver-min.json');
  const sharedTable = readSharedJson('cuda-driver-min.json');

  test('the toolkit rows and minor-version ranges the generator reads are the shared table\'s', () => {
    expect(table.toolkits).toEqual(sharedTable.toolkits);
    expect(table.minorVersionCompatibility).toEqual(sharedTable.minorVersionCompatibility);
  });

  test('the unconfirmed rows add releases the shared table does not have', () => {
    const known = new Set(sharedTable.toolkits.map((t: { release: string }) => t.release));
    for (const row of table.unconfirmedToolkits.rows) expect(known.has(row.release)).toBe(false);
  });

  test('every CUDA variant of the matrix has a minor-version range in the table', () => {
    for (const row of ours.filter((r) => r.cuda !== null && pep440.gte(publicVersion(r.torch), '2.0.0'))) {
      expect({ cuda: row.cuda, range: table.minorVersionCompatibility[`${row.cuda!.split('.')[0]}.x`] !== undefined }).toEqual({ cuda: row.cuda, range: true });
    }
  });
});
