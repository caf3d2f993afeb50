import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

/**
 * Set-based statements for the PostgreSQL store's batches. Over the network every statement is
 * a round trip: planning 500 schedules or recording 500 results one UPDATE each cost two orders
 * of magnitude more than the work. A batch goes as one `UPDATE ... FROM (VALUES ...)` instead.
 */

/** The alias of the VALUES relation in `UPDATE ... FROM`. */
const ALIAS = 'batch';

/** Rows of column values as the relation `batch(column, ...)`, each value encoded and cast by its column. */
export function valuesRelation<K extends string>(
  table: PgTable,
  keys: readonly K[],
  rows: ReadonlyArray<Readonly<Partial<Record<K, unknown>>>>,
): SQL {
  const columns = pickColumns(table, keys);
  const tuples = rows.map(
    (row) =>
      sql`(${sql.join(
        columns.map(([key, column]) => sql`${sql.param(row[key], column)}::${sql.raw(column.getSQLType())}`),
        sql`, `,
      )})`,
  );
  const names = sql.join(
    columns.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  return sql`(values ${sql.join(tuples, sql`, `)}) as ${sql.identifier(ALIAS)}(${names})`;
}

/** `batch.<column>` of a VALUES relation: the right-hand side of `SET column = ...`. */
export function fromBatch(table: PgTable, key: string): SQL {
  const [[, column]] = pickColumns(table, [key]) as [[string, PgColumn]];
  return sql`${sql.identifier(ALIAS)}.${sql.identifier(column.name)}`;
}

/** `{column: batch.column}` for an UPDATE's SET. */
export function setFromBatch<K extends string>(table: PgTable, keys: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(keys.map((key) => [key, fromBatch(table, key)])) as Record<K, SQL>;
}

function pickColumns<K extends string>(table: PgTable, keys: readonly K[]): Array<[K, PgColumn]> {
  const columns: Record<string, PgColumn> = getTableColumns(table);
  return keys.map((key) => {
    const column = columns[key];
    if (column === undefined) throw new Error(`no column ${key} in the table`);
    return [key, column];
  });
}
