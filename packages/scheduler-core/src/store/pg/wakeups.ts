import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { PgTx } from './context.ts';

/**
 * Wake-ups between the masters of one PostgreSQL database (docs/ha.md): a write that can make
 * work due (a schedule created, changed or resumed, a job created or sent back to pending) sends
 * a NOTIFY in its committing transaction, and every other master listening wakes its run loop at
 * once instead of after its safety-net sleep. PostgreSQL delivers a NOTIFY only if, and when, the
 * transaction commits.
 */

export const WAKE_CHANNEL = 'schedulezero_wake';

/** Sent inside the writing transaction; the payload names the sending store so it can skip its own. */
export async function notifyWake(tx: PgTx, sender: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${WAKE_CHANNEL}, ${sender})`);
}

export interface WakeListener {
  close(): Promise<void>;
}

/**
 * LISTENs on a connection of its own (postgres.js keeps one apart from the pool for it, and
 * re-establishes it and the LISTEN after a connection loss); `onWake` runs for each wake-up of
 * another store. A wake-up lost while the connection was down costs at most one safety-net sleep.
 */
export async function listenWakes(
  client: postgres.Sql,
  sender: string,
  onWake: () => void,
): Promise<WakeListener> {
  const { unlisten } = await client.listen(WAKE_CHANNEL, (payload) => {
    if (payload !== sender) onWake();
  });
  return { close: unlisten };
}
