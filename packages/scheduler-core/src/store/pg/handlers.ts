import { asc } from 'drizzle-orm';
import { handlerChange } from '../change-records.ts';
import { expectRow } from '../outcome.ts';
import type { HandlerStore } from '../ports/handler-store.ts';
import { toHandler } from '../row-mapping.ts';
import type { PgContext } from './context.ts';
import { handlers } from './schema.ts';

/** The handler registry's rows; a registration is a change the zones' streams carry. */
export function pgHandlerMethods({ db, write }: PgContext): HandlerStore {
  return {
    async upsertHandler(handler, op) {
      const { id, ...fields } = toHandler(handler);
      return write(async (tx) => {
        const [row] = await tx
          .insert(handlers)
          .values({ id, ...fields })
          .onConflictDoUpdate({ target: handlers.id, set: fields })
          .returning();
        const stored = toHandler(expectRow(row, 'handler upsert'));
        return { value: stored, changes: [handlerChange(op, stored)] };
      });
    },

    async listHandlers() {
      return (await db.select().from(handlers).orderBy(asc(handlers.id))).map(toHandler);
    },
  };
}
