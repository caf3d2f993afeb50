import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../src/execution/local-executor.ts';
import { createScheduler } from '../src/scheduler.ts';
import { eventually, PG_TEST_URL, pgTestDatabases, postgresGate } from '../src/testing/index.ts';

const gate = await postgresGate('PostgreSQL wake-up tests');
const databases = pgTestDatabases(PG_TEST_URL);
afterAll(() => databases.teardown());

/** Far longer than the test may take: only a wake-up can make the other master plan in time. */
const SAFETY_NET_MS = 60_000;

const spec = {
  task: 'tick',
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

describe.skipIf(gate.skip)('wake-ups between masters on one PostgreSQL database', () => {
  it('a schedule created on one master is fired by another long before its safety-net sleep', {
    timeout: 20_000,
  }, async () => {
    gate.assertReachable();
    const database = await databases.create();
    const runs: Array<{ node: string; jobId: string }> = [];
    /** Times a loop asked when its next fire is: once it has, it sleeps on what it saw. */
    let lookedAhead = 0;
    const open = async (node: string) => {
      const opened = await database.open();
      const store = {
        ...opened,
        async earliestNextRunAt() {
          const at = await opened.earliestNextRunAt();
          lookedAhead += 1;
          return at;
        },
      };
      const executor = createLocalExecutor({ tick: (_args, ctx) => runs.push({ node, jobId: ctx.jobId }) });
      const scheduler = createScheduler({ store, executor, nodeId: node, maxSleepMs: SAFETY_NET_MS });
      return { store, scheduler };
    };
    const a = await open('master-a');
    const b = await open('master-b');
    const wokenB: number[] = [];
    const wokenA: number[] = [];
    const listeners = [
      await b.store.cluster?.listenWakes(() => {
        wokenB.push(Date.now());
        b.scheduler.wake();
      }),
      await a.store.cluster?.listenWakes(() => wokenA.push(Date.now())),
    ];
    try {
      // Only B runs its loop; once its first pass looked ahead (and saw nothing) it sleeps for the
      // safety net.
      await b.scheduler.start();
      await eventually(() => expect(lookedAhead).toBeGreaterThanOrEqual(1), { timeoutMs: 5_000 });
      const at = new Date(Date.now() + 1000).toISOString();
      const created = Date.now();
      await a.scheduler.createSchedule({ ...spec, id: 'made-on-a', trigger: { type: 'date', at } });

      await eventually(() => expect(runs).toHaveLength(1), { timeoutMs: 10_000 });
      expect(runs[0]?.node).toBe('master-b');
      expect(Date.now() - created).toBeLessThan(SAFETY_NET_MS / 2);
      expect(wokenB.length).toBeGreaterThanOrEqual(1);

      // A run-now on A wakes B too; A never hears its own wake-ups.
      await a.scheduler.runNow('made-on-a');
      await eventually(() => expect(runs).toHaveLength(2), { timeoutMs: 10_000 });
      expect(runs[1]?.node).toBe('master-b');
      expect(wokenA).toEqual([]);
    } finally {
      for (const listener of listeners) await listener?.close();
      await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
      await Promise.all([a.store.close(), b.store.close()]);
      await database.destroy();
    }
  });

  it('listens again after its connection was lost', { timeout: 30_000 }, async () => {
    gate.assertReachable();
    const database = await databases.create();
    const a = await database.open();
    const b = await database.open();
    const creator = createScheduler({ store: a, executor: createLocalExecutor({}), nodeId: 'master-a' });
    let woken = 0;
    const listener = await b.cluster?.listenWakes(() => {
      woken += 1;
    });
    const admin = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} });
    // The sessions of this file's databases whose last statement was the LISTEN.
    const listening = async () =>
      (
        await admin`select pid from pg_stat_activity
          where datname like ${`sz_test_${process.pid}_%`} and query ilike 'listen%'`
      ).map((row) => Number(row.pid));
    try {
      let first: number[] = [];
      await eventually(async () => {
        first = await listening();
        expect(first).toHaveLength(1);
      });
      await admin`select pg_terminate_backend(${first[0] ?? 0})`;
      await eventually(
        async () => {
          const now = await listening();
          expect(now).toHaveLength(1);
          expect(now).not.toEqual(first);
        },
        { timeoutMs: 15_000 },
      );
      await creator.createSchedule({
        ...spec,
        id: 'after-loss',
        trigger: { type: 'date', at: new Date(Date.now() + 60_000).toISOString() },
      });
      await eventually(() => expect(woken).toBeGreaterThanOrEqual(1), { timeoutMs: 5_000 });
    } finally {
      await listener?.close();
      await admin.end({ timeout: 5 });
      await Promise.all([a.close(), b.close()]);
      await database.destroy();
    }
  });
});
