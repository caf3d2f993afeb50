import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyPair } from '../src/curve-keys.ts';
import { freePort } from '../src/free-port.ts';
import { type ApiClient, apiClient } from '../src/http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * Governors under a burst, as deployed: a real master, real worker processes on the CURVE handler
 * link, requests over HTTP. Every assertion is a count — of jobs started, running, pending — never
 * a duration: the rate limits refill at 0.01 tokens a second, so no token comes back within a test
 * and "started within the first window" is exact.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/governed.ts', import.meta.url));
const TOKEN = 'e2e-token-0123456789';
const QUEUE_LIMIT = 20;
const LIMITS = {
  global: 4,
  perTaskConcurrency: 2, // gated_too
  handlerConcurrency: 2, // every handler (governors.handler)
  workerAConcurrency: 1, // governors.perHandler.worker-a
  perTaskBurst: 3, // rated
  workerCBurst: 2, // governors.perHandler.worker-c
} as const;

const WORKERS = ['a', 'b', 'c', 'd'] as const;
type WorkerId = (typeof WORKERS)[number];

let dir: string;
let master: NodeProcess;
let api: ApiClient;
let linkEndpoint: string;
const linkKeys = keyPair();
const workerKeys = Object.fromEntries(WORKERS.map((id) => [id, keyPair()])) as Record<
  WorkerId,
  ReturnType<typeof keyPair>
>;
const workers: NodeProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-governors-'));
  linkEndpoint = `tcp://127.0.0.1:${await freePort()}`;
  const config = writeYaml(dir, 'master', {
    node: { type: 'master', name: 'e2e-governed', shutdownGraceSeconds: 1 },
    network: { port: 0 },
    database: { url: `sqlite:${join(dir, 'master.db')}` },
    api: { tokens: [TOKEN] },
    handlers: {
      bind: linkEndpoint,
      secretKey: linkKeys.secretKey,
      clientKeys: WORKERS.map((id) => workerKeys[id].publicKey),
      heartbeatSeconds: 0.5,
      // Jobs held back by a limit are pending, not unserved: they must not fail while a test looks.
      noHandlerWaitSeconds: 600,
    },
    governors: {
      concurrency: LIMITS.global,
      perTask: {
        gated_too: { concurrency: LIMITS.perTaskConcurrency },
        rated: { perSecond: 0.01, burst: LIMITS.perTaskBurst },
      },
      handler: { concurrency: LIMITS.handlerConcurrency },
      perHandler: {
        'worker-a': { concurrency: LIMITS.workerAConcurrency },
        'worker-c': { perSecond: 0.01, burst: LIMITS.workerCBurst },
      },
      queueLimit: QUEUE_LIMIT,
    },
    logging: { level: 'info' },
  });
  master = startNode('master', 'master', config);
  const listening = await master.waitForLog((line) => line.msg === 'listening');
  api = apiClient(String(listening.url), TOKEN);
});

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
});

afterAll(async () => {
  const code = await master?.stop('SIGTERM');
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(leaked).toBe(0);
});

/** A worker with capacity to spare, so that what binds is the governors; tagged with its id. */
async function startWorker(id: WorkerId): Promise<NodeProcess> {
  const keys = workerKeys[id];
  const config = writeYaml(dir, `worker-${id}`, {
    node: { type: 'handler', name: `worker-${id}`, shutdownGraceSeconds: 1 },
    worker: {
      master: linkEndpoint,
      serverKey: linkKeys.publicKey,
      modules: [FIXTURES],
      capacity: 10,
      tags: [id],
    },
    security: { secretKey: keys.secretKey, publicKey: keys.publicKey },
    logging: { level: 'info' },
  });
  const worker = startNode('handler', `worker-${id}`, config);
  workers.push(worker);
  await worker.waitForLog((line) => line.msg === 'registered with the master');
  return worker;
}

async function createSchedule(id: string, task: string, extra: Record<string, unknown> = {}) {
  const response = await api.call('POST', '/api/schedules', {
    id,
    task,
    trigger: { type: 'interval', seconds: 3600 },
    maxInstances: 100,
    ...extra,
  });
  expect(response.status).toBe(201);
}

async function runNow(scheduleId: string): Promise<string> {
  const response = await api.call('POST', `/api/schedules/${scheduleId}/run`);
  expect(response.status).toBe(202);
  return String(response.body.job.id);
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Job = { id: string; status: string; handlerId: string | null; result: Record<string, unknown> | null };

async function jobsOf(scheduleId: string): Promise<Job[]> {
  const { body } = await api.call('GET', `/api/history?scheduleId=${scheduleId}&limit=100`);
  return body.jobs;
}

const count = (jobs: readonly Job[], status: string) => jobs.filter((job) => job.status === status).length;

/** A Prometheus counter sample, 0 when absent. */
async function counter(name: string, labels: string): Promise<number> {
  const text = await api.text('/metrics');
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('governors under a burst (real master, real workers)', () => {
  it('holds the global, per-task and per-handler concurrency limits; the rest waits in the store', async () => {
    // Handler room 1 + 2 + 2 = 5 exceeds the global 4, so the global limit binds the total.
    await Promise.all([startWorker('a'), startWorker('b'), startWorker('d')]);
    const taskDirs = { gated: join(dir, 'gated'), gated_too: join(dir, 'gated_too') };
    for (const taskDir of Object.values(taskDirs)) mkdirSync(join(taskDir, 'running'), { recursive: true });
    const dirs = Object.values(taskDirs);
    await createSchedule('burst-one', 'gated', { args: { dir: taskDirs.gated, dirs } });
    await createSchedule('burst-two', 'gated_too', { args: { dir: taskDirs.gated_too, dirs } });
    for (let i = 0; i < 8; i += 1) {
      await runNow('burst-one');
      await runNow('burst-two');
    }

    // Nothing finishes until released: what runs now is all that was let start.
    const running = () =>
      dirs.flatMap((taskDir) =>
        readdirSync(join(taskDir, 'running')).map((file) => ({
          task: taskDir,
          handler: readFileSync(join(taskDir, 'running', file), 'utf8'),
        })),
      );
    await until('the global limit to fill and hold back more', async () =>
      running().length === LIMITS.global &&
      (await counter('schedulezero_throttled_total', 'task="gated",limit="concurrency"')) > 0 &&
      (await counter('schedulezero_handler_throttled_total', 'handler="worker-a",limit="concurrency"')) > 0
        ? true
        : undefined,
    );
    const now = running();
    expect(now).toHaveLength(LIMITS.global);
    expect(now.filter((job) => job.task === taskDirs.gated_too).length).toBeLessThanOrEqual(
      LIMITS.perTaskConcurrency,
    );
    expect(now.filter((job) => job.handler === 'worker-a').length).toBeLessThanOrEqual(
      LIMITS.workerAConcurrency,
    );
    for (const other of ['worker-b', 'worker-d'])
      expect(now.filter((job) => job.handler === other).length).toBeLessThanOrEqual(
        LIMITS.handlerConcurrency,
      );
    // The rest queue as pending jobs in the store, not on the link.
    const all = [...(await jobsOf('burst-one')), ...(await jobsOf('burst-two'))];
    expect(count(all, 'pending')).toBe(16 - LIMITS.global);
    const { body: metrics } = await api.call('GET', '/api/metrics');
    expect(metrics.components.link.jobs.waiting).toBe(0);
    expect(metrics.components.link.throttled).toContainEqual(
      expect.objectContaining({ handlerId: 'worker-a', limit: 'concurrency' }),
    );

    for (const taskDir of dirs) writeFileSync(join(taskDir, 'release'), '');
    const finished = await until('every job to succeed', async () => {
      const jobs = [...(await jobsOf('burst-one')), ...(await jobsOf('burst-two'))];
      return count(jobs, 'succeeded') === 16 ? jobs : undefined;
    });
    // What each function saw when it started, across the whole burst.
    const seen = (key: string, jobs = finished) => Math.max(...jobs.map((job) => Number(job.result?.[key])));
    expect(seen('allRunning')).toBeLessThanOrEqual(LIMITS.global);
    expect(seen('taskRunning', await jobsOf('burst-two'))).toBeLessThanOrEqual(LIMITS.perTaskConcurrency);
    const byHandler = (id: string) => finished.filter((job) => job.handlerId === id);
    expect(seen('handlerActive', byHandler('worker-a'))).toBeLessThanOrEqual(LIMITS.workerAConcurrency);
    for (const other of ['worker-b', 'worker-d'])
      expect(seen('handlerActive', byHandler(other))).toBeLessThanOrEqual(LIMITS.handlerConcurrency);
    expect(new Set(finished.map((job) => job.handlerId))).toEqual(
      new Set(['worker-a', 'worker-b', 'worker-d']),
    );
  });

  it('starts no more than the burst of a per-task and of a per-handler rate limit', async () => {
    const [, workerC] = await Promise.all([startWorker('b'), startWorker('c')]);
    await createSchedule('rated', 'rated', { target: { tags: ['b'] } });
    await createSchedule('on-c', 'quick', { target: { tags: ['c'] } });
    for (let i = 0; i < 6; i += 1) await runNow('rated');
    for (let i = 0; i < 5; i += 1) await runNow('on-c');

    await until('both bursts to be spent and the limits to hold back more', async () => {
      const rated = await jobsOf('rated');
      const onC = await jobsOf('on-c');
      return count(rated, 'succeeded') === LIMITS.perTaskBurst &&
        count(onC, 'succeeded') === LIMITS.workerCBurst &&
        (await counter('schedulezero_throttled_total', 'task="rated",limit="rate"')) > 0 &&
        (await counter('schedulezero_handler_throttled_total', 'handler="worker-c",limit="rate"')) > 0
        ? true
        : undefined;
    });
    const rated = await jobsOf('rated');
    expect(count(rated, 'succeeded')).toBe(LIMITS.perTaskBurst);
    expect(count(rated, 'pending')).toBe(6 - LIMITS.perTaskBurst);
    const onC = await jobsOf('on-c');
    expect(count(onC, 'succeeded')).toBe(LIMITS.workerCBurst);
    // The others wait for worker-c's next token; none ran elsewhere, and its function ran twice.
    expect(onC.filter((job) => job.status === 'succeeded').every((job) => job.handlerId === 'worker-c')).toBe(
      true,
    );
    expect(workerC.output().match(/\[governed\] started /g)).toHaveLength(LIMITS.workerCBurst);
  });

  it('answers 429 rate_limited to run-now requests beyond the queue', async () => {
    // A task no handler offers: every job stays pending, so the queue only grows.
    await createSchedule('flood', 'offered_by_nobody');
    let accepted = 0;
    let refused: { status: number; body: { error: { code: string; message: string } } } | undefined;
    for (let i = 0; i <= QUEUE_LIMIT && !refused; i += 1) {
      const response = await api.call('POST', '/api/schedules/flood/run');
      if (response.status === 202) accepted += 1;
      else refused = response;
    }
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(refused?.body.error.message).toContain(`queue limit ${QUEUE_LIMIT}`);
    expect(accepted).toBeGreaterThan(0);
    const { body } = await api.call('GET', '/api/metrics');
    expect(body.jobs.pending).toBe(QUEUE_LIMIT);
    // Still full: refused again, and nothing was added.
    expect((await api.call('POST', '/api/schedules/flood/run')).status).toBe(429);
    expect(count(await jobsOf('flood'), 'pending')).toBe(accepted);
  });
});
