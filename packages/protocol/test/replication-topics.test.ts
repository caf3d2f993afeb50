import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_TOPIC,
  parseTopic,
  REPLICATION_KINDS,
  REPLICATION_OPS,
  REPLICATION_TOPICS,
  replicationTopic,
  subscriptionPrefixes,
  takesTopic,
  topicKind,
} from '../src/index.ts';

describe('replication topics', () => {
  it('builds `kind.op` and parses it back, for every op of every kind', () => {
    expect(replicationTopic('schedule', 'created')).toBe('schedule.created');
    expect(replicationTopic('job', 'executed')).toBe('job.executed');
    expect(replicationTopic('handler', 'offline')).toBe('handler.offline');
    expect(REPLICATION_TOPICS).toEqual(
      REPLICATION_KINDS.flatMap((kind) => REPLICATION_OPS[kind].map((op) => `${kind}.${op}`)),
    );
    expect(REPLICATION_TOPICS).toHaveLength(7);
    for (const topic of REPLICATION_TOPICS) {
      const parts = parseTopic(topic);
      expect(parts, topic).not.toBeNull();
      if (parts === null) continue;
      expect(replicationTopic(parts.kind, parts.op)).toBe(topic);
      expect(topicKind(topic)).toBe(parts.kind);
    }
  });

  it('parses nothing that is not a known topic', () => {
    for (const topic of [
      HEARTBEAT_TOPIC,
      '',
      '.',
      'schedule',
      'schedule.',
      'schedulex',
      'jobs',
      '.created',
      'audit.logged',
      'job.created',
      'schedule.created.again',
      'Schedule.created',
    ])
      expect(parseTopic(topic), topic).toBeNull();
  });

  it('gives a topic of a known kind its kind whatever the op, and no kind to anything else', () => {
    expect(topicKind('schedule.paused')).toBe('schedule');
    expect(topicKind('job.')).toBe('job');
    for (const topic of [HEARTBEAT_TOPIC, '', 'schedulex', 'jobs', 'handler', 'audit.logged', '.schedule'])
      expect(topicKind(topic), topic).toBeNull();
  });

  it('selects the topics of the kinds a replica takes, by SUB prefix and by row', () => {
    const kinds = ['schedule', 'handler'] as const;
    expect(subscriptionPrefixes(kinds)).toEqual(['heartbeat', 'schedule.', 'handler.']);
    for (const topic of REPLICATION_TOPICS) {
      const byPrefix = subscriptionPrefixes(kinds).some(
        (prefix) => prefix !== HEARTBEAT_TOPIC && topic.startsWith(prefix),
      );
      expect(takesTopic(kinds, topic), topic).toBe(byPrefix);
      expect(takesTopic(null, topic), topic).toBe(true);
    }
    expect(takesTopic(['schedule'], 'audit.logged')).toBe(false);
    expect(takesTopic(null, 'audit.logged')).toBe(true);
  });
});
