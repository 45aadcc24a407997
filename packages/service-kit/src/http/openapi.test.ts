import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validate } from '@readme/openapi-parser';
import { Type } from '@sinclair/typebox';
import { RouteDefinitionError } from './errors.ts';
import type { OpenApiDocument, OpenApiObject } from './openapi.ts';
import { buildOpenApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import { defineRoute } from './route.ts';
import type { TestApp } from './test-support.ts';
import { startTestApp, userRoutes } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp({
    metrics: {
      middleware: (_req, _res, next) => next(),
      contentType: 'text/plain; version=0.0.4',
      render: async () => '',
    },
  });
});
afterAll(() => api.close());

function op(doc: OpenApiDocument, path: string, method: string): OpenApiObject {
  const operation = doc.paths[path]?.[method];
  if (operation === undefined) throw new Error(`${method} ${path} is not documented`);
  return operation;
}

describe('generated OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(api.openapi.openapi).toBe('3.1.0');
    // validate() dereferences its argument in place, so it gets a copy.
    const result = await validate(structuredClone(api.openapi) as never);
    expect(result).toMatchObject({ valid: true, specification: 'OpenAPI' });
    expect(result.warnings).toEqual([]);
  });

  it('is what GET /openapi.json serves', async () => {
    const response = await fetch(`${api.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(api.openapi)));
  });

  it('describes the service', () => {
    expect(api.openapi.info).toEqual({
      title: 'users-test',
      version: '1.2.3',
      description: 'Users API used by the tests.',
    });
  });

  it('lists every declared route with its operationId, summary and tags', () => {
    const routes = userRoutes();
    for (const route of routes) {
      expect(op(api.openapi, route.path, route.method)).toMatchObject({
        operationId: route.operationId,
        summary: route.summary,
        tags: ['users'],
      });
    }
    const documented = Object.values(api.openapi.paths).flatMap((item) => Object.values(item));
    expect(documented).toHaveLength(routes.length + 3); // + healthz, readyz, metrics
    expect(api.openapi.tags).toEqual([{ name: 'system' }, { name: 'users' }]);
  });

  it('documents the standard endpoints', () => {
    expect(op(api.openapi, '/healthz', 'get')).toMatchObject({ operationId: 'getHealth' });
    expect(op(api.openapi, '/readyz', 'get').responses).toMatchObject({ 200: {}, 503: {} });
    expect(op(api.openapi, '/metrics', 'get').responses).toMatchObject({
      200: { content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
    });
  });

  it('turns params, query and header schemas into parameters', () => {
    expect(op(api.openapi, '/v1/users/{id}', 'get').parameters).toEqual([
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The user id.',
        schema: { type: 'string', format: 'uuid' },
      },
    ]);
    expect(op(api.openapi, '/v1/users', 'get').parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: true,
        schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
      },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
      {
        name: 'tag',
        in: 'query',
        required: false,
        schema: { type: 'array', items: { type: 'string' }, maxItems: 10 },
      },
      { name: 'active', in: 'query', required: false, schema: { type: 'boolean' } },
    ]);
    expect(op(api.openapi, '/v1/users', 'post').parameters).toEqual([
      {
        name: 'idempotency-key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 8, maxLength: 64 },
      },
    ]);
  });

  it('publishes the strict schemas that are enforced (unknown properties rejected)', () => {
    const create = op(api.openapi, '/v1/users', 'post');
    expect(create.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['email', 'name'],
            properties: {
              email: { type: 'string', format: 'email', maxLength: 254 },
              name: { type: 'string', minLength: 1, maxLength: 100 },
              age: { type: 'integer', minimum: 0, maximum: 150 },
              tags: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 5 },
            },
            additionalProperties: false,
          },
        },
      },
    });
    expect(create.responses).toMatchObject({
      201: {
        description: 'Created.',
        content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
      },
    });
  });

  it('adds the problems the kit answers, with the shared Problem schema', () => {
    const components = api.openapi.components;
    expect(components.schemas.Problem).toMatchObject({
      type: 'object',
      required: ['type', 'title', 'status', 'code'],
      additionalProperties: true,
    });
    expect(components.responses.Unauthorized).toMatchObject({
      headers: { 'WWW-Authenticate': {} },
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    expect(Object.keys(op(api.openapi, '/v1/users', 'post').responses as object)).toEqual([
      '201',
      '400',
      '413',
      '415',
      '500',
    ]);
    expect(op(api.openapi, '/v1/users/{id}', 'delete').responses).toEqual({
      204: { description: 'Deleted.' },
      400: { $ref: '#/components/responses/BadRequest' },
      401: { $ref: '#/components/responses/Unauthorized' },
      403: { $ref: '#/components/responses/Forbidden' },
      500: { $ref: '#/components/responses/InternalError' },
    });
    // A declared error status without a schema is documented as a problem.
    expect(op(api.openapi, '/v1/users/{id}', 'get').responses).toMatchObject({
      404: {
        description: 'No such user.',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    });
  });

  it('marks protected routes with the bearer scheme and their permission', () => {
    expect(api.openapi.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    const remove = op(api.openapi, '/v1/users/{id}', 'delete');
    expect(remove.security).toEqual([{ bearerAuth: [] }]);
    expect(remove['x-permission']).toBe('users:delete');
    const me = op(api.openapi, '/v1/users/me', 'get');
    expect(me.security).toEqual([{ bearerAuth: [] }]);
    expect(me['x-permission']).toBeUndefined();
    expect(op(api.openapi, '/v1/users', 'post').security).toBeUndefined();
  });
});

describe('buildOpenApiDocument', () => {
  const route = (operationId: string, path: string): Route =>
    defineRoute({
      method: 'get',
      path,
      operationId,
      summary: operationId,
      request: path.includes('{')
        ? { params: Type.Object({ [path.includes('{id}') ? 'id' : 'key']: Type.String() }) }
        : {},
      responses: { 200: { description: 'OK.' } },
      handler: async ({ reply }) => reply(200),
    });

  it('refuses duplicate operationIds, duplicate endpoints and ambiguous templates', () => {
    const info = { title: 't', version: '1' };
    expect(() => buildOpenApiDocument([route('a', '/x'), route('a', '/y')], info)).toThrow(
      RouteDefinitionError,
    );
    expect(() => buildOpenApiDocument([route('a', '/x'), route('b', '/x')], info)).toThrow(/declared twice/);
    expect(() => buildOpenApiDocument([route('a', '/x/{id}'), route('b', '/x/{key}')], info)).toThrow(
      /ambiguous/,
    );
  });

  it('documents exactly the routes it is given', async () => {
    const doc = buildOpenApiDocument([route('a', '/x')], { title: 't', version: '1' });
    expect(Object.keys(doc.paths)).toEqual(['/x']);
    expect((await validate(structuredClone(doc) as never)).valid).toBe(true);
  });
});
