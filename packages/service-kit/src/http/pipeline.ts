/**
 * Serving one declared route: authorize → read the body → validate params, query, headers and
 * body → call the handler → check its answer against the declaration → send it.
 * Everything that can be prepared (validators, header lists) is prepared once, at start-up.
 */
import { Type } from '@sinclair/typebox';
import type { RequestHandler, Response } from 'express';
import type { Authenticator } from '../auth/permissions.ts';
import type { FieldError } from '../errors/problem.ts';
import { ProblemError, problems } from '../errors/problem.ts';
import { authorize } from './auth.ts';
import type { BodyReader } from './body.ts';
import { ResponseValidationError, RouteDefinitionError } from './errors.ts';
import type { HttpLogger } from './logger.ts';
import { JSON_CONTENT_TYPE, kitStatuses } from './openapi.ts';
import { requestIdOf } from './request-id.ts';
import type { Route, RouteResult } from './route.ts';
import { routeLabel } from './route.ts';
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
export function compileRoute(route: Route, compiler: SchemaCompiler): CompiledRoute {
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
  const documented = new Set([...responses.keys(), ...kitStatuses(route)]);
  return { route, checks, headerNames, responses, documented };
}

export interface PipelineDeps {
  authenticator: Authenticator | undefined;
  logger: HttpLogger;
  readBody: BodyReader;
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

function send(res: Response, result: RouteResult, spec: CompiledResponse): void {
  res.status(result.status);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.body === undefined) {
    res.end();
  } else if (spec.json) {
    res.type(spec.contentType).send(JSON.stringify(result.body));
  } else {
    res.type(spec.contentType).send(result.body);
  }
}

function reply(status: number, body?: unknown, headers?: Record<string, string>): RouteResult {
  const result: RouteResult = { status };
  if (body !== undefined) result.body = body;
  if (headers !== undefined) result.headers = headers;
  return result;
}

/** The express handler for one compiled route. */
export function routeHandler(compiled: CompiledRoute, deps: PipelineDeps): RequestHandler {
  const { route, checks, headerNames } = compiled;
  return async (req, res) => {
    res.locals.route = route.path;
    const claims = await authorize(route, deps.authenticator, req.headers.authorization, deps.realm);

    const body = checks.body ? await deps.readBody(req, res) : undefined;
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
      if (body === undefined) {
        errors.push({ pointer: '/body', code: 'required', detail: 'A JSON request body is required.' });
      } else {
        errors.push(...checks.body(body));
      }
    }
    if (errors.length > 0) throw problems.validation(errors);

    let result: RouteResult;
    try {
      const requestId = requestIdOf(res);
      result = await route.handler({ params, query, headers, body, req, res, requestId, claims, reply });
    } catch (error) {
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
    send(res, result, checkResult(compiled, result));
  };
}
