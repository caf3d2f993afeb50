/**
 * Failover times that peers publish (their documentation and issue trackers), printed beside the
 * failover benchmark's table. They are quoted, not measured by this benchmark.
 */
const PEERS = [
  ['River (leader lease)', '≈ 15–21 s to elect a new leader'],
  ['Oban (Peer)', '≈ 30 s'],
  ['APScheduler 4 (schedule lock)', '30 s'],
  ['Cronicle (backup primary)', '60 s'],
  ['Dkron', 'double and missed runs around elections (issues #541, #1210)'],
];

export function publishedFailoverTimes(): string {
  return [
    'Published failover figures of peers (from their documentation and issue trackers, **not measured here**):',
    '',
    '| peer | failover, as published |',
    '|---|---|',
    ...PEERS.map(([peer, figure]) => `| ${peer} | ${figure} |`),
  ].join('\n');
}
