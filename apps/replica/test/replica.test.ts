import { describe, expect, it } from 'vitest';
import { notReadyReason, READY_MAX_LAG_MS } from '../src/replica.ts';
import type { SupervisedStatus } from '../src/supervised-subscriber.ts';

/** A replica live, in touch and caught up; each case changes what it names. */
function status(overrides: Partial<SupervisedStatus> = {}): SupervisedStatus {
  return {
    zone: 'dmz',
    state: 'live',
    kinds: null,
    epoch: 'e1',
    appliedSeq: 100,
    headSeq: 100,
    lagChanges: 0,
    lagMs: 0,
    connected: true,
    master: { publish: 'tcp://10.0.0.1:5562', sync: 'tcp://10.0.0.1:5563' },
    masterSwitches: 0,
    gaps: 0,
    resyncs: 0,
    snapshots: 1,
    appliedRows: 99,
    catchUpRows: 99,
    receivedChanges: 0,
    dropped: 0,
    errors: 0,
    lastError: null,
    restarts: 0,
    lastRestartReason: null,
    ...overrides,
  };
}

describe('notReadyReason (/readyz)', () => {
  it('is ready when live, in touch and caught up', () => {
    expect(notReadyReason(status())).toBeUndefined();
  });

  it('is not ready while starting, snapshotting, catching up or closed, connected or not', () => {
    expect(notReadyReason(status({ state: 'idle' }))).toBe('replication is idle');
    expect(notReadyReason(status({ state: 'snapshotting', appliedSeq: 0, lagChanges: 100 }))).toBe(
      'replication is snapshotting',
    );
    expect(notReadyReason(status({ state: 'catching_up', lagChanges: 40, lagMs: 10 }))).toBe(
      'replication is catching up',
    );
    expect(notReadyReason(status({ state: 'closed', connected: false }))).toBe('replication is closed');
  });

  it('is not ready when the master has been silent, even with nothing known to apply', () => {
    expect(notReadyReason(status({ connected: false }))).toBe(
      'no word from the master: the data may be stale',
    );
  });

  it('is not ready behind the master by more than the threshold, and ready within it', () => {
    expect(notReadyReason(status({ headSeq: 130, lagChanges: 30, lagMs: READY_MAX_LAG_MS + 1_500 }))).toBe(
      `behind the master by 30 changes (${READY_MAX_LAG_MS + 1_500} ms)`,
    );
    // A steady stream keeps a few changes in flight: that is current, not behind.
    expect(notReadyReason(status({ headSeq: 103, lagChanges: 3, lagMs: 40 }))).toBeUndefined();
    expect(notReadyReason(status({ headSeq: 103, lagChanges: 3, lagMs: READY_MAX_LAG_MS }))).toBeUndefined();
  });
});
