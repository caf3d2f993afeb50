import { defineConfig } from 'drizzle-kit';

/** `pnpm db:generate` writes the PostgreSQL migrations the store applies on open. */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/store/pg/schema.ts', './src/cluster/schema-pg.ts'],
  out: './drizzle/pg',
});
