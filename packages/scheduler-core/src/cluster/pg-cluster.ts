import type { PgContext } from '../store/pg/context.ts';
import { pgInstanceMethods } from './pg-instances.ts';
import { pgLeadershipMethods } from './pg-leadership.ts';
import type { ClusterStore } from './types.ts';

/** The cluster port of a PostgreSQL store, but for the wake-ups, which need the client itself. */
export function pgClusterStore(context: PgContext): Omit<ClusterStore, 'listenWakes'> {
  return { ...pgInstanceMethods(context), ...pgLeadershipMethods(context) };
}
