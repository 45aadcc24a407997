/**
 * The OpenAPI 3.1 document, generated from the same route declarations (and the same strict
 * schemas, see `schema.ts`) that the app validates with, so the two cannot drift apart.
 */
import type { TSchema } from '@sinclair/typebox';
import { FieldErrorSchema, ProblemSchema } from '../errors/problem-schema.ts';
import { FORM_MEDIA_TYPE } from './body.ts';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_MAX,
  IDEMPOTENCY_KEY_MIN,
  idempotencyApplies,
} from './idempotency.ts';
import type { Route } from './route.ts';
import { requiresAuth } from './route.ts';
import { checkRouteSet } from './routing.ts';
import type { JsonSchema } from './schema.ts';
import { toJsonSchema, toStrictJsonSchema } from './schema.ts';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export type OpenApiObject = { [field: string]: unknown };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiInfo;
  tags?: Array<{ name: string }>;
  paths: Record<string, Record<string, OpenApiObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, OpenApiObject>;
    securitySchemes: Record<string, OpenApiObject>;
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const JSON_CONTENT_TYPE = 'application/json';
export const BEARER_SCHEME = 'bearerAuth';
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** Error answers the kit itself gives, by status, shared as `components.responses`. */
const KIT_RESPONSES: Record<number, { name: string; description: string; headers?: OpenApiObject }> = {
  400: { name: 'BadRequest', description: 'The request is malformed or fails validation (see `errors[]`).' },
  401: {
    name: 'Unauthorized',
    description: 'The bearer access token is missing or not valid.',
    headers: {
      'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750).', schema: { type: 'string' } },
    },
  },
  403: { name: 'Forbidden', description: 'The access token does not grant the required permission.' },
  413: { name: 'PayloadTooLarge', description: 'The request body is larger than the service accepts.' },
  409: {
    name: 'IdempotentRequestInProgress',
    description:
      'A request with the same Idempotency-Key is still being processed (`idempotency_request_in_progress`); retry after `Retry-After`.',
  },
  422: {
    name: 'IdempotencyKeyReused',
    description: 'The Idempotency-Key was used with a different request (`idempotency_key_reused`).',
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The request body is not in a media type the endpoint accepts (see its requestBody).',
  },
  500: {
    name: 'InternalError',
    description: 'Unexpected server error; `request_id` identifies it in the logs.',
  },
};

function problemContent() {
  return { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } };
}

/** The error statuses the kit may answer for a route, besides those the route declares. */
export function kitStatuses(route: Route, idempotency = false): number[] {
  const { body } = route.request;
  // 400 always: unknown query parameters are rejected even on routes that declare none.
  const statuses: number[] = [400];
  if (requiresAuth(route)) statuses.push(401);
  if (route.permission !== undefined) statuses.push(403);
  // A route answering invalid requests itself (onInvalidRequest) declares what it sends instead.
  if (body && route.onInvalidRequest === undefined) statuses.push(413, 415);
  if (idempotency && idempotencyApplies(route)) statuses.push(409, 422);
  statuses.push(500);
  return statuses;
}

const IDEMPOTENCY_PARAMETER: OpenApiObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the request safe to retry: a repeat with the same key and request returns the first response ' +
    '(with `Idempotent-Replayed: true`) for 24 hours. Keys are per caller and per endpoint.',
  schema: {
    type: 'string',
    minLength: IDEMPOTENCY_KEY_MIN,
    maxLength: IDEMPOTENCY_KEY_MAX,
    pattern: '^[\\x21-\\x7e]+$',
  },
};

function parameters(route: Route, idempotency: boolean): OpenApiObject[] {
  const out: OpenApiObject[] = [];
  const places = [
    ['path', route.request.params],
    ['query', route.request.query],
    ['header', route.request.headers],
  ] as const;
  for (const [place, schema] of places) {
    if (schema === undefined) continue;
    const strict = toStrictJsonSchema(schema);
    const required = new Set(Array.isArray(strict.required) ? (strict.required as string[]) : []);
    const properties = (strict.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, property] of Object.entries(properties)) {
      const { description, deprecated, ...propertySchema } = property;
      const parameter: OpenApiObject = { name, in: place, required: place === 'path' || required.has(name) };
      if (typeof description === 'string') parameter.description = description;
      if (deprecated === true) parameter.deprecated = true;
      parameter.schema = propertySchema;
      out.push(parameter);
    }
  }
  const declared = out.some((p) => p.in === 'header' && String(p.name).toLowerCase() === IDEMPOTENCY_HEADER);
  if (idempotency && idempotencyApplies(route) && !declared) out.push(IDEMPOTENCY_PARAMETER);
  return out;
}

function responses(route: Route, idempotency: boolean): Record<string, OpenApiObject> {
  const out: Record<string, OpenApiObject> = {};
  for (const [key, spec] of Object.entries(route.responses)) {
    const status = Number(key);
    const response: OpenApiObject = { description: spec.description };
    if (spec.schema !== undefined) {
      response.content = {
        [spec.contentType ?? JSON_CONTENT_TYPE]: { schema: toStrictJsonSchema(spec.schema) },
      };
    } else if (status >= 400) {
      response.content = problemContent();
    }
    out[key] = response;
  }
  for (const status of kitStatuses(route, idempotency)) {
    const name = KIT_RESPONSES[status]?.name;
    if (out[status] === undefined && name !== undefined)
      out[status] = { $ref: `#/components/responses/${name}` };
  }
  return out;
}

function operation(route: Route, idempotency: boolean): OpenApiObject {
  const op: OpenApiObject = { operationId: route.operationId, summary: route.summary };
  if (route.description !== undefined) op.description = route.description;
  if (route.tags.length > 0) op.tags = [...route.tags];
  if (route.deprecated) op.deprecated = true;
  const params = parameters(route, idempotency);
  if (params.length > 0) op.parameters = params;
  if (route.request.body !== undefined) {
    const schema = toStrictJsonSchema(route.request.body);
    const content: OpenApiObject = {};
    for (const type of route.bodyTypes)
      content[type === 'form' ? FORM_MEDIA_TYPE : JSON_CONTENT_TYPE] = { schema };
    op.requestBody = { required: route.request.bodyRequired !== false, content };
  }
  op.responses = responses(route, idempotency);
  if (requiresAuth(route)) op.security = [{ [BEARER_SCHEME]: [] }];
  if (route.permission !== undefined) op['x-permission'] = route.permission;
  return op;
}

function componentResponses(): Record<string, OpenApiObject> {
  const out: Record<string, OpenApiObject> = {};
  for (const { name, description, headers } of Object.values(KIT_RESPONSES)) {
    out[name] = { description, ...(headers ? { headers } : {}), content: problemContent() };
  }
  return out;
}

/**
 * Builds the OpenAPI 3.1.0 document for exactly these routes (createHttpApp passes the standard
 * endpoints along with the service's own). Throws a `RouteDefinitionError` on duplicate
 * operationIds, duplicate method+path pairs or ambiguous path templates.
 */
export function buildOpenApiDocument(
  routes: readonly Route[],
  info: OpenApiInfo,
  options: { idempotency?: boolean } = {},
): OpenApiDocument {
  const idempotency = options.idempotency ?? false;
  checkRouteSet(routes);
  const paths: OpenApiDocument['paths'] = {};
  const tags: string[] = [];
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method] = operation(route, idempotency);
    paths[route.path] = item;
    for (const tag of route.tags) if (!tags.includes(tag)) tags.push(tag);
  }
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: { ...info },
    paths,
    components: {
      schemas: {
        Problem: toJsonSchema(ProblemSchema as TSchema),
        FieldError: toJsonSchema(FieldErrorSchema as TSchema),
      },
      responses: componentResponses(),
      securitySchemes: { [BEARER_SCHEME]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
  if (tags.length > 0) doc.tags = tags.map((name) => ({ name }));
  return doc;
}
