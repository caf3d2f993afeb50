import PgBoss from 'pg-boss';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/** pg-boss workers: `workers` parallel fetch loops of `batchSize`, each recording lateness. */
interface Params {
  url: string;
  queue: string;
  workers: number;
  batchSize: number;
  pollingIntervalSeconds: number;
}

const params = roleParams<Params>();
let boss: PgBoss | undefined;
const samples: Array<[string, number, number]> = [];

serveRole(
  async () => {
    const b = new PgBoss({
      connectionString: params.url,
      supervise: false,
      schedule: false,
      max: params.workers + 2,
    });
    boss = b;
    b.on('error', () => {});
    await b.start();
    for (let i = 0; i < params.workers; i++) {
      await b.work<{ due?: number }>(
        params.queue,
        { batchSize: params.batchSize, pollingIntervalSeconds: params.pollingIntervalSeconds },
        async (jobs) => {
          const now = nowMs();
          for (const job of jobs) if (job.data.due) samples.push([job.id, job.data.due, now - job.data.due]);
        },
      );
    }
    return { samples: () => samples.splice(0) };
  },
  async () => {
    await boss?.stop({ graceful: false, wait: false }).catch(() => {});
  },
);
