/** The HTTP layer: typed routes, validation, problems, OpenAPI, docs and the app factory. */
export type { HttpApp, HttpAppOptions, TrustProxy } from './app.ts';
export { createHttpApp, DEFAULT_BODY_LIMIT } from './app.ts';
export type { BodyType, FormBody } from './body.ts';
export { decodeForm, FORM_MEDIA_TYPE } from './body.ts';
export { DOCS_PATH, OPENAPI_PATH } from './docs.ts';
export { ResponseValidationError, RouteDefinitionError } from './errors.ts';
export type { HttpLogger } from './logger.ts';
export type { OpenApiDocument, OpenApiInfo, OpenApiObject } from './openapi.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { isSafeRequestId, REQUEST_ID_HEADER, requestIdOf, routeOf } from './request-id.ts';
export type {
  ClaimsFor,
  HandlerContext,
  HandlerResult,
  HttpMethod,
  HttpStatus,
  InvalidRequestContext,
  RequestSchemas,
  ResponseSpec,
  ResponseSpecs,
  Route,
  RouteContext,
  RouteDefinition,
  RouteResult,
} from './route.ts';
export { defineRoute, HTTP_METHODS } from './route.ts';
export type { JsonSchema } from './schema.ts';
export { toStrictJsonSchema } from './schema.ts';
export type { MetricsProvider, ReadinessCheck, ReadinessReport } from './standard-routes.ts';
export { standardRoutes } from './standard-routes.ts';
