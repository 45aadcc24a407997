import type { Route, ServiceContext } from '@authplatform/service-kit';
import { authzFor } from '../app/authz-module.ts';
import type { config } from '../config.ts';
import { assignmentsRoutes } from './assignments-routes.ts';
import { decisionsRoutes } from './decisions-routes.ts';
import { grantsRoutes } from './grants-routes.ts';
import { groupsRoutes } from './groups-routes.ts';
import { resourcesRoutes } from './resources-routes.ts';
import { rolesRoutes } from './roles-routes.ts';

/**
 * The HTTP API of the authz service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 * Every endpoint needs an access token (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE); without token
 * verification configured none is served (the index and the event handlers still run).
 */
export function routes(context: ServiceContext<typeof config.properties>): Route[] {
  const authz = authzFor(context);
  if (context.authenticator === undefined) {
    context.logger.warn(
      'authz API not served: set JWKS_URL, TOKEN_ISSUER and TOKEN_AUDIENCE to verify access tokens',
    );
    return [];
  }
  return [
    ...rolesRoutes(authz),
    ...assignmentsRoutes(authz),
    ...groupsRoutes(authz),
    ...grantsRoutes(authz),
    ...resourcesRoutes(authz),
    ...decisionsRoutes(authz),
  ];
}
