/**
 * Admin API of OAuth 2 clients (permission `clients:write` for every route, identity.md "Admin").
 * A client's secret is shown once, when it is created or rotated; it is stored only as a keyed
 * hash. An admin can give a client only permissions that their own token grants (no escalation
 * through a client).
 */
import { defineRoute, hasPermission, ProblemError, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { ClientManager } from '../app/clients/manage-clients.ts';
import { CLIENT_ID_PATTERN, CLIENT_SECRET_PATTERN } from '../domain/clients/client-secret.ts';
import { SCOPE_TOKEN_PATTERN } from '../domain/clients/scope.ts';
import type { ClientRecord } from '../store/clients/clients-store.ts';

export const CLIENTS_PERMISSION = 'clients:write';
const PERMISSION_PATTERN = '^(\\*|[a-z][a-z0-9_-]*:(\\*|[a-z][a-z0-9_-]*))$';
const MAX_GRACE_SEC = 604_800;

const ClientIdSchema = Type.String({ pattern: CLIENT_ID_PATTERN, description: 'Client id (`cl_` + 32 hex)' });
const GrantTypes = Type.Array(Type.Literal('client_credentials'), {
  minItems: 1,
  maxItems: 1,
  uniqueItems: true,
});
const Scopes = Type.Array(Type.String({ pattern: SCOPE_TOKEN_PATTERN }), { maxItems: 50, uniqueItems: true });
const Permissions = Type.Array(Type.String({ pattern: PERMISSION_PATTERN, maxLength: 200 }), {
  maxItems: 100,
  uniqueItems: true,
});

const ClientSchema = Type.Object(
  {
    client_id: ClientIdSchema,
    name: Type.String(),
    grant_types: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    secret_rotated_at: Type.Optional(Type.String({ format: 'date-time' })),
    previous_secret_expires_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Until then the secret before the last rotation still works',
      }),
    ),
  },
  { additionalProperties: false },
);

const ClientWithSecretSchema = Type.Object(
  {
    ...ClientSchema.properties,
    client_secret: Type.String({
      pattern: CLIENT_SECRET_PATTERN,
      description: 'Shown only in this response; store it now',
    }),
  },
  { additionalProperties: false },
);

const CreateClientSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    grant_types: Type.Optional({ ...GrantTypes, default: ['client_credentials'] }),
    scopes: Type.Optional({ ...Scopes, description: 'Scopes the client may request (default none)' }),
    permissions: Type.Optional({
      ...Permissions,
      description: 'Platform permissions its tokens carry; each must be granted by the caller’s own token',
    }),
  },
  { additionalProperties: false },
);

const ClientListSchema = Type.Object(
  {
    items: Type.Array(ClientSchema),
    next_cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page' })),
  },
  { additionalProperties: false },
);

function toView(client: ClientRecord) {
  return {
    client_id: client.id,
    name: client.name,
    grant_types: client.grant_types,
    scopes: client.scopes,
    permissions: client.permissions,
    created_at: client.created_at.toISOString(),
    ...(client.secret_rotated_at === null
      ? {}
      : { secret_rotated_at: client.secret_rotated_at.toISOString() }),
    ...(client.previous_secret_expires_at === null
      ? {}
      : { previous_secret_expires_at: client.previous_secret_expires_at.toISOString() }),
  };
}

const notFound = (id: string) => problems.notFound(`No client ${id}.`);
const IdParams = Type.Object({ id: ClientIdSchema });

export function clientsRoutes(deps: { clients: ClientManager; admin?: boolean }): Route[] {
  if (deps.admin === false) return [];
  const { clients } = deps;

  const create = defineRoute({
    method: 'post',
    path: '/v1/admin/clients',
    operationId: 'createClient',
    summary: 'Register an OAuth 2 client',
    description:
      'Returns the client secret once (256 random bits). Emits `identity.client.created`. ' +
      'Each permission given to the client must be granted by the caller’s own token (403 otherwise).',
    tags: ['admin', 'clients'],
    permission: CLIENTS_PERMISSION,
    request: { body: CreateClientSchema },
    responses: {
      201: { description: 'The client, with its secret', schema: ClientWithSecretSchema },
    },
    handler: async ({ body, claims, reply }) => {
      const permissions = body.permissions ?? [];
      const beyond = permissions.filter((p) => !hasPermission(claims, p));
      if (beyond.length > 0) {
        throw new ProblemError({
          code: 'permission_not_held',
          status: 403,
          title: 'Forbidden',
          detail: `A client can only get permissions your token grants; not granted: ${beyond.join(', ')}.`,
        });
      }
      const { client, secret } = await clients.create(
        {
          name: body.name,
          grantTypes: body.grant_types ?? ['client_credentials'],
          scopes: body.scopes ?? [],
          permissions,
        },
        { type: 'admin', id: claims.sub },
      );
      return reply(201, { ...toView(client), client_secret: secret });
    },
  });

  const list = defineRoute({
    method: 'get',
    path: '/v1/admin/clients',
    operationId: 'listClients',
    summary: 'List OAuth 2 clients',
    tags: ['admin', 'clients'],
    permission: CLIENTS_PERMISSION,
    request: {
      query: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
        cursor: Type.Optional(ClientIdSchema),
      }),
    },
    responses: { 200: { description: 'A page of clients, ordered by id', schema: ClientListSchema } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const page = await clients.list({
        limit: limit + 1,
        ...(query.cursor === undefined ? {} : { after: query.cursor }),
      });
      const items = page.slice(0, limit).map(toView);
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(page.length > limit && last !== undefined ? { next_cursor: last.client_id } : {}),
      });
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/v1/admin/clients/{id}',
    operationId: 'getClient',
    summary: 'Read an OAuth 2 client',
    tags: ['admin', 'clients'],
    permission: CLIENTS_PERMISSION,
    request: { params: IdParams },
    responses: {
      200: { description: 'The client (never its secret)', schema: ClientSchema },
      404: { description: 'No such client' },
    },
    handler: async ({ params, reply }) => {
      const client = await clients.get(params.id);
      if (client === undefined) throw notFound(params.id);
      return reply(200, toView(client));
    },
  });

  const remove = defineRoute({
    method: 'delete',
    path: '/v1/admin/clients/{id}',
    operationId: 'deleteClient',
    summary: 'Delete an OAuth 2 client',
    description:
      'Its secrets stop working at once and its unexpired tokens introspect as inactive (offline ' +
      'verifiers accept them until they expire). The id is never reused. Emits `identity.client.deleted`.',
    tags: ['admin', 'clients'],
    permission: CLIENTS_PERMISSION,
    request: { params: IdParams },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such client' } },
    handler: async ({ params, claims, reply }) => {
      if (!(await clients.delete(params.id, { type: 'admin', id: claims.sub }))) throw notFound(params.id);
      return reply(204);
    },
  });

  const rotate = defineRoute({
    method: 'post',
    path: '/v1/admin/clients/{id}/secret',
    operationId: 'rotateClientSecret',
    summary: 'Rotate the secret of an OAuth 2 client',
    description:
      'Returns a new secret once. The current secret keeps working for `grace_period_sec` (default ' +
      '`CLIENT_SECRET_ROTATION_GRACE_SEC`, 24 h) so deployments can roll over; `grace_period_sec=0` ' +
      'ends it at once (a leaked secret). Only one previous secret is kept: rotating again ends the ' +
      'grace period of the one before.',
    tags: ['admin', 'clients'],
    permission: CLIENTS_PERMISSION,
    request: {
      params: IdParams,
      query: Type.Object({
        grace_period_sec: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SEC })),
      }),
    },
    responses: {
      200: { description: 'The client, with its new secret', schema: ClientWithSecretSchema },
      404: { description: 'No such client' },
    },
    handler: async ({ params, query, reply }) => {
      const rotated = await clients.rotateSecret(
        params.id,
        query.grace_period_sec === undefined ? {} : { graceSec: query.grace_period_sec },
      );
      if (rotated === undefined) throw notFound(params.id);
      return reply(200, { ...toView(rotated.client), client_secret: rotated.secret });
    },
  });

  return [create, list, get, remove, rotate];
}
