import { and, desc, eq, sql } from 'drizzle-orm';
import { expectRow } from '../store/outcome.ts';
import type { PgContext, PgTx } from '../store/pg/context.ts';
import { instances, type LeadershipEvent, leaderLease, leadershipLog } from './schema-pg.ts';
import type { ClusterStore, LeaseOutcome } from './types.ts';

type LeadershipMethods = Pick<ClusterStore, 'claimLeadership' | 'resign' | 'lease' | 'leadershipLog'>;

/** The lease's row; one lease serves every singleton duty. */
const LEASE = 'cluster';

export function pgLeadershipMethods({ db }: PgContext): LeadershipMethods {
  return {
    async claimLeadership(id, leaseMs) {
      return db.transaction(async (tx): Promise<LeaseOutcome> => {
        await tx.insert(leaderLease).values({ name: LEASE, term: 0 }).onConflictDoNothing();
        const [lease] = await tx
          .select({
            holder: leaderLease.holder,
            term: leaderLease.term,
            live: sql<boolean>`coalesce(${leaderLease.expiresAt} > now(), false)`,
          })
          .from(leaderLease)
          .where(eq(leaderLease.name, LEASE))
          .for('update');
        const current = expectRow(lease, 'leader lease');
        // A fenced instance (declared dead) cannot lead; the share lock keeps it from being
        // declared dead while this transaction makes it leader.
        const [self] = await tx
          .select({ status: instances.status })
          .from(instances)
          .where(eq(instances.id, id))
          .for('key share');
        const expiry = sql`now() + make_interval(secs => ${leaseMs / 1000}::double precision)`;
        if (self?.status !== 'active') return { leader: false, holder: current.holder, term: current.term };
        if (current.holder === id && current.live) {
          await tx.update(leaderLease).set({ expiresAt: expiry }).where(eq(leaderLease.name, LEASE));
          return { leader: true, term: current.term, elected: false };
        }
        if (current.holder !== null && current.live) {
          return { leader: false, holder: current.holder, term: current.term };
        }
        if (current.holder !== null) {
          await logEvent(
            tx,
            current.term,
            current.holder,
            'expired',
            `lease of term ${current.term} ran out`,
          );
        }
        const term = current.term + 1;
        await tx
          .update(leaderLease)
          .set({ holder: id, term, acquiredAt: sql`now()`, expiresAt: expiry })
          .where(eq(leaderLease.name, LEASE));
        await logEvent(tx, term, id, 'elected', `lease of ${leaseMs} ms`);
        return { leader: true, term, elected: true };
      });
    },

    async resign(id) {
      await db.transaction(async (tx) => {
        const [lease] = await tx
          .update(leaderLease)
          .set({ holder: null, expiresAt: null })
          .where(and(eq(leaderLease.name, LEASE), eq(leaderLease.holder, id)))
          .returning({ term: leaderLease.term });
        if (lease) await logEvent(tx, lease.term, id, 'resigned', 'stopped');
      });
    },

    async lease() {
      const [row] = await db
        .select({
          holder: leaderLease.holder,
          term: leaderLease.term,
          acquiredAt: leaderLease.acquiredAt,
          expiresAt: leaderLease.expiresAt,
        })
        .from(leaderLease)
        .where(eq(leaderLease.name, LEASE));
      return row ?? { holder: null, term: 0, acquiredAt: null, expiresAt: null };
    },

    async leadershipLog(limit) {
      return db.select().from(leadershipLog).orderBy(desc(leadershipLog.id)).limit(limit);
    },
  };
}

async function logEvent(
  tx: PgTx,
  term: number,
  instanceId: string,
  event: LeadershipEvent,
  detail: string,
): Promise<void> {
  await tx.insert(leadershipLog).values({ term, instanceId, event, at: sql`now()`, detail });
}
