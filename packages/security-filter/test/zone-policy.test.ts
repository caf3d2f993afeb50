import type { Job, Schedule } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { createZonePolicy, zonePolicyConfigSchema } from '../src/zone-policy.ts';

const schedule: Schedule = {
  id: 'nightly-report',
  task: 'send_report',
  trigger: { type: 'cron', expression: '0 2 * * *', timezone: 'Europe/Berlin' },
  args: { to: 'ops@example.com', smtpPassword: 'p4ss' },
  metadata: { team: 'ops', owner: 'ana', slackWebhookUrl: 'https://hooks.example/x' },
  paused: false,
  misfireGraceSeconds: 60,
  coalesce: 'latest',
  maxInstances: 1,
  retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
  timeoutSeconds: 300,
  target: { zone: 'eu', tags: ['mail'] },
  nextRunAt: new Date('2026-02-01T01:00:00Z'),
  lastRunAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-02T00:00:00Z'),
  version: 4,
};

const job: Job = {
  id: 'job-1',
  scheduleId: 'nightly-report',
  task: 'send_report',
  args: { to: 'ops@example.com', smtpPassword: 'p4ss' },
  source: 'schedule',
  scheduledAt: new Date('2026-02-01T01:00:00Z'),
  status: 'failed',
  attempt: 1,
  maxAttempts: 3,
  retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
  timeoutSeconds: 300,
  target: { tags: [] },
  notBefore: new Date('2026-02-01T01:00:00Z'),
  handlerId: 'mailer-7',
  startedAt: new Date('2026-02-01T01:00:01Z'),
  finishedAt: new Date('2026-02-01T01:00:02Z'),
  durationMs: 1000,
  result: null,
  error: { code: 'handler_error', message: 'SMTP auth failed for ops@example.com' },
  missedCount: null,
  missedUntil: null,
  createdAt: new Date('2026-02-01T01:00:00Z'),
  updatedAt: new Date('2026-02-01T01:00:02Z'),
};

describe('built-in zone policies', () => {
  it('dmz: a schedule as the public may see it', () => {
    const out = createZonePolicy('dmz').project({ kind: 'schedule', op: 'updated', schedule });
    expect(out).toEqual({
      kind: 'schedule',
      op: 'updated',
      schedule: {
        id: 'nightly-report',
        task: 'send_report',
        trigger: schedule.trigger,
        paused: false,
        nextRunAt: schedule.nextRunAt,
        lastRunAt: null,
        createdAt: schedule.createdAt,
        updatedAt: schedule.updatedAt,
        version: 4,
      },
    });
  });

  it('dmz: a run as the public may see it — error code, no message, no handler', () => {
    const out = createZonePolicy('dmz').project({ kind: 'job', op: 'executed', job });
    expect(out?.kind === 'job' && out.job).toEqual({
      id: 'job-1',
      scheduleId: 'nightly-report',
      task: 'send_report',
      status: 'failed',
      scheduledAt: job.scheduledAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      durationMs: 1000,
      attempt: 1,
      error: { code: 'handler_error' },
    });
  });

  it('regional: everything but sensitive keys; admin: everything', () => {
    const regional = createZonePolicy('regional').project({ kind: 'schedule', op: 'created', schedule });
    expect(regional?.kind === 'schedule' && regional.schedule).toMatchObject({
      args: { to: 'ops@example.com' },
      metadata: { team: 'ops', owner: 'ana' },
      target: { zone: 'eu', tags: ['mail'] },
    });
    expect(JSON.stringify(regional)).not.toMatch(/p4ss|hooks\.example/);
    const admin = createZonePolicy('admin').project({ kind: 'schedule', op: 'created', schedule });
    expect(admin?.kind === 'schedule' && admin.schedule).toEqual(schedule);
  });

  it('handler events reach the admin zone only', () => {
    const handler = {
      id: 'mailer-7',
      methods: ['send_report'],
      zone: 'eu',
      tags: [],
      capacity: 5,
      status: 'healthy' as const,
      lastSeenAt: new Date(),
      activeJobs: 0,
      successCount: 1,
      failureCount: 0,
      avgDurationMs: null,
      registeredAt: new Date(),
    };
    const change = { kind: 'handler' as const, op: 'registered', handler };
    expect(createZonePolicy('admin').project(change)).toEqual(change);
    expect(createZonePolicy('regional').project(change)).toBeNull();
    expect(createZonePolicy('dmz').project(change)).toBeNull();
    expect(createZonePolicy('admin').kinds).toEqual(['schedule', 'job', 'handler']);
    expect(createZonePolicy('dmz').kinds).toEqual(['schedule', 'job']);
  });
});

describe('configured zone policies', () => {
  it('dmz allow-lists name the metadata, args and result keys that pass', () => {
    const partner = createZonePolicy({
      extends: 'dmz',
      metadataAllow: ['team', 'slackWebhookUrl'],
      argsAllow: ['to'],
    });
    const out = partner.project({ kind: 'schedule', op: 'created', schedule });
    expect(out?.kind === 'schedule' && out.schedule).toMatchObject({
      metadata: { team: 'ops' },
      args: { to: 'ops@example.com' },
    });
    expect(JSON.stringify(out)).not.toMatch(/hooks\.example|ana|p4ss/);
  });

  it('dmz passes metadata.public.title (a status page name) and nothing else of metadata.public', () => {
    const listed = {
      ...schedule,
      metadata: {
        ...schedule.metadata,
        public: { title: 'Nightly backup', owner: 'ana', token: 'p4ss', nested: { x: 1 } },
      },
    };
    for (const policy of [
      createZonePolicy('dmz'),
      createZonePolicy({ extends: 'dmz', metadataAllow: ['public'] }),
    ]) {
      const out = policy.project({ kind: 'schedule', op: 'created', schedule: listed });
      expect(out?.kind === 'schedule' && out.schedule.metadata).toEqual({
        public: { title: 'Nightly backup' },
      });
    }
    const unlisted = createZonePolicy('dmz').project({ kind: 'schedule', op: 'created', schedule });
    expect(unlisted?.kind === 'schedule' && 'metadata' in unlisted.schedule).toBe(false);
  });

  it('kinds narrow what a zone receives', () => {
    const policy = createZonePolicy({ extends: 'regional', kinds: ['schedule'] });
    expect(policy.kinds).toEqual(['schedule']);
    expect(policy.project({ kind: 'job', op: 'executed', job })).toBeNull();
  });

  it('extra sensitive keys add to the defaults', () => {
    const policy = createZonePolicy({ extends: 'regional', sensitiveKeys: ['to'] });
    const out = policy.project({ kind: 'job', op: 'executed', job });
    expect(out?.kind === 'job' && out.job.args).toEqual({});
  });

  it('an object without extends starts from dmz, the narrowest', () => {
    expect(createZonePolicy({}).extends).toBe('dmz');
  });

  it('reports every problem of a configuration at once', () => {
    let message = '';
    try {
      createZonePolicy({
        extends: 'regional',
        kinds: ['handler'],
        metadataAllow: ['team'],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/kinds\.0: policy regional has no projection for handler events/);
    expect(message).toMatch(/metadataAllow: metadataAllow applies to dmz-based policies/);
    expect(() => createZonePolicy({ extends: 'admin', sensitiveKeys: ['x'] })).toThrow(
      /passes secrets by design/,
    );
    expect(() => createZonePolicy({ extends: 'dmz', sensitiveKeys: ['--'] })).toThrow(/letter or digit/);
    expect(() => createZonePolicy('public' as never)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(zonePolicyConfigSchema.safeParse({ extends: 'dmz', shadow: true }).success).toBe(false);
  });

  it('throws on a change without its entity: a bug, not a zone decision', () => {
    expect(() => createZonePolicy('admin').project({ kind: 'job', op: 'executed' } as never)).toThrow(
      TypeError,
    );
  });
});
