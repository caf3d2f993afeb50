export { eventually } from './eventually.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export {
  PG_TEST_URL,
  type PgTestDatabases,
  pgTestDatabases,
  probePostgres,
} from './pg-test-database.ts';
export { type PostgresGate, postgresGate } from './postgres-gate.ts';
