import { type Kysely, sql } from 'kysely';

/**
 * `oauth_clients`: OAuth 2 clients. Secrets are stored only as HMAC-SHA256(CLIENT_SECRET_PEPPER,
 * secret); after a rotation the previous hash stays valid until `previous_secret_expires_at`.
 * Deleted clients keep their row (`deleted_at`, hashes cleared) so that ids are never reused and
 * their unexpired tokens introspect as inactive.
 *
 * `revoked_tokens`: jtis of access tokens revoked through RFC 7009, kept until the token expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('grant_types', sql`text[]`, (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('permissions', sql`text[]`, (c) => c.notNull())
    .addColumn('secret_hash', 'bytea')
    .addColumn('previous_secret_hash', 'bytea')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('secret_rotated_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addCheckConstraint(
      'oauth_clients_live_has_secret',
      sql`deleted_at is not null or secret_hash is not null`,
    )
    .execute();
  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('revoked_tokens_expires_at')
    .on('revoked_tokens')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('revoked_tokens').execute();
  await db.schema.dropTable('oauth_clients').execute();
}
