/**
 * Admin API of user accounts (identity.md "Admin"): `users:read` to search and read,
 * `users:write` to disable/enable, rename, unlock and revoke sessions. Served only when the
 * service verifies tokens (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE).
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AdminUser, AdminUsers } from '../app/admin/manage-users.ts';
import type { AdminUserRow } from '../store/admin/admin-users-store.ts';

export const USERS_READ = 'users:read';
export const USERS_WRITE = 'users:write';

const UserId = Type.String({ format: 'uuid', description: 'User id' });
const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);

const UserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    email_verified: Type.Boolean(),
    name: Type.Union([Type.String(), Type.Null()]),
    locale: Type.String(),
    timezone: Type.String(),
    status: Status,
    locked: Type.Boolean({
      description:
        'Locked by a security detection or an admin; on `GET /v1/admin/users/{id}` also by failed logins',
    }),
    locked_until: Type.Optional(Type.String({ format: 'date-time', description: 'Absent: until unlocked' })),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const UserListSchema = Type.Object(
  {
    items: Type.Array(UserSchema),
    next_cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page' })),
  },
  { additionalProperties: false },
);

function toView(user: AdminUserRow | AdminUser) {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.email_verified_at !== null,
    name: user.name,
    locale: user.locale,
    timezone: user.timezone,
    status: user.status,
    locked: user.locked,
    ...(user.locked && user.locked_until !== null ? { locked_until: user.locked_until.toISOString() } : {}),
    created_at: user.created_at.toISOString(),
  };
}

const IdParams = Type.Object({ id: UserId });
const notFound = (id: string) => problems.notFound(`No user ${id}.`);
const actorOf = (sub: string) => ({ type: 'admin' as const, id: sub.slice(0, 200) });

export function adminUsersRoutes(deps: { users: AdminUsers; admin?: boolean }): Route[] {
  if (deps.admin === false) return [];
  const { users } = deps;

  const list = defineRoute({
    method: 'get',
    path: '/v1/admin/users',
    operationId: 'listUsers',
    summary: 'Search user accounts',
    description: 'Ordered by id; filter by email prefix (case-insensitive) and status.',
    tags: ['admin', 'users'],
    permission: USERS_READ,
    request: {
      query: Type.Object({
        email: Type.Optional(Type.String({ maxLength: 320, description: 'Email prefix' })),
        status: Type.Optional(Status),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
        cursor: Type.Optional(UserId),
      }),
    },
    responses: { 200: { description: 'A page of users', schema: UserListSchema } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const page = await users.search({
        emailPrefix: query.email?.normalize('NFKC').trim().toLowerCase(),
        status: query.status,
        after: query.cursor,
        limit: limit + 1,
      });
      const items = page.slice(0, limit).map(toView);
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(page.length > limit && last !== undefined ? { next_cursor: last.id } : {}),
      });
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/v1/admin/users/{id}',
    operationId: 'getUser',
    summary: 'Read a user account',
    tags: ['admin', 'users'],
    permission: USERS_READ,
    request: { params: IdParams },
    responses: {
      200: { description: 'The user', schema: UserSchema },
      404: { description: 'No such user' },
    },
    handler: async ({ params, reply }) => {
      const user = await users.get(params.id);
      if (user === undefined) throw notFound(params.id);
      return reply(200, toView(user));
    },
  });

  const update = defineRoute({
    method: 'patch',
    path: '/v1/admin/users/{id}',
    operationId: 'updateUser',
    summary: 'Disable, enable or rename a user',
    description:
      'Emits `identity.user.disabled` / `identity.user.enabled` when the status changes (disabling also ' +
      'revokes every session) and `identity.user.updated` when the name changes.',
    tags: ['admin', 'users'],
    permission: USERS_WRITE,
    request: {
      params: IdParams,
      body: Type.Object(
        {
          status: Type.Optional(Status),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          reason: Type.Optional(Type.String({ maxLength: 500, description: 'Why (goes into the event)' })),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    },
    responses: {
      200: { description: 'The user as it is now', schema: UserSchema },
      404: { description: 'No such user' },
    },
    handler: async ({ params, body, claims, reply }) => {
      const user = await users.update(params.id, body, actorOf(claims.sub));
      if (user === undefined) throw notFound(params.id);
      return reply(200, toView(user));
    },
  });

  const unlock = defineRoute({
    method: 'post',
    path: '/v1/admin/users/{id}/unlock',
    operationId: 'unlockUser',
    summary: 'Lift a lock',
    description:
      'Lifts a security or admin lock and the failed-login lockout; emits `identity.user.unlocked` when one was in force.',
    tags: ['admin', 'users'],
    permission: USERS_WRITE,
    request: { params: IdParams },
    responses: {
      204: { description: 'Unlocked (or was not locked)' },
      404: { description: 'No such user' },
    },
    handler: async ({ params, claims, reply }) => {
      if (!(await users.unlock(params.id, actorOf(claims.sub)))) throw notFound(params.id);
      return reply(204);
    },
  });

  const revokeSessions = defineRoute({
    method: 'delete',
    path: '/v1/admin/users/{id}/sessions',
    operationId: 'revokeUserSessions',
    summary: 'Revoke every session of a user',
    description:
      'Their refresh tokens stop working at once, their access tokens at expiry. Emits `identity.session.revoked` per session.',
    tags: ['admin', 'users'],
    permission: USERS_WRITE,
    request: { params: IdParams },
    responses: {
      204: { description: 'Revoked' },
      404: { description: 'No such user' },
    },
    handler: async ({ params, claims, reply }) => {
      if ((await users.revokeSessions(params.id, actorOf(claims.sub))) === undefined)
        throw notFound(params.id);
      return reply(204);
    },
  });

  return [list, get, update, unlock, revokeSessions];
}
