import { type Kysely, sql } from 'kysely';

/**
 * Refresh tokens (identity.md "Tokens").
 *
 * `refresh_token_families`: one per session (started at login), with what every access token of
 * the family carries (client, auth_time, amr, scope) and its absolute expiry. Refreshes lock the
 * family row (`FOR UPDATE`), so concurrent refreshes of one family run one after the other.
 *
 * `refresh_tokens`: each token of a family, stored only as its hex SHA-256. `used_at` is set once
 * (single `UPDATE … WHERE used_at IS NULL`) when the token is rotated, with the caller's address and
 * agent (to tell a benign concurrent retry from a reuse). `expires_at` is the idle expiry, capped by
 * the family's absolute expiry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refresh_token_families')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('session_id', 'uuid', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('amr', sql`text[]`, (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('absolute_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema
    .createIndex('refresh_token_families_session_id')
    .on('refresh_token_families')
    .column('session_id')
    .execute();
  await db.schema
    .createIndex('refresh_token_families_user_id')
    .on('refresh_token_families')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'uuid', (c) =>
      c.notNull().references('refresh_token_families.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('used_ip', 'text')
    .addColumn('used_user_agent', 'text')
    .execute();
  await db.schema.createIndex('refresh_tokens_family_id').on('refresh_tokens').column('family_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropTable('refresh_token_families').execute();
}
