import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { type Execution, parseExecutions } from './failover-analysis.ts';
import { freePort, type NodeProcess, pollFor, startNode } from './node-process.ts';
import { createDatabase, dropDatabase } from './pg.ts';

/**
 * Masters (the real bin) on one throwaway PostgreSQL database, each on its own free HTTP and
 * handler-link ports that it keeps across restarts, and workers (the real bin) whose
 * `worker.masters` lists every master. A direct connection reads what the cluster wrote.
 */

const TOKEN = 'failover-bench-token-0123456789';
const FIXTURE = fileURLToPath(new URL('../fixtures/failover-handlers.ts', import.meta.url));

export interface MasterSlot {
  name: string;
  httpPort: number;
  linkPort: number;
  process?: NodeProcess;
  /** The registry id of its current incarnation. */
  instanceId?: string;
}

export interface FailoverCluster {
  sql: postgres.Sql;
  /** Where the workers' execution logs are written. */
  dir: string;
  masters: MasterSlot[];
  workers: NodeProcess[];
  /** Starts (or restarts, same name and ports) a master and waits for it to serve and register. */
  startMaster(slot: MasterSlot): Promise<void>;
  api(
    slot: MasterSlot,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  executions(): Execution[];
  close(): Promise<void>;
}

export async function startFailoverCluster(options: {
  masters: number;
  workers: number;
  capacity: number;
}): Promise<FailoverCluster> {
  const database = `szbench_failover_${process.pid}`;
  const url = await createDatabase(database);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'sz-failover-'));
  const masters: MasterSlot[] = [];
  for (let i = 0; i < options.masters; i++) {
    masters.push({ name: `bench-master-${i + 1}`, httpPort: await freePort(), linkPort: await freePort() });
  }
  const workers: NodeProcess[] = [];

  const api: FailoverCluster['api'] = async (slot, method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${slot.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };

  const startMaster = async (slot: MasterSlot) => {
    const node = startNode('master', slot.name, dir, {
      node: { name: slot.name, shutdownGraceSeconds: 2 },
      network: { port: slot.httpPort },
      database: { url },
      api: { tokens: [TOKEN] },
      handlers: { bind: `tcp://127.0.0.1:${slot.linkPort}` },
      security: { allowPlaintext: true },
      logging: { level: 'warn' },
    });
    slot.process = node;
    const exitedEarly = node.exited.then((code) => {
      throw new Error(`${slot.name} exited (${code}) while starting; see ${join(dir, `${slot.name}.out`)}`);
    });
    const registered = pollFor(
      async () => {
        const [row] = await sql`select id from instances where pid = ${node.pid} and status = 'active'`;
        return row?.id as string | undefined;
      },
      `${slot.name} to register`,
      60_000,
    );
    const serving = pollFor(
      async () => ((await fetch(`http://127.0.0.1:${slot.httpPort}/healthz`)).ok ? true : undefined),
      `${slot.name} to serve HTTP`,
      60_000,
    );
    slot.instanceId = await Promise.race([registered, exitedEarly]);
    await Promise.race([serving, exitedEarly]);
    void exitedEarly.catch(() => {});
  };

  try {
    await Promise.all(masters.map(startMaster));
    for (let i = 0; i < options.workers; i++) {
      workers.push(
        startNode('handler', `bench-worker-${i + 1}`, dir, {
          node: { type: 'handler', name: `bench-worker-${i + 1}`, shutdownGraceSeconds: 5 },
          worker: {
            masters: masters.map((slot) => `tcp://127.0.0.1:${slot.linkPort}`),
            modules: [FIXTURE],
            capacity: options.capacity,
            abortGraceSeconds: 1,
          },
          security: { allowPlaintext: true },
          logging: { level: 'warn' },
        }),
      );
    }
  } catch (error) {
    await Promise.all(masters.map((slot) => slot.process?.stop('SIGKILL')));
    await sql.end({ timeout: 1 });
    await dropDatabase(database);
    throw error;
  }

  return {
    sql,
    dir,
    masters,
    workers,
    startMaster,
    api,
    executions: () =>
      parseExecutions(
        readdirSync(dir)
          .filter((file) => file.startsWith('exec-'))
          .map((file) => readFileSync(join(dir, file), 'utf8'))
          .join('\n'),
      ),
    async close() {
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM', 15_000)));
      await Promise.all(masters.map((slot) => slot.process?.stop('SIGTERM', 15_000)));
      await sql.end({ timeout: 1 });
      await dropDatabase(database);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
