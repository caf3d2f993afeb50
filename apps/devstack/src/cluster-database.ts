import { redactDatabaseUrl } from '@schedulezero/node-runtime';
import postgres from 'postgres';

/**
 * The PostgreSQL database of `pnpm start --ha`: found, or created when the server answers but the
 * database does not exist yet. Nothing in it is ever dropped or changed here; the masters migrate it.
 */

/** The variable that points `pnpm start --ha` at another server or database. */
export const HA_DATABASE_ENV = 'SCHEDULEZERO_DEV_HA_DATABASE_URL';
/** A database of its own on the usual local server, so that the user's other databases are not touched. */
export const DEFAULT_HA_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/schedulezero_dev';

/** Seconds to wait for the server to answer: a local server answers at once or not at all. */
const CONNECT_TIMEOUT_S = 3;
/** PostgreSQL's codes: the database named in the URL does not exist; it was created meanwhile. */
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

export type ClusterDatabase = { ok: true; created: boolean } | { ok: false; problem: string };

export async function prepareClusterDatabase(url: string): Promise<ClusterDatabase> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, problem: `${HA_DATABASE_ENV} is not a URL: "${redactDatabaseUrl(url)}"` };
  }
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^postgres(ql)?:$/.test(target.protocol) || name === '')
    return {
      ok: false,
      problem: `${HA_DATABASE_ENV} must be postgres://USER[:PASSWORD]@HOST:PORT/DATABASE, not "${redactDatabaseUrl(url)}"`,
    };
  const reached = await query(url, async () => {});
  if (reached === null) return { ok: true, created: false };
  if (reached.code !== INVALID_CATALOG_NAME) return { ok: false, problem: unreachable(url, reached.message) };
  // The server answers but has no such database: create it from the server's own `postgres` database.
  const server = new URL(url);
  server.pathname = '/postgres';
  const created = await query(server.toString(), async (sql) => {
    await sql`create database ${sql(name)}`;
  });
  if (created === null || created.code === DUPLICATE_DATABASE) return { ok: true, created: created === null };
  return { ok: false, problem: `could not create the database "${name}": ${created.message}` };
}

/** Null when `run` succeeded on a connection to `url`, else the error's code and message. */
async function query(
  url: string,
  run: (sql: postgres.Sql) => Promise<void>,
): Promise<{ code: string | undefined; message: string } | null> {
  const sql = postgres(url, { max: 1, connect_timeout: CONNECT_TIMEOUT_S, onnotice: () => {} });
  try {
    await sql`select 1`;
    await run(sql);
    return null;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code: typeof code === 'string' ? code : undefined, message: String(message ?? error) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function unreachable(url: string, why: string): string {
  return [
    `pnpm start --ha needs PostgreSQL, and none could be reached at ${redactDatabaseUrl(url)} (${why}).`,
    `Start PostgreSQL there, or point ${HA_DATABASE_ENV} at yours, e.g.`,
    `  ${HA_DATABASE_ENV}=postgres://USER:PASSWORD@HOST:5432/schedulezero_dev pnpm start --ha`,
    '(the database is created if it is missing; nothing else on that server is touched).',
  ].join('\n');
}
