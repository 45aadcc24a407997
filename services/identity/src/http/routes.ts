import type { Route, ServiceContext } from '@authplatform/service-kit';
import { adminAccountsFor, adminUsersFor } from '../app/admin/admin-module.ts';
import { clientsFor } from '../app/clients/clients-module.ts';
import { keysFor } from '../app/keys/keys-module.ts';
import { refreshGrantFor, sessionsFor } from '../app/sessions/sessions-module.ts';
import type { config } from '../config.ts';
import { accountsRoutes } from './accounts-routes.ts';
import { adminUsersRoutes, invitationRoutes } from './admin-users-routes.ts';
import { clientsRoutes } from './clients-routes.ts';
import { credentialsRoutes } from './credentials-routes.ts';
import { keysRoutes } from './keys-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { sessionsRoutes } from './sessions-routes.ts';

/**
 * The HTTP API of the identity service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 */
export function routes(context: ServiceContext<typeof config.properties>): Route[] {
  const keys = keysFor(context);
  const clients = clientsFor(context);
  const sessions = sessionsFor(context);
  const admin = context.authenticator !== undefined;
  // Admin routes need token verification (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE); without it they are not served.
  return [
    ...keysRoutes({ keys: keys.keys, issuer: keys.issuer, admin }),
    ...accountsRoutes(context),
    ...credentialsRoutes(context),
    ...oauthRoutes({
      oauth: clients.oauth,
      refresh: refreshGrantFor(sessions, clients.authenticate),
    }),
    ...(admin ? sessionsRoutes(sessions) : []),
    ...clientsRoutes({ clients: clients.clients, admin }),
    ...adminUsersRoutes({ users: adminUsersFor(context), accounts: adminAccountsFor(context), admin }),
    ...invitationRoutes({ accounts: adminAccountsFor(context) }),
  ];
}
