import { type Html, h } from '../format/html.ts';
import { formatDuration } from '../format/time-format.ts';
import { tableWrap } from '../layout.ts';

type Scalar = string | number | boolean | null;
const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Operators' words for the status fields; any other field shows under its own name. */
const LABELS: Record<string, string> = {
  publishedSeq: 'head seq',
  headSeq: 'head seq',
  appliedSeq: 'applied seq',
  oldestSeq: 'oldest seq',
  lagMs: 'lag',
  lagChanges: 'lag (changes)',
};

function show(key: string, value: Scalar | undefined): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (key === 'lagMs' && typeof value === 'number') return formatDuration(value);
  return String(value);
}

const label = (key: string) => LABELS[key] ?? key;

function describe(record: Record<string, unknown>): Html {
  const entries = Object.entries(record).filter(([, value]) => isScalar(value));
  return h`<dl>${entries.map(([key, value]) => h`<dt>${label(key)}</dt><dd>${show(key, value as Scalar)}</dd>`)}</dl>`;
}

/** The node's replication status: per-zone head seqs and subscribers (master), applied seq and lag (replica). */
export function replicationBody(status: Record<string, unknown> | undefined): Html {
  if (status === undefined) return h`<p class="muted">This node does not replicate.</p>`;
  const zones = Array.isArray(status.zones) ? (status.zones as Array<Record<string, unknown>>) : undefined;
  if (zones === undefined) return describe(status);
  const columns = [...new Set(zones.flatMap((zone) => Object.keys(zone).filter((k) => isScalar(zone[k]))))];
  const rows = zones.map(
    (zone) =>
      h`<tr>${columns.map((column) => h`<td>${show(column, zone[column] as Scalar | undefined)}</td>`)}</tr>`,
  );
  return h`${describe(status)}<h2>Zones</h2>${tableWrap('Replication zones', columns.map(label), rows, 'No zones are configured.')}`;
}
