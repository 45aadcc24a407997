import { type Kysely, sql } from 'kysely';

/**
 * Notification preferences (a user's choices per category × channel; absent = the default, on) and
 * the record of messages not sent because the user opted out of their category.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('preferences')
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('preferences_pk', ['user_id', 'category', 'channel'])
    .execute();

  await db.schema
    .createTable('preference_skips')
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('template_key', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('preference_skips_pk', ['source_id', 'channel'])
    .execute();
  await db.schema.createIndex('preference_skips_user').on('preference_skips').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('preference_skips').execute();
  await db.schema.dropTable('preferences').execute();
}
