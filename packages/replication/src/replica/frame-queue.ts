/**
 * The subscriber's bounded buffer between its SUB reader and its apply loop. When it is full the
 * reader waits instead of dropping: ZeroMQ's own queues fill up behind it, and the publisher's PUB
 * drops at its high-water mark, as PUB/SUB does with any slow subscriber. The loss shows up as a
 * gap, which the catch-up repairs; memory stays bounded either way.
 */
export class FrameQueue<T> {
  readonly #limit: number;
  #items: T[] = [];
  #taker: (() => void) | undefined;
  #room: Array<() => void> = [];
  #closed = false;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get size(): number {
    return this.#items.length;
  }

  /** The reader is (or would be) waiting for room. */
  get full(): boolean {
    return this.#items.length >= this.#limit;
  }

  /** Resolves once the item is queued (or the queue closed). */
  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#limit && !this.#closed) {
      await new Promise<void>((resolve) => this.#room.push(resolve));
    }
    if (this.#closed) return;
    this.#items.push(item);
    this.#wakeTaker();
  }

  /** Puts items back at the front, in order: frames a gap interrupted, for after the catch-up. */
  unshift(items: readonly T[]): void {
    this.#items.unshift(...items);
  }

  /** Removes the queued items `stale` picks (already applied by a catch-up), making room. */
  discard(stale: (item: T) => boolean): number {
    const before = this.#items.length;
    this.#items = this.#items.filter((item) => !stale(item));
    this.#releaseRoom();
    return before - this.#items.length;
  }

  /** Up to `max` items, waiting for one; an empty array when woken (`wake`, `close`) without any. */
  async take(max: number): Promise<T[]> {
    if (this.#items.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => {
        this.#taker = resolve;
      });
    }
    const taken = this.#items.splice(0, max);
    this.#releaseRoom();
    return taken;
  }

  /** Up to `max` items already queued, without waiting. */
  takeReady(max: number): T[] {
    const taken = this.#items.splice(0, max);
    this.#releaseRoom();
    return taken;
  }

  wake(): void {
    this.#wakeTaker();
  }

  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#wakeTaker();
    this.#releaseRoom();
  }

  #wakeTaker(): void {
    const taker = this.#taker;
    this.#taker = undefined;
    taker?.();
  }

  #releaseRoom(): void {
    if (this.#items.length >= this.#limit && !this.#closed) return;
    for (const resolve of this.#room.splice(0)) resolve();
  }
}
