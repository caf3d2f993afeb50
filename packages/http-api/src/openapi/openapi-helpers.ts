import { errorBodySchema } from '@schedulezero/protocol';
import type { z } from 'zod';

/** Small builders that keep the route definitions short and their documentation uniform. */

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message and `details` name the field',
  401: 'Missing or wrong bearer token (`unauthorized`, with `WWW-Authenticate: Bearer`)',
  404: 'No such resource',
  409: 'Duplicate id, stale version, or too many running instances',
  413: 'Body larger than api.maxBodyBytes',
  415: 'Body is not JSON',
  429:
    '`rate_limited`: too many failed authentications from this address (api.authThrottle) or, for run-now, ' +
    'too many jobs waiting (governors.queueLimit); retry after `Retry-After` seconds',
  503: 'Database unreachable',
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: errorBodySchema } },
      },
    ]),
  ) as Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof errorBodySchema } } }
  >;
}

export function jsonContent<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } };
}
