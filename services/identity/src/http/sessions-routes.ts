/**
 * Sessions and the caller's profile over HTTP (identity.md "Login, MFA and sessions", "Self-service
 * account", "OAuth 2 / OpenID Connect"): `GET /v1/me`, `PATCH /v1/me`, `GET /v1/me/sessions`,
 * `DELETE /v1/me/sessions/{id}`, `DELETE /v1/me/sessions`, `GET /oauth2/userinfo`.
 *
 * All need a user access token whose session (`sid`) is still live: a token of a revoked session,
 * a client-credentials token (no `sid`) or anything else answers 401.
 */
import type { AccessTokenClaims } from '@authplatform/service-kit';
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { SessionsDeps } from '../app/sessions/deps.ts';
import { listSessions, revokeOwnSessions, sessionIsLive } from '../app/sessions/manage-sessions.ts';
import { readProfile, readUserInfo } from '../app/sessions/profile.ts';
import { updateProfile } from '../app/sessions/update-profile.ts';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const SessionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    created_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time', description: 'Login or last refresh' }),
    ip: Type.String(),
    user_agent: Type.String({ description: 'The device, as its user agent said (may be empty)' }),
    current: Type.Boolean({ description: 'The session of the token of this request' }),
  },
  { additionalProperties: false },
);

const ProfileSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    email_verified: Type.Boolean(),
    name: Type.Union([Type.String(), Type.Null()]),
    locale: Type.String(),
    timezone: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const UserInfoSchema = Type.Object(
  {
    sub: Type.String(),
    email: Type.String(),
    email_verified: Type.Boolean(),
    name: Type.Optional(Type.String()),
    locale: Type.String(),
    zoneinfo: Type.String({ description: 'IANA time zone' }),
  },
  { additionalProperties: false, description: 'OpenID Connect Core §5.3 UserInfo response' },
);

async function requireLiveSession(deps: SessionsDeps, claims: AccessTokenClaims): Promise<string> {
  if (!(await sessionIsLive(deps, claims)))
    throw problems.unauthorized('The session of this token has ended.');
  return claims.sub;
}

export function sessionsRoutes(deps: SessionsDeps): Route[] {
  const me = defineRoute({
    method: 'get',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'Read my profile',
    tags: ['me'],
    auth: 'bearer',
    responses: {
      200: { description: 'The profile', schema: ProfileSchema },
      401: { description: 'No live user session' },
    },
    handler: async ({ claims, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      const profile = await readProfile(deps, userId);
      if (profile === undefined) throw problems.unauthorized('The account of this token cannot be used.');
      return reply(200, profile, NO_STORE);
    },
  });

  const patchMe = defineRoute({
    method: 'patch',
    path: '/v1/me',
    operationId: 'updateMe',
    summary: 'Change my name, locale or time zone',
    description:
      'Give at least one field. `locale` is a BCP 47 tag and `timezone` an IANA time zone name; both are ' +
      'stored in their canonical spelling (`pt-br` → `pt-BR`). One invalid field refuses the whole request ' +
      'and changes nothing. Emits `identity.user.updated` with only the fields whose value changed.',
    tags: ['me'],
    auth: 'bearer',
    request: {
      body: Type.Object(
        {
          name: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: 'Display name (NFKC, trimmed)' }),
          ),
          locale: Type.Optional(
            Type.String({ minLength: 1, maxLength: 35, description: 'BCP 47, e.g. pt-BR' }),
          ),
          timezone: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Lisbon' }),
          ),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    },
    responses: {
      200: { description: 'The profile as it is now', schema: ProfileSchema },
      400: { description: 'An invalid field (nothing changed)' },
      401: { description: 'No live user session' },
    },
    handler: async ({ claims, body, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      const profile = await updateProfile(deps, userId, body);
      if (profile === undefined) throw problems.unauthorized('The account of this token cannot be used.');
      return reply(200, profile, NO_STORE);
    },
  });

  const list = defineRoute({
    method: 'get',
    path: '/v1/me/sessions',
    operationId: 'listMySessions',
    summary: 'List my live sessions',
    description: 'Newest first, at most 100; `current` marks the session of this request’s token.',
    tags: ['me'],
    auth: 'bearer',
    responses: {
      200: {
        description: 'The live sessions',
        schema: Type.Object({ sessions: Type.Array(SessionSchema) }, { additionalProperties: false }),
      },
      401: { description: 'No live user session' },
    },
    handler: async ({ claims, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      const sessions = await listSessions(deps, userId);
      return reply(
        200,
        {
          sessions: sessions.map((s) => ({
            id: s.id,
            created_at: s.created_at.toISOString(),
            last_seen_at: s.last_seen_at.toISOString(),
            ip: s.ip,
            user_agent: s.user_agent,
            current: s.id === claims.sid,
          })),
        },
        NO_STORE,
      );
    },
  });

  const revokeOne = defineRoute({
    method: 'delete',
    path: '/v1/me/sessions/{id}',
    operationId: 'revokeMySession',
    summary: 'Revoke one of my sessions',
    description:
      'Its refresh tokens die at once, its access tokens at expiry. Another user’s, an unknown or an already revoked session: 404.',
    tags: ['me'],
    auth: 'bearer',
    request: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) },
    responses: {
      204: { description: 'Revoked' },
      401: { description: 'No live user session' },
      404: { description: 'No live session of yours with this id' },
    },
    handler: async ({ claims, params, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      const revoked = await revokeOwnSessions(deps, userId, { id: params.id });
      if (revoked.length === 0) throw problems.notFound('No live session of yours has this id.');
      return reply(204);
    },
  });

  const revokeOthers = defineRoute({
    method: 'delete',
    path: '/v1/me/sessions',
    operationId: 'revokeMyOtherSessions',
    summary: 'Revoke all my sessions but the current one',
    tags: ['me'],
    auth: 'bearer',
    responses: {
      204: { description: 'Revoked (or there were none)' },
      401: { description: 'No live user session' },
    },
    handler: async ({ claims, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      await revokeOwnSessions(deps, userId, { exceptId: claims.sid });
      return reply(204);
    },
  });

  const userinfo = defineRoute({
    method: 'get',
    path: '/oauth2/userinfo',
    operationId: 'oidcUserInfo',
    summary: 'OpenID Connect UserInfo',
    description:
      'Claims of the user of the access token: sub, email, email_verified, name, locale, zoneinfo.',
    tags: ['oauth2'],
    auth: 'bearer',
    responses: {
      200: { description: 'The claims', schema: UserInfoSchema },
      401: { description: 'invalid_token' },
    },
    handler: async ({ claims, reply }) => {
      const userId = await requireLiveSession(deps, claims);
      const info = await readUserInfo(deps, userId);
      if (info === undefined) throw problems.unauthorized('The account of this token cannot be used.');
      return reply(200, info, NO_STORE);
    },
  });

  return [me, patchMe, list, revokeOne, revokeOthers, userinfo];
}
