import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_TEST_URL } from '@schedulezero/scheduler-core/testing';
import postgres from 'postgres';
import type { ApiResponse } from './http.ts';
import { type MasterProcess, startMasterProcess } from './master-process.ts';

/**
 * Real master processes on one fresh PostgreSQL database, with short cluster timings, and a
 * direct connection to read what they wrote (instances, jobs, the lease and its log).
 */

export const TOKEN = 'cluster-test-token-0123456789';
const EXAMPLES = fileURLToPath(new URL('../../../../examples/handlers.ts', import.meta.url));
export const HEARTBEAT_MS = 200;
export const DEAD_AFTER_MS = 1500;

export interface ClusterMaster {
  name: string;
  process: MasterProcess;
  url: string;
}

export interface TestCluster {
  sql: postgres.Sql;
  /**
   * Starts a master; `sections` replaces whole lines of its config (e.g. `handlers` with a bound
   * link instead of the example handlers, `security`, `replication` zones).
   */
  start(
    name: string,
    sections?: { handlers?: string; security?: string; replication?: string },
  ): Promise<ClusterMaster>;
  /** Where the master of this name writes its cluster event log (`logging.eventLog`). */
  eventLog(name: string): string;
  api(
    master: ClusterMaster,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Omit<ApiResponse, 'headers'>>;
  close(): Promise<void>;
}

export async function createTestCluster(): Promise<TestCluster> {
  const database = `sz_cluster_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database}`);
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${database}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'sz-cluster-'));
  return {
    sql,
    async start(name, sections = {}) {
      writeFileSync(
        join(dir, `${name}.yaml`),
        [
          `node: { name: ${name}, shutdownGraceSeconds: 1 }`,
          'network: { port: 0 }',
          `database: { url: "${url.toString()}" }`,
          `api: { tokens: ["${TOKEN}"] }`,
          `handlers: ${sections.handlers ?? `{ bind: none, modules: ["${EXAMPLES}"] }`}`,
          ...(sections.security ? [`security: ${sections.security}`] : []),
          ...(sections.replication ? [`replication: ${sections.replication}`] : []),
          `cluster: { heartbeatMs: ${HEARTBEAT_MS}, deadAfterMs: ${DEAD_AFTER_MS} }`,
          `logging: { eventLog: logs/${name}-events.jsonl }`,
        ].join('\n'),
      );
      const process = startMasterProcess({ args: ['--config', `${name}.yaml`], cwd: dir });
      return { name, process, url: await process.listening(30_000) };
    },
    eventLog: (name) => join(dir, 'logs', `${name}-events.jsonl`),
    async api(master, method, path, body) {
      const response = await fetch(`${master.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${database} with (force)`);
      await admin.end({ timeout: 5 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
