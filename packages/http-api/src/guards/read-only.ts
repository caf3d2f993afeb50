import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../errors.ts';

export const READ_ONLY_MESSAGE = 'This node is read-only. Mutations must be performed on admin node.';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses every mutation under `/api/` with 403 `read_only`, before auth, body parsing and
 * routing: whatever a replica's config says, and whatever the path (an unknown one included), a
 * mutation never reaches a handler.
 */
export function readOnlyGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (MUTATING.has(c.req.method.toUpperCase()))
      return errorResponse(c, 403, 'read_only', READ_ONLY_MESSAGE);
    await next();
  };
}
