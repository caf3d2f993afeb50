import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../src/json-limits.ts';
import { createScheduleBodySchema, patchScheduleBodySchema, triggerSchema } from '../src/schedule.ts';

describe('schedule bodies', () => {
  it('fills the defaults of a new schedule', () => {
    const body = createScheduleBodySchema.parse({
      task: 'send_email',
      trigger: { type: 'interval', seconds: 30 },
    });
    expect(body).toMatchObject({
      args: {},
      metadata: {},
      paused: false,
      coalesce: 'latest',
      maxInstances: 1,
      timeoutSeconds: 300,
    });
    expect(body.retry).toEqual({ maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 });
  });

  it('leaves a patch to the fields it sends', () => {
    expect(patchScheduleBodySchema.parse({ paused: true })).toEqual({ paused: true });
    expect(patchScheduleBodySchema.parse({ retry: { maxAttempts: 3 }, version: 2 })).toEqual({
      retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
      version: 2,
    });
  });

  it('names the field at fault', () => {
    const result = createScheduleBodySchema.safeParse({
      id: 'bad id!',
      task: 'x',
      trigger: { type: 'interval', seconds: -1 },
      extra: 1,
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['id', 'trigger.seconds', '']));
    expect(triggerSchema.safeParse({ type: 'weekly' }).success).toBe(false);
  });
});

describe('limits of what a schedule carries', () => {
  it('refuses instants whose UTC year is past 9999, and a jitter that would carry startAt past it', () => {
    const at = (value: string) => triggerSchema.safeParse({ type: 'date', at: value }).success;
    expect(at('9999-12-31T23:59:59Z')).toBe(true);
    expect(at('9999-12-31T23:59:59-00:01')).toBe(false);
    expect(at('0000-01-01T00:30:00+01:00')).toBe(false);
    const interval = (startAt: string, jitterSeconds: number) =>
      triggerSchema.safeParse({ type: 'interval', seconds: 60, startAt, jitterSeconds });
    expect(interval('9999-12-31T23:00:00Z', 3599).success).toBe(true);
    expect(interval('9999-12-31T23:00:00Z', 3600).error?.issues[0]?.path).toEqual(['startAt']);
  });

  it('bounds the nesting of args and metadata, iteratively', () => {
    expect(exceedsJsonDepth({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(exceedsJsonDepth({ a: [1, { b: [] }] }, 3)).toBe(true);
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(exceedsJsonDepth(deep)).toBe(true);
    const body = { task: 'x', trigger: { type: 'interval', seconds: 1 } };
    const args = createScheduleBodySchema.safeParse({ ...body, args: [deep] });
    expect(args.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['args']);
    const metadata = createScheduleBodySchema.safeParse({ ...body, metadata: { deep } });
    expect(metadata.error?.issues[0]?.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });
});
