import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresGate } from '@schedulezero/scheduler-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from './support/http.ts';
import { type ClusterMaster, createTestCluster, type TestCluster } from './support/master-cluster.ts';
import { killLeftovers } from './support/master-process.ts';

/**
 * A handler worker that follows a cluster (`worker.masters`): real master processes on the real
 * PostgreSQL, one real worker process linked to both, kill -9 of one master and its restart on
 * the same link port.
 */

const gate = await postgresGate('PostgreSQL cluster worker tests');

const HANDLER_BIN = fileURLToPath(new URL('../../handler/bin/schedulezero-handler.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/counted-handlers.ts', import.meta.url));
const WORKER_ID = 'w-cluster';
const CAPACITY = 2;

interface HandlerView {
  id: string;
  status: string;
  capacity: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.skipIf(gate.skip)('a worker linked to every master of a cluster', () => {
  let cluster: TestCluster;
  let dir: string;
  let worker: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;

  beforeEach(async () => {
    gate.assertReachable();
    cluster = await createTestCluster();
    dir = mkdtempSync(join(tmpdir(), 'sz-cluster-worker-'));
  });
  afterEach(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    worker = undefined;
    const leaked = await killLeftovers();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
    expect(leaked, 'processes left running by the test').toBe(0);
  });

  function startWorker(masters: string[]) {
    const file = join(dir, 'worker.yaml');
    writeFileSync(
      file,
      stringify({
        node: { type: 'handler', name: WORKER_ID, shutdownGraceSeconds: 10 },
        worker: { masters, modules: [FIXTURE], capacity: CAPACITY, abortGraceSeconds: 1 },
        security: { allowPlaintext: true },
        logging: { level: 'info' },
      }),
    );
    const { PATH, HOME, TMPDIR } = process.env;
    const child = spawn(process.execPath, [HANDLER_BIN, '--config', file], {
      cwd: dir,
      env: { PATH, HOME, TMPDIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => text, exited };
  }

  const linkSections = (port: number) => ({
    handlers: `{ bind: "tcp://127.0.0.1:${port}", heartbeatSeconds: 0.2, noHandlerWaitSeconds: 3 }`,
    security: '{ allowPlaintext: true }',
  });

  const instanceIdOf = async (master: ClusterMaster) => {
    const [row] = await cluster.sql`
      select id from instances where pid = ${master.process.child.pid ?? -1} and status = 'active'`;
    return row?.id as string | undefined;
  };

  /** What a master's API says about the worker, once it shows it healthy with `capacity` (any when omitted). */
  const healthyOn = (master: ClusterMaster, capacity?: number) =>
    waitFor(
      async () => {
        const response = await cluster.api(master, 'GET', '/api/handlers');
        const view = (response.body.handlers as HandlerView[]).find((handler) => handler.id === WORKER_ID);
        const fits = view?.status === 'healthy' && (capacity === undefined || view.capacity === capacity);
        return fits ? view : undefined;
      },
      `${master.name} to show ${WORKER_ID} healthy${capacity === undefined ? '' : ` with capacity ${capacity}`}`,
      30_000,
    );

  const registeredWith = (master: ClusterMaster) =>
    waitFor(
      async () =>
        master.process.logs.some((line) => line.msg === 'handler registered' && line.handlerId === WORKER_ID)
          ? true
          : undefined,
      () => `${master.name} to log the registration of ${WORKER_ID}\n${worker?.output() ?? ''}`,
      30_000,
    );

  /** Waits for `count` jobs run by the worker for `master`'s instance and finished after `since`. */
  const succeededVia = (master: ClusterMaster, count: number, since: Date) =>
    waitFor(
      async () => {
        const owner = await instanceIdOf(master);
        if (!owner) return undefined;
        const [row] = await cluster.sql`
          select count(*)::int as n from jobs
          where owner_instance_id = ${owner} and handler_id = ${WORKER_ID}
            and status = 'succeeded' and finished_at > ${since}`;
        return (row?.n as number) >= count ? true : undefined;
      },
      `${count} jobs run through ${master.name}`,
      30_000,
    );

  it('serves both masters, keeps serving the survivor of a kill -9, re-links on restart, never above capacity', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await cluster.start('master-a', linkSections(portA));
    let b = await cluster.start('master-b', linkSections(portB));
    worker = startWorker([`tcp://127.0.0.1:${portA}`, `tcp://127.0.0.1:${portB}`]);

    // Both masters register the worker, each told half of its capacity.
    await Promise.all([registeredWith(a), registeredWith(b)]);
    await healthyOn(a, 1);
    await healthyOn(b, 1);

    // More work than the worker has slots: three schedules a second of jobs taking 1.2 s.
    const log = join(dir, 'at-once.log');
    for (const id of ['s1', 's2', 's3']) {
      const created = await cluster.api(a, 'POST', '/api/schedules', {
        id,
        task: 'counted',
        trigger: { type: 'interval', seconds: 1 },
        args: { ms: 1200, log },
        timeoutSeconds: 30,
      });
      expect(created.status).toBe(201);
    }
    const start = new Date();
    await Promise.all([succeededVia(a, 2, start), succeededVia(b, 2, start)]);

    // kill -9 of one master: the worker keeps serving the other, which is told the whole capacity.
    expect(await b.process.stop('SIGKILL')).toBe(137);
    const killedAt = new Date();
    await healthyOn(a, CAPACITY);
    await succeededVia(a, 3, killedAt);

    // The killed master comes back on the same link port: the worker registers with it again.
    b = await cluster.start('master-b', linkSections(portB));
    const restartedAt = new Date();
    await registeredWith(b);
    await healthyOn(b, 1);
    await succeededVia(b, 2, restartedAt);
    await succeededVia(a, 2, restartedAt);

    // Never more jobs at once than the capacity, and the worker was full at times.
    expect(existsSync(log)).toBe(true);
    const atOnce = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
    expect(Math.max(...atOnce)).toBe(CAPACITY);

    // SIGTERM drains the worker on both masters; it exits 0.
    for (const id of ['s1', 's2', 's3']) await cluster.api(a, 'POST', `/api/schedules/${id}/pause`);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await a.process.stop('SIGTERM')).toBe(0);
    expect(await b.process.stop('SIGTERM')).toBe(0);
  }, 150_000);
});
