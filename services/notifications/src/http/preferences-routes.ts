/**
 * The caller's notification preferences (notifications.md, "Endpoints"): `GET /v1/me/preferences`,
 * `PUT /v1/me/preferences` — categories × channels.
 *
 * Needs a user access token (one with a session, `sid`, whose `sub` is the user id): a client
 * credentials token has no user and answers 403.
 */
import type { AccessTokenClaims } from '@authplatform/service-kit';
import { defineRoute, ProblemError, type Route } from '@authplatform/service-kit';
import { type TSchema, Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { changePreferences, readPreferences } from '../app/preferences/manage-preferences.ts';
import { CATEGORIES, CHANNELS } from '../domain/preferences/categories.ts';
import type { PreferencesDatabase } from '../store/preferences/schema.ts';

const NO_STORE = { 'Cache-Control': 'no-store' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const channelsOf = (make: (channel: string) => TSchema) =>
  Object.fromEntries(CHANNELS.map((channel) => [channel, make(channel)]));

const PreferencesSchema = Type.Object(
  {
    categories: Type.Object(
      Object.fromEntries(
        CATEGORIES.map((category) => [
          category,
          Type.Object(
            {
              locked: Type.Boolean({ description: 'Always sent; cannot be turned off' }),
              ...channelsOf((channel) => Type.Boolean({ description: `Sent by ${channel}` })),
            },
            { additionalProperties: false },
          ),
        ]),
      ),
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const ChangeSchema = Type.Object(
  {
    categories: Type.Object(
      Object.fromEntries(
        CATEGORIES.map((category) => [
          category,
          Type.Optional(
            Type.Object(
              channelsOf(() => Type.Optional(Type.Boolean())),
              { additionalProperties: false },
            ),
          ),
        ]),
      ),
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description:
      'The categories and channels to set; those left out keep their value. `security` and `transactional` cannot be turned off (400 `preference_locked`).',
  },
);

function userOf(claims: AccessTokenClaims): string {
  if (typeof claims.sid !== 'string' || !UUID.test(claims.sub)) {
    throw new ProblemError({
      code: 'user_token_required',
      status: 403,
      title: 'Forbidden',
      detail: 'Preferences belong to a user: use an access token from a user login.',
    });
  }
  return claims.sub.toLowerCase();
}

export function preferencesRoutes(deps: { db: Kysely<PreferencesDatabase> }): Route[] {
  const read = defineRoute({
    method: 'get',
    path: '/v1/me/preferences',
    operationId: 'getMyPreferences',
    summary: 'Read my notification preferences',
    description: 'Every category × channel, on by default; `locked` categories are always sent.',
    tags: ['me'],
    auth: 'bearer',
    responses: {
      200: { description: 'The preferences', schema: PreferencesSchema },
      401: { description: 'No valid access token' },
      403: { description: 'Not a user token' },
    },
    handler: async ({ claims, reply }) => {
      const view = await readPreferences(deps.db, userOf(claims));
      return reply(200, view, NO_STORE);
    },
  });

  const change = defineRoute({
    method: 'put',
    path: '/v1/me/preferences',
    operationId: 'putMyPreferences',
    summary: 'Change my notification preferences',
    tags: ['me'],
    auth: 'bearer',
    request: { body: ChangeSchema },
    responses: {
      200: { description: 'The preferences after the change', schema: PreferencesSchema },
      400: { description: 'Invalid body, or a locked category turned off (`preference_locked`)' },
      401: { description: 'No valid access token' },
      403: { description: 'Not a user token' },
    },
    handler: async ({ claims, body, reply }) => {
      const view = await changePreferences(deps.db, userOf(claims), body.categories);
      return reply(200, view, NO_STORE);
    },
  });

  return [read, change];
}
