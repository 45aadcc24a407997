import { type Kysely, type Selectable, sql } from 'kysely';
import type { CredentialTokenPurpose } from '../../domain/credentials/tokens.ts';
import type { UsersTable } from '../accounts/schema.ts';
import type { CredentialsDatabase } from './schema.ts';

/**
 * Queries of the credentials use cases. Pass a kysely `Transaction` to run them inside the
 * transaction that also writes the outbox. Times come from the database clock.
 */
export function credentialsStore(db: Kysely<CredentialsDatabase>) {
  return {
    /**
     * Stores a new token and deletes every older unused token of the user for the same purpose
     * (a newer link supersedes the older ones: they become unknown). Returns its expiry.
     */
    async replaceToken(token: {
      token_hash: string;
      user_id: string;
      purpose: CredentialTokenPurpose;
      email: string;
      ttlSec: number;
    }): Promise<Date> {
      await db
        .deleteFrom('credential_tokens')
        .where('user_id', '=', token.user_id)
        .where('purpose', '=', token.purpose)
        .where('used_at', 'is', null)
        .execute();
      const row = await db
        .insertInto('credential_tokens')
        .values({
          token_hash: token.token_hash,
          user_id: token.user_id,
          purpose: token.purpose,
          email: token.email,
          expires_at: sql<Date>`now() + ${token.ttlSec} * interval '1 second'`,
          used_at: null,
        })
        .returning('expires_at')
        .executeTakeFirstOrThrow();
      return row.expires_at;
    },

    /** A usable (known, unused, unexpired) token, without using it. */
    async findUsableToken(
      tokenHash: string,
      purpose: CredentialTokenPurpose,
    ): Promise<{ user_id: string; email: string } | undefined> {
      return db
        .selectFrom('credential_tokens')
        .select(['user_id', 'email'])
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
    },

    /**
     * Uses a token once: one atomic UPDATE marks it used when it is known, unused and unexpired (two
     * concurrent confirmations cannot both succeed). Undefined otherwise.
     */
    async consumeToken(
      tokenHash: string,
      purpose: CredentialTokenPurpose,
    ): Promise<{ user_id: string; email: string } | undefined> {
      return db
        .updateTable('credential_tokens')
        .set({ used_at: sql<Date>`now()` })
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['user_id', 'email'])
        .executeTakeFirst();
    },

    /** Deletes the user's unused tokens (of one purpose, or all). */
    async deleteUnusedTokens(userId: string, purpose?: CredentialTokenPurpose): Promise<void> {
      let query = db
        .deleteFrom('credential_tokens')
        .where('user_id', '=', userId)
        .where('used_at', 'is', null);
      if (purpose !== undefined) query = query.where('purpose', '=', purpose);
      await query.execute();
    },

    async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
    },

    /**
     * Revokes every live session of the user (but `exceptSessionId`), setting `revoked_at` and
     * `reason`; returns the ids it revoked. The join point for refresh tokens: revoking a session
     * must also revoke its refresh tokens (see the report of this change).
     */
    async revokeUserSessions(userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
      let query = db
        .updateTable('sessions')
        .set({ revoked_at: sql<Date>`now()`, reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
      const rows = await query.returning('id').execute();
      return rows.map((r) => r.id);
    },

    /** Changes the address (and marks it verified: the link proved it) of an active user; the old one. */
    async changeEmail(userId: string, newEmail: string): Promise<string | undefined> {
      const user = await db
        .selectFrom('users')
        .select(['email', 'status'])
        .where('id', '=', userId)
        .forUpdate()
        .executeTakeFirst();
      if (user === undefined || user.status !== 'active') return undefined;
      await db
        .updateTable('users')
        .set({ email: newEmail, email_verified_at: sql<Date>`now()` })
        .where('id', '=', userId)
        .execute();
      return user.email;
    },

    async findUserById(id: string): Promise<Selectable<UsersTable> | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async findUserByEmail(email: string): Promise<Selectable<UsersTable> | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    },

    /** Whether any user has the address. */
    async emailTaken(email: string): Promise<boolean> {
      const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      return row !== undefined;
    },

    /** Records a deletion request unless one exists for the user; true when recorded (idempotent). */
    async recordDeletion(deletion: {
      user_id: string;
      erasure_request_id: string;
      actor_type: string;
      actor_id: string | null;
    }): Promise<boolean> {
      const row = await db
        .insertInto('account_deletions')
        .values(deletion)
        .onConflict((oc) => oc.column('user_id').doNothing())
        .returning('user_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async isDeleted(userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('account_deletions')
        .select('user_id')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row !== undefined;
    },

    async disableUser(userId: string): Promise<void> {
      await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', userId).execute();
    },
  };
}

export type CredentialsStore = ReturnType<typeof credentialsStore>;
