/**
 * A service's limits, resolved directly: the sizes users write become typed sizes once, here,
 * and the container spec carries them as they are.
 */
import { Problems } from '../src/core/problems';
import { composeSize, gib, mib } from '../src/core/sizes';
import { resolveLimitProps } from '../src/service/service-checks';

describe('resolveLimitProps', () => {
  test('without props: the shared defaults, typed (1 GiB of memory, 256 MiB of /tmp)', () => {
    const problems = new Problems('p/api');
    expect(resolveLimitProps(problems, {}, undefined))
      .toEqual({ publicPort: false, memory: gib(1), tmp: mib(256), cpus: 2, pids: 512, writableRoot: false });
    expect(problems.count).toBe(0);
  });

  test('a kind\'s typed defaults replace the shared ones; props replace both', () => {
    const problems = new Problems('p/train');
    const kind = { memory: gib(16), cpus: 8, pids: 8192, tmp: gib(2) };
    expect(resolveLimitProps(problems, {}, kind)).toMatchObject({ memory: gib(16), tmp: gib(2) });
    const limits = resolveLimitProps(problems, { memoryLimit: '1536m', tmpSize: '64k' }, kind);
    expect(limits).toMatchObject({ memory: mib(1536), tmp: { amount: 64, unit: 'k' } });
    // the text a user wrote is the text compose gets back
    expect(composeSize(limits.memory)).toBe('1536m');
    expect(problems.count).toBe(0);
  });

  test('a bad size is one problem per prop and resolves to the default, so the result stays usable', () => {
    const problems = new Problems('p/api');
    const limits = resolveLimitProps(problems, { memoryLimit: '2GB', tmpSize: '65g' }, undefined);
    expect(limits).toMatchObject({ memory: gib(1), tmp: mib(256) });
    expect(problems.count).toBe(2);
    expect(() => problems.throwIfAny()).toThrow('[p/api] memoryLimit: got "2GB"; expected a size as an integer and a unit k, m or g');
    expect(() => problems.throwIfAny()).toThrow('[p/api] tmpSize: got "65g"; expected a size as an integer and a unit k, m or g, e.g. "512m" or "8g" (lowercase, no space, no "b"; at most 64g)');
  });
});
