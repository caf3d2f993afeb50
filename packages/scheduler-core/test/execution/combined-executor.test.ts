import type { Job } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { combineExecutors } from '../../src/execution/combined-executor.ts';
import { createLocalExecutor } from '../../src/execution/local-executor.ts';

const job = (task: string) =>
  ({
    id: 'j',
    scheduleId: 's',
    task,
    args: {},
    attempt: 1,
    scheduledAt: new Date(0),
    target: { tags: [] as string[] },
  }) as unknown as Job;

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

describe('combineExecutors and a job target', () => {
  const targeted = (task: string, target: Job['target']) => ({ ...job(task), target }) as Job;

  it('sends a job to the executor whose handlers match its zone and tags, not the first with room', async () => {
    const ran: string[] = [];
    const local = createLocalExecutor(
      { render: () => ran.push('local') },
      { concurrency: 4, handlerId: 'master-1', zone: 'admin', tags: ['local'] },
    );
    const remote = createLocalExecutor(
      { render: () => ran.push('remote') },
      { concurrency: 4, handlerId: 'worker-1', zone: 'regional', tags: ['gpu', 'eu'] },
    );
    const combined = combineExecutors([local, remote]);
    const signal = new AbortController().signal;
    const started: string[] = [];
    const onStarted = (handlerId: string) => started.push(handlerId);

    expect(combined.place?.(targeted('render', { tags: ['gpu'] }))).toBe('now');
    await combined.run(targeted('render', { tags: ['gpu'] }), signal, onStarted);
    await combined.run(targeted('render', { zone: 'regional', tags: [] }), signal, onStarted);
    await combined.run(targeted('render', { tags: ['local'] }), signal, onStarted);
    await combined.run(targeted('render', { tags: [] }), signal, onStarted);
    expect(ran).toEqual(['remote', 'remote', 'local', 'local']);
    expect(started).toEqual(['worker-1', 'worker-1', 'master-1', 'master-1']);

    const nowhere = targeted('render', { zone: 'dmz', tags: [] });
    expect(combined.place?.(nowhere)).toBe('none');
    await expect(combined.run(nowhere, signal)).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'no_handler' },
    });
    expect(ran).toHaveLength(4);
  });

  it('says busy when the only matching handlers are full, though others have room', async () => {
    let release: () => void = () => {};
    const local = createLocalExecutor({ render: () => 'local' }, { concurrency: 4, zone: 'admin' });
    const remote = createLocalExecutor(
      { render: () => new Promise<void>((resolve) => (release = resolve)) },
      { concurrency: 1, zone: 'regional', tags: ['gpu'] },
    );
    const combined = combineExecutors([local, remote]);
    const gpu = targeted('render', { tags: ['gpu'] });
    const running = combined.run(gpu, new AbortController().signal);
    expect(Object.fromEntries(combined.capacity())).toEqual({ render: 4 });
    expect(combined.place?.(gpu)).toBe('busy');
    release();
    await running;
    expect(combined.place?.(gpu)).toBe('now');
  });
});
