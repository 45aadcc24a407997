import { type Kysely, sql } from 'kysely';

/**
 * Invitations: an admin-created account is `invited` (no password, cannot log in) until its owner
 * sets a password with the single-use token of the invitation link, a `credential_tokens` row of
 * purpose `invitation` (stored as SHA-256 only, like the other link tokens).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop constraint if exists users_status_check`.execute(db);
  await sql`alter table users add constraint users_status_check check (status in ('active', 'disabled', 'invited'))`.execute(
    db,
  );
  await sql`alter table credential_tokens drop constraint if exists credential_tokens_purpose_check`.execute(
    db,
  );
  await sql`alter table credential_tokens add constraint credential_tokens_purpose_check check (purpose in ('password_reset', 'email_change', 'invitation'))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from users where status = 'invited'`.execute(db);
  await sql`delete from credential_tokens where purpose = 'invitation'`.execute(db);
  await sql`alter table credential_tokens drop constraint if exists credential_tokens_purpose_check`.execute(
    db,
  );
  await sql`alter table credential_tokens add constraint credential_tokens_purpose_check check (purpose in ('password_reset', 'email_change'))`.execute(
    db,
  );
  await sql`alter table users drop constraint if exists users_status_check`.execute(db);
  await sql`alter table users add constraint users_status_check check (status in ('active', 'disabled'))`.execute(
    db,
  );
}
