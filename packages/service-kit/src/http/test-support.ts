/**
 * Helpers for the HTTP tests (not exported from the package): a real server on 127.0.0.1:0, a
 * logger that records what it is given, and a small real Authenticator with fixed tokens.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { Express } from 'express';
import type { AccessTokenClaims, Authenticator } from '../auth/permissions.ts';
import { problems } from '../errors/problem.ts';
import type { HttpApp, HttpAppOptions } from './app.ts';
import { createHttpApp } from './app.ts';
import type { HttpLogger } from './logger.ts';
import type { Route } from './route.ts';
import { defineRoute } from './route.ts';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<RunningApp> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta: Record<string, unknown>;
}

export class RecordingLogger implements HttpLogger {
  readonly entries: LogEntry[] = [];
  error(message: string, meta: Record<string, unknown> = {}) {
    this.entries.push({ level: 'error', message, meta });
  }
  warn(message: string, meta: Record<string, unknown> = {}) {
    this.entries.push({ level: 'warn', message, meta });
  }
  info(message: string, meta: Record<string, unknown> = {}) {
    this.entries.push({ level: 'info', message, meta });
  }
  debug(message: string, meta: Record<string, unknown> = {}) {
    this.entries.push({ level: 'debug', message, meta });
  }
  /** Everything logged, as one string (to check that something never appears). */
  text(): string {
    return JSON.stringify(this.entries);
  }
}

function claims(sub: string, permissions: string[]): AccessTokenClaims {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'https://issuer.test', sub, aud: 'api', iat: now, exp: now + 300, permissions };
}

/** Accepts `Bearer <name>` for the names below; rejects everything else with a 401 problem. */
export class FixedTokenAuthenticator implements Authenticator {
  readonly tokens = new Map<string, AccessTokenClaims>([
    ['admin-token', claims('admin', ['*'])],
    ['reader-token', claims('reader', ['users:read'])],
    ['nobody-token', claims('nobody', [])],
  ]);
  calls = 0;

  async authenticate(authorization: string | undefined): Promise<AccessTokenClaims> {
    this.calls++;
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    const found = match?.[1] === undefined ? undefined : this.tokens.get(match[1]);
    if (found === undefined) throw problems.unauthorized();
    return found;
  }
}

export const KNOWN_USER_ID = '0190a6e2-3c4b-7def-8123-456789abcdef';

export const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String({ format: 'email' }),
  name: Type.String(),
  age: Type.Optional(Type.Integer({ minimum: 0 })),
  tags: Type.Optional(Type.Array(Type.String())),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
});

export const CreateUserSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  age: Type.Optional(Type.Integer({ minimum: 0, maximum: 150 })),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
});

const IdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'The user id.' }) });

/** A small users API exercising every feature of the HTTP layer. */
export function userRoutes(): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/users',
      operationId: 'createUser',
      summary: 'Create a user',
      tags: ['users'],
      request: {
        body: CreateUserSchema,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 64 })),
        }),
      },
      responses: { 201: { description: 'Created.', schema: UserSchema } },
      handler: async ({ body, reply }) =>
        reply(
          201,
          { id: KNOWN_USER_ID, status: 'active', ...body },
          { Location: `/v1/users/${KNOWN_USER_ID}` },
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users',
      operationId: 'listUsers',
      summary: 'List users',
      tags: ['users'],
      request: {
        query: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          tag: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
          active: Type.Optional(Type.Boolean()),
        }),
      },
      responses: {
        200: {
          description: 'A page of users.',
          schema: Type.Object({
            items: Type.Array(UserSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
            echo: Type.Object({
              limit: Type.Integer(),
              tag: Type.Optional(Type.Array(Type.String())),
              active: Type.Optional(Type.Boolean()),
            }),
          }),
        },
      },
      handler: async ({ query, reply }) => {
        const echo: { limit: number; tag?: string[]; active?: boolean } = { limit: query.limit };
        if (query.tag !== undefined) echo.tag = query.tag;
        if (query.active !== undefined) echo.active = query.active;
        return reply(200, { items: [], next_cursor: null, echo });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/me',
      operationId: 'getCurrentUser',
      summary: 'The caller',
      tags: ['users'],
      auth: 'bearer',
      responses: { 200: { description: 'The caller.', schema: Type.Object({ sub: Type.String() }) } },
      handler: async ({ claims, reply }) => reply(200, { sub: claims.sub }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/{id}',
      operationId: 'getUser',
      summary: 'Get a user',
      tags: ['users'],
      request: { params: IdParams },
      responses: {
        200: { description: 'The user.', schema: UserSchema },
        404: { description: 'No such user.' },
      },
      handler: async ({ params, reply }) => {
        if (params.id !== KNOWN_USER_ID) throw problems.notFound('No such user.');
        return reply(200, { id: params.id, email: 'ada@example.com', name: 'Ada', status: 'active' });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/users/{id}',
      operationId: 'updateUser',
      summary: 'Update a user',
      tags: ['users'],
      permission: 'users:write',
      request: { params: IdParams, body: Type.Partial(CreateUserSchema) },
      responses: { 200: { description: 'Updated.', schema: UserSchema } },
      handler: async ({ params, body, reply }) =>
        reply(200, { id: params.id, email: 'ada@example.com', name: 'Ada', status: 'active', ...body }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/users/{id}',
      operationId: 'deleteUser',
      summary: 'Delete a user',
      tags: ['users'],
      permission: 'users:delete',
      request: { params: IdParams },
      responses: { 204: { description: 'Deleted.' } },
      handler: async ({ reply }) => reply(204),
    }),
  ];
}

export interface TestApp extends RunningApp {
  logger: RecordingLogger;
  authenticator: FixedTokenAuthenticator;
  openapi: HttpApp['openapi'];
}

/** The users API (plus `extraRoutes`) on a real server, with a recording logger and fixed tokens. */
export async function startTestApp(
  options: Partial<Omit<HttpAppOptions, 'logger'>> & { extraRoutes?: Route[] } = {},
): Promise<TestApp> {
  const logger = new RecordingLogger();
  const authenticator = new FixedTokenAuthenticator();
  const { extraRoutes = [], ...rest } = options;
  const { app, openapi } = createHttpApp({
    service: { name: 'users-test', version: '1.2.3', description: 'Users API used by the tests.' },
    routes: [...userRoutes(), ...extraRoutes],
    authenticator,
    ...rest,
    logger,
  });
  const running = await listen(app);
  return { ...running, logger, authenticator, openapi };
}

/** POST/PUT/PATCH a JSON body. */
export function sendJson(url: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
