import { fileURLToPath } from 'node:url';

/**
 * The committed migrations (`pnpm db:generate`), found next to this source file rather than
 * through the working directory, so a node started from anywhere migrates its database.
 */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  return fileURLToPath(new URL(`../../drizzle/${dialect}`, import.meta.url));
}
