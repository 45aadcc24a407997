import { type Kysely, sql } from 'kysely';

/**
 * The CloudEvents `sequence` of each user's events (events.md: "`sequence` grows per `subject` within its
 * producer"), so consumers' projections (notifications' contacts, identity's own claims) order a user's
 * events exactly, not by the time-ordered ids alone. Not tied to `users`: the deletion event of a user
 * still gets the next number.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_sequences')
    .addColumn('subject', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`comment on table event_sequences is 'last CloudEvents sequence per subject (user/<id>)'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_sequences').execute();
}
