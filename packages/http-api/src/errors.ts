import type { ErrorBody } from '@schedulezero/protocol';
import { type ErrorCode, SchedulerError } from '@schedulezero/scheduler-core';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AppLogger } from './types.ts';

/**
 * The one place where failures become HTTP responses: `{"error":{"code","message","details"?}}`.
 * User input never reaches the 500 branch; a 500 is a bug or a broken dependency and is logged.
 */

/**
 * `max_instances` is 409: the schedule's state (jobs already running) conflicts with the request,
 * and retrying later can succeed; 429 would suggest the client sends too much.
 */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  version_conflict: 409,
  max_instances: 409,
  job_finished: 409,
  job_not_finished: 409,
  rate_limited: 429,
  internal: 500,
};

export type ErrorDetail = { path: string; message: string };

export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: ErrorDetail[],
): Response {
  const body: ErrorBody = { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
  return c.json(body, status);
}

/**
 * Every 429 says when to come back (`Retry-After`, whole seconds, at least 1), so that clients and
 * generated SDKs can back off without guessing.
 */
export function tooManyRequests(c: Context, waitMs: number, message: string): Response {
  c.header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
  return errorResponse(c, 429, 'rate_limited', message);
}

/** A full queue (`governors.queueLimit`) has no known end; one second is a polite first back-off. */
const QUEUE_RETRY_AFTER_MS = 1000;

/** Where a zod failure happened, named in the message: `Invalid body: trigger.expression: ...`. */
const PART_BY_TARGET: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

export function validationResponse(c: Context, target: string, error: z.core.$ZodError): Response {
  const part = PART_BY_TARGET[target] ?? target;
  const details = error.issues.map((issue) => ({ path: issuePath(issue), message: issueMessage(issue) }));
  return errorResponse(c, 400, 'validation', summarize(part, details), details);
}

export function summarize(part: string, details: readonly ErrorDetail[]): string {
  const [first] = details;
  if (!first) return `Invalid ${part}`;
  const more =
    details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  const where = first.path === '' ? '' : `${first.path}: `;
  return `Invalid ${part}: ${where}${first.message}${more}`;
}

function issuePath(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  // An unknown key is reported on its parent; name the key itself so the field is obvious.
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path.push(issue.keys[0] as string);
  return path.join('.');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.length === 1 ? 'unknown field' : `unknown fields: ${issue.keys.join(', ')}`;
  return issue.message;
}

export function createErrorHandler(logger: AppLogger): ErrorHandler {
  return (error, c) => {
    if (error instanceof SchedulerError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status === 429) return tooManyRequests(c, QUEUE_RETRY_AFTER_MS, error.message);
      if (status >= 500)
        logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
      const message = status === 500 ? 'Internal server error' : error.message;
      return errorResponse(c, status, error.code, message, status === 500 ? undefined : error.details);
    }
    if (error instanceof HTTPException) return fromHttpException(c, error);
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    return errorResponse(c, 500, 'internal', 'Internal server error');
  };
}

function fromHttpException(c: Context, error: HTTPException): Response {
  switch (error.status) {
    case 400:
      // Hono's JSON validator throws this for a body that does not parse.
      return errorResponse(c, 400, 'validation', 'Invalid body: malformed JSON', [
        { path: '', message: 'malformed JSON' },
      ]);
    case 401:
      return errorResponse(c, 401, 'unauthorized', error.message || 'Unauthorized');
    case 413:
      return errorResponse(c, 413, 'payload_too_large', 'Request body is too large');
    case 415:
      return errorResponse(
        c,
        415,
        'unsupported_media_type',
        'body: the request body must be JSON (Content-Type: application/json)',
      );
    default: {
      const status = (error.status >= 400 && error.status < 600 ? error.status : 500) as ContentfulStatusCode;
      return errorResponse(
        c,
        status,
        status === 500 ? 'internal' : 'http_error',
        error.message || 'Request failed',
      );
    }
  }
}

export const notFoundHandler: NotFoundHandler = (c) =>
  errorResponse(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}`);
