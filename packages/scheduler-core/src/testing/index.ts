export {
  PG_TEST_URL,
  type PgTestDatabases,
  pgTestDatabases,
  probePostgres,
} from '../store/pg-test-database.ts';
export { eventually } from './eventually.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { type PostgresGate, postgresGate } from './postgres-gate.ts';
