import { type Kysely, sql } from 'kysely';

/** Shared attempt counters of the login throttle (used when `REDIS_URL` is not set). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('attempt_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // For the purge of ended windows.
  await db.schema
    .createIndex('attempt_counters_expires_at')
    .on('attempt_counters')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('attempt_counters').execute();
}
