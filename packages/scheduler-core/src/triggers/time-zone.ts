/**
 * The canonical name of IANA time zone `name`, or null when the runtime does not know it. Intl is
 * the same source croner converts wall-clock times with, so a zone accepted here is one the cron
 * trigger can compute in. It accepts IANA aliases (`US/Eastern`, `Asia/Calcutta`) and ignores
 * case, and rejects fixed offsets such as `+05:00`, which have no DST rules and are not zone names.
 */
export function canonicalTimeZone(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return null;
  try {
    return Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function isKnownTimeZone(name: string): boolean {
  return canonicalTimeZone(name) !== null;
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/** UTC and its aliases (`Etc/UTC`, `GMT`, `Zulu`, ...): no DST, so no zone conversion is needed. */
export function isUtcTimeZone(name: string): boolean {
  const canonical = canonicalTimeZone(name);
  return canonical !== null && UTC_NAMES.has(canonical);
}
