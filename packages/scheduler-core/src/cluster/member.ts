import { performance } from 'node:perf_hooks';
import { toError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ClusterEvent } from './events.ts';
import type {
  ClusterStore,
  Instance,
  InstanceAddresses,
  InstanceRegistration,
  InstanceStatus,
} from './types.ts';

/**
 * One master's membership of the cluster: it registers, heartbeats every `heartbeatMs`, holds or
 * waits for the leader lease, and, while leader, declares dead the instances not seen for
 * `deadAfterMs` (taking over their jobs). It knows when it may act: `owner()` is its instance id
 * only while its last confirmed heartbeat is recent enough that no survivor can have declared it
 * dead; after a pause (SIGSTOP, a long GC, a cut to the database) it is null until a heartbeat
 * answers, and when that answer is "fenced" the member registers again as a new incarnation.
 */

export interface ClusterMemberOptions {
  cluster: ClusterStore;
  registration: Omit<InstanceRegistration, 'id'>;
  heartbeatMs: number;
  deadAfterMs: number;
  logger: Logger;
  /** A fresh instance id (one per registration). */
  newId: () => string;
  /** Jobs were sent back to pending (a dead master's): the loop should look for them now. */
  onJobsReleased?: () => void;
  /** Each cluster event of this member, for the event log. Must not throw. */
  onEvent?: (event: ClusterEvent) => void;
}

export interface ClusterMemberStats {
  instanceId: string | null;
  incarnation: number | null;
  leader: boolean;
  term: number | null;
  /** Instances this member declared dead and took the jobs of. */
  takeovers: number;
  /** Times this member found itself declared dead and registered again. */
  fenced: number;
  /** Instances of the cluster by status, as of the last heartbeat. */
  instances: Record<InstanceStatus, number>;
}

export interface ClusterMember {
  start(): Promise<void>;
  /** The instance id while this master may fire and claim, else null. */
  owner(): string | null;
  isLeader(): boolean;
  /** Written to the registry with the next heartbeat (the HTTP port is known only after listen). */
  setAddresses(addresses: InstanceAddresses): void;
  stats(): ClusterMemberStats;
  /** The first half of a graceful stop: `leaving`, so nothing more is claimed, and the lease given up. */
  beginLeave(): Promise<void>;
  /** The second half, once the scheduler stopped: hands back what still runs and ends. */
  leave(): Promise<void>;
}

export function createClusterMember(options: ClusterMemberOptions): ClusterMember {
  const { cluster, heartbeatMs, deadAfterMs, logger } = options;
  let addresses = options.registration.addresses;
  let instance: Instance | undefined;
  /** Monotonic time at which the last acknowledged heartbeat was sent. */
  let confirmedAt = Number.NEGATIVE_INFINITY;
  /** Monotonic time until which this member may act as leader: before its lease can end. */
  let leaderUntil = Number.NEGATIVE_INFINITY;
  let term: number | null = null;
  let takeovers = 0;
  let fenced = 0;
  let counts: Record<InstanceStatus, number> = { active: 0, leaving: 0, dead: 0 };
  let leaving = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  const now = () => performance.now();
  const emit = (event: ClusterEvent) => options.onEvent?.(event);
  const isLeader = () => !leaving && now() < leaderUntil;

  async function register(): Promise<void> {
    const sentAt = now();
    instance = await cluster.register({ ...options.registration, addresses, id: options.newId() });
    confirmedAt = sentAt;
    logger.info({ instanceId: instance.id, incarnation: instance.incarnation }, 'registered in the cluster');
    emit({
      event: 'instance_registered',
      instanceId: instance.id,
      name: instance.name,
      incarnation: instance.incarnation,
    });
  }

  async function tick(): Promise<void> {
    if (instance === undefined) return;
    const sentAt = now();
    const beat = await cluster.heartbeat(instance.id, addresses);
    if (beat === 'fenced') {
      leaderUntil = Number.NEGATIVE_INFINITY;
      logger.error(
        { instanceId: instance.id },
        'this master was declared dead by the cluster: it stopped claiming, and registers again as a new instance',
      );
      emit({ event: 'fenced', instanceId: instance.id, name: instance.name });
      await register();
      fenced += 1;
      return;
    }
    confirmedAt = sentAt;
    counts = await cluster.countInstances();
    if (leaving) return;
    const wasLeader = isLeader();
    const lease = await cluster.claimLeadership(instance.id, deadAfterMs);
    if (!lease.leader) {
      if (wasLeader) {
        logger.warn({ term, holder: lease.holder }, 'no longer the cluster leader');
        emit({ event: 'leader_expired', instanceId: instance.id, term, holder: lease.holder });
      }
      leaderUntil = Number.NEGATIVE_INFINITY;
      return;
    }
    // The lease ends deadAfterMs after the database's now(), which is later than `sentAt`: acting
    // until one heartbeat before sentAt + deadAfterMs stops before the lease can end.
    leaderUntil = sentAt + deadAfterMs - heartbeatMs;
    term = lease.term;
    if (lease.elected) {
      logger.warn({ instanceId: instance.id, term }, 'elected cluster leader');
      emit({ event: 'leader_elected', instanceId: instance.id, term });
    }
    if (isLeader()) await sweep(instance.id);
  }

  /** The leader's duty: declare dead who stopped heartbeating, and take their jobs back. */
  async function sweep(self: string): Promise<void> {
    const declared = await cluster.declareDead(deadAfterMs, self);
    if (declared.some(({ recovered }) => recovered.length > 0)) options.onJobsReleased?.();
    for (const { instance: dead, recovered } of declared) {
      takeovers += 1;
      const counts = {
        jobs: recovered.length,
        retried: recovered.filter((job) => job.status === 'pending').length,
      };
      logger.warn(
        { instanceId: dead.id, name: dead.name, lastSeenAt: dead.lastSeenAt, ...counts },
        'instance declared dead; its running jobs were taken over',
      );
      emit({
        event: 'instance_dead',
        instanceId: dead.id,
        name: dead.name,
        by: self,
        lastSeenAt: dead.lastSeenAt.toISOString(),
        ...counts,
      });
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((error: unknown) => logger.error({ err: toError(error) }, 'cluster heartbeat failed'))
        .finally(() => {
          ticking = undefined;
          schedule();
        });
    }, heartbeatMs);
  }

  return {
    async start() {
      await register();
      await tick();
      schedule();
    },
    owner() {
      if (instance === undefined || leaving) return null;
      return now() - confirmedAt < deadAfterMs - heartbeatMs ? instance.id : null;
    },
    isLeader,
    setAddresses(next) {
      addresses = next;
    },
    stats() {
      return {
        instanceId: instance?.id ?? null,
        incarnation: instance?.incarnation ?? null,
        leader: isLeader(),
        term,
        takeovers,
        fenced,
        instances: { ...counts },
      };
    },
    async beginLeave() {
      const wasLeader = isLeader();
      leaving = true;
      if (instance === undefined) return;
      await cluster.markLeaving(instance.id);
      // At once, not at the end of the grace period: another master takes the duties now.
      await cluster.resign(instance.id);
      if (wasLeader) emit({ event: 'leader_resigned', instanceId: instance.id, term });
    },
    async leave() {
      leaving = true;
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      if (instance === undefined) return;
      try {
        const handedBack = await cluster.leave(instance.id);
        logger.info({ instanceId: instance.id, jobs: handedBack.length }, 'left the cluster');
      } catch (error) {
        // The stop goes on: the others declare this master dead after deadAfterMs instead.
        logger.warn(
          { err: toError(error), instanceId: instance.id },
          'could not leave the cluster; the other masters will declare this one dead',
        );
      }
    },
  };
}
