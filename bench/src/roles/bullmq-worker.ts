import { type Job, Worker } from 'bullmq';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/** BullMQ worker (concurrency from params) with a no-op processor that records lateness. */
interface Params {
  queue: string;
  concurrency: number;
}

const params = roleParams<Params>();
let worker: Worker | undefined;
let completed = 0;
let lastCompletedAt = 0;
const waiters: Array<{ n: number; resolve: (at: number) => void }> = [];
/** [scheduler key, due ms, lateness ms] per job started. */
const samples: Array<[string, number, number]> = [];

function dueOf(job: Job): number {
  const data = job.data as { due?: number };
  if (typeof data.due === 'number') return data.due;
  return job.timestamp + (job.opts.delay ?? 0);
}

serveRole(
  async () => {
    const w = new Worker(
      params.queue,
      async (job) => {
        const due = dueOf(job);
        samples.push([job.repeatJobKey ?? job.id ?? '', due, nowMs() - due]);
        return null;
      },
      { connection: { host: '127.0.0.1', port: 6379 }, concurrency: params.concurrency },
    );
    worker = w;
    w.on('completed', () => {
      completed += 1;
      lastCompletedAt = nowMs();
      for (const waiter of waiters.splice(0)) {
        if (completed >= waiter.n) waiter.resolve(lastCompletedAt);
        else waiters.push(waiter);
      }
    });
    await w.waitUntilReady();
    return {
      waitCompleted: (n: unknown) =>
        new Promise<number>((resolve) => {
          if (completed >= Number(n)) resolve(lastCompletedAt);
          else waiters.push({ n: Number(n), resolve });
        }),
      samples: () => samples.splice(0),
    };
  },
  async () => {
    await worker?.close(true);
  },
);
