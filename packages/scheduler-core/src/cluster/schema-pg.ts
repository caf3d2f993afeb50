import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The cluster's tables (PostgreSQL only): the instance registry, the leader lease and the
 * leadership log. Times are written with the database's clock (`now()`), so masters on hosts
 * whose clocks disagree still agree on who was seen when. Migrations are generated from this file
 * together with ../store/schema-pg.ts (`pnpm db:generate`).
 */

const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

export type InstanceStatus = 'active' | 'leaving' | 'dead';

/** Where an instance can be reached; null when it does not serve that endpoint. */
export interface InstanceAddresses {
  http: string | null;
  handlerLink: string | null;
  zones: Record<string, { publish: string; sync: string }>;
}

/** One row per start of a master: a restart is a new instance (a new incarnation of its name). */
export const instances = pgTable(
  'instances',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    incarnation: integer('incarnation').notNull(),
    pid: integer('pid').notNull(),
    host: text('host').notNull(),
    version: text('version').notNull(),
    addresses: jsonb('addresses').$type<InstanceAddresses>().notNull(),
    status: text('status').$type<InstanceStatus>().notNull(),
    startedAt: time('started_at').notNull(),
    lastSeenAt: time('last_seen_at').notNull(),
    endedAt: time('ended_at'),
    /** Who ended it: the survivor that declared it dead, or itself when it left. */
    endedBy: text('ended_by'),
  },
  (t) => [
    index('instances_status_seen_idx').on(t.status, t.lastSeenAt),
    index('instances_name_idx').on(t.name),
  ],
);

/** The one lease of the cluster's singleton duties; `term` grows by one per election (fencing token). */
export const leaderLease = pgTable('leader_lease', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  term: bigint('term', { mode: 'number' }).notNull(),
  acquiredAt: time('acquired_at'),
  expiresAt: time('expires_at'),
});

export type LeadershipEvent = 'elected' | 'resigned' | 'expired';

/** Every election, resignation and expiry, oldest first by `id`. */
export const leadershipLog = pgTable('leadership_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  term: bigint('term', { mode: 'number' }).notNull(),
  instanceId: text('instance_id').notNull(),
  event: text('event').$type<LeadershipEvent>().notNull(),
  at: time('at').notNull(),
  detail: text('detail').notNull(),
});
