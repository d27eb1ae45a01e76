/**
 * The committed build benchmark (`npx projen bench:build`), checked without an engine:
 * bench/build-results.json has every scenario for every side (so a row cannot silently go
 * missing), its summaries agree with its runs, its pass/fail marks agree with its ratios, and the
 * README and bench/build-results.md show exactly the table rendered from it. Also the two parsers
 * the benchmark reads BuildKit's plain output with.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { contextBytes, rebuiltSteps } from '../scripts/bench-build';
import {
  BuildResults, REAL_SCENARIOS, REAL_SIDES, SCENARIOS, SIDES, readmeSection, renderRealTable, renderTable,
} from '../scripts/bench-build-report';

const ROOT = join(__dirname, '..');
const results: BuildResults = JSON.parse(readFileSync(join(ROOT, 'bench', 'build-results.json'), 'utf-8'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

describe('bench/build-results.json', () => {
  test('describes the machine and has at least 3 runs', () => {
    for (const key of ['cpu', 'memGiB', 'os', 'docker', 'buildx', 'storageDriver']) {
      expect(results.machine[key]).toBeTruthy();
    }
    expect(Number.isNaN(Date.parse(results.generatedAt))).toBe(false);
    expect(results.runs).toBeGreaterThanOrEqual(3);
  });

  test('every side has exactly the five scenarios, each with one time per timed build (a run, or a no-change round)', () => {
    expect(Object.keys(results.builds).sort()).toEqual([...SCENARIOS].sort());
    for (const sc of SCENARIOS) expect(results.builds[sc]).toBeGreaterThanOrEqual(sc === 'no-change' ? 10 : results.runs);
    expect(Object.keys(results.sides).sort()).toEqual([...SIDES].sort());
    for (const side of SIDES) {
      const r = results.sides[side];
      expect(Object.keys(r.scenarios).sort()).toEqual([...SCENARIOS].sort());
      for (const sc of SCENARIOS) {
        const t = r.scenarios[sc];
        expect(t.runs).toHaveLength(results.builds[sc]);
        for (const x of t.runs) expect(x).toBeGreaterThan(0);
        expect(t.min).toBe(Math.min(...t.runs));
        expect(t.max).toBe(Math.max(...t.runs));
        expect(t.median).toBeCloseTo(median(t.runs), 3);
      }
      expect(r.imageBytes).toBeGreaterThan(r.addedBytes);
      expect(r.addedBytes).toBeGreaterThan(0);
      expect(r.contextBytes).toBeGreaterThan(0);
    }
  });

  test('every target is there, its ratio is ours / the baseline, and pass means ratio <= limit', () => {
    expect(results.targets.map((t) => t.measure)).toHaveLength(6);
    for (const t of results.targets) {
      expect(t.ratio).toBeCloseTo(t.ours / t.baseline, 2);
      expect(t.pass).toBe(t.ratio <= t.target);
      expect(t.against).not.toBe('ours');
    }
  });

  test('the real-package table: both sides, cold and code-only times agreeing with their runs, sizes', () => {
    // Measured on a machine with the local PyPI copy (`npx projen bench:build`); a run without one
    // keeps the committed table, so it is always there.
    const real = results.realPackages!;
    expect(real).toBeDefined();
    expect(Number.isNaN(Date.parse(real.generatedAt))).toBe(false);
    expect(Object.keys(real.sides).sort()).toEqual([...REAL_SIDES].sort());
    expect(real.packages.core.map((pin) => pin.split('==')[0])).toEqual(['fastapi', 'uvicorn']);
    for (const side of REAL_SIDES) {
      const r = real.sides[side];
      for (const sc of REAL_SCENARIOS) {
        const t = r.scenarios[sc];
        expect(t.runs).toHaveLength(real.runs);
        expect(t.median).toBeCloseTo(median(t.runs), 3);
        expect([t.min, t.max]).toEqual([Math.min(...t.runs), Math.max(...t.runs)]);
      }
      expect(r.imageBytes).toBeGreaterThan(r.addedBytes);
      expect(r.addedBytes).toBeGreaterThan(0);
    }
    const { ours, 'layer-caching': baseline } = real.sides;
    expect(real.addedRatio).toBeCloseTo(ours.addedBytes / baseline.addedBytes, 2);
    expect(renderTable(results)).toContain(renderRealTable(real));
  });

  test('the README and bench/build-results.md show the table rendered from the JSON', () => {
    const table = renderTable(results);
    expect(readmeSection(readFileSync(join(ROOT, 'README.md'), 'utf-8'))).toBe(table);
    expect(readFileSync(join(ROOT, 'bench', 'build-results.md'), 'utf-8')).toContain(table);
    for (const side of SIDES) expect(table).toContain(results.sides[side].title);
  });
});

describe('reading BuildKit plain output', () => {
  const log = [
    '#0 building with "default" instance using docker driver',
    '#1 [internal] load build definition from Dockerfile',
    '#1 transferring dockerfile: 1.2kB done',
    '#1 DONE 0.0s',
    '#5 [internal] load build context',
    '#5 transferring context: 45.1MB 2.0s',
    '#5 transferring context: 2.15GB 10.4s done',
    '#5 DONE 10.5s',
    '#6 [base 2/3] RUN apt-get update',
    '#6 CACHED',
    '#7 [builder 3/5] RUN --mount=type=cache,target=/root/.cache/pip     pip install -r x.txt',
    '#7 0.512 Collecting x',
    '#7 DONE 12.3s',
    '#8 [prod 4/6] COPY services/api /app/api',
    '#8 DONE 0.1s',
    '#9 exporting to image',
    '#9 DONE 0.3s',
  ].join('\n');

  test('context bytes: the last "transferring context" size, in decimal units', () => {
    expect(contextBytes(log)).toBe(2_150_000_000);
    expect(contextBytes('#3 transferring context: 9.63kB done')).toBe(9630);
    expect(contextBytes('#3 transferring context: 42B done')).toBe(42);
  });

  test('rebuilt steps: Dockerfile steps that ran, not the cached ones or internal vertices', () => {
    expect(rebuiltSteps(log)).toEqual([
      '[builder 3/5] RUN --mount=type=cache,target=/root/.cache/pip pip install -r x.txt',
      '[prod 4/6] COPY services/api /app/api',
    ]);
  });
});
