/** Use case: authenticate an OAuth 2 client by its id and secret. */
import type { ClientCredentials } from '../../domain/clients/client-auth.ts';
import { isClientId, type Pepper, secretMatches } from '../../domain/clients/client-secret.ts';
import type { StoredClient } from '../../store/clients/clients-store.ts';
import type { ClientCache } from './client-cache.ts';

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
  /** Where live clients are read (`createClientCache`). */
  clients: Pick<ClientCache, 'find'>;
  pepper: Pepper;
  now?: () => Date;
}): AuthenticateClient {
  const now = options.now ?? (() => new Date());
  return async ({ clientId, clientSecret }) => {
    const stored = isClientId(clientId) ? await options.clients.find(clientId) : undefined;
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
