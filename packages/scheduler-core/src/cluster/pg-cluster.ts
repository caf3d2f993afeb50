import type { PgContext } from '../store/pg-context.ts';
import { pgInstanceMethods } from './pg-instances.ts';
import { pgLeadershipMethods } from './pg-leadership.ts';
import type { ClusterStore } from './types.ts';

/** The cluster port of a PostgreSQL store. */
export function pgClusterStore(context: PgContext): ClusterStore {
  return { ...pgInstanceMethods(context), ...pgLeadershipMethods(context) };
}
