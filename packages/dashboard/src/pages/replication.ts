import { type Html, h } from '../html.ts';
import { tableWrap } from '../layout.ts';

type Scalar = string | number | boolean | null;
const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

function show(value: Scalar | undefined): string {
  if (value === undefined || value === null) return '—';
  return String(value);
}

function describe(record: Record<string, unknown>): Html {
  const entries = Object.entries(record).filter(([, value]) => isScalar(value));
  return h`<dl>${entries.map(([key, value]) => h`<dt>${key}</dt><dd>${show(value as Scalar)}</dd>`)}</dl>`;
}

/** The node's replication status: per-zone head seqs and subscribers (master), applied seq and lag (replica). */
export function replicationBody(status: Record<string, unknown> | undefined): Html {
  if (status === undefined) return h`<p class="muted">This node does not replicate.</p>`;
  const zones = Array.isArray(status.zones) ? (status.zones as Array<Record<string, unknown>>) : undefined;
  if (zones === undefined) return describe(status);
  const columns = [...new Set(zones.flatMap((zone) => Object.keys(zone).filter((k) => isScalar(zone[k]))))];
  const rows = zones.map(
    (zone) => h`<tr>${columns.map((column) => h`<td>${show(zone[column] as Scalar | undefined)}</td>`)}</tr>`,
  );
  return h`${describe(status)}<h2>Zones</h2>${tableWrap('Replication zones', columns, rows, 'No zones are configured.')}`;
}
