import { hostname } from 'node:os';
import type { MetricFamily } from '@schedulezero/http-api';
import type { ClusterJson } from '@schedulezero/protocol';
import type { ClusterMember, ClusterMemberStats, Instance, MasterStore } from '@schedulezero/scheduler-core';
import { masterAddresses } from './cluster-membership.ts';
import type { MasterConfig } from './config.ts';

/** What GET /api/cluster answers and what /metrics counts about the cluster (docs/ha.md). */

/** Leadership-log rows in the view. */
const LOG_ROWS = 50;

const iso = (date: Date | null) => date?.toISOString() ?? null;

function instanceJson(instance: Instance): ClusterJson['instances'][number] {
  return {
    ...instance,
    startedAt: instance.startedAt.toISOString(),
    lastSeenAt: instance.lastSeenAt.toISOString(),
    endedAt: iso(instance.endedAt),
  };
}

/** A master on SQLite, described as the one instance of its cluster. */
export function singleInstance(self: {
  config: MasterConfig;
  version: string;
  startedAt: Date;
  http: string | null;
  leaving: boolean;
}): ClusterJson['instances'][number] {
  const name = self.config.node.name;
  return {
    id: name,
    name,
    incarnation: 1,
    pid: process.pid,
    host: hostname(),
    version: self.version,
    addresses: masterAddresses(self.config, self.http),
    status: self.leaving ? 'leaving' : 'active',
    startedAt: self.startedAt.toISOString(),
    lastSeenAt: new Date().toISOString(),
    endedAt: null,
    endedBy: null,
  };
}

/** The cluster as its database records it; on SQLite, this one master alone. */
export function clusterView(
  store: Pick<MasterStore, 'cluster'>,
  member: ClusterMember | undefined,
  single: () => ClusterJson['instances'][number],
): () => Promise<ClusterJson> {
  const cluster = store.cluster;
  if (cluster === undefined || member === undefined) {
    return async () => {
      const self = single();
      return { mode: 'single', self: self.id, instances: [self], leader: null, leadershipLog: [] };
    };
  }
  return async () => {
    const [instances, lease, log] = await Promise.all([
      cluster.listInstances(),
      cluster.lease(),
      cluster.leadershipLog(LOG_ROWS),
    ]);
    const live = lease.holder !== null && lease.expiresAt !== null && lease.expiresAt.getTime() > Date.now();
    return {
      mode: 'cluster',
      self: member.stats().instanceId,
      instances: instances.map(instanceJson),
      leader:
        live && lease.holder !== null
          ? { instanceId: lease.holder, term: lease.term, expiresAt: iso(lease.expiresAt) }
          : null,
      leadershipLog: log.map((row) => ({ ...row, at: row.at.toISOString() })),
    };
  };
}

/** schedulezero_cluster_*: instances by status, whether this master leads, the takeovers it made. */
export function clusterMetrics(stats: ClusterMemberStats): MetricFamily[] {
  return [
    {
      name: 'schedulezero_cluster_instances',
      type: 'gauge',
      help: 'Master instances registered in the cluster, by status (as of the last heartbeat).',
      samples: Object.entries(stats.instances).map(([status, count]) => [{ status }, count]),
    },
    {
      name: 'schedulezero_cluster_is_leader',
      type: 'gauge',
      help: '1 while this master holds the leader lease, else 0.',
      samples: [[{}, stats.leader ? 1 : 0]],
    },
    {
      name: 'schedulezero_cluster_takeovers_total',
      type: 'counter',
      help: 'Dead master instances this master declared dead and took the running jobs of.',
      samples: [[{}, stats.takeovers]],
    },
  ];
}
