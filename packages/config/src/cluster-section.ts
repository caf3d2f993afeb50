import { z } from 'zod';

/**
 * How masters on one PostgreSQL database watch each other (master). Each heartbeats every
 * `heartbeatMs`; one not seen for `deadAfterMs` is declared dead and its running jobs are taken
 * over. `deadAfterMs` must leave room for more than two missed heartbeats, so that one slow
 * heartbeat never gets a live master declared dead. Ignored on SQLite (single-master).
 */
export const clusterSection = z
  .strictObject({
    heartbeatMs: z.number().int().min(50).max(60_000).default(1000),
    deadAfterMs: z.number().int().min(150).max(600_000).default(5000),
  })
  .refine((cluster) => cluster.deadAfterMs > 2 * cluster.heartbeatMs, {
    message: 'cluster.deadAfterMs must be more than twice cluster.heartbeatMs',
    path: ['deadAfterMs'],
  });
