/**
 * Admin API of user accounts (identity.md "Admin"): `users:read` to search and read,
 * `users:write` to invite, disable/enable, rename, unlock, revoke sessions and delete; and the public
 * acceptance of an invitation (`POST /v1/invitation/accept`). Served only when the
 * service verifies tokens (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE).
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AdminAccounts } from '../app/admin/admin-module.ts';
import type { AdminUser, AdminUsers } from '../app/admin/manage-users.ts';
import { MAX_TOKEN_INPUT } from '../domain/credentials/tokens.ts';
import { MAX_VERIFY_INPUT } from '../domain/password/index.ts';
import type { AdminUserRow } from '../store/admin/admin-users-store.ts';

export const USERS_READ = 'users:read';
export const USERS_WRITE = 'users:write';

const UserId = Type.String({ format: 'uuid', description: 'User id' });
const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('invited')], {
  description: '`invited`: created by an admin, no password set yet (cannot log in)',
});
/** What an admin may set (an invited account becomes active only by accepting its invitation). */
const SettableStatus = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);

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

export function adminUsersRoutes(deps: {
  users: AdminUsers;
  accounts?: AdminAccounts | undefined;
  admin?: boolean;
}): Route[] {
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
          status: Type.Optional(SettableStatus),
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

  const routes: Route[] = [list, get, update, unlock, revokeSessions];
  const { accounts } = deps;
  if (accounts === undefined) return routes;

  const invite = defineRoute({
    method: 'post',
    path: '/v1/admin/users',
    operationId: 'inviteUser',
    summary: 'Invite a user',
    description:
      'Creates the account as `invited` (no password; it cannot log in) and emails its owner a single-use ' +
      'set-password link (`<ACCOUNT_LINK_BASE_URL>/accept-invitation?token=…`, valid INVITATION_TTL_SEC, ' +
      'default 7 days) through the `send_invitation` command; the page posts the token with a password to ' +
      '`POST /v1/invitation/accept`. Emits `identity.user.registered` (signup_method `invitation`). Inviting ' +
      'the address of a still invited account sends a new link (older ones stop working) and answers 200; ' +
      'any other existing account: 409.',
    tags: ['admin', 'users'],
    permission: USERS_WRITE,
    request: {
      body: Type.Object(
        {
          email: Type.String({ format: 'email', maxLength: 254, description: 'Email address' }),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          locale: Type.Optional(
            Type.String({ minLength: 1, maxLength: 35, description: 'BCP 47, e.g. pt-BR' }),
          ),
          timezone: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Lisbon' }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      201: { description: 'Invited', schema: UserSchema },
      200: { description: 'Invited again (a new link was sent)', schema: UserSchema },
      409: { description: 'An account with this address exists' },
    },
    handler: async ({ body, claims, reply }) => {
      const invitation = await accounts.invite(body, { id: claims.sub });
      const user = await users.get(invitation.userId);
      if (user === undefined) throw notFound(invitation.userId);
      return invitation.created ? reply(201, toView(user)) : reply(200, toView(user));
    },
  });

  const remove = defineRoute({
    method: 'delete',
    path: '/v1/admin/users/{id}',
    operationId: 'deleteUser',
    summary: 'Delete a user account',
    description:
      'What `DELETE /v1/me` does, on an admin’s behalf: the account is disabled at once, every session and ' +
      'refresh token revoked, pending links dropped, and `identity.user.deleted` (actor: this admin, with a ' +
      'new erasure request id) starts the erasure across services. Deleting a deleted account changes nothing.',
    tags: ['admin', 'users'],
    permission: USERS_WRITE,
    request: { params: IdParams },
    responses: {
      204: { description: 'Deleted (or already was)' },
      404: { description: 'No such user' },
    },
    handler: async ({ params, claims, reply }) => {
      if ((await accounts.remove(params.id, actorOf(claims.sub))) === undefined) throw notFound(params.id);
      return reply(204);
    },
  });

  return [...routes, invite, remove];
}

/** The public half of invitations: the invited person sets a password with the link's token. */
export function invitationRoutes(deps: { accounts: AdminAccounts }): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/invitation/accept',
      operationId: 'acceptInvitation',
      summary: 'Accept an invitation by setting a password',
      description:
        'The `token` of the invitation link and the new password (the sign-up policy applies). Single use; ' +
        'an unknown, used, superseded or expired token answers 400 `invalid_token`. The account becomes ' +
        'active with its address verified (`identity.user.email_verified`); log in as usual afterwards.',
      tags: ['accounts'],
      request: {
        body: Type.Object(
          {
            token: Type.String({
              minLength: 1,
              maxLength: MAX_TOKEN_INPUT,
              description: 'The `token` of the invitation link',
            }),
            new_password: Type.String({
              minLength: 1,
              maxLength: MAX_VERIFY_INPUT,
              description: 'At least PASSWORD_MIN_LENGTH (default 12) and at most 128 characters',
            }),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: {
          description: 'The password is set; the account is active',
          schema: Type.Object(
            { email: Type.String(), status: Type.Literal('active') },
            { additionalProperties: false },
          ),
        },
        400: { description: 'Invalid or expired token, or a password the policy refuses' },
      },
      handler: async ({ body, reply }) => {
        const accepted = await deps.accounts.accept(body);
        return reply(
          200,
          { email: accepted.email, status: 'active' as const },
          { 'Cache-Control': 'no-store' },
        );
      },
    }),
  ];
}
