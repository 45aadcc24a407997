import type { Route, ServiceContext } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import { templatesFor } from '../app/templates/templates-module.ts';
import type { config } from '../config.ts';
import type { PreferencesDatabase } from '../store/preferences/schema.ts';
import { deliveryRoutes } from './delivery-routes.ts';
import { preferencesRoutes } from './preferences-routes.ts';
import { templatesRoutes } from './templates-routes.ts';

/**
 * The HTTP API of the notifications service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 */
export function routes(context: ServiceContext<typeof config.properties>): Route[] {
  // Routes that need an access token are served only with token verification configured
  // (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE).
  const authenticated = context.authenticator !== undefined;
  return [
    ...(authenticated
      ? [
          ...preferencesRoutes({ db: context.database.db as unknown as Kysely<PreferencesDatabase> }),
          ...templatesRoutes(templatesFor(context)),
        ]
      : []),
    // Messages, suppressions (admin), the Twilio status callback, the dev outbox: each when configured.
    ...deliveryRoutes(context),
  ];
}
