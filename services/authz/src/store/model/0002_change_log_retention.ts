import { type Kysely, sql } from 'kysely';

/**
 * Retention of the change log: old changes are deleted (see store/model/changes.ts, `pruneChangeLog`)
 * and the newest deleted revision is remembered here, so an instance that fell behind past it knows
 * it cannot catch up from the log and reloads its index from the tables instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authz_change_log_state')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('pruned_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into authz_change_log_state (id, pruned_through) values (true, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('authz_change_log_state').ifExists().execute();
}
