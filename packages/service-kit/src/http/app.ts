/**
 * `createHttpApp`: the express app every service serves. In order: request id, access log,
 * metrics and security headers (one middleware, `preamble.ts`), CORS, the standard endpoints, `/openapi.json`, `/docs`, the declared routes
 * (each with 405 for the methods it does not serve), 404, and the final error handler.
 */

import type { Express } from 'express';
import express from 'express';
import type { Authenticator } from '../auth/permissions.ts';
import { bodyReader } from './body.ts';
import { corsMiddleware } from './cors.ts';
import { DOCS_PATH, mountDocs, mountOpenApi, OPENAPI_PATH } from './docs.ts';
import { errorHandler, methodNotAllowedHandler, notFoundHandler } from './error-handler.ts';
import { RouteDefinitionError } from './errors.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { HttpLogger } from './logger.ts';
import type { OpenApiDocument } from './openapi.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { compileRoute, routeHandler } from './pipeline.ts';
import { recordStaticHeaders, requestPreamble, securityHeaders } from './preamble.ts';
import type { Route } from './route.ts';
import { requiresAuth, routeLabel } from './route.ts';
import { groupByPath } from './routing.ts';
import type { MetricsProvider, ReadinessCheck } from './standard-routes.ts';
import { standardRoutes } from './standard-routes.ts';
import { createSchemaCompiler } from './validation.ts';

export type TrustProxy = boolean | number | string | string[] | ((ip: string, hop: number) => boolean);

export interface HttpAppOptions {
  service: { name: string; version: string; description?: string };
  routes: readonly Route[];
  logger: HttpLogger;
  /** Required when any route declares `auth` or `permission`. */
  authenticator?: Authenticator;
  readiness?: ReadinessCheck;
  metrics?: MetricsProvider;
  /** Largest accepted body (bytes library syntax); default `'100kb'`. Routes may set their own. */
  bodyLimit?: string;
  /** Origins allowed to call the API from a browser (exact match); none by default. */
  corsOrigins?: readonly string[];
  /**
   * Where `Idempotency-Key` entries are kept (`createIdempotencyStore`; `startService` passes one).
   * Without it the header is ignored and not documented.
   */
  idempotency?: IdempotencyStore;
  /** express `trust proxy` setting; default `false` (client addresses are the socket's). */
  trustProxy?: TrustProxy;
}

export interface HttpApp {
  app: Express;
  openapi: OpenApiDocument;
}

export const DEFAULT_BODY_LIMIT = '100kb';

function checkReservedPaths(routes: readonly Route[]): void {
  for (const route of routes) {
    if (route.path === OPENAPI_PATH || route.path === DOCS_PATH || route.path.startsWith(`${DOCS_PATH}/`)) {
      throw new RouteDefinitionError(`${route.path} is served by the kit`, routeLabel(route));
    }
  }
}

/**
 * Builds the app and its OpenAPI document. Every declaration is checked and every validator is
 * compiled here, so a bad route fails start-up (with a `RouteDefinitionError`), not a request.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { service, logger, authenticator, metrics } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  checkReservedPaths(options.routes);
  const routes = [...standardRoutes({ logger, readiness: options.readiness, metrics }), ...options.routes];
  const groups = groupByPath(routes);
  const unguarded = routes.find(requiresAuth);
  if (authenticator === undefined && unguarded !== undefined) {
    throw new RouteDefinitionError(
      'requires a bearer token but no authenticator is configured',
      routeLabel(unguarded),
    );
  }
  const openapi = buildOpenApiDocument(
    routes,
    {
      title: service.name,
      version: service.version,
      ...(service.description === undefined ? {} : { description: service.description }),
    },
    { idempotency: options.idempotency !== undefined },
  );
  const compiler = createSchemaCompiler();
  const deps = {
    authenticator,
    logger,
    readBody: bodyReader(bodyLimit),
    readerFor: bodyReader,
    idempotency: options.idempotency,
    realm: service.name,
  };
  const handlers = groups.map((group) => ({
    group,
    handlers: group.routes.map((route) => ({
      route,
      handler: routeHandler(compileRoute(route, compiler, options.idempotency !== undefined), deps),
    })),
  }));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('query parser', 'simple'); // no `a[b]=c` objects: query values are strings or arrays of them
  app.set('etag', false); // no 304s the routes do not declare; static docs assets keep their own ETags

  // Request id, route label, security headers, access log and (with `observeRequest`) metrics.
  app.use(requestPreamble({ logger, metrics, headers: recordStaticHeaders(securityHeaders()) }));
  if (metrics !== undefined && metrics.observeRequest === undefined) app.use(metrics.middleware);
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    app.use(corsMiddleware(options.corsOrigins));
  }

  mountOpenApi(app, openapi);
  mountDocs(app, service.name);
  for (const { group, handlers: routeHandlers } of handlers) {
    for (const { route, handler } of routeHandlers) app[route.method](group.expressPath, handler);
    app.all(group.expressPath, methodNotAllowedHandler(group.path, group.allow));
  }
  app.use(notFoundHandler());
  app.use(errorHandler(logger, bodyLimit));
  return { app, openapi };
}
