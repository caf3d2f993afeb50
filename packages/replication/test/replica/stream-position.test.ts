import type { KindMarks, StreamHeader } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { judgeFrame } from '../../src/replica/stream-position.ts';

const EPOCH = 'ab'.repeat(16);

function change(
  seq: number,
  kind: 'schedule' | 'job' | 'handler',
  marks: Partial<KindMarks> = {},
): StreamHeader {
  return { kind, epoch: EPOCH, seq, masterTime: 0, marks: { schedule: 0, job: 0, handler: 0, ...marks } };
}

function beat(seq: number, marks: Partial<KindMarks> = {}): StreamHeader {
  return { ...change(seq, 'schedule', marks), kind: 'heartbeat' };
}

describe('judgeFrame, all kinds', () => {
  it('applies the next seq, skips what it has, and calls a jump a gap', () => {
    expect(judgeFrame(change(5, 'job'), 'job.executed', 4, EPOCH, null)).toEqual({ action: 'apply', to: 5 });
    expect(judgeFrame(change(4, 'job'), 'job.executed', 4, EPOCH, null)).toEqual({ action: 'skip' });
    expect(judgeFrame(change(8, 'job'), 'job.executed', 4, EPOCH, null)).toEqual({
      action: 'gap',
      missing: 3,
    });
  });

  it('reads a heartbeat ahead as a tail loss, and one behind as a question for the log', () => {
    expect(judgeFrame(beat(4), 'heartbeat', 4, EPOCH, null)).toEqual({ action: 'advance', to: 4 });
    expect(judgeFrame(beat(6), 'heartbeat', 4, EPOCH, null)).toEqual({ action: 'gap', missing: 2 });
    expect(judgeFrame(beat(3), 'heartbeat', 4, EPOCH, null)).toEqual({ action: 'behind' });
  });

  it('sends any frame of another epoch to the log', () => {
    expect(
      judgeFrame({ ...change(5, 'job'), epoch: 'cd'.repeat(16) }, 'job.executed', 4, EPOCH, null),
    ).toEqual({
      action: 'epoch',
    });
    expect(judgeFrame(beat(5), 'heartbeat', 0, null, null)).toEqual({ action: 'epoch' });
  });
});

describe('judgeFrame, some kinds', () => {
  const kinds = ['schedule', 'job'] as const;

  it('applies a change when the rows between were of other kinds only', () => {
    // Seqs 5..9 were handler rows: the last schedule was 4, the last job 3.
    const header = change(10, 'schedule', { schedule: 4, job: 3, handler: 9 });
    expect(judgeFrame(header, 'schedule.updated', 4, EPOCH, kinds)).toEqual({ action: 'apply', to: 10 });
    // The job at 7 never arrived.
    const lost = change(10, 'schedule', { schedule: 4, job: 7, handler: 9 });
    expect(judgeFrame(lost, 'schedule.updated', 4, EPOCH, kinds)).toEqual({ action: 'gap', missing: 3 });
  });

  it('advances over rows of other kinds on a heartbeat, and catches up when one of its kinds is missing', () => {
    expect(judgeFrame(beat(12, { schedule: 4, job: 2, handler: 12 }), 'heartbeat', 4, EPOCH, kinds)).toEqual({
      action: 'advance',
      to: 12,
    });
    expect(judgeFrame(beat(12, { schedule: 11, handler: 12 }), 'heartbeat', 4, EPOCH, kinds)).toEqual({
      action: 'gap',
      missing: 7,
    });
  });

  it('skips a change of a kind it does not take', () => {
    expect(judgeFrame(change(5, 'handler'), 'handler.updated', 4, EPOCH, kinds)).toEqual({ action: 'skip' });
    expect(judgeFrame(change(5, 'schedule'), 'audit.logged', 4, EPOCH, kinds)).toEqual({ action: 'skip' });
  });
});
