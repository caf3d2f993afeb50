import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterStore, InstanceRegistration } from '../../src/cluster/types.ts';
import type { MasterStore } from '../../src/store/roles.ts';
import { eventually, PG_TEST_URL, pgTestDatabases, postgresGate } from '../../src/testing/index.ts';
import {
  at,
  changeLog,
  finishJob,
  jobDraft,
  manualJob,
  oneSchedule,
  recordingProjector,
  useStoreHarness,
} from '../store/contract/fixtures.ts';

/** The instance registry, the claim fence, dead-instance recovery and the leader lease, on PostgreSQL. */

const gate = await postgresGate('PostgreSQL cluster tests');
const databases = pgTestDatabases(PG_TEST_URL);
afterAll(() => databases.teardown());

let counter = 0;
function registration(name: string): InstanceRegistration {
  counter += 1;
  return {
    id: `${name}-${counter}`,
    name,
    pid: 1000 + counter,
    host: 'test-host',
    version: '0.0.0-test',
    addresses: { http: null, handlerLink: null, zones: {} },
  };
}

function clusterOf(store: MasterStore): ClusterStore {
  if (store.cluster === undefined) throw new Error('the PostgreSQL store has a cluster port');
  return store.cluster;
}

describe.skipIf(gate.skip)('cluster on PostgreSQL', () => {
  const harness = useStoreHarness(async () => {
    gate.assertReachable();
    return databases.create();
  });
  const cluster = () => clusterOf(harness.store);

  /** Two running jobs claimed by `owner`: one with an attempt left, one on its last attempt. */
  async function runningJobsOf(owner: string) {
    const schedule = await oneSchedule(harness.store);
    const retried = await manualJob(harness.store, schedule, at(1), { maxAttempts: 2 });
    const exhausted = await manualJob(harness.store, schedule, at(2), { maxAttempts: 1 });
    const claimed = await harness.store.claimJobs({ now: at(10), limit: 10, claimedBy: 'node', owner });
    expect(claimed.map((job) => job.id).sort()).toEqual([retried.id, exhausted.id].sort());
    return { retried, exhausted };
  }

  it('registers each start as a new incarnation of its name, and heartbeats', async () => {
    const first = await cluster().register(registration('alpha'));
    const second = await cluster().register(registration('alpha'));
    const other = await cluster().register(registration('beta'));
    expect([first.incarnation, second.incarnation, other.incarnation]).toEqual([1, 2, 1]);
    expect(first).toMatchObject({ status: 'active', endedAt: null, endedBy: null, host: 'test-host' });
    const addresses = { http: 'http://127.0.0.1:1', handlerLink: null, zones: {} };
    expect(await cluster().heartbeat(first.id, addresses)).toBe('ok');
    const listed = await cluster().listInstances();
    expect(listed.map((instance) => instance.id).sort()).toEqual([first.id, second.id, other.id].sort());
    const seen = listed.find((instance) => instance.id === first.id);
    expect(seen?.addresses).toEqual(addresses);
    expect(seen?.lastSeenAt.getTime()).toBeGreaterThanOrEqual(first.lastSeenAt.getTime());
  });

  it('records the claiming instance on the job, and a master that is not active claims nothing', async () => {
    const live = await cluster().register(registration('alpha'));
    const leaving = await cluster().register(registration('beta'));
    await cluster().markLeaving(leaving.id);
    const schedule = await oneSchedule(harness.store);
    await manualJob(harness.store, schedule, at(1));
    const refused = await harness.store.claimJobs({
      now: at(10),
      limit: 5,
      claimedBy: 'b',
      owner: leaving.id,
    });
    expect(refused).toEqual([]);
    const unknown = await harness.store.claimJobs({ now: at(10), limit: 5, claimedBy: 'x', owner: 'nobody' });
    expect(unknown).toEqual([]);
    const [claimed] = await harness.store.claimJobs({
      now: at(10),
      limit: 5,
      claimedBy: 'a',
      owner: live.id,
    });
    expect(claimed?.status).toBe('running');
    // The job is the live instance's: it goes back when that one leaves, not when the other does.
    expect(await cluster().leave(leaving.id)).toEqual([]);
    expect((await cluster().leave(live.id)).map((job) => job.id)).toEqual([claimed?.id]);
  });

  it('declares a silent instance dead exactly once and recovers its running jobs in that transaction', async () => {
    const dead = await cluster().register(registration('alpha'));
    const { retried, exhausted } = await runningJobsOf(dead.id);
    const survivors = await Promise.all([
      cluster().register(registration('beta')),
      cluster().register(registration('gamma')),
    ]);
    const other = clusterOf(await harness.open({ projector: recordingProjector }));
    // Both survivors sweep at once, again and again, until the silent one is past deadAfterMs.
    const declarations = await eventually(
      async () => {
        for (const survivor of survivors) await cluster().heartbeat(survivor.id, survivor.addresses);
        const rounds = await Promise.all([
          cluster().declareDead(300, survivors[0]?.id ?? ''),
          other.declareDead(300, survivors[1]?.id ?? ''),
        ]);
        const all = rounds.flat();
        expect(all.length).toBeGreaterThan(0);
        return all;
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(declarations.map((declared) => declared.instance.id)).toEqual([dead.id]);
    // Survivors that heartbeat are not silent; later sweeps find nothing more to do.
    for (const survivor of survivors) await cluster().heartbeat(survivor.id, survivor.addresses);
    expect(await cluster().declareDead(300, survivors[0]?.id ?? '')).toEqual([]);

    const [declared] = declarations;
    expect(declared?.instance).toMatchObject({ status: 'dead' });
    expect(survivors.map((survivor) => survivor.id)).toContain(declared?.instance.endedBy);
    const byId = new Map(declared?.recovered.map((job) => [job.id, job]));
    expect(byId.get(retried.id)).toMatchObject({
      status: 'pending',
      attempt: 1,
      error: { code: 'interrupted' },
    });
    expect(byId.get(exhausted.id)).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(byId.get(retried.id)?.error?.message).toContain('was declared dead');
    // The failed one reached the change log in the same commit.
    expect(await changeLog(harness.store, 'admin')).toContain(`job.executed ${exhausted.id}`);

    // The dead instance is fenced: its heartbeat says so, it claims nothing, and its late result is stale.
    expect(await cluster().heartbeat(dead.id, dead.addresses)).toBe('fenced');
    // Recovered jobs are due at once (real time).
    const now = new Date();
    const refused = await harness.store.claimJobs({ now, limit: 5, claimedBy: 'a', owner: dead.id });
    expect(refused).toEqual([]);
    const [again] = await harness.store.claimJobs({ now, limit: 5, claimedBy: 'b', owner: survivors[0]?.id });
    expect(again).toMatchObject({ id: retried.id, attempt: 2, status: 'running' });
    const late = await finishJob(harness.store, {
      jobId: retried.id,
      attempt: 1,
      finishedAt: at(21),
      outcome: { status: 'succeeded', result: 'from the dead master' },
      retryAt: null,
    });
    expect(late).toEqual({ ok: false, reason: 'stale' });
    expect(await harness.store.getJob(retried.id)).toMatchObject({ status: 'running', attempt: 2 });
  });

  it('hands back the running jobs of a master that leaves, and ends it', async () => {
    const leaving = await cluster().register(registration('alpha'));
    const { retried, exhausted } = await runningJobsOf(leaving.id);
    await cluster().markLeaving(leaving.id);
    expect(await cluster().heartbeat(leaving.id, leaving.addresses)).toBe('ok');
    const handedBack = await cluster().leave(leaving.id);
    expect(new Map(handedBack.map((job) => [job.id, job.status]))).toEqual(
      new Map([
        [retried.id, 'pending'],
        [exhausted.id, 'failed'],
      ]),
    );
    const [ended] = (await cluster().listInstances()).filter((instance) => instance.id === leaving.id);
    expect(ended).toMatchObject({ status: 'dead', endedBy: leaving.id });
    expect(await cluster().leave(leaving.id)).toEqual([]);
  });

  it('elects one leader per term, renews, resigns, and logs every election, resignation and expiry', async () => {
    const a = await cluster().register(registration('alpha'));
    const b = await cluster().register(registration('beta'));
    expect(await cluster().claimLeadership(a.id, 60_000)).toEqual({ leader: true, term: 1, elected: true });
    expect(await cluster().claimLeadership(b.id, 60_000)).toEqual({ leader: false, holder: a.id, term: 1 });
    expect(await cluster().claimLeadership(a.id, 60_000)).toEqual({ leader: true, term: 1, elected: false });
    await cluster().resign(a.id);
    expect(await cluster().lease()).toMatchObject({ holder: null, term: 1 });
    expect(await cluster().claimLeadership(b.id, 200)).toEqual({ leader: true, term: 2, elected: true });
    // b stops renewing: once its lease ran out, a takes over with the next term.
    const takeover = await eventually(
      async () => {
        const outcome = await cluster().claimLeadership(a.id, 60_000);
        expect(outcome.leader).toBe(true);
        return outcome;
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(takeover).toEqual({ leader: true, term: 3, elected: true });
    const log = (await cluster().leadershipLog(10)).map((row) => [row.term, row.instanceId, row.event]);
    expect(log).toEqual([
      [3, a.id, 'elected'],
      [2, b.id, 'expired'],
      [2, b.id, 'elected'],
      [1, a.id, 'resigned'],
      [1, a.id, 'elected'],
    ]);
  });

  it('ends the transaction of a store paused inside it, releasing its locks (idleInTransactionTimeoutMs)', async () => {
    const paused = await harness.open({ idleInTransactionTimeoutMs: 200 });
    const schedule = await oneSchedule(harness.store);
    // The draft runs inside the transaction that holds the schedule's row lock; blocking the
    // process there is what SIGSTOP or a long GC pause does to a master.
    const outcome = paused.createManualJob(schedule.id, (current) => {
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        // paused
      }
      return jobDraft(current, at(1));
    });
    await expect(outcome).rejects.toThrow();
    expect((await harness.store.listJobs({ limit: 10 })).items).toEqual([]);
    // The lock is gone and the paused store works again on a new connection.
    expect((await harness.store.createManualJob(schedule.id, (current) => jobDraft(current, at(2)))).ok).toBe(
      true,
    );
    expect((await paused.createManualJob(schedule.id, (current) => jobDraft(current, at(3)))).ok).toBe(true);
  });

  it('never lets an instance that is not active lead', async () => {
    const a = await cluster().register(registration('alpha'));
    await cluster().markLeaving(a.id);
    expect(await cluster().claimLeadership(a.id, 60_000)).toEqual({ leader: false, holder: null, term: 0 });
    expect(await cluster().leadershipLog(10)).toEqual([]);
  });
});
