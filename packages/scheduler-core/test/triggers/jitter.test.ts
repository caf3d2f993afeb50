import { describe, expect, it } from 'vitest';
import { jitterOffsetMs } from '../../src/triggers/jitter.ts';

describe('jitterOffsetMs', () => {
  it('follows the documented formula', () => {
    // `printf 'sched-1:1767225600000' | sha256sum` starts a4bce363ba05 = 181131175770629;
    // floor(181131175770629 * 30001 / 2^48) = 19305 and floor(... * 1001 / 2^48) = 644.
    expect(jitterOffsetMs('sched-1', 1_767_225_600_000, 30_000)).toBe(19_305);
    expect(jitterOffsetMs('sched-1', 1_767_225_600_000, 1_000)).toBe(644);
  });

  it('is zero without a jitter window', () => {
    expect(jitterOffsetMs('sched-1', 1_767_225_600_000, 0)).toBe(0);
  });

  it('can reach both ends of the window, inclusive', () => {
    // With a 1 ms window the offset is 0 or 1; over many base times both occur.
    const seen = new Set<number>();
    for (let k = 0; k < 64; k++) seen.add(jitterOffsetMs('bounds', k * 1000, 1));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1]);
  });
});
