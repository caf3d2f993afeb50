import { describe, expect, it } from 'vitest';
import { createMasterRotation, mastersOf } from '../../src/replica/master-rotation.ts';
import type { MasterEndpoints } from '../../src/types.ts';

const master = (n: number): MasterEndpoints => ({
  publish: `tcp://10.0.0.${n}:5562`,
  sync: `tcp://10.0.0.${n}:5563`,
});

describe('master rotation', () => {
  it('moves to the next master round the list, once per stale reason, and reports each move', () => {
    let now = 1_000;
    const moves: string[] = [];
    const rotation = createMasterRotation(
      [master(1), master(2), master(3)],
      () => now,
      (from, to, reason) => moves.push(`${from.publish} -> ${to.publish}: ${reason}`),
    );
    expect(rotation).toMatchObject({ index: 0, current: master(1), since: 1_000, switches: 0 });
    now = 5_000;
    expect(rotation.switchFrom(0, 'silent')).toBe(true);
    // A request sent to the first master timing out after the move moves nothing.
    expect(rotation.switchFrom(0, 'a sync request timed out')).toBe(false);
    expect(rotation).toMatchObject({ index: 1, current: master(2), since: 5_000, switches: 1 });
    expect(rotation.switchFrom(1, 'silent')).toBe(true);
    expect(rotation.switchFrom(2, 'silent')).toBe(true);
    expect(rotation).toMatchObject({ index: 0, current: master(1), switches: 3 });
    expect(moves).toEqual([
      'tcp://10.0.0.1:5562 -> tcp://10.0.0.2:5562: silent',
      'tcp://10.0.0.2:5562 -> tcp://10.0.0.3:5562: silent',
      'tcp://10.0.0.3:5562 -> tcp://10.0.0.1:5562: silent',
    ]);
  });

  it('never moves with one master', () => {
    const rotation = createMasterRotation(
      [master(1)],
      () => 0,
      () => {
        throw new Error('no move expected');
      },
    );
    expect(rotation.switchFrom(0, 'silent')).toBe(false);
    expect(rotation).toMatchObject({ index: 0, switches: 0 });
  });

  it('takes publish and sync or masters, not both, and 1 to 16 masters', () => {
    expect(mastersOf(master(1))).toEqual([master(1)]);
    expect(mastersOf({ masters: [master(1), master(2)] })).toEqual([master(1), master(2)]);
    expect(() => mastersOf({ ...master(1), masters: [master(2)] })).toThrow(/not both/);
    expect(() => mastersOf({ publish: master(1).publish })).toThrow(/publish and sync/);
    const none = () => {};
    expect(() => createMasterRotation([], () => 0, none)).toThrow(/1 to 16/);
    expect(() => createMasterRotation(Array(17).fill(master(1)), () => 0, none)).toThrow(/1 to 16/);
  });
});
