/**
 * Admin queries on accounts: search with cursor pagination, status changes, locks, session
 * revocation. Pass a kysely `Transaction` to run them with the outbox writes.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { UserStatus } from '../../domain/accounts/login-policy.ts';
import type { AccountsDatabase, UsersTable } from '../accounts/schema.ts';
import type { ClaimsDatabase, UserLocksTable } from '../claims/schema.ts';

export type AdminDatabase = AccountsDatabase & Pick<ClaimsDatabase, 'user_locks'>;

export type AdminUserRow = Selectable<UsersTable> & {
  lock_reason: UserLocksTable['reason'] | null;
  locked_until: Date | null;
  /** Whether a `user_locks` row is in force now. */
  locked: boolean;
};

export interface UserSearch {
  /** Normalised (lower-case) email prefix. */
  emailPrefix?: string | undefined;
  status?: UserStatus | undefined;
  /** Users with an id greater than this (the previous page's last id). */
  after?: string | undefined;
  limit: number;
}

/** `LIKE` pattern of a literal prefix. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function adminUsersStore(db: Kysely<AdminDatabase>) {
  const base = () =>
    db
      .selectFrom('users')
      .leftJoin('user_locks', 'user_locks.user_id', 'users.id')
      .selectAll('users')
      .select([
        'user_locks.reason as lock_reason',
        'user_locks.locked_until',
        sql<boolean>`coalesce(user_locks.user_id is not null and (user_locks.locked_until is null or user_locks.locked_until > now()), false)`.as(
          'locked',
        ),
      ]);

  return {
    async search(query: UserSearch): Promise<AdminUserRow[]> {
      let q = base().orderBy('users.id').limit(query.limit);
      if (query.emailPrefix !== undefined && query.emailPrefix !== '')
        q = q.where('users.email', 'like', likePrefix(query.emailPrefix));
      if (query.status !== undefined) q = q.where('users.status', '=', query.status);
      if (query.after !== undefined) q = q.where('users.id', '>', query.after);
      return q.execute();
    },

    async find(id: string): Promise<AdminUserRow | undefined> {
      return base().where('users.id', '=', id).executeTakeFirst();
    },

    /** Sets the status; true when it changed. */
    async setStatus(id: string, status: UserStatus): Promise<boolean> {
      const row = await db
        .updateTable('users')
        .set({ status })
        .where('id', '=', id)
        .where('status', '!=', status)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async setName(id: string, name: string): Promise<void> {
      await db.updateTable('users').set({ name }).where('id', '=', id).execute();
    },

    /** Removes the user's lock row; true when a lock was in force. */
    async removeLock(id: string): Promise<boolean> {
      const row = await db
        .deleteFrom('user_locks')
        .where('user_id', '=', id)
        .returning(sql<boolean>`locked_until is null or locked_until > now()`.as('active'))
        .executeTakeFirst();
      return row?.active === true;
    },

    /** Revokes every live session of the user; returns the revoked ids. */
    async revokeSessions(id: string, reason: string): Promise<string[]> {
      const rows = await db
        .updateTable('sessions')
        .set({ revoked_at: sql<Date>`now()`, reason })
        .where('user_id', '=', id)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}

export type AdminUsersStore = ReturnType<typeof adminUsersStore>;

/**
 * The lock in force on a user (security detection or admin), or undefined; for login to refuse
 * locked accounts (the login throttle's own lockouts are separate, keyed by address).
 */
export async function activeLock<DB>(
  db: Kysely<DB>,
  userId: string,
): Promise<{ reason: UserLocksTable['reason']; lockedUntil: Date | null } | undefined> {
  // Any kysely handle (or transaction) on the service schema: `user_locks` is in it.
  const row = await (db as unknown as Kysely<Pick<ClaimsDatabase, 'user_locks'>>)
    .selectFrom('user_locks')
    .select(['reason', 'locked_until'])
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  return row === undefined ? undefined : { reason: row.reason, lockedUntil: row.locked_until };
}
