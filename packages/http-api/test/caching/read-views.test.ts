import { jobJsonSchema, scheduleJsonSchema } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { zoneRows } from '../../src/caching/read-views.ts';

// What a replica shows, by its definition: the row as JSON, only the fields valid for the master's schema.
function reference(row: object, kind: 'schedule' | 'job' = 'schedule'): Record<string, unknown> {
  const shape: Record<string, { safeParse(value: unknown): { success: boolean } }> =
    kind === 'schedule' ? scheduleJsonSchema.shape : jobJsonSchema.shape;
  const json = JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(json).filter(([key, value]) => key === 'id' || shape[key]?.safeParse(value).success),
  );
}

const whole = {
  id: 'weekday-report',
  task: 'send_report',
  trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Paris' },
  args: { to: 'ops@example.com', nested: [1, { a: null }] },
  metadata: { team: 'ops' },
  paused: false,
  misfireGraceSeconds: 60,
  coalesce: 'latest',
  maxInstances: 1,
  retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
  timeoutSeconds: 300,
  target: { zone: null, tags: [], affinityKey: null },
  nextRunAt: new Date('2026-03-02T08:00:00Z'),
  lastRunAt: null,
  createdAt: new Date('2026-03-01T08:00:00Z'),
  updatedAt: new Date('2026-03-01T09:00:00Z'),
  version: 2,
};
// As a replica stores what the DMZ projection left: placeholders for the fields it did not receive.
const projected = {
  ...whole,
  args: {},
  trigger: {},
  coalesce: '',
  maxInstances: 0,
  retry: {},
  timeoutSeconds: Number.NaN,
  nextRunAt: new Date(Number.NaN),
  lastRunAt: undefined,
  createdAt: new Date(0),
};

describe('zoneRows.show', () => {
  it('shows a row exactly as its JSON filtered by the master schema (same keys, order and values)', () => {
    // Twice over, in turns: what is remembered of one row's empty values holds for the next.
    for (const row of [
      whole,
      projected,
      whole,
      projected,
      { ...projected, maxInstances: 2, coalesce: 'all' },
    ]) {
      const shown = zoneRows.show('schedule', row);
      expect(JSON.stringify(shown)).toBe(JSON.stringify(reference(row)));
    }
    // The placeholders are left out, the real values kept.
    const shown = zoneRows.show('schedule', projected);
    expect(Object.keys(shown)).not.toContain('coalesce');
    expect(shown.task).toBe('send_report');
  });

  it('shows a job with empty values as its filtered JSON', () => {
    const job = {
      id: 'j-1',
      scheduleId: '',
      task: 'send_report',
      args: {},
      source: '',
      scheduledAt: new Date('2026-03-02T08:00:00Z'),
      status: 'succeeded',
      attempt: 0,
      maxAttempts: 0,
      retry: {},
      timeoutSeconds: 0,
      target: {},
      notBefore: new Date(0),
      handlerId: null,
      startedAt: null,
      finishedAt: new Date('2026-03-02T08:00:01Z'),
      durationMs: 0,
      result: null,
      error: null,
      missedCount: null,
      missedUntil: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
    for (const row of [job, { ...job, attempt: 1, scheduleId: 'weekday-report', args: [] }]) {
      expect(JSON.stringify(zoneRows.show('job', row))).toBe(JSON.stringify(reference(row, 'job')));
    }
  });
});
