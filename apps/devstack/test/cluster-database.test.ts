import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { prepareClusterDatabase } from '../src/cluster-database.ts';

/** A port nobody listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the database of pnpm start --ha', () => {
  it('refuses a URL that is not a PostgreSQL URL naming a database, without showing its password', async () => {
    for (const url of ['not a url', 'sqlite:/tmp/x.db', 'postgres://u:hunter2@127.0.0.1:5432/']) {
      const prepared = await prepareClusterDatabase(url);
      expect(prepared.ok, url).toBe(false);
      if (!prepared.ok) {
        expect(prepared.problem).toContain('SCHEDULEZERO_DEV_HA_DATABASE_URL');
        expect(prepared.problem).not.toContain('hunter2');
      }
    }
  });

  it('says that PostgreSQL could not be reached, and how to point it elsewhere', async () => {
    const url = `postgres://dev:hunter2@127.0.0.1:${await closedPort()}/schedulezero_dev`;
    const prepared = await prepareClusterDatabase(url);
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.problem).toMatch(
      /^pnpm start --ha needs PostgreSQL, and none could be reached at postgres:\/\/dev:\*\*\*@127\.0\.0\.1:\d+\/schedulezero_dev \(.*ECONNREFUSED/,
    );
    expect(prepared.problem).toContain('point SCHEDULEZERO_DEV_HA_DATABASE_URL at yours');
    expect(prepared.problem).not.toContain('hunter2');
  });
});
