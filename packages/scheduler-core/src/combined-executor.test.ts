import type { Job } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { combineExecutors } from './combined-executor.ts';
import { createLocalExecutor } from './local-executor.ts';

const job = (task: string) =>
  ({ id: 'j', scheduleId: 's', task, args: {}, attempt: 1, scheduledAt: new Date(0) }) as Job;

describe('combineExecutors', () => {
  it('adds capacities per task and routes a job to an executor that has room for it', async () => {
    let release: () => void = () => {};
    const first = createLocalExecutor(
      {
        shared: () =>
          new Promise<string>((resolve) => {
            release = () => resolve('first');
          }),
      },
      { concurrency: 1 },
    );
    const second = createLocalExecutor(
      { shared: () => 'second', only: () => 'only-second' },
      { concurrency: 2 },
    );
    const combined = combineExecutors([first, second]);
    expect(Object.fromEntries(combined.capacity())).toEqual({ shared: 3, only: 2 });

    const signal = new AbortController().signal;
    const running = combined.run(job('shared'), signal);
    expect(Object.fromEntries(combined.capacity())).toEqual({ shared: 2, only: 2 });
    await expect(combined.run(job('shared'), signal)).resolves.toMatchObject({
      status: 'succeeded',
      result: 'second',
    });
    await expect(combined.run(job('only'), signal)).resolves.toMatchObject({ result: 'only-second' });
    await expect(combined.run(job('missing'), signal)).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'no_handler' },
    });
    release();
    await expect(running).resolves.toMatchObject({ result: 'first' });
  });
});
