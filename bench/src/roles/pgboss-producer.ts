import PgBoss from 'pg-boss';
import postgres from 'postgres';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/** pg-boss producer: bulk inserts and delayed sends; watches completions in the database. */
interface Params {
  url: string;
  queue: string;
}

const params = roleParams<Params>();
let boss: PgBoss | undefined;
let sql: postgres.Sql | undefined;

serveRole(
  async () => {
    const b = new PgBoss({ connectionString: params.url, supervise: false, schedule: false });
    boss = b;
    b.on('error', () => {});
    await b.start();
    await b.createQueue(params.queue);
    const db = postgres(params.url, { max: 1, onnotice: () => {} });
    sql = db;
    return {
      addNow: async (n: unknown) => {
        const first = nowMs();
        for (let i = 0; i < Number(n); i += 1000) {
          const count = Math.min(1000, Number(n) - i);
          await b.insert(Array.from({ length: count }, () => ({ name: params.queue, data: {} })));
        }
        return first;
      },
      addDelayed: async (dues: unknown) => {
        const list = dues as number[];
        for (let i = 0; i < list.length; i += 500) {
          await b.insert(
            list
              .slice(i, i + 500)
              .map((due) => ({ name: params.queue, data: { due }, startAfter: new Date(due) })),
          );
        }
      },
      /** Polls every 20 ms until `n` jobs are completed; returns when the poll saw it. */
      waitCompleted: async (n: unknown) => {
        for (;;) {
          const [row] =
            await db`select count(*)::int as c from pgboss.job where name = ${params.queue} and state = 'completed'`;
          if ((row?.c ?? 0) >= Number(n)) return nowMs();
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
  },
  async () => {
    await sql?.end({ timeout: 1 });
    await boss?.stop({ graceful: false, wait: false }).catch(() => {});
  },
);
