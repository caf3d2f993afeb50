import { describe, expect, it } from 'vitest';
import { createScheduleBodySchema, patchScheduleBodySchema, triggerSchema } from './schedule.ts';

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
