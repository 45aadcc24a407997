export * as attemptCountersMigration from './0002_attempt_counters.ts';
export * as attemptGateMigration from './0010_attempt_gate.ts';
export type {
  AttemptCountersTable,
  AttemptCountersTables,
  PostgresAttemptStore,
} from './postgres-attempt-store.ts';
export { createPostgresAttemptStore } from './postgres-attempt-store.ts';
export type { RedisAttemptStoreOptions } from './redis-attempt-store.ts';
export { createRedisAttemptStore } from './redis-attempt-store.ts';
