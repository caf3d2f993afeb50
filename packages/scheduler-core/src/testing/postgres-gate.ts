import { PG_TEST_URL, probePostgres } from './pg-test-database.ts';

/**
 * Whether a test file's PostgreSQL tests run, decided once per file. They run when the server at
 * PG_TEST_URL answers. Without one they are skipped with a message on a developer's machine, so
 * that `pnpm test` passes with only Node and npm; with CI=true they run anyway and fail, because
 * CI must never skip them.
 */
export interface PostgresGate {
  /** For `describe.skipIf`: the server is absent and CI is not set. */
  skip: boolean;
  /** Throws when the server did not answer (reached only with CI=true); call it before using the server. */
  assertReachable(): void;
}

/** `what` names the tests in the skip message, e.g. "PostgreSQL store tests". */
export async function postgresGate(what: string): Promise<PostgresGate> {
  const unreachable = await probePostgres(PG_TEST_URL);
  const skip = unreachable !== null && process.env.CI !== 'true';
  if (skip) {
    console.warn(
      `${what} SKIPPED: ${PG_TEST_URL} is not reachable (${unreachable}). ` +
        'Start the server or set SCHEDULEZERO_TEST_PG_URL; with CI=true this is a failure.',
    );
  }
  return {
    skip,
    assertReachable() {
      if (unreachable !== null)
        throw new Error(
          `PostgreSQL at ${PG_TEST_URL} is not reachable (CI=true requires it): ${unreachable}`,
        );
    },
  };
}
