import { describe, expect, it } from 'vitest';
import { capacityShare } from '../../src/worker/capacity-share.ts';
import { createSlotPool } from '../../src/worker/slot-pool.ts';

describe('capacity shares of a worker linked to several masters', () => {
  const shares = (capacity: number, registered: number[], links: number) =>
    Array.from({ length: links }, (_, link) => capacityShare(capacity, new Set(registered), link));

  it('splits evenly over the registered links, the remainder to the first ones', () => {
    expect(shares(10, [0, 1, 2], 3)).toEqual([4, 3, 3]);
    expect(shares(2, [0, 1], 2)).toEqual([1, 1]);
    expect(shares(7, [1, 2], 3).slice(1)).toEqual([4, 3]);
  });

  it('gives a lost master’s share to the others and offers it the share it will have back', () => {
    // Link 1 lost its master: link 0 takes the whole capacity, link 1 is offered half.
    expect(shares(4, [0], 2)).toEqual([4, 2]);
    // With no master registered, each is offered what it would have alone.
    expect(shares(4, [], 2)).toEqual([4, 4]);
  });

  it('never tells registered masters more than the capacity in total', () => {
    for (let capacity = 3; capacity <= 12; capacity += 1) {
      const registered = [0, 2];
      const told = registered.map((link) => capacityShare(capacity, new Set(registered), link));
      expect(told.reduce((a, b) => a + b, 0)).toBe(capacity);
    }
  });
});

describe('slot pool', () => {
  it('hands out its capacity and no more', () => {
    const pool = createSlotPool(2);
    pool.take();
    pool.take();
    expect(pool.free()).toBe(0);
    expect(() => pool.take()).toThrow(/all 2 slots are taken/);
    pool.release();
    expect(pool.free()).toBe(1);
  });
});
