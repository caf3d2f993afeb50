import type { ClusterJson } from '@schedulezero/protocol';
import { type Html, h } from '../format/html.ts';
import { absoluteTime, relativeTime } from '../format/time-format.ts';
import { statusBadge, tableWrap } from '../layout.ts';

/** Leadership-log rows shown; GET /api/cluster has more. */
const LOG_ROWS = 20;

const when = (iso: string, now: Date) => {
  const at = new Date(iso);
  return h`<time datetime="${at.toISOString()}">${relativeTime(at, now)}</time> <span class="muted">${absoluteTime(at)}</span>`;
};

/** The masters sharing this master's database (docs/ha.md): who is alive, who leads, the elections. */
export function clusterBody(cluster: ClusterJson, now: Date): Html {
  const names = new Map(cluster.instances.map((instance) => [instance.id, instance.name]));
  const nameOf = (id: string) => h`${names.get(id) ?? id} <span class="muted">${id}</span>`;
  const leader = cluster.leader;
  const summary =
    cluster.mode === 'single'
      ? h`<p>This master runs alone (SQLite is single-master): no leader, no leadership log.</p>`
      : h`<dl>
<dt>Leader</dt><dd>${leader ? nameOf(leader.instanceId) : 'none (an election is due)'}</dd>
<dt>Term</dt><dd>${leader ? String(leader.term) : '—'}</dd>
<dt>This master</dt><dd>${cluster.self ? nameOf(cluster.self) : 'not registered'}</dd>
</dl>`;
  const instances = cluster.instances.map(
    (instance) => h`<tr>
<td>${instance.name}${instance.id === cluster.self ? h` <span class="muted">(this master)</span>` : ''}${leader?.instanceId === instance.id ? h` <strong>leader</strong>` : ''}</td>
<td>${statusBadge(instance.status)}</td>
<td>${when(instance.lastSeenAt, now)}</td>
<td>${String(instance.incarnation)}</td>
<td>${instance.host} <span class="muted">pid ${String(instance.pid)}</span></td>
<td>${instance.version}</td>
<td>${when(instance.startedAt, now)}</td>
<td>${instance.endedBy ? nameOf(instance.endedBy) : '—'}</td>
</tr>`,
  );
  const log = cluster.leadershipLog.slice(0, LOG_ROWS).map(
    (row) => h`<tr>
<td>${when(row.at, now)}</td>
<td>${String(row.term)}</td>
<td>${row.event}</td>
<td>${nameOf(row.instanceId)}</td>
<td>${row.detail || '—'}</td>
</tr>`,
  );
  return h`${summary}
<h2>Instances</h2>
${tableWrap('Instances, newest start first', ['Name', 'Status', 'Last seen', 'Incarnation', 'Host', 'Version', 'Started', 'Ended by'], instances, 'No instance is registered.')}
<h2>Leadership log</h2>
${tableWrap('Leadership log, newest first', ['When', 'Term', 'Event', 'Instance', 'Detail'], log, 'No election yet.')}`;
}
