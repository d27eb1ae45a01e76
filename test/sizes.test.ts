/**
 * The typed size of the container spec, directly: read once from the canonical text users
 * write, then bytes for comparisons and the text compose writes, with no string parsed back.
 */
import * as fc from 'fast-check';
import { MlDockerValidationError } from '../src/core/errors';
import { Problems } from '../src/core/problems';
import { MIN_MEMORY_BYTES, Size, SizeUnit, checkSize, composeSize, gib, mib, parseSize, sizeBytes } from '../src/core/sizes';

const RUNS = Number(process.env.FC_RUNS ?? 25);
const UNIT_BYTES: Record<SizeUnit, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function messageOf(problems: Problems): string {
  try {
    problems.throwIfAny();
  } catch (e) {
    expect(e).toBeInstanceOf(MlDockerValidationError);
    return (e as Error).message;
  }
  return '';
}

describe('parseSize and composeSize', () => {
  test('the canonical text becomes an amount and a unit, and formats back to the same text', () => {
    expect(parseSize('512m')).toEqual({ amount: 512, unit: 'm' });
    expect(parseSize('8g')).toEqual({ amount: 8, unit: 'g' });
    expect(parseSize('64k')).toEqual({ amount: 64, unit: 'k' });
    expect(composeSize({ amount: 512, unit: 'm' })).toBe('512m');
    expect(composeSize(gib(16))).toBe('16g');
  });

  test('every canonical size round-trips: text -> size -> the same text, and its bytes are the amount times the unit', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999 }), fc.constantFrom<SizeUnit>('k', 'm', 'g'), (amount, unit) => {
      const text = `${amount}${unit}`;
      const size = parseSize(text, Number.MAX_SAFE_INTEGER);
      expect(size).toEqual({ amount, unit });
      expect(composeSize(size!)).toBe(text);
      expect(sizeBytes(size!)).toBe(amount * UNIT_BYTES[unit]);
    }), { numRuns: RUNS });
  });

  test('anything but digits and a lowercase k, m or g is not a size', () => {
    for (const text of ['8GB', '8G', '8gb', '512', '1.5g', '0m', '08g', ' 1g', '1 g', 'm', '', '1234567m']) {
      expect(parseSize(text)).toBeUndefined();
    }
    for (const value of [8, null, undefined, ['8g'], { amount: 8, unit: 'g' }]) {
      expect(parseSize(value)).toBeUndefined();
    }
  });

  test('a size outside the bounds is not read: at most maxBytes (4 TiB unless given), at least minBytes', () => {
    expect(parseSize('4096g')).toEqual(gib(4096));
    expect(parseSize('4097g')).toBeUndefined();
    expect(parseSize('2g', 1024 ** 3)).toBeUndefined();
    expect(parseSize('1g', 1024 ** 3)).toEqual(gib(1));
    expect(parseSize('5m', undefined, MIN_MEMORY_BYTES)).toBeUndefined();
    expect(parseSize('6m', undefined, MIN_MEMORY_BYTES)).toEqual(mib(6));
  });
});

describe('sizeBytes', () => {
  test('binary units: k is 1024 bytes, m 1024 k, g 1024 m', () => {
    expect(sizeBytes({ amount: 1, unit: 'k' })).toBe(1024);
    expect(sizeBytes(mib(512))).toBe(512 * 1024 ** 2);
    expect(sizeBytes(gib(8))).toBe(8 * 1024 ** 3);
    // sizes in different units compare by their bytes
    expect(sizeBytes(mib(2048))).toBe(sizeBytes(gib(2)));
    expect(sizeBytes(mib(2047)) < sizeBytes(gib(2))).toBe(true);
  });
});

describe('mib and gib', () => {
  test('make sizes in the unit they name', () => {
    expect(mib(64)).toEqual({ amount: 64, unit: 'm' });
    expect(gib(2)).toEqual({ amount: 2, unit: 'g' });
  });
});

describe('checkSize', () => {
  test('a valid size is returned typed, with no problem', () => {
    const problems = new Problems('p/api');
    const size: Size | undefined = checkSize(problems, 'memoryLimit', '768m', undefined, MIN_MEMORY_BYTES);
    expect(size).toEqual(mib(768));
    expect(problems.count).toBe(0);
  });

  test('a bad size is one problem naming the field, the value and the canonical form; nothing is returned', () => {
    const problems = new Problems('p/api');
    expect(checkSize(problems, 'tmpSize', '1GB', 64 * 1024 ** 3)).toBeUndefined();
    expect(problems.count).toBe(1);
    expect(messageOf(problems)).toContain('[p/api] tmpSize: got "1GB"; expected a size as an integer and a unit k, m or g, e.g. "512m" or "8g" (lowercase, no space, no "b"; at most 64g)');
  });

  test('a size below the minimum says the minimum', () => {
    const problems = new Problems('p/api');
    expect(checkSize(problems, 'memoryLimit', '4m', undefined, MIN_MEMORY_BYTES)).toBeUndefined();
    expect(messageOf(problems)).toContain('[p/api] memoryLimit: got "4m"; expected at least "6m" (the smallest memory limit docker accepts)');
  });
});
