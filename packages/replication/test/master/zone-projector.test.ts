import type { Schedule } from '@schedulezero/protocol';
import { createZonePolicy } from '@schedulezero/security-filter';
import { describe, expect, it } from 'vitest';
import { createZoneProjector } from '../../src/master/zone-projector.ts';

const CANARY = 'canary-7f3a9c';
const schedule: Schedule = {
  id: 'nightly',
  task: 'export',
  trigger: { type: 'cron', expression: '0 2 * * *', timezone: 'UTC' },
  args: { api_key: CANARY, table: 'orders' },
  metadata: { owner: 'ops', webhook_url: CANARY },
  paused: false,
  misfireGraceSeconds: 60,
  coalesce: 'latest',
  maxInstances: 1,
  retry: { maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 },
  timeoutSeconds: 300,
  target: { tags: [] },
  nextRunAt: new Date('2026-01-02T02:00:00Z'),
  lastRunAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  version: 1,
};

describe('createZoneProjector', () => {
  it('writes one row per zone that receives the kind, each filtered by its policy', () => {
    const projector = createZoneProjector(
      new Map([
        ['admin', createZonePolicy('admin')],
        ['regional', createZonePolicy('regional')],
        ['dmz', createZonePolicy('dmz')],
      ]),
    );
    const records = projector({ kind: 'schedule', op: 'created', schedule });
    expect(records.map((record) => [record.zone, record.topic])).toEqual([
      ['admin', 'schedule.created'],
      ['regional', 'schedule.created'],
      ['dmz', 'schedule.created'],
    ]);
    const [admin, regional, dmz] = records.map((record) => JSON.stringify(record.payload));
    expect(admin).toContain(CANARY);
    expect(regional).not.toContain(CANARY);
    expect(regional).toContain('orders');
    expect(dmz).not.toContain(CANARY);
    expect(dmz).not.toContain('orders');
    expect(dmz).toContain('nightly');
  });

  it('leaves out zones that do not receive a kind', () => {
    const projector = createZoneProjector(
      new Map([['dmz', createZonePolicy({ extends: 'dmz', kinds: ['schedule'] })]]),
    );
    const handler = {
      id: 'w1',
      methods: [],
      zone: 'eu',
      tags: [],
      capacity: 1,
      status: 'healthy',
      lastSeenAt: new Date(),
      activeJobs: 0,
      successCount: 0,
      failureCount: 0,
      avgDurationMs: null,
      registeredAt: new Date(),
    } as const;
    expect(
      projector({ kind: 'handler', op: 'registered', handler: { ...handler, methods: [], tags: [] } }),
    ).toEqual([]);
  });
});
