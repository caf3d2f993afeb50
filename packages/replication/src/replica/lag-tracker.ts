/**
 * What a replica knows of the master's head, and how far behind it is. Times are the master's
 * (frame headers); "now on the master" is estimated from the last heartbeat plus the local time
 * since it arrived, so clock skew between the hosts does not count as lag.
 */
export class LagTracker {
  #headSeq = 0;
  /** masterTime - localTime at the last heartbeat. */
  #offsetMs = 0;
  /** Master time of the oldest change known and not applied; null when caught up. */
  #pendingSince: number | null = null;

  get headSeq(): number {
    return this.#headSeq;
  }

  heartbeat(seq: number, masterTime: number, localNow: number, appliedSeq: number): void {
    this.#offsetMs = masterTime - localNow;
    // The unapplied changes were committed at or before this heartbeat.
    this.head(seq, masterTime, appliedSeq);
  }

  /** A seq the master has, committed at `masterTime` or earlier. */
  head(seq: number, masterTime: number | null, appliedSeq: number): void {
    this.#headSeq = Math.max(this.#headSeq, seq);
    if (seq > appliedSeq && this.#pendingSince === null && masterTime !== null)
      this.#pendingSince = masterTime;
  }

  /**
   * The replica reached `appliedSeq`, whose last row was committed at `lastTime` (when known): the
   * changes still pending are no older than that.
   */
  applied(appliedSeq: number, lastTime: number | null): void {
    if (appliedSeq >= this.#headSeq) this.#pendingSince = null;
    else if (this.#pendingSince !== null && lastTime !== null)
      this.#pendingSince = Math.max(this.#pendingSince, lastTime);
  }

  /** A new master (epoch) or a reset: its head is what it says now. */
  reset(seq: number): void {
    this.#headSeq = seq;
    this.#pendingSince = null;
  }

  /** The master's clock now, as far as the heartbeats tell. */
  masterNow(localNow: number): number {
    return localNow + this.#offsetMs;
  }

  lag(appliedSeq: number, localNow: number): { lagChanges: number; lagMs: number } {
    const lagChanges = Math.max(0, this.#headSeq - appliedSeq);
    if (lagChanges === 0 || this.#pendingSince === null) return { lagChanges, lagMs: 0 };
    return { lagChanges, lagMs: Math.max(0, localNow + this.#offsetMs - this.#pendingSince) };
  }
}
