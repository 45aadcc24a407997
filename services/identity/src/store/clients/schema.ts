import type { ColumnType, Generated } from 'kysely';

/** The `oauth_clients` table as kysely sees it. */
export type OAuthClientsTable = {
  id: string;
  name: string;
  grant_types: string[];
  scopes: string[];
  permissions: string[];
  secret_hash: Buffer | null;
  previous_secret_hash: Buffer | null;
  previous_secret_expires_at: Date | null;
  secret_rotated_at: Date | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  deleted_at: Date | null;
};

export type RevokedTokensTable = {
  jti: string;
  client_id: string;
  expires_at: Date;
  revoked_at: Generated<Date>;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type ClientsDatabase = {
  oauth_clients: OAuthClientsTable;
  revoked_tokens: RevokedTokensTable;
};
