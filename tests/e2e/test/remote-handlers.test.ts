import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { keyPair } from '../src/curve-keys.ts';
import { freePort } from '../src/free-port.ts';
import { type ApiClient, apiClient } from '../src/http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * The handler link as deployed: a real master process and real worker processes over CURVE on
 * 127.0.0.1, driven through the HTTP API.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));
const ABORTABLE = fileURLToPath(new URL('../fixtures/abortable.ts', import.meta.url));
const TOKEN = 'e2e-token-0123456789';
const pair = keyPair;

let dir: string;
let master: NodeProcess;
let api: ApiClient;
let linkEndpoint: string;
const linkKeys = pair();
const workerKeys = { a: pair(), b: pair() };
const strangerKeys = pair();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-link-'));
  linkEndpoint = `tcp://127.0.0.1:${await freePort()}`;
  const config = writeYaml(dir, 'master', {
    node: { type: 'master', name: 'e2e-master', shutdownGraceSeconds: 5 },
    network: { port: 0 },
    database: { url: `sqlite:${join(dir, 'master.db')}` },
    api: { tokens: [TOKEN] },
    handlers: {
      bind: linkEndpoint,
      secretKey: linkKeys.secretKey,
      clientKeys: [workerKeys.a.publicKey, workerKeys.b.publicKey],
      heartbeatSeconds: 0.2,
      missedHeartbeats: 3,
    },
    logging: { level: 'info' },
  });
  master = startNode('master', 'master', config);
  const listening = await master.waitForLog((line) => line.msg === 'listening');
  api = apiClient(String(listening.url), TOKEN);
});

afterEach(async () => {
  // Workers of a test stop with it; the master lives for the file.
  for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
});

afterAll(async () => {
  const code = await master?.stop('SIGTERM');
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(leaked).toBe(0);
});

const workers: NodeProcess[] = [];

async function startWorker(id: 'a' | 'b', capacity = 2): Promise<NodeProcess> {
  const keys = workerKeys[id];
  const config = writeYaml(dir, `worker-${id}`, {
    node: { type: 'handler', name: `worker-${id}`, shutdownGraceSeconds: 10 },
    worker: { master: linkEndpoint, serverKey: linkKeys.publicKey, modules: [FIXTURES, ABORTABLE], capacity },
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

async function waitForJob(id: string, done: (job: Record<string, unknown>) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api.call('GET', `/api/jobs/${id}`);
    if (done(body.job)) return body.job;
    if (Date.now() > deadline) throw new Error(`job ${id} stayed ${JSON.stringify(body.job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForValue<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function handlerStatus(id: string): Promise<string | undefined> {
  const { body } = await api.call('GET', '/api/handlers');
  return body.handlers.find((handler: { id: string }) => handler.id === id)?.status;
}

async function waitForHandler(id: string, status: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await handlerStatus(id)) !== status) {
    if (Date.now() > deadline) throw new Error(`handler ${id} is ${await handlerStatus(id)}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('remote handlers over the CURVE handler link', () => {
  it('spreads jobs across two workers', async () => {
    await Promise.all([startWorker('a'), startWorker('b')]);
    await createSchedule('spread', 'hold', { args: { ms: 300 } });
    const jobs = await Promise.all(
      Array.from({ length: 8 }, () => api.call('POST', '/api/schedules/spread/run')),
    );
    const finished = await Promise.all(
      jobs.map(({ body }) => waitForJob(body.job.id, (job) => job.status === 'succeeded')),
    );
    const byHandler = new Map<string, number>();
    for (const job of finished)
      byHandler.set(String(job.handlerId), (byHandler.get(String(job.handlerId)) ?? 0) + 1);
    expect([...byHandler.keys()].sort()).toEqual(['worker-a', 'worker-b']);
    for (const count of byHandler.values()) expect(count).toBeGreaterThanOrEqual(2);
  });

  it('retries on the other worker when one is killed mid-job; the killed one goes offline, then comes back', async () => {
    await Promise.all([startWorker('a', 1), startWorker('b', 1)]);
    await createSchedule('kill', 'hold', {
      args: { ms: 60_000, retryMs: 100 },
      retry: { maxAttempts: 2, backoffMs: 0, backoffFactor: 1 },
    });
    const blocker = await api.call('POST', '/api/schedules/kill/run');
    const jobId = String(blocker.body.job.id);
    // The fixture says where it started; the job's handlerId is the claiming master until it ends.
    const victimProcess = await waitForValue(() =>
      workers.find((worker) => worker.output().includes(`started ${jobId}`)),
    );
    const victim = victimProcess.name;
    const survivor = victim === 'worker-a' ? 'worker-b' : 'worker-a';

    victimProcess.child.kill('SIGKILL');
    const retried = await waitForJob(jobId, (job) => job.status === 'succeeded');
    expect(retried).toMatchObject({ attempt: 2, handlerId: survivor });
    await waitForHandler(victim, 'offline');

    const restarted = await startWorker(victim === 'worker-a' ? 'a' : 'b', 1);
    await waitForHandler(victim, 'healthy');
    await createSchedule('after-restart', 'whoami');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => api.call('POST', '/api/schedules/after-restart/run')),
    );
    const done = await Promise.all(
      results.map(({ body }) => waitForJob(body.job.id, (job) => job.status === 'succeeded')),
    );
    expect(done.map((job) => job.handlerId)).toContain(victim);
    expect(restarted.child.exitCode).toBeNull();
  });

  it('records a failure when the attempts are exhausted', async () => {
    const worker = await startWorker('a', 1);
    await createSchedule('exhausted', 'hold', { args: { ms: 60_000 } });
    const { body } = await api.call('POST', '/api/schedules/exhausted/run');
    await waitForJob(body.job.id, (job) => job.status === 'running');
    worker.child.kill('SIGKILL');
    const failed = await waitForJob(body.job.id, (job) => job.status === 'failed');
    expect(failed).toMatchObject({ attempt: 1, error: { code: 'handler_lost' } });
  });

  it('drains on SIGTERM: the running job finishes and the worker exits 0', async () => {
    const worker = await startWorker('a', 1);
    await createSchedule('drain', 'hold', { args: { ms: 800 } });
    const { body } = await api.call('POST', '/api/schedules/drain/run');
    await waitForJob(body.job.id, (job) => job.status === 'running');
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(await waitForJob(body.job.id, (job) => job.status !== 'running')).toMatchObject({
      status: 'succeeded',
      handlerId: 'worker-a',
    });
  });

  it('times out a job held past its deadline: timed_out in the history, the function aborted', async () => {
    await startWorker('a', 1);
    const file = join(dir, 'aborted.json');
    await createSchedule('timeout', 'hold_until_aborted', { args: { file, ms: 60_000 }, timeoutSeconds: 1 });
    const { body } = await api.call('POST', '/api/schedules/timeout/run');
    const jobId = String(body.job.id);
    const deadline = Date.now() + 20_000;
    let timedOut: Record<string, unknown> | undefined;
    while (!timedOut) {
      const history = await api.call('GET', '/api/history?scheduleId=timeout&status=timed_out');
      timedOut = history.body.jobs.find((job: { id: string }) => job.id === jobId);
      if (timedOut) break;
      if (Date.now() > deadline) throw new Error(`job ${jobId} never timed_out in the history`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Recorded with the worker that ran it, not the master that dispatched it.
    expect(timedOut).toMatchObject({
      status: 'timed_out',
      attempt: 1,
      handlerId: 'worker-a',
      error: { code: 'timeout' },
    });
    // The function in the worker process saw its AbortSignal fire for the timeout, at the deadline
    // and long before the 60 s it would have held.
    const seen = await waitForValue(() =>
      existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined,
    );
    expect(seen).toMatchObject({ jobId, attempt: 1, reason: 'timeout' });
    expect(seen.afterMs).toBeGreaterThanOrEqual(900);
    expect(seen.afterMs).toBeLessThan(10_000);
    // It stopped: the worker's only slot is free for the next job.
    await createSchedule('after-timeout', 'whoami');
    const next = await api.call('POST', '/api/schedules/after-timeout/run');
    expect(await waitForJob(next.body.job.id, (job) => job.status === 'succeeded')).toMatchObject({
      handlerId: 'worker-a',
    });
  });

  it('cancels a running job on the worker: its AbortSignal fires, the attempt ends cancelled, no retry', async () => {
    await startWorker('a', 1);
    const file = join(dir, 'cancelled.json');
    await createSchedule('cancel', 'hold_until_aborted', {
      args: { file, ms: 60_000 },
      retry: { maxAttempts: 3, backoffMs: 0, backoffFactor: 1 },
    });
    const { body } = await api.call('POST', '/api/schedules/cancel/run');
    const jobId = String(body.job.id);
    // While it runs, the job names the worker that has it, not the master that dispatched it.
    const running = await waitForJob(jobId, (job) => job.status === 'running' && job.handlerId !== null);
    expect(running).toMatchObject({ status: 'running', attempt: 1, handlerId: 'worker-a' });
    const cancelled = await api.call('POST', `/api/jobs/${jobId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.job).toMatchObject({
      id: jobId,
      status: 'cancelled',
      attempt: 1,
      handlerId: 'worker-a',
      error: { code: 'cancelled' },
    });
    // The function in the worker process saw its signal fire, for the cancel.
    const seen = await waitForValue(() =>
      existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined,
    );
    expect(seen).toMatchObject({ jobId, attempt: 1, reason: 'cancelled' });
    expect(seen.afterMs).toBeLessThan(10_000);
    // The worker's only slot is free again, and the cancelled job was not retried meanwhile.
    await createSchedule('after-cancel', 'whoami');
    const next = await api.call('POST', '/api/schedules/after-cancel/run');
    expect(await waitForJob(next.body.job.id, (job) => job.status === 'succeeded')).toMatchObject({
      handlerId: 'worker-a',
    });
    expect((await api.call('GET', `/api/jobs/${jobId}`)).body.job).toMatchObject({
      status: 'cancelled',
      attempt: 1,
    });
    const again = await api.call('POST', `/api/jobs/${jobId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('job_finished');
  });

  it('counts malformed frames and refused keys, and keeps serving', async () => {
    const raw = new Dealer({ routingId: 'worker-b', linger: 0 });
    raw.curveServerKey = linkKeys.publicKey;
    raw.curvePublicKey = workerKeys.b.publicKey;
    raw.curveSecretKey = workerKeys.b.secretKey;
    raw.connect(linkEndpoint);
    const stranger = new Dealer({ linger: 0 });
    stranger.curveServerKey = linkKeys.publicKey;
    stranger.curvePublicKey = strangerKeys.publicKey;
    stranger.curveSecretKey = strangerKeys.secretKey;
    stranger.connect(linkEndpoint);
    try {
      await raw.send([Buffer.from('1')]); // truncated
      await raw.send(['1', 'register', '{not json']); // malformed
      await raw.send(['9', 'register', '{}']); // unknown version
      await raw.send(['1', 'register', Buffer.alloc(2 * 1024 * 1024, 0x61)]); // oversized
      await stranger.send(['1', 'heartbeat', '{}']);
      const deadline = Date.now() + 10_000;
      let metrics = '';
      const dropped = (reason: string) =>
        new RegExp(`schedulezero_link_frames_dropped_total\\{reason="${reason}"\\} [1-9]`);
      const wanted = [
        dropped('truncated'),
        dropped('malformed'),
        dropped('unknown_version'),
        dropped('oversized'),
        /schedulezero_zeromq_connections_refused_total\{domain="handlers"\} [1-9]/,
      ];
      while (!wanted.every((pattern) => pattern.test(metrics))) {
        if (Date.now() > deadline) throw new Error(`metrics never showed every drop:\n${metrics}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        metrics = await api.text('/metrics');
      }
    } finally {
      raw.close();
      stranger.close();
    }
    expect(master.child.exitCode).toBeNull();
    expect((await api.call('GET', '/api/metrics')).status).toBe(200);
    // And the link still works for a real worker.
    await startWorker('a');
    await createSchedule('still-serving', 'whoami');
    const { body } = await api.call('POST', '/api/schedules/still-serving/run');
    expect(await waitForJob(body.job.id, (job) => job.status === 'succeeded')).toMatchObject({
      handlerId: 'worker-a',
    });
  });
});
