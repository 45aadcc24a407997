import { describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { RouteDefinitionError } from './errors.ts';
import type { RouteDefinition } from './route.ts';
import { defineRoute, parsePath } from './route.ts';
import { comparePaths } from './routing.ts';

type AnyDefinition = RouteDefinition<never, never, string | undefined, 'bearer' | undefined>;

function attempt(overrides: Record<string, unknown>): () => void {
  const base = {
    method: 'get',
    path: '/v1/things',
    operationId: 'listThings',
    summary: 'List things',
    responses: { 200: { description: 'OK.' } },
    handler: async () => ({ status: 200 }),
  };
  return () => defineRoute({ ...base, ...overrides } as unknown as AnyDefinition);
}

describe('defineRoute', () => {
  it('converts the OpenAPI path to express syntax', () => {
    const route = defineRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/users/{id}',
      operationId: 'getOrgUser',
      summary: 'Get a user of an organization',
      request: { params: Type.Object({ orgId: Type.String(), id: Type.String() }) },
      responses: { 200: { description: 'OK.' } },
      handler: async ({ reply }) => reply(200),
    });
    expect(route.expressPath).toBe('/v1/orgs/:orgId/users/:id');
    expect(route.pathParams).toEqual(['orgId', 'id']);
    expect(parsePath('/.well-known/openid-configuration').expressPath).toBe(
      '/.well-known/openid-configuration',
    );
  });

  it.each([
    ['a path without a leading slash', { path: 'v1/things' }, /must start with/],
    ['a path with express syntax', { path: '/v1/things/:id' }, /segment ":id"/],
    ['a partial template segment', { path: '/v1/things/{id}.json' }, /segment/],
    ['a wildcard', { path: '/v1/*' }, /segment/],
    ['an empty segment', { path: '/v1//things' }, /segment ""/],
    ['a path parameter without a schema', { path: '/v1/things/{id}' }, /"id" has no schema/],
    [
      'a params schema property not in the path',
      { request: { params: Type.Object({ id: Type.String() }) } },
      /params.id is not in the path/,
    ],
    [
      'an optional path parameter',
      { path: '/v1/things/{id}', request: { params: Type.Object({ id: Type.Optional(Type.String()) }) } },
      /must be required/,
    ],
    [
      'a non-object query schema',
      { request: { query: Type.String() } },
      /request.query must be an object schema/,
    ],
    [
      'a nested object in the query',
      { request: { query: Type.Object({ filter: Type.Object({ a: Type.String() }) }) } },
      /scalar/,
    ],
    [
      'an Authorization header',
      { request: { headers: Type.Object({ Authorization: Type.String() }) } },
      /handled by the kit/,
    ],
    ['a body on GET', { request: { body: Type.Object({}) } }, /GET route cannot declare a request body/],
    ['no responses', { responses: {} }, /at least one status/],
    ['a status out of range', { responses: { 700: { description: 'x' } } }, /not an HTTP status/],
    ['a response without description', { responses: { 200: { description: ' ' } } }, /needs a description/],
    [
      'a 204 with a body',
      { responses: { 204: { description: 'x', schema: Type.String() } } },
      /cannot have a body/,
    ],
    ['a bad operationId', { operationId: 'list things' }, /operationId/],
    ['an unknown method', { method: 'trace' }, /method must be one of/],
    ['an unknown auth kind', { auth: 'basic' }, /auth must be "bearer"/],
    ['a permission with spaces', { permission: 'users read' }, /permission/],
  ])('rejects %s', (_case, overrides, message) => {
    expect(attempt(overrides)).toThrow(RouteDefinitionError);
    expect(attempt(overrides)).toThrow(message);
  });

  it('gives errors a stable code and the route', () => {
    try {
      attempt({ path: '/v1/things/{id}' })();
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(RouteDefinitionError);
      expect((error as RouteDefinitionError).code).toBe('ERR_ROUTE_DEFINITION');
      expect((error as RouteDefinitionError).route).toBe('GET /v1/things/{id}');
    }
  });

  it('types the handler from the schemas (checked by tsc)', () => {
    const Thing = Type.Object({
      id: Type.String(),
      kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    });
    const route = defineRoute({
      method: 'post',
      path: '/v1/things/{id}',
      operationId: 'replaceThing',
      summary: 'Replace a thing',
      permission: 'things:write',
      request: { params: Type.Object({ id: Type.String() }), body: Type.Object({ kind: Type.Literal('a') }) },
      responses: { 200: { description: 'OK.', schema: Thing }, 204: { description: 'Nothing.' } },
      handler: async ({ params, body, claims, reply }) => {
        const sub: string = claims.sub; // claims are present on protected routes
        if (sub === '') return reply(204);
        // @ts-expect-error the body is typed: there is no `name`
        body.name;
        // @ts-expect-error 201 is not a declared status
        if (sub === 'x') return reply(201, { id: params.id, kind: 'a' });
        // @ts-expect-error the body must match the schema of its status
        if (sub === 'y') return reply(200, { id: params.id, kind: 'c' });
        return reply(200, { id: params.id, kind: body.kind });
      },
    });
    defineRoute({
      method: 'get',
      path: '/v1/public',
      operationId: 'publicThing',
      summary: 'Public',
      responses: { 200: { description: 'OK.', schema: Thing } },
      handler: async ({ claims }) => {
        const none: undefined = claims; // no token on public routes
        return { status: 200, body: { id: String(none), kind: 'b' as const } };
      },
    });
    expect(route.permission).toBe('things:write');
  });
});

describe('path order', () => {
  it('puts concrete segments before templated ones', () => {
    const paths = ['/v1/users/{id}', '/v1/users/{id}/roles', '/v1/users/me', '/v1/users', '/healthz'];
    expect([...paths].sort(comparePaths)).toEqual([
      '/healthz',
      '/v1/users',
      '/v1/users/me',
      '/v1/users/{id}',
      '/v1/users/{id}/roles',
    ]);
  });
});
