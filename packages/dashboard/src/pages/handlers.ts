import type { HandlerRecord } from '@schedulezero/protocol';
import { type Html, h } from '../format/html.ts';
import { absoluteTime, formatDuration, relativeTime } from '../format/time-format.ts';
import { statusBadge } from '../layout.ts';

export function handlersGrid(handlers: HandlerRecord[], now: Date): Html {
  if (handlers.length === 0)
    return h`<p class="muted">No handlers known to this node (replicas outside the admin zone receive none).</p>`;
  return h`<div class="grid">${handlers.map((handler) => {
    const finished = handler.successCount + handler.failureCount;
    const rate = finished === 0 ? '—' : `${Math.round((handler.successCount / finished) * 100)}% ok`;
    return h`<section class="card" aria-labelledby="handler-${handler.id}">
<h2 id="handler-${handler.id}">${handler.id}</h2>
<dl>
<dt>Status</dt><dd>${statusBadge(handler.status)}</dd>
<dt>Methods</dt><dd>${handler.methods.join(', ') || '—'}</dd>
<dt>Zone</dt><dd>${handler.zone || '—'}</dd>
<dt>Tags</dt><dd>${handler.tags.join(', ') || '—'}</dd>
<dt>Active jobs</dt><dd>${handler.activeJobs} / ${handler.capacity}</dd>
<dt>Success</dt><dd>${rate} (${handler.successCount} ok, ${handler.failureCount} failed)</dd>
<dt>Avg duration</dt><dd>${formatDuration(handler.avgDurationMs)}</dd>
<dt>Last seen</dt><dd>${relativeTime(handler.lastSeenAt, now)} <span class="muted">${absoluteTime(handler.lastSeenAt)}</span></dd>
</dl></section>`;
  })}</div>`;
}
