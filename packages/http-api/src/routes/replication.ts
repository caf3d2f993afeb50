import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errorResponses, jsonContent } from '../openapi/openapi-helpers.ts';

/** The node's view of replication: the master's zones and publishers, or a replica's subscriber. */
export type ReplicationProvider = () => Promise<object>;

const replicationSchema = z.record(z.string(), z.unknown()).meta({
  id: 'ReplicationStatus',
  description:
    'Master: `{role:"master", zones:[{zone, epoch, publishedSeq, subscribers, oldestSeq, …}]}`. Replica: `{role:"replica", zone, ' +
    'state, epoch, appliedSeq, headSeq, lagMs, lagChanges, connected, gaps, resyncs, snapshots, …}`.',
  example: {
    role: 'replica',
    zone: 'dmz',
    state: 'live',
    appliedSeq: 1042,
    headSeq: 1042,
    lagMs: 0,
    lagChanges: 0,
    connected: true,
    gaps: 0,
    resyncs: 0,
    snapshots: 1,
  },
});

export function registerReplicationRoute(app: OpenAPIHono, provider: ReplicationProvider): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/replication',
      operationId: 'getReplicationStatus',
      tags: ['operations'],
      summary: 'Replication status: per-zone head seqs (master), or applied seq and lag (replica)',
      responses: { 200: jsonContent(replicationSchema, 'Status'), ...errorResponses(401) },
    }),
    async (c) => c.json((await provider()) as Record<string, unknown>, 200),
  );
}
