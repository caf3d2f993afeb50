import { type RoleProcess, startRole, stopAll } from '../lib/child.ts';
import { summarize } from '../lib/stats.ts';
import { freshStore, type SzStore } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/**
 * Workload 5: a master process (SQLite store, projector writing every change whole to one zone,
 * the zone's publisher) and a replica process (its own SQLite store, the subscriber), on 127.0.0.1.
 * Changes are schedules created through `createSchedules`, one change each.
 */
const plan = (smoke: boolean) =>
  smoke
    ? { burst: 2_000, rate: 1_000, steadyS: 2, catchUp: 5_000, ceiling: 20_000 }
    : { burst: 100_000, rate: 5_000, steadyS: 20, catchUp: 1_000_000, ceiling: 500_000 };
const ZONE = 'bench';
const BATCH = 1_000;
const SZ = 'ScheduleZero (SQLite → SQLite)';
const RAW = 'zeromq PUB/SUB (raw, same frame size)';

interface Reached {
  at: number;
  status: { appliedSeq: number; gaps: number; resyncs: number };
}

/** Lag of every recorded seq: applied time − commit time of the transaction that wrote it. */
function lags(commits: Array<[number, number]>, applied: Array<[number, number]>, from: number): number[] {
  const out: number[] = [];
  for (const [seq, at] of applied) {
    if (seq <= from) continue;
    let lo = 0;
    let hi = commits.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((commits[mid]?.[0] ?? 0) >= seq) hi = mid;
      else lo = mid + 1;
    }
    const commit = commits[lo];
    if (commit && commit[0] >= seq) out.push(at - commit[1]);
  }
  return out;
}

async function scheduleZero(ctx: RunContext): Promise<{ sz: Record<string, number>; frameBytes: number }> {
  const { burst, rate, steadyS, catchUp } = plan(ctx.smoke);
  const stores: SzStore[] = [
    await freshStore('sqlite', `replm${ctx.run}`),
    await freshStore('sqlite', `replr${ctx.run}`),
  ];
  const [masterStore, replicaStore] = stores as [SzStore, SzStore];
  const roles: Array<RoleProcess | undefined> = [];
  try {
    const master = await startRole('repl-master', { storeUrl: masterStore.url, zone: ZONE });
    roles.push(master);
    const endpoints = await master.call<{ publish: string; sync: string }>('endpoints');
    const replicaParams = { storeUrl: replicaStore.url, zone: ZONE, ...endpoints };
    let replica = await startRole('repl-replica', replicaParams);
    roles.push(replica);
    const warm = await master.call<{ head: number }>('fill', { n: 100, batch: 100 });
    await replica.call('start', { seq: warm.head, timeoutMs: 30_000 }, 40_000);

    // 1. A burst written as fast as the store takes it, the replica live.
    await replica.call('record', false);
    const fill = await master.call<{ startedAt: number; endedAt: number; head: number }>(
      'fill',
      { n: burst, batch: BATCH },
      600_000,
    );
    const burstDone = await replica.call<Reached>('waitSeq', { seq: fill.head, timeoutMs: 300_000 }, 310_000);
    const appliedPerS = burst / ((burstDone.at - fill.startedAt) / 1000);
    const writePerS = burst / ((fill.endedAt - fill.startedAt) / 1000);
    ctx.log(
      `  burst ${burst}: written ${writePerS.toFixed(0)}/s, applied ${appliedPerS.toFixed(0)}/s (gaps ${burstDone.status.gaps}, resyncs ${burstDone.status.resyncs})`,
    );

    // 2. A steady rate: lag from commit on the master to applied on the replica.
    await replica.call('record', true);
    const steady = await master.call<{ commits: Array<[number, number]>; written: number }>(
      'steady',
      { rate, durationMs: steadyS * 1000 },
      steadyS * 1000 + 120_000,
    );
    const steadyHead = steady.commits[steady.commits.length - 1]?.[0] ?? fill.head;
    await replica.call('waitSeq', { seq: steadyHead, timeoutMs: 60_000 }, 70_000);
    const applied = await replica.call<Array<[number, number]>>('applied');
    await replica.call('record', false);
    const lag = summarize(lags(steady.commits, applied, fill.head));
    if (lag.count !== steady.written) throw new Error(`lag of ${lag.count} changes, wrote ${steady.written}`);
    ctx.log(
      `  steady ${rate}/s: ${lag.count} changes, lag p50 ${lag.p50.toFixed(1)} p99 ${lag.p99.toFixed(1)} ms`,
    );

    // 3. Catch-up: the replica down while the master writes, then started on its stored state.
    await replica.stop();
    const fillStarted = Date.now();
    const backlog = await master.call<{ head: number }>('fill', { n: catchUp, batch: BATCH }, 900_000);
    ctx.log(
      `  wrote ${catchUp} changes with the replica down in ${((Date.now() - fillStarted) / 1000).toFixed(1)} s`,
    );
    replica = await startRole('repl-replica', replicaParams);
    roles.push(replica);
    const caught = await replica.call<{ ms: number; status: { snapshots: number } }>(
      'catchUp',
      { seq: backlog.head, timeoutMs: 600_000 },
      610_000,
    );
    if (caught.status.snapshots > 0) throw new Error('the replica took a snapshot instead of catching up');
    ctx.log(`  caught up ${catchUp} changes in ${(caught.ms / 1000).toFixed(1)} s`);
    const frameBytes = await master.call<number>('frameBytes');
    return {
      frameBytes,
      sz: {
        appliedPerS,
        writePerS,
        lagP50: lag.p50,
        lagP99: lag.p99,
        lagMax: lag.max,
        catchUpS: caught.ms / 1000,
        catchUpPerS: catchUp / (caught.ms / 1000),
        frameBytes,
      },
    };
  } finally {
    await stopAll(roles);
    for (const store of stores) await store.drop();
  }
}

/** Raw zeromq PUB → SUB between two processes, frames of the replication stream's size. */
async function ceiling(bytes: number, ctx: RunContext): Promise<Record<string, number>> {
  const n = plan(ctx.smoke).ceiling;
  const pub = await startRole('zmq-raw', { mode: 'pub' });
  let sub: RoleProcess | undefined;
  try {
    const endpoint = await pub.call<string>('endpoint');
    sub = await startRole('zmq-raw', { mode: 'sub', endpoint });
    await pub.call('warmStart');
    await sub.call('waitWarm', undefined, 15_000);
    await pub.call('warmStop');
    await pub.call('send', { n, bytes }, 300_000);
    const got = await sub.call<{ count: number; firstAt: number; lastAt: number }>(
      'result',
      { n, timeoutMs: 120_000 },
      130_000,
    );
    const perS = got.count / (Math.max(1, got.lastAt - got.firstAt) / 1000);
    ctx.log(`  raw PUB/SUB ${bytes} B frames: ${got.count}/${n} received, ${perS.toFixed(0)}/s`);
    return { appliedPerS: perS, frameBytes: bytes, lostPct: (100 * (n - got.count)) / n };
  } finally {
    await stopAll([pub, sub]);
  }
}

export const replication: Workload = {
  name: 'replication',
  title: '5. Replication',
  describe: (smoke) => {
    const { burst, rate, steadyS, catchUp, ceiling: raw } = plan(smoke);
    const f = (n: number) => n.toLocaleString('en-US');
    return (
      'A master process (SQLite store whose projector writes every change whole to one zone, and ' +
      "that zone's publisher) and a replica process (its own SQLite store and the subscriber, package " +
      'defaults), on 127.0.0.1; a change = one schedule created through `createSchedules` ' +
      `(${f(BATCH)} a transaction in bulk). applied/s = ${f(burst)} changes written as fast as the ` +
      'store takes them, the replica live: count / (first write → last applied); written/s = the ' +
      `master's own rate in that burst. lag = applied on the replica − commit on the master, every change ` +
      `of ${steadyS} s at ${f(rate)} changes/s (a transaction every ≈ 2 ms). catch-up = ${f(catchUp)} changes ` +
      'written with the replica down, then subscriber start → `appliedSeq` at the head (from the log, no ' +
      `snapshot). Ceiling: ${f(raw)} frames [topic, 58-byte header, payload] of the same total size, raw ` +
      'zeromq PUB → SUB between two processes (HWM 100,000): frames received / (first → last received).'
    );
  },
  metrics: [
    { key: 'appliedPerS', label: 'applied/s', unit: 'changes/s', better: 'higher' },
    { key: 'writePerS', label: 'written/s', unit: 'changes/s', better: 'higher' },
    { key: 'lagP50', label: 'lag p50', unit: 'ms', better: 'lower' },
    { key: 'lagP99', label: 'lag p99', unit: 'ms', better: 'lower' },
    { key: 'lagMax', label: 'lag max', unit: 'ms', better: 'lower' },
    { key: 'catchUpS', label: 'catch-up', unit: 's', better: 'lower' },
    { key: 'catchUpPerS', label: 'catch-up rate', unit: 'changes/s', better: 'higher' },
    { key: 'frameBytes', label: 'frame', unit: 'B', better: 'lower' },
    { key: 'lostPct', label: 'lost', unit: '%', better: 'lower' },
  ],
  chartMetric: 'appliedPerS',
  targets: [
    {
      label: '≥ 50,000 changes/s applied',
      check: (m) => {
        const v = m[SZ]?.appliedPerS ?? Number.NaN;
        return { met: v >= 50_000, measured: `${v.toFixed(0)} changes/s` };
      },
    },
    {
      label: 'lag p99 ≤ 50 ms at 5,000 changes/s',
      check: (m) => {
        const v = m[SZ]?.lagP99 ?? Number.NaN;
        return { met: v <= 50, measured: `${v.toFixed(1)} ms` };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 60_000 : 1_500_000),
  async run(ctx): Promise<RunResult> {
    const { sz, frameBytes } = await scheduleZero(ctx);
    return { [SZ]: sz, [RAW]: await ceiling(frameBytes, ctx) };
  },
};
