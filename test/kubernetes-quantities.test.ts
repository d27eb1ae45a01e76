/**
 * The quantity helpers of the Kubernetes manifests, directly: the container spec's sizes and
 * compose's cores as Kubernetes quantities, and the arithmetic that compares requests with
 * limits reading them back.
 */
import * as fc from 'fast-check';
import { Size, SizeUnit, sizeBytes } from '../src/core/sizes';
import { coresToQuantity, cpuMillis, quantityBytes, sizeQuantity } from '../src/stack/kubernetes-quantities';

const RUNS = Number(process.env.FC_RUNS ?? 25);

describe('sizeQuantity', () => {
  test('sizes are binary: k, m and g become Ki, Mi and Gi with the same amount', () => {
    expect(sizeQuantity({ amount: 512, unit: 'm' })).toBe('512Mi');
    expect(sizeQuantity({ amount: 8, unit: 'g' })).toBe('8Gi');
    expect(sizeQuantity({ amount: 64, unit: 'k' })).toBe('64Ki');
  });

  test('a quantity reads back as the bytes of its size, in a form the memory check accepts', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999 }), fc.constantFrom<SizeUnit>('k', 'm', 'g'), (amount, unit) => {
      const size: Size = { amount, unit };
      const quantity = sizeQuantity(size);
      expect(quantity).toMatch(/^[1-9][0-9]*(Ki|Mi|Gi)$/);
      expect(quantityBytes(quantity)).toBe(sizeBytes(size));
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
