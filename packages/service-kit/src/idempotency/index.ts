/** `Idempotency-Key` support: the kit's table (migration) and the store on the service's database. */
export type {
  BeginOutcome,
  IdempotencyStore,
  WireResponse,
} from '../http/idempotency.ts';
export {
  IDEMPOTENCY_KEY_MAX,
  IDEMPOTENCY_KEY_MIN,
  REPLAYED_HEADER,
} from '../http/idempotency.ts';
export type { IdempotencyDatabase, IdempotencyTable } from './schema.ts';
export { IDEMPOTENCY_TABLE, serviceKitMigrations } from './schema.ts';
export type { DatabaseIdempotencyStore, IdempotencyStoreOptions } from './store.ts';
export {
  createIdempotencyStore,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  DEFAULT_PROCESSING_TIMEOUT_SECONDS,
} from './store.ts';
