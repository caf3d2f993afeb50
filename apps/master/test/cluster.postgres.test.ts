import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { postgresGate } from '@schedulezero/scheduler-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/http.ts';
import {
  type ClusterMaster,
  createTestCluster,
  DEAD_AFTER_MS,
  HEARTBEAT_MS,
  type TestCluster,
} from './support/master-cluster.ts';
import { killLeftovers } from './support/master-process.ts';

/**
 * A cluster of real master processes on the real PostgreSQL: kill -9 and SIGSTOP, and what the
 * survivors do about it. Timings: heartbeat 200 ms, dead after 1500 ms.
 */

const gate = await postgresGate('PostgreSQL master cluster tests');

/** Room for the lease of a killed leader to run out and a heartbeat to notice, plus a busy machine. */
const MARGIN_MS = 3_000;

interface InstanceRow {
  id: string;
  name: string;
  pid: number;
  status: string;
  incarnation: number;
  ended_by: string | null;
  last_seen_at: Date;
}

interface JobRow {
  id: string;
  status: string;
  attempt: number;
  owner: string | null;
  handler: string | null;
}

/**
 * Prometheus' linter on a PostgreSQL master's /metrics (the cluster families show only there);
 * '' when clean. Without promtool it is not run, except with CI=true, where that fails.
 */
function promtoolProblems(text: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  if (run.error !== undefined) {
    if (process.env.CI === 'true')
      throw new Error(`promtool is missing (CI=true requires it): ${run.error.message}`);
    console.warn('WARNING: promtool is missing: the cluster metrics are not linted');
    return '';
  }
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim();
}

describe.skipIf(gate.skip)('a cluster of masters on PostgreSQL', () => {
  let cluster: TestCluster;

  beforeEach(async () => {
    gate.assertReachable();
    cluster = await createTestCluster();
  });
  afterEach(async () => {
    const leaked = await killLeftovers();
    await cluster.close();
    expect(leaked, 'processes left running by the test').toBe(0);
  });

  const instanceOf = async (id: string) =>
    (await cluster.sql`select * from instances where id = ${id}`)[0] as InstanceRow | undefined;
  const jobs = async (ids: readonly string[]) =>
    (await cluster.sql`
      select id, status, attempt, owner_instance_id as owner, handler_id as handler
      from jobs where id in ${cluster.sql(ids)} order by id`) as unknown as JobRow[];
  const instanceIdOf = async (master: ClusterMaster) => {
    const [row] = await cluster.sql`
      select id from instances where pid = ${master.process.child.pid ?? -1} and status = 'active'`;
    return row?.id as string;
  };
  /** The lines of a master's cluster event log (`logging.eventLog`), without `at` and `node`. */
  const events = (master: ClusterMaster) =>
    readFileSync(cluster.eventLog(master.name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const { at, node, ...event } = JSON.parse(line);
        expect(Number.isNaN(Date.parse(at))).toBe(false);
        expect(node).toBe(master.name);
        return event;
      });
  const declaredDeadLines = (masters: readonly ClusterMaster[]) =>
    masters.flatMap((master) =>
      master.process.logs.filter(
        (line) => line.msg === 'instance declared dead; its running jobs were taken over',
      ),
    );

  /** `count` run-now jobs of a 20 s sleep with two attempts, all running. */
  async function runningJobs(via: ClusterMaster, count: number, sleepMs = 20_000): Promise<JobRow[]> {
    const created = await cluster.api(via, 'POST', '/api/schedules', {
      id: 'work',
      task: 'sleep',
      trigger: { type: 'cron', expression: '0 0 1 1 *' },
      args: { ms: sleepMs },
      maxInstances: count,
      retry: { maxAttempts: 2, backoffMs: 0 },
      timeoutSeconds: 120,
    });
    expect(created.status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const run = await cluster.api(via, 'POST', '/api/schedules/work/run');
      expect(run.status).toBe(202);
      ids.push(run.body.job.id);
    }
    return waitFor(async () => {
      const rows = await jobs(ids);
      return rows.every((row) => row.status === 'running' && row.owner !== null) ? rows : undefined;
    }, 'the jobs to run');
  }

  it('a master killed with running jobs is declared dead once, by one survivor, and its jobs run again', async () => {
    const masters = [await cluster.start('m1'), await cluster.start('m2'), await cluster.start('m3')];
    const running = await runningJobs(masters[0] as ClusterMaster, 3);
    const ownerId = running[0]?.owner as string;
    const ownerPid = Number((await instanceOf(ownerId))?.pid);
    const owner = masters.find((master) => master.process.child.pid === ownerPid);
    expect(owner, 'the master running the first job').toBeDefined();
    const victim = owner as ClusterMaster;
    const survivors = masters.filter((master) => master !== victim);
    const victimJobs = running.filter((row) => row.owner === ownerId).map((row) => row.id);

    const killedAt = Date.now();
    expect(await victim.process.stop('SIGKILL')).toBe(137);
    const rerun = await waitFor(
      async () => {
        const rows = await jobs(victimJobs);
        return rows.every((row) => row.attempt === 2 && row.status === 'running') ? rows : undefined;
      },
      'the dead master jobs to run again',
      DEAD_AFTER_MS + MARGIN_MS + 2_000,
    );
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(DEAD_AFTER_MS + MARGIN_MS);
    const survivorIds = await Promise.all(survivors.map(instanceIdOf));
    for (const row of rerun) expect(survivorIds).toContain(row.owner);

    const dead = await instanceOf(ownerId);
    expect(dead).toMatchObject({ status: 'dead', name: victim.name });
    expect(survivorIds).toContain(dead?.ended_by);
    // Once: one survivor logged it, and a later sweep does not declare it again.
    const later = new Date(Date.now() + 3 * HEARTBEAT_MS);
    await waitFor(async () => {
      const seen = await instanceOf(survivorIds[0] ?? '');
      return seen && seen.last_seen_at > later ? true : undefined;
    }, 'a few more heartbeats (and sweeps)');
    expect(declaredDeadLines(survivors)).toHaveLength(1);
    expect(declaredDeadLines(survivors)[0]).toMatchObject({ instanceId: ownerId, jobs: victimJobs.length });

    // What an operator sees on any survivor: the dead instance, the leader, the log; and the metrics.
    const view = await cluster.api(survivors[0] as ClusterMaster, 'GET', '/api/cluster');
    expect(view.status).toBe(200);
    expect(view.body.mode).toBe('cluster');
    expect(view.body.instances).toContainEqual(
      expect.objectContaining({ id: ownerId, name: victim.name, status: 'dead', endedBy: dead?.ended_by }),
    );
    expect(view.body.instances.filter((row: { status: string }) => row.status === 'active')).toHaveLength(2);
    expect(survivorIds).toContain(view.body.leader.instanceId);
    expect(view.body.leadershipLog[0]).toMatchObject({
      event: 'elected',
      instanceId: view.body.leader.instanceId,
      term: view.body.leader.term,
    });
    const metrics = await Promise.all(
      survivors.map(async (survivor) => (await fetch(`${survivor.url}/metrics`)).text()),
    );
    for (const text of metrics) {
      expect(promtoolProblems(text)).toBe('');
      expect(text).toMatch(/^schedulezero_cluster_instances\{[^}]*status="dead"[^}]*\} 1$/m);
      expect(text).toMatch(/^schedulezero_cluster_instances\{[^}]*status="active"[^}]*\} 2$/m);
    }
    const leaderFlags = metrics.map(
      (text) => /^schedulezero_cluster_is_leader(?:\{[^}]*\})? (\d)$/m.exec(text)?.[1],
    );
    expect(leaderFlags.sort()).toEqual(['0', '1']);
    const takeovers = metrics.map(
      (text) => /^schedulezero_cluster_takeovers_total(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1],
    );
    expect(takeovers.sort()).toEqual(['0', '1']);

    for (const survivor of survivors) expect(await survivor.process.stop('SIGTERM')).toBe(0);
    // A graceful stop hands back at once: nothing stays running, both survivors ended themselves.
    const left = await jobs(victimJobs);
    for (const row of left) expect(row.status).not.toBe('running');
    for (const id of survivorIds)
      expect(await instanceOf(id)).toMatchObject({ status: 'dead', ended_by: id });
  }, 90_000);

  it('a schedule created on one master is fired on time by another while the first is paused', async () => {
    const creator = await cluster.start('m1');
    const other = await cluster.start('m2');
    // Far inside the 30 s safety-net sleep: only a wake-up from m1 makes m2 plan it in time.
    const at = new Date(Date.now() + 1_500);
    const created = await cluster.api(creator, 'POST', '/api/schedules', {
      id: 'once',
      task: 'sleep',
      trigger: { type: 'date', at: at.toISOString() },
      args: { ms: 10 },
    });
    expect(created.status).toBe(201);
    creator.process.child.kill('SIGSTOP');
    try {
      const [job] = await waitFor(
        async () => {
          const rows = await cluster.sql`
            select status, handler_id as handler from jobs where schedule_id = 'once' and status = 'succeeded'`;
          return rows.length > 0 ? rows : undefined;
        },
        'the other master to fire it',
        10_000,
      );
      expect(job?.handler).toBe(other.name);
    } finally {
      creator.process.child.kill('SIGCONT');
    }
    const all = await cluster.sql`select id from jobs where schedule_id = 'once'`;
    expect(all).toHaveLength(1);
    for (const master of [creator, other]) expect(await master.process.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('a killed leader is replaced, and the leadership log shows the expiry and the election', async () => {
    const masters = [await cluster.start('m1'), await cluster.start('m2')];
    const [lease] = await waitFor(async () => {
      const rows = await cluster.sql`select holder, term from leader_lease where holder is not null`;
      return rows.length > 0 ? rows : undefined;
    }, 'a leader');
    const leaderId = lease?.holder as string;
    const term = Number(lease?.term);
    const leaderPid = Number((await instanceOf(leaderId))?.pid);
    const leader = masters.find((master) => master.process.child.pid === leaderPid) as ClusterMaster;
    const other = masters.find((master) => master !== leader) as ClusterMaster;
    const otherId = await instanceIdOf(other);

    const killedAt = Date.now();
    expect(await leader.process.stop('SIGKILL')).toBe(137);
    const [next] = await waitFor(
      async () => {
        const rows = await cluster.sql`select holder, term from leader_lease where holder = ${otherId}`;
        return rows.length > 0 ? rows : undefined;
      },
      'a new leader',
      DEAD_AFTER_MS + MARGIN_MS + 2_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(DEAD_AFTER_MS + MARGIN_MS);
    expect(Number(next?.term)).toBe(term + 1);
    const log = await cluster.sql`select term, instance_id, event from leadership_log order by id`;
    expect(log.map((row) => [Number(row.term), row.instance_id, row.event]).slice(-2)).toEqual([
      [term, leaderId, 'expired'],
      [term + 1, otherId, 'elected'],
    ]);
    // The new leader's first duty: the old one is declared dead.
    await waitFor(
      async () => ((await instanceOf(leaderId))?.status === 'dead' ? true : undefined),
      'the old leader declared dead',
      DEAD_AFTER_MS + MARGIN_MS,
    );
    expect(other.process.logs.some((line) => line.msg === 'elected cluster leader')).toBe(true);

    expect(await other.process.stop('SIGTERM')).toBe(0);
    const resigned = await cluster.sql`select event from leadership_log order by id desc limit 1`;
    expect(resigned[0]?.event).toBe('resigned');

    // The event logs tell the same story, one JSON line per event.
    expect(events(leader)).toEqual([
      { event: 'instance_registered', instanceId: leaderId, name: leader.name, incarnation: 1 },
      { event: 'leader_elected', instanceId: leaderId, term },
    ]);
    expect(events(other)).toEqual([
      { event: 'instance_registered', instanceId: otherId, name: other.name, incarnation: 1 },
      { event: 'leader_elected', instanceId: otherId, term: term + 1 },
      expect.objectContaining({ event: 'instance_dead', instanceId: leaderId, by: otherId, jobs: 0 }),
      { event: 'leader_resigned', instanceId: otherId, term: term + 1 },
    ]);
  }, 90_000);

  it('a master paused longer than deadAfterMs is fenced: its late result is refused and it comes back as a new incarnation', async () => {
    const masters = [await cluster.start('m1'), await cluster.start('m2')];
    // 2.5 s jobs: the paused master's attempt ends right after it resumes, over the restarted one.
    const running = await runningJobs(masters[0] as ClusterMaster, 1, 2_500);
    const ownerId = running[0]?.owner as string;
    const pausedPid = Number((await instanceOf(ownerId))?.pid);
    const paused = masters.find((master) => master.process.child.pid === pausedPid) as ClusterMaster;
    const survivor = masters.find((master) => master !== paused) as ClusterMaster;
    const jobId = running[0]?.id as string;

    paused.process.child.kill('SIGSTOP');
    try {
      await waitFor(
        async () => {
          const [row] = await jobs([jobId]);
          return row?.attempt === 2 ? row : undefined;
        },
        'the job to run again on the survivor',
        DEAD_AFTER_MS + MARGIN_MS + 2_000,
      );
      expect(await instanceOf(ownerId)).toMatchObject({ status: 'dead' });
    } finally {
      paused.process.child.kill('SIGCONT');
    }

    const reborn = await waitFor(
      async () => {
        const rows = await cluster.sql`
        select * from instances where name = ${paused.name} and status = 'active' and id <> ${ownerId}`;
        return rows[0];
      },
      'the paused master to register again',
      10_000,
    );
    expect(reborn.incarnation).toBe(2);
    expect(Number(reborn.pid)).toBe(pausedPid);
    expect(
      paused.process.logs.some((line) => String(line.msg).includes('declared dead by the cluster')),
    ).toBe(true);
    expect(events(paused)).toEqual(
      expect.arrayContaining([
        { event: 'fenced', instanceId: ownerId, name: paused.name },
        { event: 'instance_registered', instanceId: reborn.id, name: paused.name, incarnation: 2 },
      ]),
    );
    expect(events(survivor)).toContainEqual(
      expect.objectContaining({ event: 'instance_dead', instanceId: ownerId, jobs: 1, retried: 1 }),
    );

    // The job ends once, by the survivor's attempt; the paused master's late result was refused.
    const [done] = await waitFor(
      async () => {
        const rows = await jobs([jobId]);
        return rows[0]?.status === 'succeeded' ? rows : undefined;
      },
      'the second attempt to succeed',
      10_000,
    );
    expect(done).toMatchObject({ attempt: 2, handler: survivor.name });
    await waitFor(
      async () =>
        paused.process.logs.some((line) => line.msg === 'job outcome not recorded' && line.reason === 'stale')
          ? true
          : undefined,
      'the paused master to see its result refused',
      10_000,
    );
    // Nothing was claimed under the dead incarnation after it was fenced.
    const claimedByDead = await cluster.sql`select id from jobs where owner_instance_id = ${ownerId}`;
    expect(claimedByDead).toHaveLength(0);

    for (const master of masters) expect(await master.process.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
