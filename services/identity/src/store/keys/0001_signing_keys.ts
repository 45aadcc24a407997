import { type Kysely, sql } from 'kysely';

/**
 * `signing_keys`: the P-256 keys that sign access tokens. The private key is stored only encrypted
 * (AES-256-GCM: ciphertext, iv, tag). At most one `active` and one `next` key exist at a time
 * (partial unique indexes back the rotation lock).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('private_key_ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('tag', 'bytea', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('next', 'active', 'retired')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('activated_at', 'timestamptz')
    .addColumn('retired_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addCheckConstraint(
      'signing_keys_retired_has_expiry',
      sql`status <> 'retired' or (retired_at is not null and expires_at is not null)`,
    )
    .execute();
  await sql`create unique index signing_keys_one_active on signing_keys ((true)) where status = 'active'`.execute(
    db,
  );
  await sql`create unique index signing_keys_one_next on signing_keys ((true)) where status = 'next'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signing_keys').execute();
}
