import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../fixtures/handlers.ts';
import type { ApiClient } from '../src/http-client.ts';
import { killLeftovers } from '../src/node-process.ts';
import {
  caughtUp,
  type MasterNode,
  type ReplicaNode,
  sqliteUrl,
  startMasterNode,
  startReplicaNode,
  waitUntil,
  zoneEndpoints,
} from '../src/replica-topology.ts';

/**
 * Issue 6's promise, checked on a real DMZ replica process beside a real master on 127.0.0.1 (no
 * network namespaces needed): a canary under every sensitive key — in schedule metadata, in args,
 * in a job's result and in an error text — is in no byte of the replica's database files and in
 * no response of any GET route it serves, API, dashboard, public status page and documents alike;
 * and it is in the master's, so the checks can fail. Its status page lists exactly the schedules
 * named by `metadata.public.title`, by that name only.
 */

/** The default sensitive keys, each in three spellings (the patterns are case-insensitive). */
const SENSITIVE_KEYS = [
  'api_key',
  'apikey',
  'token',
  'password',
  'passwd',
  'secret',
  'webhook_url',
  'authorization',
  'private_key',
  'credential',
].flatMap((key) => [key, key.toUpperCase(), key.charAt(0).toUpperCase() + key.slice(1)]);

/**
 * A row may straddle two database pages; a string cut in two there leaves one of its halves
 * whole in one page, so searching for both halves finds any single cut.
 */
const CANARY_HALVES = [
  CANARY.slice(0, Math.ceil(CANARY.length / 2)),
  CANARY.slice(Math.floor(CANARY.length / 2)),
];
const leaks = (text: string | Buffer) => CANARY_HALVES.some((half) => text.includes(half));

/** Each key gets its own value, so that the master shows every one of them arrived. */
const planted = (where: string) =>
  Object.fromEntries(SENSITIVE_KEYS.map((key) => [key, `${CANARY}:${where}:${key}`]));

/** What each schedule's job does with the planted args: echo them as a result, or fail with them. */
const SCHEDULES = [
  { id: 'canary-result', task: 'leak_args', status: 'succeeded', title: 'Public result' },
  { id: 'canary-error', task: 'leak_args_error', status: 'failed', title: 'Public error' },
  { id: 'canary-fixed-result', task: 'leak_result', status: 'succeeded', title: undefined },
  { id: 'canary-fixed-error', task: 'leak_error', status: 'failed', title: undefined },
] as const;

let dir: string;
let master: MasterNode;
let replica: ReplicaNode;
/** The replica's base URL, e.g. http://127.0.0.1:PORT. */
let replicaUrl: string;
const jobIds: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-dmz-canary-'));
  const endpoints = await zoneEndpoints();
  master = await startMasterNode(dir, 'master', {
    database: sqliteUrl(dir, 'master'),
    zone: 'dmz',
    policy: 'dmz',
    endpoints,
  });
  replica = await startReplicaNode(dir, 'dmz-replica', {
    database: sqliteUrl(dir, 'dmz-replica'),
    zone: 'dmz',
    endpoints,
  });
  replicaUrl = String(replica.node.logs.find((line) => line.msg === 'listening')?.url);
}, 60_000);

afterAll(async () => {
  const codes = [await replica?.node.stop('SIGTERM'), await master?.node.stop('SIGTERM')];
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
  expect(leaked).toBe(0);
});

interface Served {
  status: number;
  text: string;
}

/** A GET as a browser or a script would make it, with no token: the raw text served. */
async function get(api: ApiClient | string, path: string): Promise<Served> {
  if (typeof api !== 'string') {
    const response = await api.call('GET', path);
    return { status: response.status, text: JSON.stringify(response.body) };
  }
  const response = await fetch(`${api}${path}`);
  return { status: response.status, text: await response.text() };
}

/** Every GET route of the replica's own OpenAPI document, with each schedule and job id filled in. */
async function apiPaths(scheduleIds: readonly string[]): Promise<string[]> {
  const document = (await replica.api.call('GET', '/openapi.json')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const paths: string[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    if (!('get' in operations)) continue;
    const ids = template.startsWith('/api/jobs/') ? jobIds : scheduleIds;
    if (template.includes('{id}')) paths.push(...ids.map((id) => template.replace('{id}', id)));
    else paths.push(template);
  }
  for (const id of scheduleIds) paths.push(`/api/history?scheduleId=${id}`);
  return paths;
}

/** Every /ui page and fragment reachable from the dashboard's pages, by href, src or data attribute. */
async function crawlDashboard(seeds: readonly string[]): Promise<Map<string, Served>> {
  const seen = new Map<string, Served>();
  const queue = [...seeds];
  while (queue.length > 0 && seen.size < 300) {
    const path = queue.shift() as string;
    if (seen.has(path)) continue;
    const response = await get(replicaUrl, path);
    seen.set(path, response);
    for (const match of response.text.matchAll(/"(\/ui\/[^"#]*)"/g)) {
      const link = (match[1] as string).replaceAll('&amp;', '&');
      if (!seen.has(link)) queue.push(link);
    }
  }
  return seen;
}

describe('a DMZ replica holds and serves no canary', () => {
  it('not in its database files, not in any GET response; the master has them all', async () => {
    for (const schedule of SCHEDULES) {
      const created = await master.api.call('POST', '/api/schedules', {
        id: schedule.id,
        task: schedule.task,
        trigger: { type: 'interval', seconds: 3600 },
        args: { ...planted('args'), nested: { list: [planted('args-nested')] }, plain: `see ${CANARY}` },
        metadata: {
          ...planted('metadata'),
          deep: { more: planted('metadata-deep') },
          owner: 'ops',
          // A status page name, beside which nothing else of `public` may pass.
          ...(schedule.title ? { public: { title: schedule.title, note: `${CANARY}:public-note` } } : {}),
        },
      });
      expect(created.status).toBe(201);
      const run = await master.api.call('POST', `/api/schedules/${schedule.id}/run`);
      expect(run.status).toBe(202);
      jobIds.push(String(run.body.job.id));
    }
    const finished = await waitUntil('every job to end on the master', async () => {
      const jobs = await Promise.all(
        jobIds.map(async (id) => (await master.api.call('GET', `/api/jobs/${id}`)).body.job),
      );
      return jobs.every((job, index) => job.status === SCHEDULES[index]?.status) && jobs;
    });

    // The master holds every planted value: in the schedules, the results and the error texts.
    const [resultJob, errorJob] = finished;
    for (const key of SENSITIVE_KEYS) {
      const schedule = (await get(master.api, '/api/schedules/canary-result')).text;
      expect(schedule).toContain(`${CANARY}:metadata:${key}"`);
      expect(schedule).toContain(`${CANARY}:args:${key}"`);
      expect(schedule).toContain(`${CANARY}:public-note"`);
      expect(JSON.stringify(resultJob.result)).toContain(`${CANARY}:args:${key}"`);
      expect(errorJob.error.message).toContain(`${CANARY}:args:${key}"`);
    }
    const masterFiles = readdirSync(dir).filter((name) => name.startsWith('master.db'));
    expect(masterFiles.some((name) => readFileSync(join(dir, name)).includes(CANARY))).toBe(true);

    // The replica has caught up with every job's end.
    await waitUntil('the DMZ replica to apply every job', async () => {
      if (!(await caughtUp(replica.api)())) return false;
      const jobs = await Promise.all(jobIds.map((id) => replica.api.call('GET', `/api/jobs/${id}`)));
      return jobs.every(
        (job, index) => job.status === 200 && job.body.job.status === SCHEDULES[index]?.status,
      );
    });

    const scheduleIds = SCHEDULES.map((schedule) => schedule.id);
    const served = new Map<string, Served>();
    for (const path of [...(await apiPaths(scheduleIds)), '/openapi.json', '/docs'])
      served.set(path, await get(replicaUrl, path));
    const pages = await crawlDashboard([
      '/ui',
      '/ui/schedules',
      ...scheduleIds.map((id) => `/ui/schedules/${id}`),
      ...jobIds.map((id) => `/ui/jobs/${id}`),
    ]);
    for (const [path, response] of pages) served.set(path, response);
    for (const path of ['/status', '/status.json']) served.set(path, await get(replicaUrl, path));
    // The status page lists the two schedules with a public title, by that title, and nothing of
    // any schedule beyond it: no id, no task name.
    const feed = JSON.parse(served.get('/status.json')?.text ?? '{}') as {
      schedules?: Array<{ title: string; runs: Array<{ status: string }> }>;
    };
    expect(feed.schedules?.map((row) => [row.title, row.runs.map((run) => run.status)])).toEqual([
      ['Public error', ['failed']],
      ['Public result', ['succeeded']],
    ]);
    for (const path of ['/status', '/status.json']) {
      const text = served.get(path)?.text ?? '';
      for (const title of ['Public error', 'Public result']) expect(text, path).toContain(title);
      for (const schedule of SCHEDULES) {
        expect(text, path).not.toContain(schedule.id);
        expect(text, path).not.toContain(schedule.task);
      }
    }
    // What was asked is all there: every route of the document, every schedule and job, every page.
    for (const path of [
      '/api/schedules',
      '/api/history',
      '/api/handlers',
      '/api/metrics',
      '/api/replication',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/status',
      '/status.json',
      ...scheduleIds.flatMap((id) => [
        `/api/schedules/${id}`,
        `/api/schedules/${id}/next`,
        `/ui/schedules/${id}`,
      ]),
      ...jobIds.flatMap((id) => [`/api/jobs/${id}`, `/ui/jobs/${id}`]),
      '/ui/handlers',
      '/ui/history',
      '/ui/charts',
      '/ui/replication',
      '/ui/partials/schedules?q=',
      '/ui/partials/handlers',
      '/ui/partials/history?scheduleId=&status=',
      '/ui/partials/charts',
      '/ui/partials/replication',
      ...scheduleIds.map((id) => `/ui/partials/schedules/${id}/jobs`),
    ]) {
      expect(served.get(path)?.status, path).toBe(200);
    }
    for (const [path, response] of served) expect(leaks(response.text), path).toBe(false);

    // Not in a byte of its database files while it runs (the WAL and its index included) ...
    const replicaFiles = () => readdirSync(dir).filter((name) => name.startsWith('dmz-replica.db'));
    expect(replicaFiles()).toEqual(expect.arrayContaining(['dmz-replica.db', 'dmz-replica.db-wal']));
    for (const name of replicaFiles()) expect(leaks(readFileSync(join(dir, name))), name).toBe(false);
    // ... nor after it stopped and checkpointed them.
    expect(await replica.node.stop('SIGTERM')).toBe(0);
    expect(replicaFiles()).toContain('dmz-replica.db');
    for (const name of replicaFiles()) expect(leaks(readFileSync(join(dir, name))), name).toBe(false);
  });
});
