import type { ColumnType, Generated } from 'kysely';
import type { AccountsDatabase } from '../accounts/schema.ts';

export type RefreshTokenFamiliesTable = {
  id: string;
  session_id: string;
  user_id: string;
  client_id: string;
  /** Seconds since the epoch (bigint: read as a string by node-postgres, written as a number). */
  auth_time: ColumnType<string | number, number, number>;
  amr: string[];
  scope: string | null;
  created_at: Generated<Date>;
  absolute_expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
};

export type RefreshTokensTable = {
  /** Hex SHA-256 of the token: the only form stored. */
  token_hash: string;
  family_id: string;
  created_at: Generated<Date>;
  /** Idle expiry, capped by the family's absolute expiry. */
  expires_at: Date;
  used_at: Date | null;
  used_ip: string | null;
  used_user_agent: string | null;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type RefreshTokensDatabase = {
  refresh_token_families: RefreshTokenFamiliesTable;
  refresh_tokens: RefreshTokensTable;
};

/** What the sessions use cases read and write: their tables plus users and sessions. */
export type SessionsDatabase = AccountsDatabase & RefreshTokensDatabase;
