import type { ColumnType } from 'kysely';
import type { PublicJwk } from '../../domain/keys/key-material.ts';

export type SigningKeyStatus = 'next' | 'active' | 'retired';

/** The `signing_keys` table as kysely sees it. */
export type SigningKeysTable = {
  kid: string;
  public_jwk: ColumnType<PublicJwk, string, string>;
  private_key_ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  status: SigningKeyStatus;
  created_at: ColumnType<Date, Date, Date>;
  activated_at: Date | null;
  retired_at: Date | null;
  expires_at: Date | null;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type KeysDatabase = {
  signing_keys: SigningKeysTable;
};
