import type { Route, ServiceContext } from '@authplatform/service-kit';
import { manageDeliveries } from '../app/delivery/manage-deliveries.ts';
import { manageEndpoints } from '../app/endpoints/manage-endpoints.ts';
import { type config, secretEncryptionKey } from '../config.ts';
import { createSecretBox } from '../domain/endpoints/secret-box.ts';
import type { WebhooksDatabase } from '../store/webhooks/schema.ts';
import { endpointsRoutes } from './endpoints-routes.ts';

/**
 * The HTTP API of the webhooks service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 * The admin routes need token verification (`JWKS_URL`, `TOKEN_ISSUER`, `TOKEN_AUDIENCE`).
 */
export function webhooksRoutes(wake: () => void) {
  return (context: ServiceContext<typeof config.properties>): Route[] => {
    if (context.authenticator === undefined) return [];
    const db = context.database.db.withTables<WebhooksDatabase>();
    return endpointsRoutes({
      endpoints: manageEndpoints({
        db,
        secrets: createSecretBox(secretEncryptionKey(context.config.WEBHOOKS_SECRET_ENCRYPTION_KEY)),
        allowPrivateTargets: context.config.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
        rotationGraceSec: context.config.WEBHOOKS_SECRET_ROTATION_GRACE_SEC,
      }),
      deliveries: manageDeliveries(db, wake),
    });
  };
}
