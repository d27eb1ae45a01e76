/**
 * The quantity helpers of the Kubernetes manifests, directly: compose's sizes and cores as
 * Kubernetes quantities, and the arithmetic that compares requests with limits reading them back.
 */
import * as fc from 'fast-check';
import { composeSizeToQuantity, coresToQuantity, cpuMillis, quantityBytes } from '../src/stack/kubernetes-quantities';

const RUNS = Number(process.env.FC_RUNS ?? 25);

describe('composeSizeToQuantity', () => {
  test('compose sizes are binary: k, m and g become Ki, Mi and Gi', () => {
    expect(composeSizeToQuantity('512m')).toBe('512Mi');
    expect(composeSizeToQuantity('8g')).toBe('8Gi');
    expect(composeSizeToQuantity('64k')).toBe('64Ki');
  });

  test('anything but a canonical compose size (digits and k, m or g) is refused, not guessed', () => {
    for (const size of ['8GB', '8G', '512', '1.5g', 'm', '']) {
      expect(() => composeSizeToQuantity(size)).toThrow(`not a canonical size: ${size}`);
    }
  });

  test('a converted size reads back as the same number of bytes', () => {
    const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999_999 }), fc.constantFrom('k', 'm', 'g'), (n, u) => {
      expect(quantityBytes(composeSizeToQuantity(`${n}${u}`))).toBe(n * unit[u as 'k' | 'm' | 'g']);
    }), { numRuns: RUNS });
  });
});

describe('coresToQuantity', () => {
  test('whole cores stay cores; fractions become millicores', () => {
    expect(coresToQuantity(2)).toBe('2');
    expect(coresToQuantity(0.5)).toBe('500m');
    expect(coresToQuantity(1.5)).toBe('1500m');
    expect(coresToQuantity(0.01)).toBe('10m');
  });

  test('a converted core count reads back as the same millicores', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9_999_999 }), (millis) => {
      expect(cpuMillis(coresToQuantity(millis / 1000))).toBe(millis);
    }), { numRuns: RUNS });
  });
});
