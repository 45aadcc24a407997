import { type Kysely, type Selectable, sql } from 'kysely';
import type { AccountsDatabase, SessionsTable, UsersTable } from './schema.ts';

export type User = Selectable<UsersTable>;
export type Session = Selectable<SessionsTable>;

export interface NewUser {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  locale: string;
  timezone: string;
}

export interface NewSession {
  id: string;
  user_id: string;
  ip: string;
  user_agent: string;
}

/**
 * Queries of the accounts tables. Pass a kysely `Transaction` to run them inside the transaction
 * that also writes the outbox. Times come from the database clock.
 */
export function accountsStore(db: Kysely<AccountsDatabase>) {
  return {
    async findUserByEmail(email: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    },

    /**
     * Login's read, in one statement: the user of `email` and whether a `user_locks` row (security
     * detection or admin; same service schema) is in force now.
     */
    async findUserForLogin(email: string): Promise<(User & { locked: boolean }) | undefined> {
      return db
        .selectFrom('users')
        .selectAll()
        .select(
          sql<boolean>`exists (select 1 from user_locks l where l.user_id = users.id and (l.locked_until is null or l.locked_until > now()))`.as(
            'locked',
          ),
        )
        .where('email', '=', email)
        .executeTakeFirst();
    },

    async findUserById(id: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Inserts the user unless the address is taken (concurrent sign-ups included); true when inserted. */
    async insertUserIfNew(user: NewUser): Promise<boolean> {
      const row = await db
        .insertInto('users')
        .values(user)
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async updatePasswordHash(userId: string, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
    },

    /**
     * Stores a new verification token and makes every older unused token of the user unusable
     * (a newer token supersedes older ones: they are deleted, so they are simply unknown).
     */
    async replaceVerificationToken(token: {
      token_hash: string;
      user_id: string;
      email: string;
      ttlSec: number;
    }): Promise<Date> {
      await db
        .deleteFrom('email_verification_tokens')
        .where('user_id', '=', token.user_id)
        .where('used_at', 'is', null)
        .execute();
      const row = await db
        .insertInto('email_verification_tokens')
        .values({
          token_hash: token.token_hash,
          user_id: token.user_id,
          email: token.email,
          expires_at: sql<Date>`now() + ${token.ttlSec} * interval '1 second'`,
          used_at: null,
        })
        .returning('expires_at')
        .executeTakeFirstOrThrow();
      return row.expires_at;
    },

    /**
     * Uses a token once: marks it used when it is known, unused and unexpired, atomically (one
     * UPDATE, so two concurrent confirmations cannot both succeed). Undefined otherwise.
     */
    async consumeVerificationToken(
      tokenHash: string,
    ): Promise<{ user_id: string; email: string } | undefined> {
      return db
        .updateTable('email_verification_tokens')
        .set({ used_at: sql<Date>`now()` })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['user_id', 'email'])
        .executeTakeFirst();
    },

    /** Marks the address verified when it still is the user's and not yet verified; true when it changed. */
    async markEmailVerified(userId: string, email: string): Promise<boolean> {
      const row = await db
        .updateTable('users')
        .set({ email_verified_at: sql<Date>`now()` })
        .where('id', '=', userId)
        .where('email', '=', email)
        .where('email_verified_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async insertSession(session: NewSession): Promise<void> {
      await db
        .insertInto('sessions')
        .values({ ...session, revoked_at: null, reason: null })
        .execute();
    },

    /**
     * Inserts the session, in one statement with the answer to "did an earlier session of the
     * user come from this user agent?" (read before the insert).
     */
    async insertSessionFromDevice(session: NewSession): Promise<{ knownDevice: boolean }> {
      const result = await sql<{ known_device: boolean }>`
        with known as (
          select exists (
            select 1 from sessions where user_id = ${session.user_id} and user_agent = ${session.user_agent}
          ) as known_device
        ), inserted as (
          insert into sessions (id, user_id, ip, user_agent, revoked_at, reason)
          values (${session.id}, ${session.user_id}, ${session.ip}, ${session.user_agent}, null, null)
          returning id
        )
        select known.known_device from known, inserted`.execute(db);
      return { knownDevice: result.rows[0]?.known_device === true };
    },

    /** Whether an earlier session of the user came from this user agent. */
    async hasSessionFromDevice(userId: string, userAgent: string): Promise<boolean> {
      const row = await db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('user_agent', '=', userAgent)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Revokes a live session of the user; true when it was live (and is now revoked). */
    async revokeSession(sessionId: string, userId: string, reason: string): Promise<boolean> {
      const row = await db
        .updateTable('sessions')
        .set({ revoked_at: sql<Date>`now()`, reason })
        .where('id', '=', sessionId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type AccountsStore = ReturnType<typeof accountsStore>;
