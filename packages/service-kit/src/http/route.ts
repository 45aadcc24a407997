/**
 * Typed route declarations. A route is declared once, with TypeBox schemas for every request part
 * and every response; the same declaration drives routing, validation, authorization and the
 * OpenAPI document, and the handler's context and result are typed from the schemas.
 */
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import type { AccessTokenClaims } from '../auth/permissions.ts';
import type { ProblemError } from '../errors/problem.ts';
import type { BodyType } from './body.ts';
import { RouteDefinitionError } from './errors.ts';

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Schemas of the request parts. `params`, `query` and `headers` are objects of scalars (or arrays of them). */
export interface RequestSchemas {
  params?: TObject;
  query?: TObject;
  headers?: TObject;
  /**
   * Request body. By default it is JSON (`application/json` or `application/*+json`), validated
   * as sent (no coercion), and required.
   */
  body?: TSchema;
  /**
   * Media types the body may come in: `'json'` (default), `'form'`
   * (`application/x-www-form-urlencoded`), or both (`['form', 'json']`, e.g. OAuth endpoints whose
   * clients send either). A form body must be an object schema of scalars or arrays of scalars;
   * form values arrive as strings and are coerced to the declared scalar types exactly as query
   * parameters are (`'42'` → 42 for an integer, `'true'` → true for a boolean); a repeated name is
   * an array (refused as `repeated` unless the property is an array). JSON bodies of the same
   * route are still validated without coercion.
   */
  bodyType?: BodyType | readonly BodyType[];
  /** Largest accepted body for this route (bytes syntax, `'16kb'`); default: the app's `bodyLimit`. */
  bodyLimit?: string;
  /** `false`: a request without a body is valid and the handler gets `body: undefined`. Default `true`. */
  bodyRequired?: boolean;
}

export interface ResponseSpec {
  description: string;
  /**
   * Schema of the body. Statuses ≥ 400 without a schema are documented as RFC 9457 problems
   * (handlers signal them by throwing a `ProblemError`).
   */
  schema?: TSchema;
  /** Defaults to `application/json`; any other type sends the body (a string) as it is. */
  contentType?: string;
}

export type ResponseSpecs = { readonly [status: number]: ResponseSpec };

type StaticOr<T, Fallback> = T extends TSchema ? Static<T> : Fallback;
type NoParts = Record<string, never>;

/** What a handler receives: validated (and, for params/query/headers, coerced) request parts. */
export interface HandlerContext<
  Req extends RequestSchemas = RequestSchemas,
  Claims = AccessTokenClaims | undefined,
  Res extends ResponseSpecs = ResponseSpecs,
> {
  readonly params: StaticOr<Req['params'], NoParts>;
  readonly query: StaticOr<Req['query'], NoParts>;
  /** Declared headers only, keyed as declared. */
  readonly headers: StaticOr<Req['headers'], NoParts>;
  readonly body: Req extends { bodyRequired: false }
    ? StaticOr<Req['body'], undefined> | undefined
    : StaticOr<Req['body'], undefined>;
  readonly req: Request;
  readonly res: Response;
  readonly requestId: string;
  /** Verified token claims: always present on routes with `auth` or `permission`, absent otherwise. */
  readonly claims: Claims;
  /**
   * Builds a declared result, typed by its status: `return ctx.reply(200, user)`. Equivalent to
   * returning `{ status, body, headers }`, but keeps string literals in `body` literal (a plain
   * object literal needs `as const` for fields typed as literal unions).
   */
  readonly reply: <S extends keyof Res & HttpStatus>(
    status: S,
    ...rest: ReplyArgs<Res[S]>
  ) => HandlerResult<Res>;
}

type ReplyArgs<Spec> = Spec extends { schema: infer T extends TSchema }
  ? [body: Static<T>, headers?: Record<string, string>]
  : [body?: undefined, headers?: Record<string, string>];

type Digit = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
type ToNumber<T> = T extends `${infer N extends number}` ? N : never;
/**
 * 100…599 as a union of literals. Keying results by it (rather than by `number`) keeps a handler's
 * `status: 200` a literal while the route's types are still being inferred.
 */
export type HttpStatus = ToNumber<`${1 | 2 | 3 | 4 | 5}${Digit}${Digit}`>;

/** One of the declared responses: the status picks the body type. */
export type HandlerResult<Res extends ResponseSpecs> = {
  [S in keyof Res & HttpStatus]: Res[S] extends { schema: infer T extends TSchema }
    ? { status: S; body: Static<T>; headers?: Record<string, string> }
    : { status: S; body?: undefined; headers?: Record<string, string> };
}[keyof Res & HttpStatus];

/** Claims type from the route's auth requirement. */
export type ClaimsFor<P, A> = [P] extends [string]
  ? AccessTokenClaims
  : [A] extends ['bearer']
    ? AccessTokenClaims
    : [P] extends [undefined]
      ? [A] extends [undefined]
        ? undefined
        : AccessTokenClaims | undefined
      : AccessTokenClaims | undefined;

export interface RouteDefinition<
  Req extends RequestSchemas,
  Res extends ResponseSpecs,
  P extends string | undefined,
  A extends 'bearer' | undefined,
> {
  method: HttpMethod;
  /** OpenAPI template, e.g. `/v1/users/{id}`: literal segments or whole-segment `{name}` parameters. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: readonly string[];
  deprecated?: boolean;
  request?: Req;
  responses: Res;
  /** Requires a bearer token whose claims grant this permission (`users:read`). */
  permission?: P;
  /** Requires a valid bearer token, no particular permission. */
  auth?: A;
  /**
   * `false`: the route ignores `Idempotency-Key` (see `idempotency.ts`). Mutating routes take part
   * by default when the app has an idempotency store; GET routes never do.
   */
  idempotency?: boolean;
  handler: (ctx: HandlerContext<Req, ClaimsFor<P, A>, Res>) => Promise<HandlerResult<Res>>;
  /**
   * Answers requests the kit finds invalid before the handler runs (400 validation and malformed
   * bodies, 413, 415) in the route's own format instead of an RFC 9457 problem, e.g. OAuth's
   * RFC 6749 `{ "error": "invalid_request" }`. Gets the problem the kit would have sent (its
   * `errors[]` say what failed); the result must be one of the declared responses. Not used for
   * authentication or permission failures.
   */
  onInvalidRequest?: (problem: ProblemError, ctx: InvalidRequestContext) => HandlerResult<Res>;
}

export interface InvalidRequestContext {
  readonly req: Request;
  readonly res: Response;
  readonly requestId: string;
}

/** The untyped view of a route the app works with at run time. */
export interface RouteContext {
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
  readonly req: Request;
  readonly res: Response;
  readonly requestId: string;
  readonly claims: AccessTokenClaims | undefined;
  readonly reply: (status: number, body?: unknown, headers?: Record<string, string>) => RouteResult;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  /** The same path in express syntax (`/v1/users/:id`). */
  readonly expressPath: string;
  /** Names of the `{params}` in `path`, in order. */
  readonly pathParams: readonly string[];
  readonly operationId: string;
  readonly summary: string;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly deprecated: boolean;
  readonly request: Readonly<RequestSchemas>;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly permission: string | undefined;
  readonly auth: 'bearer' | undefined;
  /** Media types the body may come in (empty without a body). */
  readonly bodyTypes: readonly BodyType[];
  /** Whether the route takes part in `Idempotency-Key` handling (mutating methods only). */
  readonly idempotency: boolean;
  readonly handler: (ctx: RouteContext) => Promise<RouteResult>;
  readonly onInvalidRequest: ((problem: ProblemError, ctx: InvalidRequestContext) => RouteResult) | undefined;
}

/** Whether the route needs a verified bearer token. */
export function requiresAuth(route: Route): boolean {
  return route.permission !== undefined || route.auth === 'bearer';
}

export function routeLabel(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const OPERATION_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const NO_BODY_STATUSES = new Set([204, 205, 304]);

/** Splits an OpenAPI path into its parameter names; throws on anything express could misread. */
export function parsePath(path: string, label = path): { params: string[]; expressPath: string } {
  if (path === '/') return { params: [], expressPath: '/' };
  if (!path.startsWith('/')) throw new RouteDefinitionError('path must start with "/"', label);
  const params: string[] = [];
  const segments = path
    .slice(1)
    .split('/')
    .map((segment) => {
      const param = PARAM_SEGMENT.exec(segment)?.[1];
      if (param !== undefined) {
        if (params.includes(param))
          throw new RouteDefinitionError(`path parameter "${param}" repeats`, label);
        params.push(param);
        return `:${param}`;
      }
      if (!LITERAL_SEGMENT.test(segment)) {
        throw new RouteDefinitionError(
          `path segment "${segment}" must be literal [A-Za-z0-9._~-] characters or a whole "{name}"`,
          label,
        );
      }
      return segment;
    });
  return { params, expressPath: `/${segments.join('/')}` };
}

function objectSchemaProperties(schema: TSchema, part: string, label: string): Array<[string, TSchema]> {
  if (schema.type !== 'object' || typeof schema.properties !== 'object' || schema.properties === null) {
    throw new RouteDefinitionError(`request.${part} must be an object schema (Type.Object)`, label);
  }
  const entries = Object.entries(schema.properties as Record<string, TSchema>);
  for (const [name, property] of entries) {
    const types = Array.isArray(property.type) ? property.type : [property.type];
    if (types.includes('object')) {
      throw new RouteDefinitionError(
        `request.${part}.${name} must be a scalar or an array of scalars`,
        label,
      );
    }
  }
  return entries;
}

function requiredOf(schema: TSchema): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}

type DefinitionShape = Omit<
  RouteDefinition<RequestSchemas, ResponseSpecs, string | undefined, 'bearer' | undefined>,
  'handler' | 'onInvalidRequest'
>;

function checkDefinition(def: DefinitionShape) {
  if (!(HTTP_METHODS as readonly string[]).includes(def.method)) {
    throw new RouteDefinitionError(
      `method must be one of ${HTTP_METHODS.join(', ')}`,
      `${def.method} ${def.path}`,
    );
  }
  const label = routeLabel(def);
  const { params, expressPath } = parsePath(def.path, label);
  if (!OPERATION_ID.test(def.operationId)) {
    throw new RouteDefinitionError('operationId must start with a letter and use [A-Za-z0-9_.-]', label);
  }
  if (def.summary.trim() === '') throw new RouteDefinitionError('summary must not be empty', label);
  if (def.permission !== undefined && !/^\S+$/.test(def.permission)) {
    throw new RouteDefinitionError('permission must be a non-empty string without spaces', label);
  }
  if (def.idempotency !== undefined && typeof def.idempotency !== 'boolean') {
    throw new RouteDefinitionError('idempotency must be a boolean', label);
  }
  if (def.auth !== undefined && def.auth !== 'bearer') {
    throw new RouteDefinitionError('auth must be "bearer"', label);
  }

  const request = def.request ?? {};
  const declaredParams = request.params ? objectSchemaProperties(request.params, 'params', label) : [];
  const declaredNames = declaredParams.map(([name]) => name);
  for (const name of params) {
    if (!declaredNames.includes(name)) {
      throw new RouteDefinitionError(`path parameter "${name}" has no schema in request.params`, label);
    }
  }
  for (const name of declaredNames) {
    if (!params.includes(name))
      throw new RouteDefinitionError(`request.params.${name} is not in the path`, label);
    if (request.params && !requiredOf(request.params).includes(name)) {
      throw new RouteDefinitionError(
        `request.params.${name} must be required (path parameters always are)`,
        label,
      );
    }
  }
  if (request.query) objectSchemaProperties(request.query, 'query', label);
  if (request.headers) {
    const names = objectSchemaProperties(request.headers, 'headers', label).map(([name]) =>
      name.toLowerCase(),
    );
    for (const name of names) {
      if (!HEADER_NAME.test(name))
        throw new RouteDefinitionError(`header name "${name}" is not a token`, label);
      if (name === 'authorization' || name === 'content-type' || name === 'accept') {
        throw new RouteDefinitionError(`header "${name}" is handled by the kit; do not declare it`, label);
      }
    }
    if (new Set(names).size !== names.length) {
      throw new RouteDefinitionError(
        'request.headers declares a header twice (names are case-insensitive)',
        label,
      );
    }
  }
  if (request.body !== undefined && def.method === 'get') {
    throw new RouteDefinitionError('a GET route cannot declare a request body', label);
  }
  const bodyTypes = bodyTypesOf(request, label);
  if (bodyTypes.includes('form') && request.body !== undefined) {
    objectSchemaProperties(request.body, 'body', label);
  }
  if (request.bodyLimit !== undefined && !BODY_LIMIT.test(request.bodyLimit)) {
    throw new RouteDefinitionError('request.bodyLimit must be a size such as "16kb" or "1mb"', label);
  }

  const statuses = Object.keys(def.responses);
  if (statuses.length === 0)
    throw new RouteDefinitionError('responses must declare at least one status', label);
  for (const key of statuses) {
    const status = Number(key);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RouteDefinitionError(`response status "${key}" is not an HTTP status code`, label);
    }
    const spec = def.responses[status];
    if (spec === undefined || typeof spec.description !== 'string' || spec.description.trim() === '') {
      throw new RouteDefinitionError(`response ${status} needs a description`, label);
    }
    if (NO_BODY_STATUSES.has(status) && spec.schema !== undefined) {
      throw new RouteDefinitionError(`response ${status} cannot have a body schema`, label);
    }
  }
  return { params, expressPath, bodyTypes };
}

const BODY_TYPES: readonly BodyType[] = ['json', 'form'];
const BODY_LIMIT = /^\d+(\.\d+)?\s*(b|kb|mb)?$/i;

function bodyTypesOf(request: RequestSchemas, label: string): BodyType[] {
  const { body, bodyType, bodyLimit, bodyRequired } = request;
  if (body === undefined) {
    if (bodyType !== undefined || bodyLimit !== undefined || bodyRequired !== undefined) {
      throw new RouteDefinitionError(
        'request.bodyType, bodyLimit and bodyRequired need a request.body',
        label,
      );
    }
    return [];
  }
  const types =
    bodyType === undefined ? ['json' as const] : typeof bodyType === 'string' ? [bodyType] : [...bodyType];
  if (types.length === 0)
    throw new RouteDefinitionError('request.bodyType must name at least one type', label);
  for (const type of types) {
    if (!BODY_TYPES.includes(type)) {
      throw new RouteDefinitionError(`request.bodyType "${String(type)}" is not one of json, form`, label);
    }
  }
  if (new Set(types).size !== types.length) {
    throw new RouteDefinitionError('request.bodyType names a type twice', label);
  }
  return types;
}

/**
 * Declares a route. Types of `ctx.params/query/headers/body`, of `ctx.claims` and of the result
 * are inferred from the schemas; the declaration is checked here so mistakes fail at start-up.
 */
export function defineRoute<
  Req extends RequestSchemas = Record<never, never>,
  Res extends ResponseSpecs = ResponseSpecs,
  P extends string | undefined = undefined,
  A extends 'bearer' | undefined = undefined,
>(def: RouteDefinition<Req, Res, P, A>): Route {
  const { params, expressPath, bodyTypes } = checkDefinition(def);
  return Object.freeze({
    method: def.method,
    path: def.path,
    expressPath,
    pathParams: Object.freeze(params),
    operationId: def.operationId,
    summary: def.summary,
    description: def.description,
    tags: Object.freeze([...(def.tags ?? [])]),
    deprecated: def.deprecated ?? false,
    request: Object.freeze({ ...(def.request ?? {}) }),
    responses: Object.freeze({ ...def.responses }),
    permission: def.permission,
    auth: def.auth,
    bodyTypes: Object.freeze(bodyTypes),
    idempotency: def.idempotency ?? true,
    // The app validates every part against the declared schemas before calling the handler, and
    // validates its result after, so the typed handler is safe to hold in its untyped form.
    handler: def.handler as unknown as Route['handler'],
    // Its result is checked against the declared responses like the handler's.
    onInvalidRequest: def.onInvalidRequest as Route['onInvalidRequest'],
  });
}
