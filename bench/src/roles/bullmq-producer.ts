import { Queue } from 'bullmq';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/** BullMQ producer: bulk adds, delayed jobs and job schedulers on one queue of the local Redis. */
interface Params {
  queue: string;
}

const params = roleParams<Params>();
const connection = { host: '127.0.0.1', port: 6379 };
let queue: Queue | undefined;

serveRole(
  async () => {
    const q = new Queue(params.queue, { connection });
    queue = q;
    await q.waitUntilReady();
    return {
      addNow: async (n: unknown) => {
        const first = nowMs();
        for (let i = 0; i < Number(n); i += 1000) {
          const count = Math.min(1000, Number(n) - i);
          await q.addBulk(Array.from({ length: count }, () => ({ name: 'noop', data: {} })));
        }
        return first;
      },
      addDelayed: async (dues: unknown) => {
        const list = dues as number[];
        for (let i = 0; i < list.length; i += 500) {
          const now = Date.now();
          await q.addBulk(
            list
              .slice(i, i + 500)
              .map((due) => ({ name: 'noop', data: { due }, opts: { delay: due - now } })),
          );
        }
      },
      upsertSchedulers: async (n: unknown) => {
        for (let i = 0; i < Number(n); i += 100) {
          await Promise.all(
            Array.from({ length: Math.min(100, Number(n) - i) }, (_, k) =>
              q.upsertJobScheduler(`s${i + k}`, { pattern: '* * * * * *' }, { name: 'noop', data: {} }),
            ),
          );
        }
      },
      removeSchedulers: async (n: unknown) => {
        for (let i = 0; i < Number(n); i += 100) {
          await Promise.all(
            Array.from({ length: Math.min(100, Number(n) - i) }, (_, k) => q.removeJobScheduler(`s${i + k}`)),
          );
        }
      },
    };
  },
  async () => {
    if (!queue) return;
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  },
);
