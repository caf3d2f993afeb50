import { createHash } from 'node:crypto';

const TWO_POW_48 = 2n ** 48n;

/**
 * The jitter of one fire, in whole milliseconds in [0, maxJitterMs]: a pure function of the seed
 * (the schedule id) and the un-jittered base time, so every node and every restart computes the
 * same instant without storing it. The formula is part of the contract (stored `nextRunAt` values
 * were computed with it), and is simple enough to reproduce elsewhere:
 *
 *   h      = first 6 bytes, big-endian, of SHA-256(UTF-8 `${seed}:${baseMs}`)
 *   offset = floor(h * (maxJitterMs + 1) / 2^48)
 *
 * `baseMs` is written in decimal milliseconds since the epoch. BigInt keeps the product exact so
 * that other implementations agree to the millisecond.
 */
export function jitterOffsetMs(seed: string, baseMs: number, maxJitterMs: number): number {
  if (maxJitterMs <= 0) return 0;
  const digest = createHash('sha256').update(`${seed}:${baseMs}`, 'utf8').digest();
  const h = BigInt(digest.readUIntBE(0, 6));
  return Number((h * BigInt(maxJitterMs + 1)) / TWO_POW_48);
}
