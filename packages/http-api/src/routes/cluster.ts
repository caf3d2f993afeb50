import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { type ClusterJson, clusterJsonSchema } from '@schedulezero/protocol';
import { errorResponses, jsonContent } from '../openapi/openapi-helpers.ts';

/** The master's view of its cluster (docs/ha.md), JSON-ready. */
export type ClusterProvider = () => Promise<ClusterJson>;

export function registerClusterRoute(app: OpenAPIHono, provider: ClusterProvider): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/cluster',
      operationId: 'getCluster',
      tags: ['operations'],
      summary:
        'The masters sharing this database: their status and last heartbeat, the leader and its term, the leadership log',
      responses: { 200: jsonContent(clusterJsonSchema, 'Cluster'), ...errorResponses(401) },
    }),
    async (c) => c.json(await provider(), 200),
  );
}
