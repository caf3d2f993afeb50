/** The topics of the replication stream: a change's kind and op, and which ones a replica takes. */

/** What a replica can choose to take: every change belongs to one kind. */
export const REPLICATION_KINDS = ['schedule', 'job', 'handler'] as const;
export type ReplicationKind = (typeof REPLICATION_KINDS)[number];

/** The changes the master logs, per kind. */
export const REPLICATION_OPS = {
  schedule: ['created', 'updated', 'deleted'],
  job: ['executed'],
  handler: ['registered', 'updated', 'offline'],
} as const satisfies Record<ReplicationKind, readonly string[]>;
export type ReplicationOp<K extends ReplicationKind = ReplicationKind> = (typeof REPLICATION_OPS)[K][number];

/** A change's kind and op, as a topic carries them. */
export type TopicParts = { [K in ReplicationKind]: { kind: K; op: ReplicationOp<K> } }[ReplicationKind];
export type ReplicationTopic = { [K in ReplicationKind]: `${K}.${ReplicationOp<K>}` }[ReplicationKind];

export const HEARTBEAT_TOPIC = 'heartbeat';

/**
 * The topic format, `kind.op` (e.g. `schedule.created`), is written and read only here: the
 * master's projector builds topics with `replicationTopic`, everything that reads one asks
 * `parseTopic` or `topicKind`, and SUB prefixes come from `subscriptionPrefixes`.
 */
const SEPARATOR = '.';

/** The topic of a change of `kind` and `op`. */
export function replicationTopic<K extends ReplicationKind>(kind: K, op: ReplicationOp<K>): ReplicationTopic {
  return `${kind}${SEPARATOR}${op}` as ReplicationTopic;
}

/** Every topic of a change, kind by kind. */
export const REPLICATION_TOPICS = REPLICATION_KINDS.flatMap((kind) =>
  (REPLICATION_OPS[kind] as readonly string[]).map((op) => `${kind}${SEPARATOR}${op}`),
) as readonly ReplicationTopic[];

/** A topic's kind and op; null for a heartbeat, an unknown kind or op, or text that is no topic. */
export function parseTopic(topic: string): TopicParts | null {
  const parts = splitTopic(topic);
  if (parts === null) return null;
  const [kind, op] = parts;
  return (REPLICATION_OPS[kind] as readonly string[]).includes(op) ? ({ kind, op } as TopicParts) : null;
}

/**
 * The kind a topic belongs to, or null for a topic of no known kind. The op is not checked: a
 * change of a known kind keeps its kind (frame kind, topic selection) whatever its op.
 */
export function topicKind(topic: string): ReplicationKind | null {
  return splitTopic(topic)?.[0] ?? null;
}

function splitTopic(topic: string): [ReplicationKind, string] | null {
  const at = topic.indexOf(SEPARATOR);
  if (at < 0) return null;
  const kind = topic.slice(0, at);
  return isReplicationKind(kind) ? [kind, topic.slice(at + SEPARATOR.length)] : null;
}

function isReplicationKind(value: string): value is ReplicationKind {
  return (REPLICATION_KINDS as readonly string[]).includes(value);
}

/** The SUB prefixes a replica taking `kinds` subscribes to; all kinds (`null`) is the empty prefix. */
export function subscriptionPrefixes(kinds: readonly ReplicationKind[] | null): string[] {
  return kinds === null ? [''] : [HEARTBEAT_TOPIC, ...kinds.map((kind) => `${kind}${SEPARATOR}`)];
}

/** Whether a replica taking `kinds` (null: all) takes a row on `topic`: never one of no known kind. */
export function takesTopic(kinds: readonly ReplicationKind[] | null, topic: string): boolean {
  if (kinds === null) return true;
  const kind = topicKind(topic);
  return kind !== null && kinds.includes(kind);
}
