import type { Generated } from 'kysely';
import type { CredentialTokenPurpose } from '../../domain/credentials/tokens.ts';
import type { SessionsTable, UsersTable } from '../accounts/schema.ts';

export type CredentialTokensTable = {
  /** Hex SHA-256 of the token. */
  token_hash: string;
  user_id: string;
  purpose: CredentialTokenPurpose;
  /** password_reset: the user's address when sent; email_change: the new address to confirm. */
  email: string;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
};

export type AccountDeletionsTable = {
  user_id: string;
  erasure_request_id: string;
  actor_type: string;
  actor_id: string | null;
  requested_at: Generated<Date>;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
/** The credentials tables plus the accounts tables they update (users, sessions). */
export type CredentialsDatabase = {
  users: UsersTable;
  sessions: SessionsTable;
  credential_tokens: CredentialTokensTable;
  account_deletions: AccountDeletionsTable;
};
