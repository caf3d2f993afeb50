/** "in 3 min", "12 s ago": a short relative time for tables. */
export function relativeTime(at: Date, now: Date): string {
  const diffMs = at.getTime() - now.getTime();
  const seconds = Math.round(Math.abs(diffMs) / 1000);
  let amount: string;
  if (seconds < 60) amount = `${seconds} s`;
  else if (seconds < 3_600) amount = `${Math.round(seconds / 60)} min`;
  else if (seconds < 86_400) amount = `${Math.round(seconds / 3_600)} h`;
  else amount = `${Math.round(seconds / 86_400)} d`;
  if (seconds === 0) return 'now';
  return diffMs > 0 ? `in ${amount}` : `${amount} ago`;
}

/** ISO-8601 in UTC to the second: "2026-01-31 09:00:00Z". */
export function absoluteTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The same instant as wall-clock time in an IANA zone, in the same shape: "2026-01-31 10:00:00 Europe/Berlin". */
export function zonedTime(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${zone}`;
}

/** UTC, and before it the schedule's own zone's wall-clock time when that is not UTC. */
export function timeInZone(at: Date, zone: string | undefined): string {
  return zone && zone !== 'UTC' ? `${zonedTime(at, zone)} = ${absoluteTime(at)}` : absoluteTime(at);
}
