import type { Route, ServiceContext } from '@authplatform/service-kit';
import type { config } from '../config.ts';
import { keyEncryptionKey } from '../config.ts';
import { auditLogReader } from '../store/log/audit-log-store.ts';
import type { AuditDatabase } from '../store/log/schema.ts';
import { auditLogRoutes } from './audit-log-routes.ts';

/**
 * The HTTP API of the audit service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 * The admin routes need token verification (`JWKS_URL`, `TOKEN_ISSUER`, `TOKEN_AUDIENCE`); without it
 * they are not served.
 */
export function routes(context: ServiceContext<typeof config.properties>): Route[] {
  if (context.authenticator === undefined) return [];
  const reader = auditLogReader(
    context.database.db.withTables<AuditDatabase>(),
    keyEncryptionKey(context.config.AUDIT_KEY_ENCRYPTION_KEY),
  );
  return auditLogRoutes({ reader });
}
