import { describe, expect, it } from 'vitest';
import { loadReplicaConfig, replicaMasters, replicaZone } from '../src/config.ts';

const master = { publish: 'tcp://10.0.0.1:5562', sync: 'tcp://10.0.0.1:5563' };

function load(env: Record<string, string>) {
  return loadReplicaConfig({ env, cwd: '/srv/replica' });
}

describe('loadReplicaConfig', () => {
  it('defaults to a public API on 8889 over sqlite:./data/replica.db, all kinds, the node zone', () => {
    const result = load({
      SCHEDULEZERO_REPLICATION__MASTER__PUBLISH: master.publish,
      SCHEDULEZERO_REPLICATION__MASTER__SYNC: master.sync,
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { config } = result;
    expect(config.node.type).toBe('replica');
    expect(config.network.port).toBe(8889);
    expect(config.database.url).toBe('sqlite:/srv/replica/data/replica.db');
    expect(config.api.requireAuth).toBe(false);
    expect(config.replication.kinds).toBeUndefined();
    expect(replicaZone(config)).toBe('dmz');
  });

  it('lists every problem: no master endpoints, an unknown kind, auth without a token', () => {
    const result = load({
      SCHEDULEZERO_REPLICATION__KINDS: '["schedule","secrets"]',
      SCHEDULEZERO_API__REQUIREAUTH: 'true',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toMatch(/replication\.master/);
    expect(text).toMatch(/replication\.kinds/);
    expect(text).toMatch(/api\.tokens/);
  });

  it('takes a zone and a subset of kinds', () => {
    const result = load({
      SCHEDULEZERO_NODE__TYPE: 'replica',
      SCHEDULEZERO_REPLICATION__ZONE: 'regional',
      SCHEDULEZERO_REPLICATION__KINDS: '["schedule","job"]',
      SCHEDULEZERO_REPLICATION__MASTER__PUBLISH: master.publish,
      SCHEDULEZERO_REPLICATION__MASTER__SYNC: master.sync,
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(replicaZone(result.config)).toBe('regional');
    expect(result.config.replication.kinds).toEqual(['schedule', 'job']);
  });

  it('takes the masters of a cluster as a JSON list, with one zone key for all of them', () => {
    const other = { publish: 'tcp://10.0.0.2:5562', sync: 'tcp://10.0.0.2:5563' };
    const result = load({
      SCHEDULEZERO_REPLICATION__MASTERS: JSON.stringify([master, other]),
      SCHEDULEZERO_REPLICATION__SERVERKEYFILE: 'keys/zone-dmz.pub',
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(replicaMasters(result.config)).toEqual({
      masters: [master, other],
      serverKey: undefined,
      serverKeyFile: '/srv/replica/keys/zone-dmz.pub',
      setting: 'replication.masters',
    });
  });

  it('reads the one master as a list of one, its key with it', () => {
    const result = load({
      SCHEDULEZERO_REPLICATION__MASTER__PUBLISH: master.publish,
      SCHEDULEZERO_REPLICATION__MASTER__SYNC: master.sync,
      SCHEDULEZERO_REPLICATION__MASTER__SERVERKEY: 'k'.repeat(40),
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(replicaMasters(result.config)).toMatchObject({
      masters: [master],
      serverKey: 'k'.repeat(40),
      setting: 'replication.master',
    });
  });

  it('refuses master and masters together, naming both, and more than 16 masters', () => {
    const both = load({
      SCHEDULEZERO_REPLICATION__MASTER__PUBLISH: master.publish,
      SCHEDULEZERO_REPLICATION__MASTER__SYNC: master.sync,
      SCHEDULEZERO_REPLICATION__MASTERS: JSON.stringify([master]),
    });
    expect(both.ok).toBe(false);
    if (!both.ok)
      expect(both.problems.join('\n')).toMatch(/replication\.master .*or replication\.masters .*not both/);
    const many = load({ SCHEDULEZERO_REPLICATION__MASTERS: JSON.stringify(Array(17).fill(master)) });
    expect(many.ok).toBe(false);
    if (!many.ok) expect(many.problems.join('\n')).toMatch(/replication\.masters/);
  });
});
