import { type Column, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
import { INTERNAL_JOB_COLUMNS } from '../row-mapping.ts';

/**
 * Helpers for the SQLite store's prepared queries. Drizzle builds a query's SQL anew each time
 * the query builder runs one, and on the master's hot paths (creating, planning, claiming and
 * finishing jobs, a few statements each per job) building the SQL cost several times what
 * SQLite took to execute it. A prepared query is built once with placeholders and then only
 * binds values.
 *
 * Placeholders are bound raw: drizzle runs a placeholder inside a column's value through the
 * column's encoder without the NULL check its inline values get (a NULL timestamp would throw, a
 * NULL JSON value would become the text `null`), so values are encoded here, NULL kept NULL.
 */

/** A placeholder whose value is bound as given (no column encoder runs on it). */
export function bound(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}

/** `{column: placeholder named after it}`: the values of a prepared INSERT or UPDATE ... SET. */
export function placeholders<K extends string>(keys: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(keys.map((key) => [key, bound(key)])) as Record<K, SQL>;
}

/**
 * A placeholder for every column of `table`: the values of a prepared INSERT of whole rows. A
 * column that the rows do not carry (internal to the store, see `INTERNAL_JOB_COLUMNS`) is left to
 * its default.
 */
export function rowPlaceholders<T extends Table>(table: T): { [K in keyof T['$inferInsert']]-?: SQL } {
  const columns = Object.keys(getTableColumns(table)).filter((key) => !INTERNAL_JOB_COLUMNS.includes(key));
  return placeholders(columns) as { [K in keyof T['$inferInsert']]-?: SQL };
}

/** Values of `table`'s columns in the driver's form, through each column's own encoder. */
export function columnEncoder(table: Table): (values: object) => Record<string, unknown> {
  const columns: Record<string, Column> = getTableColumns(table);
  return (values) => {
    const encoded: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      const column = columns[key];
      if (column === undefined) throw new Error(`no column ${key} in the table`);
      encoded[key] = value === null || value === undefined ? null : column.mapToDriverValue(value);
    }
    return encoded;
  };
}

/**
 * The elements of the JSON array bound to placeholder `name`, as a subquery for `inArray`: a list of any length
 * in one prepared statement.
 */
export function jsonListItems(name: string): SQL {
  return sql`(select value from json_each(${sql.placeholder(name)}))`;
}

/** Prepared statements built on first use, one per key (e.g. per set of columns an UPDATE writes). */
export function preparedByKey<T>(build: (key: string) => T): (key: string) => T {
  const prepared = new Map<string, T>();
  return (key) => {
    let statement = prepared.get(key);
    if (statement === undefined) {
      statement = build(key);
      prepared.set(key, statement);
    }
    return statement;
  };
}
