import { type Kysely, type Selectable, sql } from 'kysely';
import type { ClientsDatabase, OAuthClientsTable } from './schema.ts';

/** A `Kysely` or a `Transaction` of it. */
export type ClientsDb = Kysely<ClientsDatabase>;

export type StoredClient = Selectable<OAuthClientsTable>;

/** What a client looks like without its secret hashes. */
export type ClientRecord = Omit<StoredClient, 'secret_hash' | 'previous_secret_hash'>;

const PUBLIC_COLUMNS = [
  'id',
  'name',
  'grant_types',
  'scopes',
  'permissions',
  'previous_secret_expires_at',
  'secret_rotated_at',
  'created_by',
  'created_at',
  'deleted_at',
] as const;

export async function insertClient(
  db: ClientsDb,
  client: {
    id: string;
    name: string;
    grantTypes: string[];
    scopes: string[];
    permissions: string[];
    secretHash: Buffer;
    createdBy: string | null;
    now: Date;
  },
): Promise<ClientRecord> {
  return db
    .insertInto('oauth_clients')
    .values({
      id: client.id,
      name: client.name,
      grant_types: client.grantTypes,
      scopes: client.scopes,
      permissions: client.permissions,
      secret_hash: client.secretHash,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      secret_rotated_at: null,
      created_by: client.createdBy,
      created_at: client.now,
      deleted_at: null,
    })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** A live (not deleted) client with its secret hashes, for authentication. */
export function findClientForAuth(db: ClientsDb, id: string): Promise<StoredClient | undefined> {
  return db
    .selectFrom('oauth_clients')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export function findClient(db: ClientsDb, id: string): Promise<ClientRecord | undefined> {
  return db
    .selectFrom('oauth_clients')
    .select(PUBLIC_COLUMNS)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Live clients ordered by id, after `cursor` (an id). */
export function listClients(
  db: ClientsDb,
  options: { limit: number; after?: string },
): Promise<ClientRecord[]> {
  let query = db
    .selectFrom('oauth_clients')
    .select(PUBLIC_COLUMNS)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .limit(options.limit);
  if (options.after !== undefined) query = query.where('id', '>', options.after);
  return query.execute();
}

/** Marks a live client deleted and forgets its secrets; `undefined` when there was none. */
export async function softDeleteClient(
  db: ClientsDb,
  id: string,
  now: Date,
): Promise<ClientRecord | undefined> {
  return db
    .updateTable('oauth_clients')
    .set({ deleted_at: now, secret_hash: null, previous_secret_hash: null, previous_secret_expires_at: null })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
}

/**
 * Replaces the secret; the current one becomes the previous one until `previousExpiresAt`
 * (`null`: the current one dies now). `undefined` when there is no live client.
 */
export async function replaceSecret(
  db: ClientsDb,
  id: string,
  secretHash: Buffer,
  now: Date,
  previousExpiresAt: Date | null,
): Promise<ClientRecord | undefined> {
  return db
    .updateTable('oauth_clients')
    .set((eb) => ({
      previous_secret_hash: previousExpiresAt === null ? null : eb.ref('secret_hash'),
      previous_secret_expires_at: previousExpiresAt,
      secret_hash: secretHash,
      secret_rotated_at: now,
    }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
}

/** Records a revoked access token (idempotent). */
export async function insertRevokedToken(
  db: ClientsDb,
  token: { jti: string; clientId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('revoked_tokens')
    .values({ jti: token.jti, client_id: token.clientId, expires_at: token.expiresAt })
    .onConflict((oc) => oc.column('jti').doNothing())
    .execute();
}

/** Forgets revocations of tokens that expired before `before`. */
export async function pruneRevokedTokens(db: ClientsDb, before: Date): Promise<void> {
  await db.deleteFrom('revoked_tokens').where('expires_at', '<', before).execute();
}

/**
 * In one round trip: whether the token's jti is revoked, whether its client is deleted, and — for
 * a user token — whether its session is still live (not revoked, not deleted with its user). The
 * `sessions` table is in the same service schema; `session` ids must be UUIDs (the caller checks).
 */
export async function tokenStatus(
  db: ClientsDb,
  token: { jti: string | undefined; clientId: string | undefined; session?: { sid: string; sub: string } },
): Promise<{ revoked: boolean; clientDeleted: boolean; sessionLive: boolean }> {
  const { session } = token;
  const sessionLive =
    session === undefined
      ? sql<boolean>`true`
      : sql<boolean>`exists (select 1 from sessions where id = ${session.sid}::uuid and user_id = ${session.sub}::uuid and revoked_at is null)`;
  const result = await sql<{ revoked: boolean; client_deleted: boolean; session_live: boolean }>`
    select
      exists (select 1 from revoked_tokens where jti = ${token.jti ?? ''}) as revoked,
      exists (select 1 from oauth_clients where id = ${token.clientId ?? ''} and deleted_at is not null) as client_deleted,
      ${sessionLive} as session_live
  `.execute(db);
  const row = result.rows[0];
  return {
    revoked: row?.revoked === true,
    clientDeleted: row?.client_deleted === true,
    sessionLive: row?.session_live === true,
  };
}
