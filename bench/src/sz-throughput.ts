/**
 * The ScheduleZero part of the throughput workload alone, with the master's CPU time per job
 * (robust against other load on a shared machine):
 *   pnpm --filter @schedulezero/bench exec tsx src/sz-throughput.ts [sqlite|postgres] [jobs]
 */
import { freshStore, type StoreKind, startSzCluster } from './lib/sz-cluster.ts';

const kind = (process.argv[2] ?? 'sqlite') as StoreKind;
const n = Number(process.argv[3] ?? 1000);
const store = await freshStore(kind, 'sztp');
const cluster = await startSzCluster({ storeUrl: store.url, handlers: 1, capacity: 50 });
try {
  const cpu0 = await cluster.master.call<{ user: number; system: number }>('cpuUsage');
  const done = cluster.master.call<number>('waitFinished', { n }, 300_000);
  const first = await cluster.master.call<number>('enqueueNow', n, 300_000);
  const last = await done;
  const cpu1 = await cluster.master.call<{ user: number; system: number }>('cpuUsage');
  const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
  console.log(`master CPU ${cpuMs.toFixed(0)} ms = ${((cpuMs * 1000) / n).toFixed(0)} µs/job`);
  console.log(
    `${kind} n=${n}: ${Math.round(n / ((last - first) / 1000))} jobs/s, ${(last - first).toFixed(0)} ms`,
  );
} finally {
  await cluster.stop();
  await store.drop();
}
