import type { Job } from '@schedulezero/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { MasterStore } from '../../src/store/roles.ts';
import { PG_TEST_URL, pgTestDatabases } from '../../src/testing/pg-test-database.ts';
import { postgresGate } from '../../src/testing/postgres-gate.ts';
import {
  at,
  changeLog,
  createSchedules,
  jobDraft,
  type PlannerCall,
  recordingPlanner,
  recordingProjector,
  type StoreHarness,
  scheduleDraft,
} from './contract/fixtures.ts';
import { describeStoreContract } from './contract/index.ts';

const gate = await postgresGate('PostgreSQL store tests');

const databases = pgTestDatabases(PG_TEST_URL);
afterAll(() => databases.teardown());

describeStoreContract(
  `postgres store${gate.skip ? ` (skipped: ${PG_TEST_URL} not reachable)` : ''}`,
  async () => {
    gate.assertReachable();
    return databases.create();
  },
  { skip: gate.skip, extra: concurrencyCases },
);

function concurrencyCases(h: StoreHarness): void {
  const openMany = async (count: number): Promise<MasterStore[]> => [
    h.store,
    ...(await Promise.all(
      Array.from({ length: count - 1 }, () => h.open({ projector: recordingProjector })),
    )),
  ];

  // Generous: the machine may be busy, and these cases do a few hundred transactions.
  describe('concurrency (one database, several stores)', { timeout: 60_000 }, () => {
    it('never plans a fire time twice nor inserts a duplicate job when loops race', async () => {
      const loops = await openMany(4);
      const ids = Array.from({ length: 8 }, (_, index) => `s${index}`);
      await createSchedules(
        h.store,
        ids.map((id) =>
          scheduleDraft(id, {
            trigger: { type: 'interval', seconds: 1 },
            nextRunAt: at(0),
            maxInstances: 1000,
          }),
        ),
      );
      // 25 fire times each (0..24 s); each acquisition plans one per schedule it locks.
      const now = at(24);
      const calls: PlannerCall[] = [];
      const planner = recordingPlanner(calls);
      const inserted: Job[] = [];
      let acquisitions = 0;
      await Promise.all(
        loops.map(async (store) => {
          for (;;) {
            const next = await store.earliestNextRunAt();
            if (next === null || next > now) return;
            inserted.push(...(await store.acquireDueSchedules(now, 3, planner)));
            acquisitions += 1;
          }
        }),
      );

      const planned = calls.map((call) => `${call.scheduleId}@${call.fireAt}`);
      expect(new Set(planned).size).toBe(planned.length);
      expect(planned).toHaveLength(ids.length * 25);
      expect(acquisitions).toBeGreaterThanOrEqual((ids.length * 25) / 3);
      expect(new Set(inserted.map((job) => `${job.scheduleId}@${job.scheduledAt.getTime()}`)).size).toBe(200);
      expect((await h.store.countJobsByStatus()).pending).toBe(200);
      // Advanced 25 times, each fire time once; firing leaves the definition's version as created.
      for (const id of ids)
        expect(await h.store.getSchedule(id)).toMatchObject({
          nextRunAt: at(25),
          lastRunAt: at(24),
          version: 1,
        });
      // 8 created + one update per planned fire, gap-free although four stores wrote them.
      expect(await changeLog(h.store, 'admin')).toHaveLength(8 + 200);
    });

    it('gives concurrent writers gap-free seqs that become visible in order', async () => {
      const writers = await openMany(4);
      const reader = await h.open();
      let writing = true;
      let tailed = 0;
      // A tailer reading from its last seq + 1 must never find a later seq before an earlier one.
      const tail = (async () => {
        for (;;) {
          const finished = !writing;
          const rows = await reader.readChanges('admin', tailed + 1, 50);
          rows.forEach((row, index) => {
            if (row.seq !== tailed + 1 + index)
              throw new Error(`gap: expected seq ${tailed + 1 + index}, got ${row.seq}`);
          });
          tailed += rows.length;
          if (finished && rows.length === 0) return;
        }
      })();
      let created = 0;
      await Promise.all(
        writers.map(async (store, writer) => {
          for (let index = 0; index < 15; index += 1) {
            // Every fifth write rolls back in the projector: its seq must not be lost.
            const poison = index % 5 === 4;
            const draft = scheduleDraft(`w${writer}-${index}`, { metadata: { poison } });
            const outcome = await store.createSchedule(draft, at(0)).catch(() => undefined);
            if (outcome?.ok) created += 1;
          }
        }),
      );
      writing = false;
      await tail;
      expect(created).toBe(4 * 12);
      expect(tailed).toBe(created);
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: created });
      expect(await changeLog(h.store, 'dmz')).toHaveLength(created);
    });

    it('hands each pending job to one claimer only', async () => {
      const claimers = await openMany(3);
      const [schedule] = await createSchedules(h.store, [scheduleDraft('s', { maxInstances: 100 })]);
      if (schedule === undefined) throw new Error('fixture');
      for (let second = 0; second < 30; second += 1) {
        const outcome = await h.store.createManualJob('s', (current) => jobDraft(current, at(second)));
        expect(outcome.ok).toBe(true);
      }
      const claimed = await Promise.all(
        claimers.map(async (store, index) => {
          const mine: Job[] = [];
          for (;;) {
            const batch = await store.claimJobs({ now: at(60), limit: 4, claimedBy: `n${index}` });
            if (batch.length === 0 && (await store.countJobsByStatus()).pending === 0) return mine;
            mine.push(...batch);
          }
        }),
      );
      const all = claimed.flat();
      expect(all).toHaveLength(30);
      expect(new Set(all.map((job) => job.id)).size).toBe(30);
      expect(all.every((job) => job.attempt === 1 && job.status === 'running')).toBe(true);
      expect((await h.store.countJobsByStatus()).running).toBe(30);
    });
  });
}
