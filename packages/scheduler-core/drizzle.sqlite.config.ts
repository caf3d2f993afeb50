import { defineConfig } from 'drizzle-kit';

/** `pnpm db:generate` writes the SQLite migrations the store applies on open. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/sqlite/schema.ts',
  out: './drizzle/sqlite',
});
