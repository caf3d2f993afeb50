/**
 * The job slots of one worker. A worker linked to one master owns its pool; a worker linked to
 * several masters of a cluster gives every link the same pool, so that together they never run
 * more than its capacity.
 */
export interface SlotPool {
  readonly capacity: number;
  /** Slots not taken. */
  free(): number;
  /** Takes a slot: call only when `free()` is above 0. */
  take(): void;
  release(): void;
}

export function createSlotPool(capacity: number): SlotPool {
  let taken = 0;
  return {
    capacity,
    free: () => capacity - taken,
    take() {
      if (taken >= capacity) throw new Error(`all ${capacity} slots are taken`);
      taken += 1;
    },
    release() {
      if (taken > 0) taken -= 1;
    },
  };
}
