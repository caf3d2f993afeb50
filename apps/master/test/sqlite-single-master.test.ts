import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from './support/http.ts';
import { killLeftovers, startMasterProcess } from './support/master-process.ts';

/** SQLite is single-master: real master processes on one SQLite file. */

describe('a second master on the same SQLite file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-sqlite-lock-'));
    writeFileSync(
      join(dir, 'master.yaml'),
      [
        'node: { name: lock-test }',
        'network: { port: 0 }',
        'database: { url: "sqlite:./data/master.db" }',
        'api: { tokens: ["lock-test-token-0123456789"] }',
        'handlers: { bind: none }',
      ].join('\n'),
    );
  });
  afterEach(async () => {
    const leaked = await killLeftovers();
    rmSync(dir, { recursive: true, force: true });
    expect(leaked, 'processes left running by the test').toBe(0);
  });

  const start = () => startMasterProcess({ args: ['--config', 'master.yaml'], cwd: dir });
  const lockFile = () => join(dir, 'data', 'master.db.master-lock');

  it('is refused with a message naming the holder, and exits non-zero', async () => {
    const first = start();
    const url = await first.listening();
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(first.child.pid);

    // GET /api/cluster on SQLite: this master alone, no lease (and in the OpenAPI document).
    const headers = { authorization: 'Bearer lock-test-token-0123456789' };
    const cluster: ApiResponse['body'] = await (await fetch(`${url}/api/cluster`, { headers })).json();
    expect(cluster).toMatchObject({ mode: 'single', self: 'lock-test', leader: null, leadershipLog: [] });
    expect(cluster.instances).toEqual([
      expect.objectContaining({
        id: 'lock-test',
        pid: first.child.pid,
        status: 'active',
        addresses: expect.objectContaining({ http: url }),
      }),
    ]);
    const openapi: ApiResponse['body'] = await (await fetch(`${url}/openapi.json`)).json();
    expect(openapi.paths['/api/cluster'].get.operationId).toBe('getCluster');

    const second = start();
    const code = await second.exited;
    expect(code).not.toBe(0);
    const said = JSON.stringify(second.logs) + second.stderr();
    expect(said).toContain('is in use by another master');
    expect(said).toContain(`pid ${first.child.pid}`);
    expect(said).toContain('use PostgreSQL to run several masters');
    expect(second.logs.some((line) => line.msg === 'listening')).toBe(false);

    // The refused master did not take the lock away from the running one.
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: first.child.pid });
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(lockFile()), 'a graceful stop removes the lock').toBe(false);
  }, 45_000);

  it('takes over the stale lock of a master that was killed', async () => {
    const first = start();
    await first.listening();
    expect(await first.stop('SIGKILL')).toBe(137);
    expect(existsSync(lockFile()), 'kill -9 leaves the lock behind').toBe(true);

    const second = start();
    await second.listening();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: second.child.pid });
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 45_000);
});
