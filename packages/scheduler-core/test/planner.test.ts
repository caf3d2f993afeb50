import type { Schedule } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_ENUMERATED_FIRES, manualJobDraft, planFires, retryDelayMs } from '../src/planner.ts';

let ids = 0;
const newJobId = () => `job-${++ids}`;

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  const createdAt = new Date('2026-01-01T00:00:00Z');
  return {
    id: 'report',
    task: 'send_report',
    trigger: { type: 'cron', expression: '0 * * * *', timezone: 'UTC' },
    args: { to: 'ops' },
    metadata: {},
    paused: false,
    misfireGraceSeconds: 60,
    coalesce: 'latest',
    maxInstances: 1,
    retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
    timeoutSeconds: 30,
    target: { tags: [] },
    nextRunAt: new Date('2026-01-01T10:00:00Z'),
    lastRunAt: null,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...overrides,
  };
}

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

describe('planFires', () => {
  it('runs a fire time that is due and on time, and moves to the next one', () => {
    const plan = planFires(schedule(), new Date('2026-01-01T10:00:00.250Z'), 0, { newJobId });
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({
      status: 'pending',
      source: 'schedule',
      task: 'send_report',
      args: { to: 'ops' },
      maxAttempts: 3,
    });
    expect(iso(plan.jobs[0]?.scheduledAt)).toBe('2026-01-01T10:00:00.000Z');
    expect(iso(plan.nextRunAt)).toBe('2026-01-01T11:00:00.000Z');
    expect(iso(plan.lastRunAt)).toBe('2026-01-01T10:00:00.000Z');
  });

  it('records a fire time older than the grace as missed and runs nothing', () => {
    const plan = planFires(schedule(), new Date('2026-01-01T10:01:00.001Z'), 0, { newJobId });
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ status: 'missed', missedCount: 1, error: { code: 'misfire' } });
    expect(iso(plan.nextRunAt)).toBe('2026-01-01T11:00:00.000Z');
    expect(plan.lastRunAt).toBeNull();
  });

  it('after downtime with coalesce latest: runs the newest on-time fire and records the rest as one missed range', () => {
    const every10s = schedule({
      trigger: { type: 'cron', expression: '*/10 * * * * *', timezone: 'UTC' },
      misfireGraceSeconds: 30,
    });
    // Down from 10:00:00 to 10:05:05: 31 fire times are due (10:00:00 ... 10:05:00).
    const plan = planFires(every10s, new Date('2026-01-01T10:05:05Z'), 0, { newJobId });
    const run = plan.jobs.filter((job) => job.status === 'pending');
    const missed = plan.jobs.filter((job) => job.status === 'missed');
    expect(run.map((job) => iso(job.scheduledAt))).toEqual(['2026-01-01T10:05:00.000Z']);
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatchObject({ missedCount: 30 });
    expect(iso(missed[0]?.scheduledAt)).toBe('2026-01-01T10:00:00.000Z');
    expect(iso(missed[0]?.missedUntil)).toBe('2026-01-01T10:04:50.000Z');
    expect(missed[0]?.error?.message).toContain('28 older than misfireGraceSeconds');
    expect(missed[0]?.error?.message).toContain('2 coalesced');
    expect(iso(plan.nextRunAt)).toBe('2026-01-01T10:05:10.000Z');
  });

  it('coalesce earliest runs the oldest on-time fire; coalesce all runs each on-time fire', () => {
    const base = {
      trigger: { type: 'cron', expression: '*/10 * * * * *', timezone: 'UTC' },
      misfireGraceSeconds: 30,
    } as const;
    const now = new Date('2026-01-01T10:00:35Z'); // due: :00 (late), :10, :20, :30
    const earliest = planFires(schedule({ ...base, coalesce: 'earliest' }), now, 0, { newJobId });
    expect(earliest.jobs.filter((j) => j.status === 'pending').map((j) => iso(j.scheduledAt))).toEqual([
      '2026-01-01T10:00:10.000Z',
    ]);
    const all = planFires(schedule({ ...base, coalesce: 'all', maxInstances: 10 }), now, 0, { newJobId });
    expect(all.jobs.filter((j) => j.status === 'pending').map((j) => iso(j.scheduledAt))).toEqual([
      '2026-01-01T10:00:10.000Z',
      '2026-01-01T10:00:20.000Z',
      '2026-01-01T10:00:30.000Z',
    ]);
    expect(all.jobs.filter((j) => j.status === 'missed')).toMatchObject([
      { missedCount: 1, error: { code: 'misfire' } },
    ]);
  });

  it('does not start a run beyond maxInstances and records it as missed', () => {
    const plan = planFires(schedule({ maxInstances: 2 }), new Date('2026-01-01T10:00:01Z'), 2, { newJobId });
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({
      status: 'missed',
      missedCount: 1,
      error: { code: 'max_instances' },
    });
    expect(plan.lastRunAt).toBeNull();
  });

  it('cuts a huge backlog at the cap, still runs the newest on-time fire, and resumes after now', () => {
    const everySecond = schedule({
      trigger: { type: 'cron', expression: '* * * * * *', timezone: 'UTC' },
      nextRunAt: new Date('2026-01-01T00:00:00Z'),
    });
    const now = new Date('2026-01-02T00:00:00.500Z');
    const plan = planFires(everySecond, now, 0, { newJobId });
    const missed = plan.jobs.find((job) => job.status === 'missed');
    // The first 10,000 seconds, then the 59 of 23:59:01 ... 23:59:59 coalesced into the run of 00:00:00.
    expect(missed?.missedCount).toBe(MAX_ENUMERATED_FIRES + 59);
    expect(missed?.error?.message).toMatch(/^at least/);
    expect(iso(missed?.missedUntil)).toBe('2026-01-01T23:59:59.000Z');
    expect(plan.jobs.filter((job) => job.status === 'pending').map((job) => iso(job.scheduledAt))).toEqual([
      '2026-01-02T00:00:00.000Z',
    ]);
    expect(iso(plan.nextRunAt)).toBe('2026-01-02T00:00:01.000Z');
  });

  it('ends a one-shot date trigger after its fire', () => {
    const once = schedule({ trigger: { type: 'date', at: '2026-01-01T10:00:00Z' } });
    const plan = planFires(once, new Date('2026-01-01T10:00:00.010Z'), 0, { newJobId });
    expect(plan.jobs.map((job) => job.status)).toEqual(['pending']);
    expect(plan.nextRunAt).toBeNull();
  });
});

describe('manualJobDraft', () => {
  it('belongs to the instant it was asked for', () => {
    const now = new Date('2026-01-01T12:34:56.789Z');
    expect(manualJobDraft(schedule(), now, 'm1')).toMatchObject({
      id: 'm1',
      source: 'manual',
      status: 'pending',
      scheduledAt: now,
      notBefore: now,
    });
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially and stays within [half, full] of the step', () => {
    const job = (attempt: number) => ({
      attempt,
      retry: { maxAttempts: 5, backoffMs: 1000, backoffFactor: 2 },
    });
    expect(retryDelayMs(job(1), () => 0)).toBe(500);
    expect(retryDelayMs(job(1), () => 1)).toBe(1000);
    expect(retryDelayMs(job(3), () => 0)).toBe(2000);
    expect(retryDelayMs(job(3), () => 1)).toBe(4000);
  });
});
