import type { HandlerStore } from '../store/ports/handler-store.ts';
import type { Executor } from './executor.ts';

/**
 * The tasks some handler offers: this node's executor (local handlers, the workers on its link)
 * and every handler registered in the store and not offline, so a master does not call a task
 * unserved that a handler of another master (on a shared database) can run.
 */
export async function servedTasks(
  executor: Executor,
  store: Pick<HandlerStore, 'listHandlers'>,
): Promise<Set<string>> {
  const registered = (await store.listHandlers()).filter((handler) => handler.status !== 'offline');
  return new Set([...executor.capacity().keys(), ...registered.flatMap((handler) => handler.methods)]);
}
