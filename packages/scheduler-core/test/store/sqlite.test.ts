import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.ts';
import { openReplicaStore, openStore } from '../../src/store/open-store.ts';
import type { MasterStore } from '../../src/store/roles.ts';
import { at, createSchedules, scheduleDraft } from './contract/fixtures.ts';
import { describeStoreContract } from './contract/index.ts';

/** A fresh directory per test; the database file (and its WAL) goes in it and out with it. */
function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sz-sqlite-'));
}

describeStoreContract('sqlite store (file)', async () => {
  const dir = tempDir();
  return {
    open: (options) => openStore(`sqlite:${join(dir, 'store.db')}`, options),
    openReplica: () => openReplicaStore(`sqlite:${join(dir, 'store.db')}`),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite store (setup)', () => {
  const cleanups: Array<() => void> = [];
  const stores: MasterStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const track = (store: MasterStore) => {
    stores.push(store);
    return store;
  };

  it('runs in memory with sqlite::memory:', async () => {
    const store = track(await openStore('sqlite::memory:'));
    expect(store.dialect).toBe('sqlite');
    await createSchedules(store, [scheduleDraft('m')]);
    expect(await store.getSchedule('m')).toMatchObject({ id: 'm', version: 1 });
    expect((await store.changeHead('admin')).epoch).toMatch(/^[0-9a-f]{32}$/);
  });

  it('creates the directory of a new file, in WAL mode, with a new epoch per database', async () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = track(await openStore(`sqlite:${join(dir, 'nested', 'deeper', 'a.db')}`));
    const second = track(await openStore(`sqlite://${join(dir, 'b.db')}`));
    expect((await first.changeHead('x')).epoch).not.toBe((await second.changeHead('x')).epoch);
    await first.close();
    const raw = new Database(join(dir, 'nested', 'deeper', 'a.db'), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('lets two stores on one file see each other', async () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const [a, b] = [track(await openStore(url)), track(await openStore(url))];
    await createSchedules(a, [scheduleDraft('shared', { nextRunAt: at(0) })]);
    expect(await b.getSchedule('shared')).toBeDefined();
    expect((await a.changeHead('z')).epoch).toBe((await b.changeHead('z')).epoch);
  });

  it('refuses an unsupported database URL with a validation error', async () => {
    for (const url of ['mysql://root@localhost/db', 'sqlite:', '', 'postgres:/nohost']) {
      await expect(openStore(url)).rejects.toSatisfy(
        (error) =>
          error instanceof SchedulerError &&
          error.code === 'validation' &&
          error.message.includes('sqlite:PATH'),
      );
    }
    await expect(openStore('mysql://root:hunter2@db/x')).rejects.not.toThrow('hunter2');
  });
});
