import type { Route, ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';

/**
 * The HTTP API of the authz service, each route declared with `defineRoute` (schemas for
 * params, query, body and responses; the OpenAPI document is generated from them).
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` come from service-kit.
 */
export function routes(_context: ServiceContext<TProperties>): Route[] {
  return [];
}
