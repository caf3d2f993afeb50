import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftovers, type NodeProcess } from '../src/node-process.ts';
import {
  allRows,
  caughtUp,
  type MasterNode,
  matchingRows,
  replication,
  sqliteUrl,
  startMasterNode,
  startReplicaNode,
  waitUntil,
  type ZoneEndpoints,
  zoneEndpoints,
} from '../src/replica-topology.ts';

/**
 * A real master and real replica processes over one plaintext admin zone: the replica serves the
 * master's GETs with the same JSON, refuses every mutation, reports its position, and converges.
 */

const READ_ONLY = {
  error: {
    code: 'read_only',
    message: 'This node is read-only. Mutations must be performed on admin node.',
  },
};

let dir: string;
let master: MasterNode;
let endpoints: ZoneEndpoints;
const replicas: NodeProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-replica-'));
  endpoints = await zoneEndpoints();
  master = await startMasterNode(dir, 'master', {
    database: sqliteUrl(dir, 'master'),
    zone: 'admin',
    endpoints,
  });
});

afterEach(async () => {
  for (const replica of replicas.splice(0)) expect(await replica.stop('SIGTERM')).toBe(0);
});

afterAll(async () => {
  const code = await master?.node.stop('SIGTERM');
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(leaked).toBe(0);
});

async function replica(name: string, extra: { kinds?: string[] } = {}) {
  const started = await startReplicaNode(dir, name, {
    database: sqliteUrl(dir, name),
    zone: 'admin',
    endpoints,
    ...extra,
  });
  replicas.push(started.node);
  return started;
}

async function createSchedules(prefix: string, count: number, concurrency = 8, padding = ''): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const response = await master.api.call('POST', '/api/schedules', {
        id: `${prefix}-${index}`,
        task: 'whoami',
        trigger: { type: 'interval', seconds: 3600 },
        args: padding ? { index, padding } : { index },
        metadata: { batch: prefix },
      });
      if (response.status !== 201)
        throw new Error(`create: ${response.status} ${JSON.stringify(response.body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function headSeq(): Promise<number> {
  const status = await replication(master.api);
  const zone = (status.zones ?? status.publisher?.zones ?? []).find(
    (z: { zone: string }) => z.zone === 'admin',
  );
  return zone?.publishedSeq ?? 0;
}

describe('replica node', () => {
  it('serves the same rows and JSON as the master, refuses every mutation, and reports its position', async () => {
    await createSchedules('basic', 40);
    const run = await master.api.call('POST', '/api/schedules/basic-1/run');
    expect(run.status).toBe(202);
    await waitUntil('the manual job ran', async () => {
      const job = await master.api.call('GET', `/api/jobs/${run.body.job.id}`);
      return job.body.job.status === 'succeeded';
    });
    const { api } = await replica('replica-basic');
    await waitUntil('the replica caught up', caughtUp(api, await headSeq()));
    const rows = await matchingRows(api, master.api);
    expect(rows.replica).toEqual(rows.master);
    // The admin zone takes every kind: the master's local handler is there too.
    expect(rows.replica.handlers.map((handler: { id: string }) => handler.id)).toEqual(['master']);
    // Same shapes, path by path.
    for (const path of [
      '/api/schedules/basic-3',
      `/api/jobs/${run.body.job.id}`,
      '/api/schedules/basic-3/next?count=3',
    ]) {
      const [m, r] = await Promise.all([master.api.call('GET', path), api.call('GET', path)]);
      expect(r).toEqual(m);
    }
    expect((await api.call('GET', '/api/schedules/nope')).status).toBe(404);

    // Read-only, whatever the path or the body, before auth and validation.
    for (const [method, path] of [
      ['POST', '/api/schedules'],
      ['PUT', '/api/schedules/basic-1'],
      ['PATCH', '/api/schedules/basic-1'],
      ['DELETE', '/api/schedules/basic-1'],
      ['POST', '/api/schedules/basic-1/run'],
      ['POST', '/api/schedules/basic-1/pause'],
      ['POST', '/api/triggers/preview'],
      ['DELETE', '/api/nothing-here'],
    ] as const) {
      const response = await api.call(method, path, { task: 'x' });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body).toEqual(READ_ONLY);
    }
    expect((await api.call('GET', '/api/schedules/basic-1')).body.schedule.paused).toBe(false);

    const status = await replication(api);
    expect(status).toMatchObject({
      role: 'replica',
      zone: 'admin',
      state: 'live',
      connected: true,
      lagChanges: 0,
    });
    expect(status.appliedSeq).toBe(status.headSeq);
    expect(status.appliedSeq).toBeGreaterThanOrEqual(await headSeq());
    for (const key of ['lagMs', 'gaps', 'resyncs', 'snapshots']) expect(typeof status[key]).toBe('number');
    expect((await api.call('GET', '/readyz')).status).toBe(200);
    const metrics = await api.text('/metrics');
    expect(metrics).toMatch(
      new RegExp(`schedulezero_replica_applied_seq\\{zone="admin"\\} ${status.appliedSeq}`),
    );
    expect(metrics).toMatch(/schedulezero_replica_lag_changes\{zone="admin"\} 0/);
    expect(metrics).toMatch(/schedulezero_replica_gaps_total\{zone="admin"\} \d+/);
    expect(metrics).toMatch(/schedulezero_replica_connected\{zone="admin"\} 1/);
    for (const [name, value] of [
      ['applied_rows_total', status.appliedRows],
      ['catch_up_rows_total', status.catchUpRows],
      ['received_changes_total', status.receivedChanges],
    ])
      expect(metrics).toMatch(new RegExp(`schedulezero_replica_${name}\\{zone="admin"\\} ${value}\\b`));

    const document = (await api.call('GET', '/openapi.json')).body;
    expect(document.info.title).toBe('ScheduleZero replica API');
    expect(Object.keys(document.paths['/api/schedules'])).toEqual(['get']);
    expect(document.paths['/api/replication']).toBeDefined();
  });

  it('takes only the kinds it is configured for', async () => {
    await createSchedules('kinds', 5);
    const run = await master.api.call('POST', '/api/schedules/kinds-0/run');
    expect(run.status).toBe(202);
    const { api } = await replica('replica-kinds', { kinds: ['schedule'] });
    const head = await headSeq();
    await waitUntil('caught up', caughtUp(api, head));
    const rows = await allRows(api);
    expect(rows.schedules).toEqual((await allRows(master.api)).schedules);
    expect(rows.jobs).toEqual([]);
    expect(rows.handlers).toEqual([]);
    expect((await replication(api)).kinds).toEqual(['schedule']);
  });

  it('reports lag under a steady write load, and lag returns to zero', async () => {
    const { api } = await replica('replica-lag');
    await waitUntil('caught up', caughtUp(api, await headSeq()));
    // Heavy rows from 16 writers at once: the replica applies batch after batch, and a status
    // read between two of them sees changes received and not yet applied.
    let writing = true;
    let written = 0;
    const load = (async () => {
      while (writing) {
        await createSchedules(`lag-${written}`, 32, 16, 'x'.repeat(32 * 1024));
        written += 32;
      }
    })();
    const lagged = await waitUntil(
      'lag reported under load',
      async () => {
        const status = await replication(api);
        return (status.lagChanges > 0 || status.lagMs > 0) && status;
      },
      60_000,
    ).finally(async () => {
      writing = false;
      await load;
    });
    expect(lagged.lagChanges).toBe(lagged.headSeq - lagged.appliedSeq);
    const final = await waitUntil('lag back to zero', caughtUp(api, await headSeq()));
    expect(final.lagMs).toBe(0);
    const metrics = await api.text('/metrics');
    expect(metrics).toMatch(/schedulezero_replica_lag_seconds\{zone="admin"\} 0\b/);
    expect(metrics).toMatch(/schedulezero_replica_lag_changes\{zone="admin"\} 0\b/);
    const rows = await matchingRows(api, master.api);
    expect(rows.replica).toEqual(rows.master);
  });
});
