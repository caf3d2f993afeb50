import { defineConfig } from 'drizzle-kit';

/** `pnpm db:generate` writes the SQLite migrations the store applies on open. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema-sqlite.ts',
  out: './drizzle/sqlite',
});
