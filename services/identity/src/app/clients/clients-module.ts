/**
 * Wiring of OAuth 2 clients into the service: one client manager and one set of OAuth endpoint
 * use cases per running service (per database), built on the key ring of `keysFor`.
 */
import type { ServiceContext } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import type { keysConfig } from '../../config/keys.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';
import { keysFor } from '../keys/keys-module.ts';
import { type AuthenticateClient, createClientAuthenticator } from './authenticate-client.ts';
import { createClientCache } from './client-cache.ts';
import { type clientsConfig, resolvePepper } from './clients-config.ts';
import { type ClientManager, createClientManager } from './manage-clients.ts';
import { createOAuthEndpoints, type OAuthEndpoints } from './oauth-endpoints.ts';
import { createOwnTokenVerifier } from './own-token-verifier.ts';
import { createTokenStatusCache } from './token-status-cache.ts';

export interface ClientsModule {
  clients: ClientManager;
  oauth: OAuthEndpoints;
  authenticate: AuthenticateClient;
}

type ClientsContext = Pick<
  ServiceContext<typeof keysConfig & typeof clientsConfig>,
  'config' | 'database' | 'logger'
>;

const modules = new WeakMap<object, ClientsModule>();

/** The client use cases of a running service (created on first use, one per database). */
export function clientsFor(context: ClientsContext): ClientsModule {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  const { config } = context;
  const db: Kysely<ClientsDatabase> = context.database.db.withTables<ClientsDatabase>();
  const pepper = resolvePepper(config, context.logger);
  const keys = keysFor(context);
  const cache = createClientCache({ db, ttlMs: config.CLIENT_CACHE_TTL_SEC * 1000 });
  const statusCache = createTokenStatusCache({ ttlMs: config.TOKEN_STATUS_CACHE_TTL_SEC * 1000 });
  const authenticate = createClientAuthenticator({ clients: cache, pepper });
  const module: ClientsModule = {
    authenticate,
    clients: createClientManager({
      db,
      pepper,
      rotationGraceSec: config.CLIENT_SECRET_ROTATION_GRACE_SEC,
      onChanged: (id) => {
        cache.forget(id);
        // A deleted client's tokens are inactive at once here (a rotation changes no token; rare).
        statusCache.forgetAll();
      },
    }),
    oauth: createOAuthEndpoints({
      db,
      authenticate,
      issueAccessToken: keys.issueAccessToken,
      verifyToken: createOwnTokenVerifier({ keys: keys.keys, issuer: keys.issuer, audience: keys.audience }),
      statusCache,
    }),
  };
  modules.set(context.database, module);
  return module;
}
