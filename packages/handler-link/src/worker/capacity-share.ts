/**
 * How a worker linked to several masters splits its capacity among them: evenly over the links
 * that are registered, the remainder going to the first ones (in the order of `worker.masters`).
 * A link that is not registered is offered the share it will have once it is. Each master is
 * told only its share, so the masters together never send more jobs than the worker has slots;
 * as links come and go the shares are recomputed and told again.
 */
export function capacityShare(capacity: number, registered: ReadonlySet<number>, link: number): number {
  const members = [...new Set([...registered, link])].sort((a, b) => a - b);
  const base = Math.floor(capacity / members.length);
  return base + (members.indexOf(link) < capacity % members.length ? 1 : 0);
}
