import type { Job } from '@schedulezero/protocol';
import { and, count, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import { interruptedError } from '../execution/job-errors.ts';
import { executedChanges } from '../store/change-records.ts';
import { planRecovery } from '../store/job-transitions.ts';
import { expectRow, unlogged, wakesFor } from '../store/outcome.ts';
import type { PgContext, PgTx } from '../store/pg/context.ts';
import { jobs } from '../store/pg/schema.ts';
import { toJob } from '../store/row-mapping.ts';
import { instances } from './schema-pg.ts';
import type { ClusterStore, DeclaredDead, Instance } from './types.ts';

type InstanceMethods = Pick<
  ClusterStore,
  'register' | 'heartbeat' | 'markLeaving' | 'leave' | 'declareDead' | 'listInstances' | 'countInstances'
>;

/** Instances that still count as alive until they are seen no more. */
const LIVE = ['active', 'leaving'] as const;

/** Instances checked per sweep; the rest wait for the next heartbeat. */
const SWEEP_LIMIT = 20;

export function pgInstanceMethods({ db, write }: PgContext): InstanceMethods {
  return {
    async register(registration) {
      const [row] = await db
        .insert(instances)
        .values({
          ...registration,
          incarnation: sql`coalesce((select max(${instances.incarnation}) from ${instances} where ${instances.name} = ${registration.name}), 0) + 1`,
          status: 'active',
          startedAt: sql`now()`,
          lastSeenAt: sql`now()`,
        })
        .returning();
      return expectRow(row, 'instance registration');
    },

    async heartbeat(id, addresses) {
      const rows = await db
        .update(instances)
        .set({ lastSeenAt: sql`now()`, addresses })
        .where(and(eq(instances.id, id), inArray(instances.status, LIVE)))
        .returning({ id: instances.id });
      // A leaving instance still heartbeats while its jobs finish; the claim fence keeps it from claiming.
      return rows.length > 0 ? 'ok' : 'fenced';
    },

    async markLeaving(id) {
      await db
        .update(instances)
        .set({ status: 'leaving', lastSeenAt: sql`now()` })
        .where(and(eq(instances.id, id), eq(instances.status, 'active')));
    },

    async leave(id) {
      return write(async (tx) => {
        const ended = await endInstance(tx, id, id);
        if (ended === undefined) return unlogged([]);
        const recovered = await recoverOwnedJobs(tx, id, `master ${ended.name} stopped before it finished`);
        return { value: recovered, changes: executedChanges(recovered), wakes: wakesFor(recovered) };
      });
    },

    async declareDead(deadAfterMs, by) {
      const declared: DeclaredDead[] = [];
      for (;;) {
        const next = await write(async (tx) => {
          // FOR UPDATE (not NO KEY UPDATE): it conflicts with the KEY SHARE lock a claim takes on
          // its owner's row, so a claim of the dead instance either commits before this and its
          // job is recovered here, or waits and then sees the instance dead and claims nothing.
          const [candidate] = await tx
            .select({ id: instances.id })
            .from(instances)
            .where(
              and(
                inArray(instances.status, LIVE),
                ne(instances.id, by),
                lt(
                  instances.lastSeenAt,
                  sql`now() - make_interval(secs => ${deadAfterMs / 1000}::double precision)`,
                ),
              ),
            )
            .limit(1)
            .for('update', { skipLocked: true });
          if (candidate === undefined) return unlogged(undefined);
          const instance = expectRow(await endInstance(tx, candidate.id, by), 'dead instance');
          const recovered = await recoverOwnedJobs(
            tx,
            instance.id,
            `master ${instance.name} (instance ${instance.id}) was declared dead by ${by}`,
          );
          return {
            value: { instance, recovered },
            changes: executedChanges(recovered),
            wakes: wakesFor(recovered),
          };
        });
        if (next === undefined) return declared;
        declared.push(next);
        if (declared.length >= SWEEP_LIMIT) return declared;
      }
    },

    async listInstances() {
      return db.select().from(instances).orderBy(desc(instances.startedAt), desc(instances.id));
    },

    async countInstances() {
      const counts = { active: 0, leaving: 0, dead: 0 };
      const rows = await db
        .select({ status: instances.status, count: count() })
        .from(instances)
        .groupBy(instances.status);
      for (const row of rows) counts[row.status] = row.count;
      return counts;
    },
  };
}

/** Marks a live instance dead, ended by `by`; undefined when it is not live (ended already). */
async function endInstance(tx: PgTx, id: string, by: string): Promise<Instance | undefined> {
  const [row] = await tx
    .update(instances)
    .set({ status: 'dead', endedAt: sql`now()`, endedBy: by })
    .where(and(eq(instances.id, id), inArray(instances.status, LIVE)))
    .returning();
  return row;
}

/** The running attempts `owner` claimed: another attempt when one remains, else failed as `interrupted`. */
async function recoverOwnedJobs(tx: PgTx, owner: string, why: string): Promise<Job[]> {
  const running = (
    await tx
      .select()
      .from(jobs)
      .where(and(eq(jobs.status, 'running'), eq(jobs.ownerInstanceId, owner)))
      .for('update')
  ).map(toJob);
  const now = new Date();
  const recovered: Job[] = [];
  for (const job of running) {
    const patch = planRecovery(job, now);
    const error = interruptedError(job, why);
    const [row] = await tx
      .update(jobs)
      .set({ ...patch, error, ownerInstanceId: null })
      .where(eq(jobs.id, job.id))
      .returning();
    recovered.push(toJob(expectRow(row, 'job recovery')));
  }
  return recovered;
}
