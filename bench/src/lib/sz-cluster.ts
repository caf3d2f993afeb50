import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RoleProcess, startRole, stopAll } from './child.ts';
import { createDatabase, dropDatabase } from './pg.ts';

/** A ScheduleZero master process with its store, and handler worker processes connected to it. */
export interface SzCluster {
  master: RoleProcess;
  handlers: RoleProcess[];
  startup: { readyMs: number; rss: number; port?: number; endpoint?: string };
  stop(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface SzStore {
  url: string;
  drop(): Promise<void>;
}

/** A fresh SQLite file or PostgreSQL database for one run. */
export async function freshStore(kind: StoreKind, tag: string): Promise<SzStore> {
  const name = `szbench_${tag}_${process.pid}`;
  if (kind === 'postgres') {
    const url = await createDatabase(name);
    return { url, drop: () => dropDatabase(name) };
  }
  const file = join(tmpdir(), `${name}.db`);
  const drop = async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  };
  await drop();
  return { url: `sqlite:${file}`, drop };
}

export async function startSzCluster(options: {
  storeUrl: string;
  handlers: number;
  capacity: number;
  httpPort?: number;
  /** Run jobs on a no-op executor inside the master instead of remote handlers. */
  local?: boolean;
}): Promise<SzCluster> {
  const master = await startRole('sz-master', {
    storeUrl: options.storeUrl,
    bind: options.local ? undefined : 'tcp://127.0.0.1:*',
    httpPort: options.httpPort,
    localConcurrency: options.capacity,
  });
  const handlers: RoleProcess[] = [];
  try {
    const startup = await master.call<SzCluster['startup']>('startup');
    for (let i = 0; i < (options.local ? 0 : options.handlers); i++) {
      handlers.push(
        await startRole('sz-handler', {
          endpoint: startup.endpoint,
          handlerId: `bench-handler-${i}`,
          capacity: options.capacity,
        }),
      );
    }
    if (handlers.length > 0) await master.call('handlers', handlers.length, 35_000);
    return {
      master,
      handlers,
      startup,
      stop: async () => {
        await stopAll(handlers);
        await master.stop();
      },
    };
  } catch (error) {
    await stopAll([...handlers, master]);
    throw error;
  }
}

export function sqliteFileOf(url: string): string {
  return url.replace(/^sqlite:/, '');
}

export function cleanupFile(file: string): void {
  rmSync(file, { force: true });
}
