/**
 * The reference data's own bookkeeping: docs/reference-data.md lists every table of data/ with
 * the date data/reference-data.json records, the tests it names exist, every torch-matrix row
 * has a source and a well-formed variant, and generated docs name the date.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { PythonService } from '../src';
import { newProject, synth } from './util';

const ROOT = join(__dirname, '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, 'data', file), 'utf-8'));
const DOC = readFileSync(join(ROOT, 'docs', 'reference-data.md'), 'utf-8');
const DATES: { checked: string; tables: Record<string, { asOf: string; checked: string; tests: string[] }> } = read('reference-data.json');

interface Row {
  torch: string;
  torchvision: string;
  torchaudio: string | null;
  cuda: string | null;
  indexUrl: string | null;
  pythons: string[];
  source: { from: string | string[]; checked: string; torchaudio?: string };
}
const MATRIX: Row[] = read('torch-cuda-matrix.json');
const DAY = /^\d{4}-\d{2}-\d{2}$/;

describe('docs/reference-data.md and data/reference-data.json', () => {
  const tables = readdirSync(join(ROOT, 'data')).filter((f) => f.endsWith('.json') && f !== 'SOURCES.json').sort();

  test('every table of data/ has dates and a row in the docs table with the same last-checked date', () => {
    expect(Object.keys(DATES.tables).sort()).toEqual(tables);
    for (const table of tables) {
      const { asOf, checked } = DATES.tables[table];
      expect({ table, asOf: DAY.test(asOf), checked: DAY.test(checked) })
        .toEqual({ table, asOf: true, checked: true });
      const row = DOC.split('\n').find((l) => l.startsWith(`| \`${table}\` |`));
      expect({ table, row: row !== undefined }).toEqual({ table, row: true });
      expect({ table, checked: row!.split('|')[4].trim() }).toEqual({ table, checked });
    }
  });

  test('the overall date is the newest check, and no check lies after it', () => {
    const newest = Object.values(DATES.tables).map((t) => t.checked).sort().slice(-1)[0];
    expect(DATES.checked).toBe(newest);
  });

  test('the tests each table names exist, and the docs name the same ones', () => {
    for (const [table, { tests }] of Object.entries(DATES.tables)) {
      expect(tests.length).toBeGreaterThan(0);
      const row = DOC.split('\n').find((l) => l.startsWith(`| \`${table}\` |`))!;
      for (const t of tests) {
        const path = t.split(' ')[0];
        expect({ table, path, exists: existsSync(join(ROOT, path)) }).toEqual({ table, path, exists: true });
        expect({ table, path, inDocs: row.includes(`\`${path}\``) }).toEqual({ table, path, inDocs: true });
      }
    }
  });

  test('a generated docs/containers.md names the date the reference data was checked', () => {
    const project = newProject();
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    const doc: string = synth(project)['docs/containers.md'];
    expect(doc).toContain('## Reference data');
    expect(doc).toContain(`checked against their upstream sources on ${DATES.checked}.`);
  });
});

describe('the torch wheel matrix rows', () => {
  const pythons = Object.keys(read('python-image-tags.json').slimBookworm);
  const drivers = read('cuda-driver-min.json');

  test.each(MATRIX.map((r) => [r.torch, r] as const))('%s: a source, a checked date, a variant label matching its CUDA and index', (_, row) => {
    const label = row.cuda === null ? 'cpu' : `cu${row.cuda.replace('.', '')}`;
    const from = ([] as string[]).concat(row.source.from);
    expect(from.length).toBeGreaterThan(0);
    expect(from.every((f) => f.length > 20)).toBe(true);
    expect(row.source.checked).toMatch(DAY);
    // Rows since 2.0 without a local label are PyPI's own builds (indexUrl null); the others carry it.
    if (row.indexUrl !== null) {
      expect(row.indexUrl).toBe(`https://download.pytorch.org/whl/${label}/`);
      expect(row.torch.endsWith(`+${label}`)).toBe(true);
    } else {
      expect(row.torch).not.toContain('+');
    }
    expect(row.pythons.length).toBeGreaterThan(0);
    expect(row.torchaudio === null || /^\d+\.\d+\.\d+/.test(row.torchaudio)).toBe(true);
  });

  test('the rows added on the last check: every variant is a CUDA of the driver table, with Pythons of the image table', () => {
    const fresh = MATRIX.filter((r) => r.source.checked === DATES.tables['torch-cuda-matrix.json'].checked);
    expect(fresh.map((r) => r.torch)).toEqual([
      '2.12.0+cpu', '2.12.0+cu126', '2.12.0+cu130', '2.12.0+cu132',
      '2.12.1+cpu', '2.12.1+cu126', '2.12.1+cu129', '2.12.1+cu130', '2.12.1+cu132',
      '2.13.0+cpu', '2.13.0+cu126', '2.13.0+cu129', '2.13.0+cu130', '2.13.0+cu132',
      '2.14.0+cpu', '2.14.0+cu126', '2.14.0+cu130', '2.14.0+cu132',
      '2.14.1+cpu', '2.14.1+cu126', '2.14.1+cu130', '2.14.1+cu132',
    ]);
    for (const row of fresh) {
      for (const python of row.pythons) {
        expect({ torch: row.torch, python, known: pythons.includes(python) })
          .toEqual({ torch: row.torch, python, known: true });
      }
      if (row.cuda !== null) expect(drivers.minorVersionCompatibility[`${row.cuda.split('.')[0]}.x`]).toBeDefined();
      // torchvision 0.(minor + 15) pairs torch 2.minor, and no torchaudio is claimed without a source.
      const minor = Number(row.torch.split('.')[1]);
      expect(row.torchvision.startsWith(`0.${minor + 15}.`)).toBe(true);
      expect(row.torchaudio).toBeNull();
      expect(row.source.torchaudio).toMatch(/never installs torchaudio/);
    }
  });

  test('the driver rows NVIDIA was not read for stay apart from the rows the generator reads', () => {
    const used = new Set(drivers.toolkits.map((t: { release: string }) => t.release));
    for (const row of drivers.unconfirmedToolkits.rows) expect(used.has(row.release)).toBe(false);
  });
});
