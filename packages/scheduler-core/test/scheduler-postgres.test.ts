import { afterAll, describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../src/execution/local-executor.ts';
import { createScheduler } from '../src/scheduler.ts';
import { eventually, PG_TEST_URL, pgTestDatabases, postgresGate } from '../src/testing/index.ts';

const gate = await postgresGate('PostgreSQL scheduler tests');
const databases = pgTestDatabases(PG_TEST_URL);
afterAll(() => databases.teardown());

describe.skipIf(gate.skip)('two masters on one PostgreSQL database', () => {
  it('fire each fire time once and run each job once, for real seconds', { timeout: 20_000 }, async () => {
    gate.assertReachable();
    const database = await databases.create();
    const runs: Array<{ node: string; scheduledAt: number; jobId: string }> = [];
    const masters = await Promise.all(
      ['master-a', 'master-b'].map(async (node) => {
        const store = await database.open();
        const executor = createLocalExecutor({
          tick: (_args, ctx) => runs.push({ node, scheduledAt: ctx.scheduledAt.getTime(), jobId: ctx.jobId }),
        });
        // A short maxSleep: each master must notice the other's schedules without being told.
        const scheduler = createScheduler({ store, executor, nodeId: node, maxSleepMs: 200 });
        await scheduler.start();
        return { store, scheduler };
      }),
    );
    try {
      const [a, b] = masters as [(typeof masters)[0], (typeof masters)[0]];
      const trigger = { type: 'cron', expression: '* * * * * *', timezone: 'UTC' } as const;
      const spec = {
        task: 'tick',
        trigger,
        args: {},
        metadata: {},
        paused: false,
        misfireGraceSeconds: 60,
        coalesce: 'all' as const,
        maxInstances: 5,
        retry: { maxAttempts: 1, backoffMs: 0, backoffFactor: 1 },
        timeoutSeconds: 10,
        target: { tags: [] },
      };
      await a.scheduler.createSchedule({ ...spec, id: 'from-a' });
      await b.scheduler.createSchedule({ ...spec, id: 'from-b' });
      await eventually(() => expect(runs.length).toBeGreaterThanOrEqual(8), { timeoutMs: 10_000 });
      await Promise.all(masters.map(({ scheduler }) => scheduler.stop()));

      const fired = runs.map((run) => run.jobId);
      expect(new Set(fired).size).toBe(fired.length);
      const jobs = (await a.store.listJobs({ limit: 500 })).items;
      const keys = jobs.map((job) => `${job.scheduleId}@${job.scheduledAt.toISOString()}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(jobs.filter((job) => job.status === 'succeeded')).toHaveLength(runs.length);
    } finally {
      await Promise.all(masters.map(({ scheduler }) => scheduler.stop()));
      await Promise.all(masters.map(({ store }) => store.close()));
      await database.destroy();
    }
  });
});
