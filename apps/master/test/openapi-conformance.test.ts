import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createNodeApp } from '@schedulezero/http-api';
import { createReadOnlyScheduler, openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/http.ts';
import {
  createResponseValidator,
  documentedResponse,
  lintProblems,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  sample,
} from './support/openapi-fuzz.ts';
import { createTestMaster, type TestMaster, TOKEN, ZONE } from './support/test-master.ts';

/**
 * The served /openapi.json as a contract, checked from outside: it lints clean, and every
 * operation in it, fuzzed with requests generated from its own schemas (valid and invalid), answers
 * no 5xx and only documented statuses with bodies matching the documented schemas. The operations
 * come from the document, so a new route is covered as soon as it is served.
 */

const MAX_BODY_BYTES = 64 * 1024;
const VALID_SAMPLES = 12;
const SEED_SCHEDULE = 'fuzz-seed';

interface Target {
  name: string;
  app: OpenAPIHono;
  /** Ids that exist, so that valid requests reach the 2xx paths too. */
  knownIds: () => Promise<string[]>;
  /** Puts back what a DELETE may have removed. */
  reset: () => Promise<void>;
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  address: string;
  why: string;
}

const dir = mkdtempSync(join(tmpdir(), 'sz-openapi-'));
let master: TestMaster | undefined;
let replicaStore: ReplicaStore | undefined;
const targets: Target[] = [];

beforeAll(async () => {
  master = await createTestMaster({
    databaseUrl: `sqlite:${join(dir, 'master.db')}`,
    api: { maxBodyBytes: MAX_BODY_BYTES, authThrottle: { maxFailures: 5, windowSeconds: 3600 } },
  });
  const scheduler = master.scheduler;
  const reset = async () => {
    await scheduler.getSchedule(SEED_SCHEDULE).catch(() =>
      scheduler.createSchedule({
        id: SEED_SCHEDULE,
        task: 'echo',
        trigger: { type: 'cron', expression: '0 0 1 1 *', timezone: 'UTC' },
        args: {},
        metadata: {},
        paused: true,
        misfireGraceSeconds: 60,
        coalesce: 'latest',
        maxInstances: 1,
        retry: { maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 },
        timeoutSeconds: 60,
        target: { tags: [] },
      }),
    );
  };
  await reset();
  const job = await scheduler.runNow(SEED_SCHEDULE);
  targets.push({
    name: 'master',
    app: master.app,
    knownIds: async () => [SEED_SCHEDULE, job.id],
    reset,
  });

  // A replica's app as apps/replica builds it: read-only, over its own SQLite file, no token needed,
  // loaded with the master's DMZ snapshot as its subscriber would (fields the zone hides are absent).
  const finished = await waitFor(async () => {
    const current = await scheduler.getJob(job.id);
    return current.finishedAt ? current : undefined;
  }, `job ${job.id} to finish`);
  expect(finished.status).toBe('succeeded');
  replicaStore = await openReplicaStore(`sqlite:${join(dir, 'replica.db')}`);
  const snapshot = await master.store.readSnapshot(ZONE);
  const position = { zone: ZONE, epoch: snapshot.epoch, snapshotSeq: snapshot.seq };
  await replicaStore.resetReplica({ ...position, kinds: null });
  const loaded = await replicaStore.applySnapshot({
    ...position,
    records: snapshot.records.map(({ topic, payload }) => ({
      topic,
      payload: JSON.parse(JSON.stringify(payload)),
    })),
    complete: true,
  });
  expect(loaded.ok).toBe(true);
  targets.push({
    name: 'replica',
    app: createNodeApp({
      reads: createReadOnlyScheduler({ store: replicaStore }),
      readOnly: true,
      api: { requireAuth: false, tokens: [], allowedOrigins: [], maxBodyBytes: MAX_BODY_BYTES, docs: true },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      replication: async () => ({ role: 'replica', zone: 'dmz', appliedSeq: 0, connected: false }),
      notReady: () => 'replication is catching up',
    }),
    knownIds: async () => [SEED_SCHEDULE, job.id],
    reset: async () => {},
  });
});

afterAll(async () => {
  await master?.close();
  await replicaStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function documentOf(target: Target): Promise<OpenApiDocument> {
  const response = await target.app.request('/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

describe.each(['master', 'replica'])('the OpenAPI document of a %s', (name) => {
  const target = () => {
    const found = targets.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no ${name} app`);
    return found;
  };

  it('lints clean with Redocly (strict rules), and names, secures and describes every operation', async () => {
    const document = await documentOf(target());
    expect(await lintProblems(document)).toEqual([]);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(5);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) {
      const where = `${operation.method} ${operation.path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.security, where).toBeDefined();
      if (!operation.path.startsWith('/api/')) expect(operation.security, where).toEqual([]);
      if (operation.path.startsWith('/api/'))
        expect(
          Object.keys(operation.responses).some((status) => status.startsWith('4')),
          where,
        ).toBe(true);
      for (const [status, response] of Object.entries(operation.responses))
        if (status === '429') expect(response.headers, `${where} 429`).toHaveProperty('Retry-After');
    }
  });

  it('answers every generated request, valid or not, with a documented status and body', async () => {
    const app = target();
    const document = await documentOf(app);
    const validate = createResponseValidator();
    // The validator is not vacuous: a probe answer without its status is refused.
    const probe = operationsOf(document).find((operation) => operation.path === '/healthz');
    const probeSchema = probe?.responses['200']?.content?.['application/json']?.schema;
    expect(probeSchema && validate(probeSchema, { state: 'ok' })).toMatch(/status/);
    const problems: string[] = [];
    const statuses = new Map<string, Set<number>>();
    let sequence = 0;
    for (const operation of operationsOf(document)) {
      await app.reset();
      const seen = new Set<number>();
      statuses.set(`${operation.method} ${operation.path}`, seen);
      for (const request of requestsFor(operation, await app.knownIds(), () => (sequence += 1))) {
        const response = await app.app.request(
          request.url,
          {
            method: request.method,
            headers: request.headers,
            ...(request.body === undefined ? {} : { body: request.body }),
          },
          { incoming: { socket: { remoteAddress: request.address } } },
        );
        seen.add(response.status);
        const problem = await check(operation, response, validate);
        if (problem)
          problems.push(
            `${request.method} ${request.url} (${request.why}) -> ${response.status}: ${problem}`,
          );
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The generated requests reach more than the error paths.
    const reachedSuccess = [...statuses.values()].filter((seen) => [...seen].some((s) => s < 300));
    expect(reachedSuccess.length).toBeGreaterThan(statuses.size / 2);
  }, 120_000);
});

async function check(
  operation: Operation,
  response: Response,
  validate: ReturnType<typeof createResponseValidator>,
): Promise<string | undefined> {
  const text = await response.text();
  const documented = documentedResponse(operation, response.status);
  // A documented 503 is the node's state (readiness), not an answer to the input.
  if (response.status >= 500 && !(response.status === 503 && documented))
    return `server error ${text.slice(0, 300)}`;
  if (!documented)
    return `status not documented (documented: ${Object.keys(operation.responses).join(', ')})`;
  if (response.status === 429 && !response.headers.get('retry-after')) return '429 without Retry-After';
  const contentType = response.headers.get('content-type') ?? '';
  if (!documented.content) return text === '' ? undefined : `undocumented body ${text.slice(0, 100)}`;
  const json = documented.content['application/json'];
  if (!json) {
    const types = Object.keys(documented.content);
    return types.some((type) => contentType.startsWith(type)) ? undefined : `content-type ${contentType}`;
  }
  if (!contentType.startsWith('application/json')) return `content-type ${contentType}, documented JSON`;
  const error = json.schema ? validate(json.schema, JSON.parse(text)) : undefined;
  return error ? `body does not match the documented schema: ${error}; ${text.slice(0, 300)}` : undefined;
}

/** Valid requests from the operation's schemas and examples, then one broken way per part. */
function* requestsFor(operation: Operation, knownIds: string[], next: () => number): Generator<Sent> {
  const secured = (operation.security ?? []).length > 0;
  const auth: Record<string, string> = secured ? { authorization: `Bearer ${TOKEN}` } : {};
  const base = (why: string, seed: number) => {
    const pathValues: Record<string, string> = {};
    const query = new URLSearchParams();
    for (const [index, parameter] of operation.parameters.entries()) {
      // Each optional parameter is sent or left out independently of the others.
      const coin = ((seed * 2654435761 + index * 40503) >>> 7) % 2 === 0;
      if (parameter.in === 'path') {
        const known = knownIds[seed % (knownIds.length + 1)];
        pathValues[parameter.name] = known ?? String(sample(parameter.schema ?? { type: 'string' }, seed));
      } else if (parameter.in === 'query' && (parameter.required || coin)) {
        query.set(parameter.name, String(sample(parameter.schema ?? { type: 'string' }, seed)));
      }
    }
    return { pathValues, query, why };
  };
  const urlOf = (pathValues: Record<string, string>, query: URLSearchParams) =>
    operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathValues[name] ?? 'x')) +
    (query.size > 0 ? `?${query}` : '');
  const send = (
    why: string,
    parts: { url?: string; body?: string; headers?: Record<string, string>; address?: string },
  ): Sent => {
    const { pathValues, query } = base(why, next());
    const headers: Record<string, string> = { ...auth, ...parts.headers };
    if (parts.body !== undefined) headers['content-type'] ??= 'application/json';
    return {
      method: operation.method,
      url: parts.url ?? urlOf(pathValues, query),
      headers,
      ...(parts.body === undefined ? {} : { body: parts.body }),
      address: parts.address ?? '127.0.0.1',
      why,
    };
  };
  const bodyOf = (seed: number) =>
    operation.body ? JSON.stringify(sample(operation.body, seed)) : undefined;

  // Valid: the documented example, then bodies, path and query values generated from the schemas.
  if (operation.bodyExample !== undefined)
    yield send('example', { body: JSON.stringify(operation.bodyExample) });
  if (operation.body)
    yield send('required fields only', { body: JSON.stringify(sample(operation.body, next(), 0)) });
  for (let i = 0; i < VALID_SAMPLES; i += 1) {
    const body = bodyOf(next());
    yield send('generated', body === undefined ? {} : { body });
  }
  // Invalid, one part at a time.
  for (const parameter of operation.parameters) {
    for (const bad of ['', 'not valid!', '-1', '%00', 'x'.repeat(600)]) {
      const { pathValues, query } = base('bad parameter', next());
      if (parameter.in === 'path') pathValues[parameter.name] = bad;
      else query.set(parameter.name, bad);
      yield send(`${parameter.in} ${parameter.name}=${bad.slice(0, 10)}`, {
        url: urlOf(pathValues, query),
        ...(operation.body ? { body: bodyOf(next()) } : {}),
      });
    }
  }
  if (operation.body) {
    const valid = sample(operation.body, next()) as Record<string, unknown>;
    for (const key of Object.keys(valid)) {
      for (const wrong of [null, 12345, 'text', [], { nested: { deeper: [] } }]) {
        yield send(`body ${key}=${JSON.stringify(wrong)}`, {
          body: JSON.stringify({ ...valid, [key]: wrong }),
        });
      }
      const { [key]: _dropped, ...rest } = valid;
      yield send(`body without ${key}`, { body: JSON.stringify(rest) });
    }
    for (const body of [
      '{"task":',
      '[]',
      '"text"',
      'null',
      `{"args":${'['.repeat(3000)}${']'.repeat(3000)}}`,
    ])
      yield send(`body ${body.slice(0, 12)}`, { body });
    yield send('text/plain body', { body: 'task=echo', headers: { 'content-type': 'text/plain' } });
    yield send('oversized body', { body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }) });
  } else if (operation.method !== 'GET') {
    yield send('unexpected oversized body', { body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }) });
  }
  // Authentication: none, a wrong token (each from its own address), then a guessing address past
  // the throttle, whose answers must be documented 429s with Retry-After.
  if (secured) {
    yield send('no token', { headers: { authorization: '' } });
    const n = next();
    yield send('wrong token', {
      headers: { authorization: 'Bearer wrong-token-0000000000' },
      address: `10.1.${(n >> 8) & 255}.${n & 255}`,
    });
    const guesser = `10.2.${(n >> 8) & 255}.${n & 255}`;
    for (let i = 0; i < 7; i += 1)
      yield send('guessing', {
        headers: { authorization: `Bearer guess-${i}-000000000000` },
        address: guesser,
      });
  }
}
