import { asc } from 'drizzle-orm';
import { handlerChange } from '../change-records.ts';
import { expectRow } from '../outcome.ts';
import type { HandlerStore } from '../ports/handler-store.ts';
import { toHandler } from '../row-mapping.ts';
import type { SqliteContext } from './context.ts';
import { handlers } from './schema.ts';

/** The handler registry's rows; a registration is a change the zones' streams carry. */
export function sqliteHandlerMethods({ db, write }: SqliteContext): HandlerStore {
  return {
    async upsertHandler(handler, op) {
      const { id, ...fields } = toHandler(handler);
      return write((tx) => {
        const row = tx
          .insert(handlers)
          .values({ id, ...fields })
          .onConflictDoUpdate({ target: handlers.id, set: fields })
          .returning()
          .get();
        const stored = toHandler(expectRow(row, 'handler upsert'));
        return { value: stored, changes: [handlerChange(op, stored)] };
      });
    },

    async listHandlers() {
      return db.select().from(handlers).orderBy(asc(handlers.id)).all().map(toHandler);
    },
  };
}
