import { createScheduleBodySchema } from '@schedulezero/protocol';
import { type MasterStore, nextFireTime, openStore } from '@schedulezero/scheduler-core';
import { roleParams, serveRole } from '../lib/role.ts';

/**
 * Fills a store with `n` cron schedules straight through the store's schedule port, spread over the hour:
 * schedule i fires once an hour at second i mod 3600 (`S M * * * *`), so fires arrive evenly.
 */
interface Params {
  storeUrl: string;
}

const params = roleParams<Params>();
let store: MasterStore | undefined;

serveRole(
  async () => {
    const s = await openStore(params.storeUrl);
    store = s;
    return {
      fill: async (data: unknown) => {
        const { n, concurrency } = data as { n: number; concurrency: number };
        const now = new Date();
        for (let i = 0; i < n; i += concurrency) {
          await Promise.all(
            Array.from({ length: Math.min(concurrency, n - i) }, (_, k) => {
              const index = i + k;
              const offset = index % 3600;
              const trigger = {
                type: 'cron' as const,
                expression: `${offset % 60} ${Math.floor(offset / 60)} * * * *`,
                timezone: 'UTC',
              };
              const spec = createScheduleBodySchema.parse({ task: 'noop', trigger });
              const id = `s${index}`;
              const nextRunAt = nextFireTime(trigger, now, { anchor: now, seed: id });
              return s.createSchedule({ ...spec, id, nextRunAt }, now);
            }),
          );
        }
        return n;
      },
    };
  },
  async () => {
    await store?.close();
  },
);
