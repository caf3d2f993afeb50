import { asc, eq } from 'drizzle-orm';
import { handlerChange } from '../change-records.ts';
import { expectRow } from '../outcome.ts';
import { toHandler } from '../row-mapping.ts';
import type { Store } from '../types.ts';
import type { PgContext } from './context.ts';
import { handlers } from './schema.ts';

type HandlerMethods = Pick<Store, 'upsertHandler' | 'getHandler' | 'listHandlers'>;

/** The handler registry's rows; a registration is a change the zones' streams carry. */
export function pgHandlerMethods({ db, write }: PgContext): HandlerMethods {
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

    async getHandler(id) {
      const [row] = await db.select().from(handlers).where(eq(handlers.id, id));
      return row && toHandler(row);
    },

    async listHandlers() {
      return (await db.select().from(handlers).orderBy(asc(handlers.id))).map(toHandler);
    },
  };
}
