import { type ColumnType, type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The `inbox` table as kysely sees it (in the service's schema). */
export interface InboxTable {
  /** The event or command id: the deduplication key (a UUIDv7 for events). */
  message_id: string;
  /** The CloudEvents `type` (or the command type). */
  type: string;
  /** When this consumer received the delivery that was handled. */
  received_at: ColumnType<Date, Date | string, never>;
  /** When the handler's transaction ran (the row commits with the handler's effects). */
  handled_at: ColumnType<Date, never, never>;
}

export interface InboxDatabase {
  inbox: InboxTable;
}

/**
 * Creates the inbox in the current schema (the migrator's `search_path`): one row per message whose
 * handler committed, and an index the retention cleanup (`pruneInbox`) deletes from.
 */
async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inbox')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('handled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await db.schema.createIndex('inbox_handled_at_idx').on('inbox').column('handled_at').execute();
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('inbox').execute();
}

/**
 * Migrations of the inbox. Give them to the migrator together with the outbox's and the service's,
 * e.g. `migrateToLatest(database, { migrations: { ...outboxMigrations, ...inboxMigrations, ...own } })`.
 */
export const inboxMigrations: Record<string, Migration> = {
  '0000_messaging_inbox': { up, down },
};
