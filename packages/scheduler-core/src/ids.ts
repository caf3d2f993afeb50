import { randomUUID } from 'node:crypto';

/**
 * A new schedule or job id: a UUID version 7 (RFC 9562), which begins with its creation time in
 * milliseconds. Rows created together sort together, so the id indexes grow at their end and the
 * jobs a claim or a batch of results touches sit on a few adjacent pages instead of one random
 * page each (random v4 ids made every job of a bulk claim a page write of its own).
 *
 * Built from Node's v4 UUID, whose randomness comes from a pooled buffer: its first 48 bits give
 * way to the time and its version nibble to 7; the other 74 random bits and the variant stay.
 * (The uuid package's v7 draws fresh random bytes from the OS on every call, a measurable share
 * of creating a job.) Ids made in the same millisecond are in random order among themselves.
 */
export function newId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
