import type { OpenAPIHono } from '@hono/zod-openapi';
import { TOKEN } from './test-master.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly; expect() checks them.
  body: any;
}

export interface RequestOptions {
  /** Sent as JSON unless it is a string (sent as is). */
  body?: unknown;
  /** `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** Calls the app in process (`app.request()`), as a client with the test token by default. */
export async function call(
  app: OpenAPIHono,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (metrics, docs page): keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

let counter = 0;

/** A fresh schedule id per call, so tests sharing a database do not see each other's rows. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A trigger that will not fire during a test run. */
export const YEARLY = { type: 'cron', expression: '0 0 1 1 *', timezone: 'UTC' } as const;

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string | (() => string),
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
