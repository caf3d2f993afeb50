import { createPublisher, createZoneProjector, type Publisher } from '@schedulezero/replication';
import { createScheduler, type MasterStore, openStore, type Scheduler } from '@schedulezero/scheduler-core';
import { createZonePolicy } from '@schedulezero/security-filter';

/**
 * A master's store and zone publisher in the test process, with knobs a master's config does not
 * offer (a tiny send high-water mark, an upstream for a lossy proxy): the replica under test is
 * still a real process on real sockets and its own database.
 */

export interface InProcessMaster {
  store: MasterStore;
  scheduler: Scheduler;
  publisher: Publisher;
  /** The zone's head seq, as the publisher last published it. */
  head(): number;
  close(): Promise<void>;
}

export async function startInProcessMaster(options: {
  database: string;
  zone: string;
  publish: string;
  sync: string;
  sendHighWaterMark?: number;
  heartbeatMs?: number;
}): Promise<InProcessMaster> {
  const projector = createZoneProjector(new Map([[options.zone, createZonePolicy('admin')]]));
  let publisher: Publisher | undefined;
  const store = await openStore(options.database, { projector, onCommit: () => publisher?.notify() });
  publisher = createPublisher({
    store,
    zones: [{ name: options.zone, publish: options.publish, sync: options.sync }],
    heartbeatMs: options.heartbeatMs ?? 200,
    ...(options.sendHighWaterMark ? { sendHighWaterMark: options.sendHighWaterMark } : {}),
  });
  await publisher.start();
  const started = publisher;
  return {
    store,
    scheduler: createScheduler({ store, nodeId: 'in-process-master' }),
    publisher: started,
    head: () => started.stats().zones[0]?.publishedSeq ?? 0,
    async close() {
      await started.close();
      await store.close();
    },
  };
}
