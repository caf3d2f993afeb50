import { z } from 'zod';

/** `GET /api/cluster`: the masters sharing this master's database, its leader and the leadership log. */

const instantJson = z.iso.datetime().meta({ example: '2026-01-31T09:00:00.000Z' });

export const CLUSTER_INSTANCE_STATUSES = ['active', 'leaving', 'dead'] as const;

export const clusterInstanceJsonSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    /** 1 for the first start of this name, one more per restart. */
    incarnation: z.number().int(),
    pid: z.number().int(),
    host: z.string(),
    version: z.string(),
    addresses: z.object({
      http: z.string().nullable(),
      handlerLink: z.string().nullable(),
      zones: z.record(z.string(), z.object({ publish: z.string(), sync: z.string() })),
    }),
    status: z.enum(CLUSTER_INSTANCE_STATUSES),
    startedAt: instantJson,
    lastSeenAt: instantJson,
    endedAt: instantJson.nullable(),
    /** The survivor that declared it dead, or itself when it left. */
    endedBy: z.string().nullable(),
  })
  .meta({ id: 'ClusterInstance' });

export const clusterJsonSchema = z
  .object({
    /** `cluster` on PostgreSQL; `single` on SQLite, which is single-master (one instance, no lease). */
    mode: z.enum(['cluster', 'single']),
    /** The instance id of the master that answers. */
    self: z.string().nullable(),
    /** Newest start first. */
    instances: z.array(clusterInstanceJsonSchema),
    leader: z
      .object({ instanceId: z.string(), term: z.number().int(), expiresAt: instantJson.nullable() })
      .nullable(),
    /** Newest first. */
    leadershipLog: z.array(
      z.object({
        id: z.number().int(),
        term: z.number().int(),
        instanceId: z.string(),
        event: z.enum(['elected', 'resigned', 'expired']),
        at: instantJson,
        detail: z.string(),
      }),
    ),
  })
  .meta({ id: 'Cluster' });

export type ClusterJson = z.input<typeof clusterJsonSchema>;
