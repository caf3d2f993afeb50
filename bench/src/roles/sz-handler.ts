import { createLinkWorker, type LinkWorker } from '@schedulezero/handler-link';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/** A ScheduleZero handler worker with one no-op method that records when each job started. */
interface Params {
  endpoint: string;
  handlerId: string;
  capacity: number;
}

const params = roleParams<Params>();
let worker: LinkWorker | undefined;
/** [scheduleId, fire time, lateness ms] per job started. */
const samples: Array<[string, number, number]> = [];

serveRole(
  async () => {
    worker = createLinkWorker({
      endpoint: params.endpoint,
      handlerId: params.handlerId,
      capacity: params.capacity,
      zone: 'admin',
      functions: {
        noop: (_args, context) => {
          const due = context.scheduledAt.getTime();
          samples.push([context.scheduleId, due, nowMs() - due]);
          return null;
        },
      },
    });
    await worker.start();
    await worker.registered();
    return {
      samples: () => samples.splice(0),
      stats: () => worker?.stats(),
    };
  },
  async () => {
    await worker?.close();
  },
);
