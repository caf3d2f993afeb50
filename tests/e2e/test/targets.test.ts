import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPair } from '../src/curve-keys.ts';
import { freePort } from '../src/free-port.ts';
import { type ApiClient, apiClient } from '../src/http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * A job's target decides where it runs when the master has local handlers too: a real master
 * process with the fixture handlers as local modules, and a real worker tagged `gpu` offering the
 * same tasks over the CURVE link.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));
const TOKEN = 'e2e-token-0123456789';

let dir: string;
let master: NodeProcess;
let worker: NodeProcess;
let api: ApiClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-target-'));
  const linkKeys = keyPair();
  const workerKeys = keyPair();
  const link = `tcp://127.0.0.1:${await freePort()}`;
  const masterConfig = writeYaml(dir, 'master', {
    node: { type: 'master', name: 'target-master', zone: 'admin', shutdownGraceSeconds: 5 },
    network: { port: 0 },
    database: { url: `sqlite:${join(dir, 'master.db')}` },
    api: { tokens: [TOKEN] },
    handlers: {
      bind: link,
      modules: [FIXTURES],
      secretKey: linkKeys.secretKey,
      clientKeys: [workerKeys.publicKey],
      noHandlerWaitSeconds: 1,
    },
    logging: { level: 'info' },
  });
  master = startNode('master', 'master', masterConfig);
  const listening = await master.waitForLog((line) => line.msg === 'listening');
  api = apiClient(String(listening.url), TOKEN);
  const workerConfig = writeYaml(dir, 'worker', {
    node: { type: 'handler', name: 'gpu-worker', zone: 'regional', shutdownGraceSeconds: 5 },
    worker: { master: link, serverKey: linkKeys.publicKey, modules: [FIXTURES], capacity: 4, tags: ['gpu'] },
    security: { secretKey: workerKeys.secretKey, publicKey: workerKeys.publicKey },
    logging: { level: 'info' },
  });
  worker = startNode('handler', 'gpu-worker', workerConfig);
  await worker.waitForLog((line) => line.msg === 'registered with the master');
});

afterAll(async () => {
  const codes = [await worker?.stop('SIGTERM'), await master?.stop('SIGTERM')];
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
  expect(leaked).toBe(0);
});

async function runs(id: string, target: Record<string, unknown>, count: number): Promise<string[]> {
  const created = await api.call('POST', '/api/schedules', {
    id,
    task: 'whoami',
    trigger: { type: 'interval', seconds: 3600 },
    maxInstances: 100,
    target,
  });
  expect(created.status).toBe(201);
  const jobs: string[] = [];
  for (let i = 0; i < count; i++)
    jobs.push(String((await api.call('POST', `/api/schedules/${id}/run`)).body.job.id));
  return jobs;
}

async function finalJob(id: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api.call('GET', `/api/jobs/${id}`);
    if (!['pending', 'running'].includes(body.job.status)) return body.job;
    if (Date.now() > deadline) throw new Error(`job ${id} stayed ${JSON.stringify(body.job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a job target with local and remote handlers', () => {
  it('sends jobs whose target only the remote worker matches to it, never to the local handlers', async () => {
    for (const [id, target] of [
      ['gpu-tag', { tags: ['gpu'] }],
      ['regional-zone', { zone: 'regional', tags: [] }],
    ] as const) {
      const jobs = await Promise.all((await runs(id, target, 4)).map((job) => finalJob(job)));
      for (const job of jobs) expect(job, id).toMatchObject({ status: 'succeeded', handlerId: 'gpu-worker' });
    }
  });

  it('runs jobs whose target the local handlers match on the master', async () => {
    for (const [id, target] of [
      ['local-tag', { tags: ['local'] }],
      ['admin-zone', { zone: 'admin', tags: [] }],
    ] as const) {
      const jobs = await Promise.all((await runs(id, target, 3)).map((job) => finalJob(job)));
      for (const job of jobs)
        expect(job, id).toMatchObject({ status: 'succeeded', handlerId: 'target-master' });
    }
  });

  it('keeps a job no handler matches pending with no handler, then fails it no_handler', async () => {
    const [jobId] = await runs('nowhere', { tags: ['gpu', 'local'] }, 1);
    // Between passes of the loop it waits unclaimed (a pass holds it for a moment only).
    const deadline = Date.now() + 5_000;
    let waiting = (await api.call('GET', `/api/jobs/${jobId}`)).body.job;
    while (waiting.status !== 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      waiting = (await api.call('GET', `/api/jobs/${jobId}`)).body.job;
    }
    expect(waiting).toMatchObject({ status: 'pending', handlerId: null, attempt: 0 });
    expect(await finalJob(String(jobId))).toMatchObject({
      status: 'failed',
      handlerId: null,
      error: { code: 'no_handler' },
    });
  });
});
