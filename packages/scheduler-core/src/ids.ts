import { v7 } from 'uuid';

/**
 * A new schedule or job id: a UUID version 7, which begins with its creation time. Rows created
 * together sort together, so the id indexes grow at their end and the jobs a claim or a batch of
 * results touches sit on a few adjacent pages instead of one random page each (random v4 ids made
 * every job of a bulk claim a page write of its own).
 */
export function newId(): string {
  return v7();
}
