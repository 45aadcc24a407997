import { type Kysely, sql } from 'kysely';

/**
 * The contact projection (user id → email, phone, name, locale, time zone) kept from identity.user.*
 * events. `versions` holds, per field, the order key `{seq, eventId}` of the event that last set it
 * (see `domain/contacts/contact.ts`); `erased_at` marks a tombstone (deleted or erased user).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('name', 'text')
    .addColumn('locale', 'text')
    .addColumn('timezone', 'text')
    .addColumn('versions', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('erased_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contacts').execute();
}
