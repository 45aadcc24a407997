import type { ColumnType, Generated } from 'kysely';
import type { UserStatus } from '../../domain/accounts/login-policy.ts';

export type UsersTable = {
  id: string;
  /** Normalised (NFKC, trimmed, lower-cased); unique. */
  email: string;
  email_verified_at: Date | null;
  /** argon2id PHC string; null for accounts without a password (invited, not yet set). */
  password_hash: string | null;
  name: string | null;
  locale: string;
  timezone: string;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  created_at: Generated<Date>;
};

export type EmailVerificationTokensTable = {
  /** Hex SHA-256 of the token. */
  token_hash: string;
  user_id: string;
  /** The address the token verifies (the user's address when it was sent). */
  email: string;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
};

export type SessionsTable = {
  id: string;
  user_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  ip: string;
  user_agent: string;
  revoked_at: Date | null;
  reason: string | null;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type AccountsDatabase = {
  users: UsersTable;
  email_verification_tokens: EmailVerificationTokensTable;
  sessions: SessionsTable;
};
