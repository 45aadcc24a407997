/**
 * Serving one declared route: authorize → read the body → validate params, query, headers and
 * body → call the handler → check its answer against the declaration → send it.
 * Everything that can be prepared (validators, header lists) is prepared once, at start-up.
 */
import { Type } from '@sinclair/typebox';
import type { Request, RequestHandler, Response } from 'express';
import type { Authenticator } from '../auth/permissions.ts';
import type { FieldError } from '../errors/problem.ts';
import { ProblemError, problems } from '../errors/problem.ts';
import { authorize } from './auth.ts';
import type { BodyReader } from './body.ts';
import { ResponseValidationError, RouteDefinitionError } from './errors.ts';
import {
  callerScope,
  IDEMPOTENCY_HEADER,
  type IdempotencySession,
  type IdempotencyStore,
  idempotencyApplies,
  idempotencyKeyOf,
  idempotencySession,
  problemsOfIdempotency,
  REPLAYED_HEADER,
  type WireResponse,
} from './idempotency.ts';
import type { HttpLogger } from './logger.ts';
import { describeError } from './logger.ts';
import { JSON_CONTENT_TYPE, kitStatuses } from './openapi.ts';
import { requestIdOf } from './request-id.ts';
import type { Route, RouteResult } from './route.ts';
import { routeLabel } from './route.ts';
import type { JsonSchema } from './schema.ts';
import { toStrictJsonSchema } from './schema.ts';
import type { Check, RequestPart, SchemaCompiler } from './validation.ts';

const NO_QUERY = Type.Object({});

interface CompiledResponse {
  check: Check | undefined;
  contentType: string;
  json: boolean;
}

export interface CompiledRoute {
  route: Route;
  checks: Partial<Record<RequestPart, Check>>;
  /** The body check for form bodies (coercing), when the route accepts them. */
  formCheck: Check | undefined;
  /** Declared header names and where Node keeps them (lower case). */
  headerNames: Array<[declared: string, lower: string]>;
  responses: Map<number, CompiledResponse>;
  /** Statuses the OpenAPI document lists for this route. */
  documented: Set<number>;
}

export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === JSON_CONTENT_TYPE || /^application\/[^/]+\+json$/.test(essence);
}

/** Compiles every validator of a route; a schema ajv refuses fails start-up with the route named. */
export function compileRoute(route: Route, compiler: SchemaCompiler, idempotency = false): CompiledRoute {
  const label = routeLabel(route);
  const compile = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw new RouteDefinitionError(`${what} schema is invalid: ${(error as Error).message}`, label, {
        cause: error,
      });
    }
  };
  const checks: Partial<Record<RequestPart, Check>> = {};
  for (const part of ['params', 'query', 'headers', 'body'] as const) {
    // A route without a query schema accepts no query parameters at all.
    const schema = part === 'query' ? (route.request.query ?? NO_QUERY) : route.request[part];
    if (schema !== undefined) {
      checks[part] = compile(`request.${part}`, () => compiler.request(part, toStrictJsonSchema(schema)));
    }
  }
  const body = route.request.body;
  let formCheck: Check | undefined;
  if (body !== undefined && route.bodyTypes.includes('form')) {
    const strict = toStrictJsonSchema(body);
    const validate = compile('request.body', () => compiler.formBody(strict));
    const repeatable = repeatableNames(strict);
    formCheck = (data) => {
      const repeated = repeatedNames(data, repeatable);
      return repeated.length > 0 ? repeated : validate(data);
    };
  }
  const headerProperties = route.request.headers?.properties ?? {};
  const headerNames = Object.keys(headerProperties).map((name): [string, string] => [
    name,
    name.toLowerCase(),
  ]);
  const responses = new Map<number, CompiledResponse>();
  for (const [key, spec] of Object.entries(route.responses)) {
    const contentType = spec.contentType ?? JSON_CONTENT_TYPE;
    const schema = spec.schema;
    responses.set(Number(key), {
      check:
        schema === undefined
          ? undefined
          : compile(`response ${key}`, () => compiler.response(toStrictJsonSchema(schema))),
      contentType,
      json: isJsonMediaType(contentType),
    });
  }
  const documented = new Set([...responses.keys(), ...kitStatuses(route, idempotency)]);
  return { route, checks, formCheck, headerNames, responses, documented };
}

function typesOf(schema: unknown): unknown[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const type = (schema as { type?: unknown }).type;
  return Array.isArray(type) ? type : [type];
}

/** Which form names may repeat: array-typed properties, and undeclared names if those are arrays. */
interface Repeatable {
  declared: Set<string>;
  arrays: Set<string>;
  undeclaredArrays: boolean;
}

function repeatableNames(schema: JsonSchema): Repeatable {
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const arrays = new Set<string>();
  for (const [name, property] of Object.entries(properties)) {
    if (typesOf(property).includes('array')) arrays.add(name);
  }
  return {
    declared: new Set(Object.keys(properties)),
    arrays,
    undeclaredArrays: typesOf(schema.additionalProperties).includes('array'),
  };
}

/** RFC 6749 §3.2 and common sense: a scalar form parameter must not come twice. */
function repeatedNames(data: unknown, repeatable: Repeatable): FieldError[] {
  if (typeof data !== 'object' || data === null) return [];
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (!Array.isArray(value)) continue;
    const allowed = repeatable.declared.has(name) ? repeatable.arrays.has(name) : repeatable.undeclaredArrays;
    if (allowed) continue;
    errors.push({
      pointer: `/body/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      code: 'repeated',
      detail: 'This parameter must not be repeated.',
    });
  }
  return errors;
}

export interface PipelineDeps {
  authenticator: Authenticator | undefined;
  logger: HttpLogger;
  /** Reads bodies up to the app's limit; `readerFor` gives one for a route's own `bodyLimit`. */
  readBody: BodyReader;
  readerFor: (limit: string) => BodyReader;
  /** Where `Idempotency-Key` entries live; without it the header is ignored. */
  idempotency?: IdempotencyStore | undefined;
  /** `realm` of the `WWW-Authenticate` challenge (the service name). */
  realm: string;
}

function summarize(errors: FieldError[]): string {
  return errors
    .slice(0, 5)
    .map((e) => `${e.pointer} (${e.code})`)
    .join(', ');
}

function checkResult(compiled: CompiledRoute, result: RouteResult): CompiledResponse {
  const { operationId } = compiled.route;
  const status = result?.status;
  const spec = typeof status === 'number' ? compiled.responses.get(status) : undefined;
  if (spec === undefined) {
    throw new ResponseValidationError(operationId, Number(status), 'the status is not declared');
  }
  if (spec.check === undefined) {
    if (result.body !== undefined) {
      throw new ResponseValidationError(operationId, status, 'a body was returned but none is declared');
    }
    if (status >= 400) {
      throw new ResponseValidationError(
        operationId,
        status,
        'error statuses are answered by throwing a ProblemError',
      );
    }
    return spec;
  }
  if (result.body === undefined)
    throw new ResponseValidationError(operationId, status, 'the declared body is missing');
  if (!spec.json && typeof result.body !== 'string') {
    throw new ResponseValidationError(operationId, status, `a ${spec.contentType} body must be a string`);
  }
  const errors = spec.check(result.body);
  if (errors.length > 0) {
    throw new ResponseValidationError(
      operationId,
      status,
      `the body does not match its schema: ${summarize(errors)}`,
      errors,
    );
  }
  return spec;
}

/** A checked result as it goes on the wire (and, for idempotent requests, into the store). */
function toWire(result: RouteResult, spec: CompiledResponse): WireResponse {
  const wire: WireResponse = { status: result.status, headers: { ...(result.headers ?? {}) } };
  if (result.body !== undefined) {
    wire.contentType = spec.contentType;
    wire.body = spec.json ? JSON.stringify(result.body) : String(result.body);
  }
  return wire;
}

/** What express's `res.type('application/json').send(string)` puts in `Content-Type`. */
const JSON_CONTENT_TYPE_HEADER = `${JSON_CONTENT_TYPE}; charset=utf-8`;
const NO_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Whether a body can be sent without express's `res.send`: a JSON string, on a status that has a
 * body, to a request without conditional headers (the only case where `send` would answer 304).
 * The bytes and headers on the wire are the same; `send` re-parses the content type each time.
 */
function sendsDirectly(res: Response, wire: WireResponse): wire is WireResponse & { body: string } {
  if (wire.body === undefined || (wire.contentType ?? JSON_CONTENT_TYPE) !== JSON_CONTENT_TYPE) return false;
  if (NO_BODY_STATUSES.has(wire.status)) return false;
  const headers = res.req.headers;
  return headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined;
}

function write(res: Response, wire: WireResponse): void {
  res.status(wire.status);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(wire.headers)) res.setHeader(name, value);
  if (sendsDirectly(res, wire)) {
    res.setHeader('Content-Type', JSON_CONTENT_TYPE_HEADER);
    res.setHeader('Content-Length', Buffer.byteLength(wire.body));
    if (res.req.method === 'HEAD') res.end();
    else res.end(wire.body);
  } else if (wire.body === undefined) res.end();
  else res.type(wire.contentType ?? JSON_CONTENT_TYPE).send(wire.body);
}

function send(res: Response, result: RouteResult, spec: CompiledResponse): void {
  write(res, toWire(result, spec));
}

function reply(status: number, body?: unknown, headers?: Record<string, string>): RouteResult {
  const result: RouteResult = { status };
  if (body !== undefined) result.body = body;
  if (headers !== undefined) result.headers = headers;
  return result;
}

/** The express handler for one compiled route. */
export function routeHandler(compiled: CompiledRoute, deps: PipelineDeps): RequestHandler {
  const { route, checks, headerNames, formCheck } = compiled;
  const readBody =
    route.request.bodyLimit === undefined ? deps.readBody : deps.readerFor(route.request.bodyLimit);
  const bodyRequired = route.request.bodyRequired !== false;
  const bodyName = route.bodyTypes.length === 1 && route.bodyTypes[0] === 'form' ? 'A form' : 'A JSON';
  const store = deps.idempotency;
  const idempotent = store !== undefined && idempotencyApplies(route);

  const readRequest = async (req: Request, res: Response) => {
    const read = checks.body ? await readBody(req, res, route.bodyTypes) : undefined;
    const body = read?.value;
    const params: Record<string, unknown> = { ...req.params };
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    const headers: Record<string, unknown> = {};
    for (const [declared, lower] of headerNames) {
      const value = req.headers[lower];
      if (value !== undefined) headers[declared] = value;
    }
    const errors: FieldError[] = [];
    if (checks.params) errors.push(...checks.params(params));
    if (checks.query) errors.push(...checks.query(query));
    if (checks.headers) errors.push(...checks.headers(headers));
    if (checks.body) {
      if (read === undefined) {
        if (bodyRequired) {
          errors.push({
            pointer: '/body',
            code: 'required',
            detail: `${bodyName} request body is required.`,
          });
        }
      } else {
        const check = read.type === 'form' ? formCheck : checks.body;
        if (check !== undefined) errors.push(...check(body));
      }
    }
    if (errors.length > 0) throw problems.validation(errors);
    const idempotencyKey = idempotent ? idempotencyKeyOf(req.headers[IDEMPOTENCY_HEADER]) : undefined;
    return { body, params, query, headers, idempotencyKey };
  };

  return async (req, res) => {
    res.locals.route = route.path;
    const claims = await authorize(route, deps.authenticator, req.headers.authorization, deps.realm);

    let parts: Awaited<ReturnType<typeof readRequest>>;
    try {
      parts = await readRequest(req, res);
    } catch (error) {
      if (route.onInvalidRequest === undefined || !(error instanceof ProblemError)) throw error;
      const answer = route.onInvalidRequest(error, { req, res, requestId: requestIdOf(res) });
      send(res, answer, checkResult(compiled, answer));
      return;
    }
    const { body, params, query, headers, idempotencyKey } = parts;

    let session: IdempotencySession | undefined;
    if (store !== undefined && idempotencyKey !== undefined) {
      session = idempotencySession({
        key: idempotencyKey,
        scope: callerScope(claims?.sub, req.headers.authorization),
        method: route.method,
        route: route.path,
        url: req.originalUrl,
        body,
      });
      const outcome = await store.begin(session.id, session.fingerprint);
      if (outcome.kind === 'mismatch') throw problemsOfIdempotency.reused();
      if (outcome.kind === 'in_progress') throw problemsOfIdempotency.inProgress();
      if (outcome.kind === 'completed') {
        const first = session.open(outcome.sealed);
        write(res, { ...first, headers: { ...first.headers, [REPLAYED_HEADER]: 'true' } });
        return;
      }
    }

    let wire: WireResponse;
    try {
      const requestId = requestIdOf(res);
      const result = await route.handler({
        params,
        query,
        headers,
        body,
        req,
        res,
        requestId,
        claims,
        reply,
      });
      wire = toWire(result, checkResult(compiled, result));
    } catch (error) {
      if (session !== undefined) await releaseQuietly(store, session, deps.logger, res);
      if (error instanceof ProblemError && !compiled.documented.has(error.status)) {
        deps.logger.warn('handler answered an undocumented status', {
          operation_id: route.operationId,
          status: error.status,
          code: error.code,
          request_id: requestIdOf(res),
        });
      }
      throw error;
    }
    if (session !== undefined && store !== undefined) {
      try {
        await store.complete(session.id, session.fingerprint, wire.status, session.seal(wire));
      } catch (error) {
        // The handler's effects are committed: answer them. A retry after the entry's processing
        // timeout would run again; say so in the logs.
        deps.logger.error('could not store the idempotent response', {
          operation_id: route.operationId,
          request_id: requestIdOf(res),
          err: describeError(error),
        });
      }
    }
    write(res, wire);
  };
}

async function releaseQuietly(
  store: IdempotencyStore | undefined,
  session: IdempotencySession,
  logger: HttpLogger,
  res: Response,
): Promise<void> {
  try {
    await store?.release(session.id, session.fingerprint);
  } catch (error) {
    logger.error('could not release an idempotency key', {
      request_id: requestIdOf(res),
      err: describeError(error),
    });
  }
}
