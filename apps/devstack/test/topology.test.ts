import { describe, expect, it } from 'vitest';
import type { DevState } from '../src/state.ts';
import { DEFAULT_PORTS, highestPort, linkEndpoint, type NodeSpec, topology } from '../src/topology.ts';

const pair = { publicKey: 'public', secretKey: 'secret' };
const state: DevState = {
  dir: '/state',
  fresh: false,
  secrets: {
    token: 'token',
    link: pair,
    zones: { admin: pair, regional: pair, dmz: pair },
    handler: pair,
    dmzReplica: pair,
    regionalReplica: pair,
  },
};
const DATABASE = 'postgres://postgres@127.0.0.1:5432/schedulezero_dev';

type Endpoints = { publish: string; sync: string };
type MasterConfig = { handlers: { bind: string }; replication: { zones: Record<string, Endpoints> } };
const portOf = (endpoint: string) => Number(endpoint.split(':').at(-1));

/** Every port a node binds: its HTTP port and, on a master, its handler link and zone endpoints. */
function bound(node: NodeSpec): number[] {
  const http = (node.config.network as { port: number } | undefined)?.port;
  const own = http === undefined ? [] : [http];
  if (node.kind !== 'master') return own;
  const { handlers, replication } = node.config as unknown as MasterConfig;
  const zones = Object.values(replication.zones).flatMap((zone) => [zone.publish, zone.sync]);
  return [...own, ...[handlers.bind, ...zones].map(portOf)];
}

describe('the development topology', () => {
  it('without a cluster: one master on SQLite, two replicas, the worker on its link', () => {
    const nodes = topology(state, DEFAULT_PORTS);
    expect(nodes.map((node) => node.name)).toEqual(['master', 'dmz-replica', 'regional-replica', 'handler']);
    expect(nodes[0]?.config).toMatchObject({
      node: { name: 'dev-master' },
      database: { url: 'sqlite:/state/data/master.db' },
      logging: { level: 'info', pretty: true },
    });
    expect(JSON.stringify(nodes[0]?.config)).not.toContain('eventLog');
    expect(nodes[1]?.config).toMatchObject({ database: { url: 'sqlite:/state/data/dmz-replica.db' } });
    expect(highestPort(DEFAULT_PORTS, 1)).toBe(8890);
  });

  it.each([2, 3])(
    'with %i masters: one database, a name, ports and event log each; the others follow the first',
    (masters) => {
      const nodes = topology(state, DEFAULT_PORTS, [], { databaseUrl: DATABASE, masters });
      const names = ['master-a', 'master-b', 'master-c'].slice(0, masters);
      expect(nodes.map((node) => node.name)).toEqual([
        ...names,
        'dmz-replica',
        'regional-replica',
        'handler',
      ]);
      const masterNodes = nodes.filter((node) => node.kind === 'master');
      for (const [index, node] of masterNodes.entries())
        expect(node.config).toMatchObject({
          node: { type: 'master', name: `dev-${names[index]}` },
          database: { url: DATABASE },
          logging: { eventLog: `/state/logs/${names[index]}.events.jsonl` },
        });
      // No two nodes bind one port, and the offset check knows the highest one.
      const ports = nodes.flatMap(bound);
      expect(new Set(ports).size).toBe(ports.length);
      expect(ports.length).toBe(masters * 8 + 2);
      expect(Math.max(...ports)).toBe(highestPort(DEFAULT_PORTS, masters));
      expect(masterNodes.map((node) => node.url)).toEqual(
        ['http://127.0.0.1:8888', 'http://127.0.0.1:8891', 'http://127.0.0.1:8892'].slice(0, masters),
      );
      // The worker links to the first master; each replica reads the first master's zone stream.
      const first = masterNodes[0]?.config as unknown as MasterConfig;
      expect(first.handlers.bind).toBe(linkEndpoint(DEFAULT_PORTS));
      const handler = nodes.find((node) => node.kind === 'handler');
      expect(handler?.config).toMatchObject({ worker: { master: linkEndpoint(DEFAULT_PORTS) } });
      for (const replica of nodes.filter((node) => node.kind === 'replica')) {
        const { zone, master } = replica.config.replication as { zone: string; master: Endpoints };
        const { publish, sync } = first.replication.zones[zone] ?? { publish: '', sync: '' };
        expect(master).toMatchObject({ publish, sync });
        expect(replica.config.database).toEqual({ url: `sqlite:/state/data/ha-${replica.name}.db` });
      }
    },
  );
});
