import type { Kysely } from 'kysely';
import type { AccountsDatabase } from '../accounts/schema.ts';
import type { ClaimsDatabase } from '../claims/schema.ts';
import type { RefreshTokensDatabase } from '../sessions/schema.ts';

export type ExportDatabase = AccountsDatabase & RefreshTokensDatabase & ClaimsDatabase;

/** identity's part of a data-subject export: what it holds about the user, and how many records. */
export interface UserDataExport {
  records: number;
  data: {
    account: Record<string, unknown> | null;
    sessions: Record<string, unknown>[];
    token_families: Record<string, unknown>[];
    role_assignments: Record<string, unknown>[];
    group_memberships: Record<string, unknown>[];
    locks: Record<string, unknown>[];
  };
}

/**
 * Everything identity holds about a user that the user has a right to see (GDPR art. 15, LGPD art. 18),
 * in plain JSON. Never a password hash, token hash or signing material: those are not personal data
 * about the user but credentials, and exporting them would weaken the account.
 */
export async function exportUserData<DB extends ExportDatabase>(
  database: Kysely<DB>,
  userId: string,
): Promise<UserDataExport> {
  const db = database as unknown as Kysely<ExportDatabase>;
  const account = await db
    .selectFrom('users')
    .select(['id', 'email', 'email_verified_at', 'name', 'locale', 'timezone', 'status', 'created_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  const sessions = await db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'ip', 'user_agent', 'revoked_at', 'reason'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  const families = await db
    .selectFrom('refresh_token_families')
    .select(['id', 'session_id', 'client_id', 'amr', 'scope', 'created_at', 'revoked_at', 'revoked_reason'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  const subject = `user:${userId}`;
  const assignments = await db
    .selectFrom('claims_assignments')
    .select(['role', 'scope', 'active'])
    .where('subject', '=', subject)
    .orderBy('role')
    .execute();
  const memberships = await db
    .selectFrom('claims_memberships')
    .select(['group_id', 'active'])
    .where('member', '=', subject)
    .orderBy('group_id')
    .execute();
  const locks = await db
    .selectFrom('user_locks')
    .select(['reason', 'locked_until', 'created_at'])
    .where('user_id', '=', userId)
    .execute();
  const data = {
    account: account ?? null,
    sessions,
    token_families: families,
    role_assignments: assignments,
    group_memberships: memberships,
    locks,
  };
  const records =
    (account === undefined ? 0 : 1) +
    sessions.length +
    families.length +
    assignments.length +
    memberships.length +
    locks.length;
  return { records, data };
}
