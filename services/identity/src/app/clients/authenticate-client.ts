/** Use case: authenticate an OAuth 2 client by its id and secret. */
import type { Kysely } from 'kysely';
import type { ClientCredentials } from '../../domain/clients/client-auth.ts';
import { isClientId, type Pepper, secretMatches } from '../../domain/clients/client-secret.ts';
import { findClientForAuth, type StoredClient } from '../../store/clients/clients-store.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';

export type AuthenticatedClient = Pick<
  StoredClient,
  'id' | 'name' | 'grant_types' | 'scopes' | 'permissions'
>;

export type AuthenticateClient = (credentials: ClientCredentials) => Promise<AuthenticatedClient | undefined>;

/**
 * The client when its secret matches the current one, or the previous one within its grace
 * period; `undefined` otherwise. An unknown client costs the same hash work as a known one, and
 * every failure looks the same to the caller.
 */
export function createClientAuthenticator(options: {
  db: Kysely<ClientsDatabase>;
  pepper: Pepper;
  now?: () => Date;
}): AuthenticateClient {
  const now = options.now ?? (() => new Date());
  return async ({ clientId, clientSecret }) => {
    const stored = isClientId(clientId) ? await findClientForAuth(options.db, clientId) : undefined;
    const previousValid =
      stored?.previous_secret_expires_at != null &&
      stored.previous_secret_expires_at.getTime() > now().getTime();
    const candidates = [
      stored?.secret_hash ?? null,
      previousValid ? (stored?.previous_secret_hash ?? null) : null,
    ];
    const matches = secretMatches(options.pepper, clientSecret, candidates);
    if (stored === undefined || !matches) return undefined;
    return {
      id: stored.id,
      name: stored.name,
      grant_types: stored.grant_types,
      scopes: stored.scopes,
      permissions: stored.permissions,
    };
  };
}
