import { sleep } from '../lib/collect.ts';
import { type JobRow, judgeKill, type KillFigures } from '../lib/failover-analysis.ts';
import { type FailoverCluster, startFailoverCluster } from '../lib/failover-cluster.ts';
import { cpuSeconds, pollFor } from '../lib/node-process.ts';
import { publishedFailoverTimes } from '../lib/published-failover-times.ts';
import { spread } from '../lib/stats.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/**
 * Workload 6: three masters on one PostgreSQL database, two workers linked to all three, every-second
 * crons of 2 s jobs; five times kill -9 a random master and restart it. Cluster timings are the
 * defaults (heartbeatMs 1000, deadAfterMs 5000).
 */
const plan = (smoke: boolean) => ({
  masters: 3,
  workers: 2,
  capacity: 400,
  schedules: smoke ? 20 : 200,
  kills: smoke ? 1 : 5,
  jobMs: 2_000,
  /** From one kill to the next: the dead master is declared dead (≈ 5–6 s), restarted and settles. */
  roundMs: 25_000,
});
const DEAD_AFTER_S = 5;
/** Due times judged per kill: from 2 s before it to 20 s after (the restart lies inside). */
const BEFORE_MS = 2_000;
const AFTER_MS = 20_000;
const STEADY_MS = 10_000;

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

async function createSchedules(cluster: FailoverCluster, count: number): Promise<string[]> {
  const ids: string[] = [];
  const first = cluster.masters[0];
  if (!first) throw new Error('no master');
  for (let i = 0; i < count; i++) {
    const id = `failover-${String(i).padStart(3, '0')}`;
    const created = await cluster.api(first, 'POST', '/api/schedules', {
      id,
      task: 'failover_sleep',
      trigger: { type: 'cron', expression: '* * * * * *' },
      args: { ms: plan(false).jobMs, dir: cluster.dir },
      // Room for the 2 s jobs of every second plus those a dead master leaves running until it is
      // declared dead; attempts left for the takeover (the default, 1, would fail them `interrupted`).
      maxInstances: 20,
      retry: { maxAttempts: 5, backoffMs: 0, backoffFactor: 1 },
      timeoutSeconds: 60,
    });
    if (created.status !== 201)
      throw new Error(`create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
    ids.push(id);
  }
  return ids;
}

/** Every master's instance has run jobs to the end: the workers registered with all of them. */
async function warmUp(cluster: FailoverCluster, since: Date): Promise<void> {
  await pollFor(
    async () => {
      const rows = await cluster.sql`
        select owner_instance_id as owner, count(*)::int as n from jobs
        where status = 'succeeded' and finished_at > ${since} group by 1`;
      const done = new Map(rows.map((row) => [row.owner as string, row.n as number]));
      return cluster.masters.every((slot) => (done.get(slot.instanceId ?? '') ?? 0) >= 20) ? true : undefined;
    },
    'every master to run jobs on the workers',
    120_000,
  );
}

/** Masters' CPU seconds per 1,000 fires over a steady window without kills, and that window. */
async function steadyWindow(cluster: FailoverCluster): Promise<{ cpuPer1000: number; from: Date; to: Date }> {
  const pids = cluster.masters.map((slot) => slot.process?.pid ?? -1);
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const [from, cpuFrom] = [new Date(), cpu()];
  await sleep(STEADY_MS);
  const [to, cpuTo] = [new Date(), cpu()];
  const [row] = await cluster.sql`
    select count(*)::int as n from jobs where created_at >= ${from} and created_at < ${to}`;
  return { cpuPer1000: ((cpuTo - cpuFrom) / Math.max(1, row?.n as number)) * 1000, from, to };
}

interface Kill {
  name: string;
  wasLeader: boolean;
  killMs: number;
  restartMs: number;
  declaredS: number;
  /** Kill → the restarted master registered and served HTTP. */
  restartedS: number;
  orphaned: Array<{ jobId: string; attempt: number }>;
}

async function killAndRestart(cluster: FailoverCluster, ctx: RunContext): Promise<Kill> {
  const slot = cluster.masters[Math.floor(Math.random() * cluster.masters.length)];
  if (!slot?.process || !slot.instanceId) throw new Error('no live master to kill');
  const dead = slot.instanceId;
  const [lease] = await cluster.sql`select holder from leader_lease`;
  const killMs = Date.now();
  slot.process.child.kill('SIGKILL');
  await slot.process.exited;
  // Nothing changes the dead master's rows until it is declared dead: this is what it left running.
  const orphaned = (
    await cluster.sql`select id, attempt from jobs where status = 'running' and owner_instance_id = ${dead}`
  ).map((row) => ({ jobId: row.id as string, attempt: row.attempt as number }));
  const endedAt = await pollFor(
    async () => {
      const [row] = await cluster.sql`select ended_at from instances where id = ${dead} and status = 'dead'`;
      return row?.ended_at as Date | undefined;
    },
    `${slot.name} to be declared dead`,
    60_000,
  );
  const restartMs = Date.now();
  await cluster.startMaster(slot);
  const kill = {
    name: slot.name,
    wasLeader: lease?.holder === dead,
    killMs,
    restartMs,
    declaredS: (endedAt.getTime() - killMs) / 1000,
    restartedS: (Date.now() - killMs) / 1000,
    orphaned,
  };
  ctx.log(
    `  killed ${kill.name}${kill.wasLeader ? ' (leader)' : ''} with ${orphaned.length} running jobs; declared dead after ${kill.declaredS.toFixed(2)} s; restarted`,
  );
  return kill;
}

function row(kill: Kill, figures: KillFigures): Record<string, number> {
  return { ...figures, declaredS: kill.declaredS, restartedS: kill.restartedS };
}

export const failover: Workload = {
  name: 'failover',
  title: '6. Failover',
  runs: 1,
  inSmoke: false,
  describe: (smoke) => {
    const size = plan(smoke);
    return (
      `${size.masters} master processes (the real bin) on one throwaway PostgreSQL database, cluster defaults ` +
      `(heartbeatMs 1000, deadAfterMs ${DEAD_AFTER_S * 1000}); ${size.workers} worker processes with \`worker.masters\` ` +
      `listing all three, capacity ${size.capacity} each; ${size.schedules} cron schedules \`* * * * * *\` whose ` +
      `task sleeps ${size.jobMs / 1000} s (maxInstances 20, 5 attempts). After a warm-up, ${size.kills} times: ` +
      `kill -9 a random master, restart it (same name and ports) once it is declared dead, ${size.roundMs / 1000} s ` +
      `per round. Per kill, over the fire times due from ${BEFORE_MS / 1000} s before to ${AFTER_MS / 1000} s after ` +
      'it: gap = the longest time between the first starts (on a worker) of two consecutive fire times of one ' +
      'schedule; late = first start − fire time, fires due after the kill (due at: when the latest of them was due; down: due before the restart); ' +
      'declared = kill → the dead row; restarted = kill → the restarted master registered and serving; ' +
      'takeover = kill → the last job the dead master had running started its next attempt on a worker; ' +
      'ran twice = of those, attempts that had completed on the worker before they were run again; ' +
      'duplicates = a fire time with two jobs; missed = a fire time with no job, or only a `missed` one. ' +
      'CPU = the three masters, CPU seconds per 1,000 fires. The row "no kill" judges the same way 10 s ' +
      'without kills just before the first, as the baseline of this machine.'
    );
  },
  metrics: [
    { key: 'gapS', label: 'longest gap', unit: 's', better: 'lower' },
    { key: 'lateMaxS', label: 'late max', unit: 's', better: 'lower' },
    { key: 'lateP99S', label: 'late p99', unit: 's', better: 'lower' },
    { key: 'lateAtS', label: 'late max: due at', unit: 's after kill', better: 'lower' },
    { key: 'downLateMaxS', label: 'late max, down', unit: 's', better: 'lower' },
    { key: 'declaredS', label: 'declared', unit: 's', better: 'lower' },
    { key: 'restartedS', label: 'restarted', unit: 's', better: 'lower' },
    { key: 'takeoverS', label: 'takeover', unit: 's', better: 'lower' },
    { key: 'orphaned', label: 'jobs taken over', unit: 'count', better: 'lower' },
    { key: 'notRerun', label: 'not run again', unit: 'count', better: 'lower' },
    { key: 'ranTwice', label: 'ran twice', unit: 'count', better: 'lower' },
    { key: 'duplicates', label: 'duplicates', unit: 'fires', better: 'lower' },
    { key: 'missed', label: 'missed', unit: 'fires', better: 'lower' },
    { key: 'cpuPer1000', label: 'master CPU', unit: 's / 1,000 fires', better: 'lower' },
  ],
  chartMetric: 'takeoverS',
  appendix: publishedFailoverTimes,
  targets: [
    {
      label: 'fires continue within 1 s of a kill (late max ≤ 1 s, worst kill)',
      check: (m) => {
        const v = m.worst?.lateMaxS ?? Number.NaN;
        return {
          met: v <= 1,
          measured: `late max ${v.toFixed(2)} s, longest gap ${m.worst?.gapS?.toFixed(2)} s`,
        };
      },
    },
    {
      label: `a dead master's running jobs run again within deadAfterMs + 1 s (${DEAD_AFTER_S + 1} s, worst kill)`,
      check: (m) => {
        const v = m.worst?.takeoverS ?? Number.NaN;
        return { met: v <= DEAD_AFTER_S + 1, measured: `${v.toFixed(2)} s` };
      },
    },
    {
      label: '0 duplicates, 0 missed (all kills)',
      check: (m) => {
        const [d, n] = [m.total?.duplicates ?? Number.NaN, m.total?.missed ?? Number.NaN];
        return { met: d === 0 && n === 0, measured: `${d} duplicates, ${n} missed` };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 180_000 : 900_000),
  async run(ctx): Promise<RunResult> {
    const size = plan(ctx.smoke);
    const cluster = await startFailoverCluster(size);
    try {
      const since = new Date();
      const scheduleIds = await createSchedules(cluster, size.schedules);
      await warmUp(cluster, since);
      const steady = await steadyWindow(cluster);
      const { cpuPer1000 } = steady;
      ctx.log(`  warmed up; masters ${cpuPer1000.toFixed(2)} CPU s per 1,000 fires`);
      const kills: Kill[] = [];
      for (let k = 0; k < size.kills; k++) {
        const kill = await killAndRestart(cluster, ctx);
        kills.push(kill);
        await sleep(kill.killMs + size.roundMs - Date.now());
      }
      // The last window's fire times have started by now; read what ran and what was recorded.
      const executions = cluster.executions();
      const jobs: JobRow[] = (await cluster.sql`select schedule_id, scheduled_at, status from jobs`).map(
        (job) => ({
          scheduleId: job.schedule_id as string,
          dueMs: (job.scheduled_at as Date).getTime(),
          status: job.status as string,
        }),
      );
      const result: RunResult = {};
      const figures = kills.map((kill) => {
        const f = judgeKill(
          {
            fromMs: second(kill.killMs - BEFORE_MS),
            toMs: second(kill.killMs + AFTER_MS),
            killMs: kill.killMs,
            restartMs: kill.restartMs,
            scheduleIds,
            orphaned: kill.orphaned,
          },
          executions,
          jobs,
        );
        return row(kill, f);
      });
      const baseline = judgeKill(
        {
          fromMs: second(steady.from.getTime()) + 1000,
          toMs: second(steady.to.getTime()),
          killMs: steady.from.getTime(),
          restartMs: steady.to.getTime(),
          scheduleIds,
          orphaned: [],
        },
        executions,
        jobs,
      );
      result['no kill (10 s steady)'] = {
        gapS: baseline.gapS,
        lateMaxS: baseline.lateMaxS,
        lateP99S: baseline.lateP99S,
        duplicates: baseline.duplicates,
        missed: baseline.missed,
        cpuPer1000,
      };
      figures.forEach((f, i) => {
        const kill = kills[i];
        result[`kill ${i + 1}: ${kill?.name}${kill?.wasLeader ? ' (leader)' : ''}`] = f;
        ctx.log(`  kill ${i + 1}: ${JSON.stringify(f)}`);
      });
      const across = (keys: string[], pick: (values: number[]) => number) =>
        Object.fromEntries(keys.map((key) => [key, pick(figures.map((f) => f[key] ?? Number.NaN))]));
      const timed = [
        'gapS',
        'lateMaxS',
        'lateP99S',
        'lateAtS',
        'downLateMaxS',
        'declaredS',
        'restartedS',
        'takeoverS',
      ];
      const counted = ['orphaned', 'notRerun', 'ranTwice', 'duplicates', 'missed'];
      result[`median of ${kills.length} kills`] = across([...timed, ...counted], (v) => spread(v).median);
      result.worst = across([...timed, ...counted], (v) => spread(v).max);
      result.total = across(counted, (v) => v.reduce((a, b) => a + b, 0));
      return result;
    } finally {
      await cluster.close();
    }
  },
};
