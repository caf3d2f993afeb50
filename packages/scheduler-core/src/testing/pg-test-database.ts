import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestDatabase } from '../../test/store/contract/fixtures.ts';
import { openReplicaStore, openStore } from '../store/open-store.ts';
import { openPostgresStore } from '../store/pg/store.ts';

/**
 * Throwaway PostgreSQL databases for tests: one template per test file, migrated once, and a
 * clone of it (`CREATE DATABASE ... TEMPLATE`) per test, dropped afterwards. Names carry the
 * process id and a random tag, so parallel runs on one server never meet.
 */

/** Where the server is; a test-only setting, hence read here and not through a config. */
export const PG_TEST_URL = process.env.SCHEDULEZERO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Null when the server answers, else why it does not. */
export async function probePostgres(url: string): Promise<string | null> {
  const client = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end({ timeout: 1 });
  }
}

export interface PgTestDatabases {
  /** A fresh, migrated database; the template is made on first use. */
  create(): Promise<TestDatabase>;
  /** Drops the template and closes the admin connection. */
  teardown(): Promise<void>;
}

export function pgTestDatabases(url: string): PgTestDatabases {
  const prefix = `sz_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const template = `${prefix}_template`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  let counter = 0;
  let ready: Promise<void> | undefined;

  const prepareTemplate = async () => {
    await admin`create database ${admin(template)}`;
    // Migrates it; closing leaves no session on it, which CREATE DATABASE ... TEMPLATE requires.
    const store = await openPostgresStore(databaseUrl(url, template));
    await store.close();
  };

  return {
    async create() {
      ready ??= prepareTemplate();
      await ready;
      counter += 1;
      const name = `${prefix}_${counter}`;
      await admin`create database ${admin(name)} template ${admin(template)}`;
      const target = databaseUrl(url, name);
      return {
        open: (options) => openStore(target, options),
        openReplica: () => openReplicaStore(target),
        destroy: async () => {
          await admin`drop database if exists ${admin(name)} with (force)`;
        },
      };
    },
    async teardown() {
      try {
        if (ready !== undefined) await admin`drop database if exists ${admin(template)} with (force)`;
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
