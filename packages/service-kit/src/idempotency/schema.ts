/**
 * The kit's own table in every service schema: `service_kit_idempotency`, one row per
 * (caller, route, Idempotency-Key). Nothing in it is readable without the client's key: `id` is a
 * SHA-256, `fingerprint` an HMAC and `response` AES-256-GCM ciphertext (see `http/idempotency.ts`).
 */
import { type ColumnType, type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const IDEMPOTENCY_TABLE = 'service_kit_idempotency';

export interface IdempotencyTable {
  id: string;
  fingerprint: string;
  /** Status of the stored response (null while the first request runs); for operators, not replay. */
  status: number | null;
  /** Sealed response (base64 of IV ‖ tag ‖ ciphertext); null while the first request runs. */
  response: string | null;
  created_at: ColumnType<Date, never, never>;
  /** A running entry expires after the processing timeout, a completed one after the TTL. */
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface IdempotencyDatabase {
  service_kit_idempotency: IdempotencyTable;
}

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable(IDEMPOTENCY_TABLE)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex(`${IDEMPOTENCY_TABLE}_expires_at_idx`)
    .on(IDEMPOTENCY_TABLE)
    .column('expires_at')
    .execute();
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable(IDEMPOTENCY_TABLE).execute();
}

/**
 * Migrations service-kit adds to every service's own (`startService` merges them; the names start
 * with `0000_service_kit_` and the migrator allows unordered migrations, so they coexist with a
 * service's `0000_messaging_*` and `NNNN_*` whether the database is new or already migrated).
 * Tests that migrate a schema themselves add them the same way.
 */
export const serviceKitMigrations: Record<string, Migration> = {
  '0000_service_kit_idempotency': { up, down },
};
