import { type ColumnType, type Generated, type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** What a row carries: a CloudEvent for a topic, or a command for a queue. */
export type OutboxKind = 'event' | 'command';

/** The `outbox` table as kysely sees it (in the service's schema). */
export interface OutboxTable {
  /** The event or command id (the consumers' deduplication key). */
  id: string;
  /** Insertion order, breaks ties between rows of one transaction. */
  seq: Generated<string | number | bigint>;
  kind: OutboxKind;
  /** Logical topic id (`identity-events`) or queue id (`notifications-commands`), without prefix. */
  destination: string;
  /** Message attribute `type`. */
  type: string;
  /** Message attribute `traceparent`. */
  traceparent: string | null;
  /** The JSON envelope sent as the message body. */
  payload: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, never, never>;
  /** Not before: backoff after a failure, and the claim lease while a relay publishes the row. */
  available_at: ColumnType<Date, never, never>;
  /** Publish attempts started (incremented when a relay claims the row). */
  attempts: ColumnType<number, never, never>;
  last_error: ColumnType<string | null, never, never>;
  /** NULL while pending. */
  sent_at: ColumnType<Date | null, never, never>;
}

export interface OutboxDatabase {
  outbox: OutboxTable;
}

/**
 * Postgres channel the outbox of `schema` notifies on commit: `outbox_<schema>`, cut to the 63 bytes
 * a channel name may have (schema names are ASCII). Two schemas sharing their first 56 characters
 * would only wake each other's relays for nothing.
 */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`.slice(0, 63);
}

/**
 * Creates the outbox in the current schema (the migrator's `search_path`): the table, a partial
 * index the relay claims from, an index the retention cleanup deletes from, and a statement-level
 * trigger that calls `pg_notify('outbox_<schema>', '')` after each INSERT. Postgres delivers the
 * notification only when the inserting transaction commits, and folds the notifications of one
 * transaction into one, so a rolled-back transaction wakes nobody.
 */
async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('event', 'command')`))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('traceparent', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('available_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('outbox_pending_idx')
    .on('outbox')
    .columns(['available_at', 'seq'])
    .where(sql.ref('sent_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('outbox_sent_idx')
    .on('outbox')
    .column('sent_at')
    .where(sql.ref('sent_at'), 'is not', null)
    .execute();
  await sql`create function outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify(left('outbox_' || tg_table_schema, 63), '');
      return null;
    end
  $$`.execute(db);
  await sql`create trigger outbox_notify after insert on outbox
    for each statement execute function outbox_notify()`.execute(db);
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await sql`drop function if exists outbox_notify()`.execute(db);
}

/**
 * Migrations of the outbox, named to sort before a service's own (`0001_…`): give them to the
 * migrator together with the service's, e.g.
 * `migrateToLatest(database, { migrations: { ...outboxMigrations, ...serviceMigrations } })`.
 */
export const outboxMigrations: Record<string, Migration> = {
  '0000_messaging_outbox': { up, down },
};
