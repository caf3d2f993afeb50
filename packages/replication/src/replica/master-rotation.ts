import type { MasterEndpoints, SubscriberOptions } from '../types.ts';

/** At most this many masters: a cluster is two or three, and each is tried in turn. */
export const MAX_MASTERS = 16;

/**
 * The masters a replica may follow, and the one it follows now. Masters of one cluster publish the
 * same zone stream (one log in their shared database: one epoch, one seq per zone), so any of them
 * serves the replica's `appliedSeq`: a switch is a reconnection and a catch-up, never a snapshot.
 */
export interface MasterRotation {
  readonly masters: readonly MasterEndpoints[];
  /** The index of the master followed now. */
  readonly index: number;
  readonly current: MasterEndpoints;
  /** Local time the current master was chosen: it is given the silence deadline from then. */
  readonly since: number;
  readonly switches: number;
  /**
   * Moves to the next master if `from` is still the current one (a stale reason, such as a request
   * sent before an earlier switch timing out, moves nothing); false when there is nowhere to go.
   */
  switchFrom(from: number, reason: string): boolean;
}

/** Called with both ends of a switch, after the rotation moved and before `switchFrom` returns. */
export type OnSwitch = (from: MasterEndpoints, to: MasterEndpoints, reason: string) => void;

export function createMasterRotation(
  masters: readonly MasterEndpoints[],
  now: () => number,
  onSwitch: OnSwitch,
): MasterRotation {
  if (masters.length === 0 || masters.length > MAX_MASTERS)
    throw new Error(`masters: list 1 to ${MAX_MASTERS} masters, got ${masters.length}`);
  let index = 0;
  let since = now();
  let switches = 0;
  return {
    masters,
    get index() {
      return index;
    },
    get current() {
      return masters[index] as MasterEndpoints;
    },
    get since() {
      return since;
    },
    get switches() {
      return switches;
    },
    switchFrom(from, reason) {
      if (masters.length < 2 || from !== index) return false;
      const previous = masters[index] as MasterEndpoints;
      index = (index + 1) % masters.length;
      since = now();
      switches += 1;
      onSwitch(previous, masters[index] as MasterEndpoints, reason);
      return true;
    },
  };
}

/** The subscriber's masters: `masters`, or the one of `publish` and `sync`; exactly one of the two forms. */
export function mastersOf(
  options: Pick<SubscriberOptions, 'publish' | 'sync' | 'masters'>,
): MasterEndpoints[] {
  const single = options.publish !== undefined || options.sync !== undefined;
  if (single && options.masters !== undefined)
    throw new Error('give publish and sync (one master) or masters (a cluster), not both');
  if (options.masters !== undefined) return options.masters.map(({ publish, sync }) => ({ publish, sync }));
  if (options.publish === undefined || options.sync === undefined)
    throw new Error('give publish and sync (one master) or masters (a cluster)');
  return [{ publish: options.publish, sync: options.sync }];
}
