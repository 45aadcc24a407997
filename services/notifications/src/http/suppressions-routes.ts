/**
 * Admin API of the suppression list (notifications.md, "Endpoints"): addresses never sent to
 * again after a hard bounce, a complaint or an SMS opt-out (STOP).
 *
 * Permissions (decision): reading the list is `notifications:read`, like the messages. Removing an
 * entry re-enables mail to an address that bounced or complained, which the spec's list of platform
 * permissions has no write permission of notifications for; it is `notifications:write` (the
 * built-in `platform-admin` role's `*` includes it; authz.md's list gains it).
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { normalizeEmail, normalizePhone } from '../domain/delivery/address.ts';
import { deleteSuppression, listSuppressions, messagesDb } from '../store/messages/messages-store.ts';
import { NOTIFICATIONS_READ } from './messages-routes.ts';

export const NOTIFICATIONS_WRITE = 'notifications:write';

const Channel = Type.Union([Type.Literal('email'), Type.Literal('sms')]);
const SuppressionSchema = Type.Object(
  {
    address: Type.String(),
    channel: Channel,
    reason: Type.Union([
      Type.Literal('hard_bounce'),
      Type.Literal('complaint'),
      Type.Literal('unsubscribed'),
    ]),
    provider: Type.String(),
    message_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'The message whose feedback added it' }),
    ),
    detail: Type.Optional(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const ListSchema = Type.Object(
  { items: Type.Array(SuppressionSchema), next_cursor: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

// biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
export function suppressionsRoutes(deps: { db: Kysely<any>; admin: boolean }): Route[] {
  if (!deps.admin) return [];
  const db = messagesDb(deps.db);

  const list = defineRoute({
    method: 'get',
    path: '/v1/suppressions',
    operationId: 'listSuppressions',
    summary: 'List suppressed addresses',
    description: 'Ordered by address; the cursor is the last address of the page.',
    tags: ['suppressions'],
    permission: NOTIFICATIONS_READ,
    request: {
      query: Type.Object(
        {
          channel: Type.Optional(Channel),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
        },
        { additionalProperties: false },
      ),
    },
    responses: { 200: { description: 'A page of suppressions', schema: ListSchema } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const rows = await listSuppressions(db, {
        after: query.cursor,
        limit: limit + 1,
        channel: query.channel,
      });
      const items = rows.slice(0, limit).map((s) => ({
        address: s.address,
        channel: s.channel,
        reason: s.reason,
        provider: s.provider,
        ...(s.message_id === null ? {} : { message_id: s.message_id }),
        ...(s.detail === null ? {} : { detail: s.detail }),
        created_at: s.created_at.toISOString(),
      }));
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(rows.length > limit && last !== undefined ? { next_cursor: last.address } : {}),
      });
    },
  });

  const remove = defineRoute({
    method: 'delete',
    path: '/v1/suppressions/{address}',
    operationId: 'deleteSuppression',
    summary: 'Allow sending to an address again',
    description:
      'Removes the address (URL-encoded email or E.164 number) from the suppression list; later messages to it are sent.',
    tags: ['suppressions'],
    permission: NOTIFICATIONS_WRITE,
    request: {
      params: Type.Object(
        { address: Type.String({ minLength: 3, maxLength: 320 }) },
        { additionalProperties: false },
      ),
    },
    responses: { 204: { description: 'Removed' }, 404: { description: 'Not on the list' } },
    handler: async ({ params, reply }) => {
      const address = normalizeEmail(params.address) ?? normalizePhone(params.address);
      if (address === undefined || !(await deleteSuppression(db, address))) {
        throw problems.notFound('The address is not on the suppression list.');
      }
      return reply(204);
    },
  });

  return [list, remove];
}
