import { type Kysely, sql } from 'kysely';
import type { EncryptedPrivateKey, PublicJwk } from '../../domain/keys/key-material.ts';
import type { KeysDatabase, SigningKeyStatus } from './schema.ts';

/** A `Kysely` or a `Transaction` of it. */
export type KeysDb = Kysely<KeysDatabase>;

export interface StoredKeyHead {
  kid: string;
  status: SigningKeyStatus;
  created_at: Date;
}

export interface StoredSigningKey extends EncryptedPrivateKey {
  kid: string;
  public_jwk: PublicJwk;
}

/**
 * Serialises every writer of `signing_keys` (rotation, start-up, pruning) until the transaction
 * ends. `SHARE ROW EXCLUSIVE` conflicts with itself and with writes, not with plain reads, so the
 * JWKS and the signers keep reading while a rotation runs. A table lock rather than `FOR UPDATE`
 * on the current rows: the writer also inserts the new `next` row, which a row lock cannot cover,
 * and after waiting, every statement sees the winner's committed rows (READ COMMITTED).
 */
export async function lockSigningKeys(trx: KeysDb): Promise<void> {
  await sql`lock table signing_keys in share row exclusive mode`.execute(trx);
}

/** The `active` and `next` keys (at most one each). */
export function currentKeys(db: KeysDb): Promise<StoredKeyHead[]> {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'status', 'created_at'])
    .where('status', 'in', ['active', 'next'])
    .execute();
}

export async function insertKey(
  db: KeysDb,
  key: {
    kid: string;
    publicJwk: PublicJwk;
    encrypted: EncryptedPrivateKey;
    status: 'active' | 'next';
    now: Date;
  },
): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_ciphertext: key.encrypted.ciphertext,
      iv: key.encrypted.iv,
      tag: key.encrypted.tag,
      status: key.status,
      created_at: key.now,
      activated_at: key.status === 'active' ? key.now : null,
      retired_at: null,
      expires_at: null,
    })
    .execute();
}

export async function retireKey(db: KeysDb, kid: string, now: Date, expiresAt: Date): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ status: 'retired', retired_at: now, expires_at: expiresAt })
    .where('kid', '=', kid)
    .where('status', '=', 'active')
    .execute();
}

export async function activateKey(db: KeysDb, kid: string, now: Date): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ status: 'active', activated_at: now })
    .where('kid', '=', kid)
    .where('status', '=', 'next')
    .execute();
}

/** Deletes retired keys whose tokens have all expired (their private keys are gone with them). */
export async function deleteExpiredKeys(db: KeysDb, now: Date): Promise<string[]> {
  const rows = await db
    .deleteFrom('signing_keys')
    .where('status', '=', 'retired')
    .where('expires_at', '<=', now)
    .returning('kid')
    .execute();
  return rows.map((r) => r.kid);
}

/** Public JWKs to publish at `now`: next, active, and retired keys not yet expired. */
export async function publishedKeys(db: KeysDb, now: Date): Promise<PublicJwk[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['public_jwk'])
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['active', 'next']),
        eb.and([eb('status', '=', 'retired'), eb('expires_at', '>', now)]),
      ]),
    )
    .orderBy(sql`case status when 'active' then 0 when 'next' then 1 else 2 end`)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.public_jwk);
}

/** The `kid` of the active key, if any. */
export async function activeKid(db: KeysDb): Promise<string | undefined> {
  const row = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row?.kid;
}

/** One key with its encrypted private part. */
export async function findKey(db: KeysDb, kid: string): Promise<StoredSigningKey | undefined> {
  const row = await db
    .selectFrom('signing_keys')
    .select(['kid', 'public_jwk', 'private_key_ciphertext', 'iv', 'tag'])
    .where('kid', '=', kid)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    kid: row.kid,
    public_jwk: row.public_jwk,
    ciphertext: row.private_key_ciphertext,
    iv: row.iv,
    tag: row.tag,
  };
}
