/**
 * `GET /v1/dev/outbox` (DEV_OUTBOX=true only, refused in production): the SMS this service would
 * have sent, with their text — the one place a one-time code is readable, for local development
 * and end-to-end tests. Not authenticated, like the SES emulator's web inbox it mirrors; it does
 * not exist unless the operator turned the dev outbox on.
 */
import { defineRoute, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { normalizePhone } from '../domain/delivery/address.ts';
import { listDevOutbox, messagesDb } from '../store/messages/messages-store.ts';

const EntrySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    message_id: Type.String({ format: 'uuid' }),
    channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
    recipient: Type.String(),
    template: Type.String(),
    body: Type.String({ description: 'The rendered text, secret included' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

// biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
export function devOutboxRoutes(deps: { db: Kysely<any>; enabled: boolean }): Route[] {
  if (!deps.enabled) return [];
  const db = messagesDb(deps.db);
  const list = defineRoute({
    method: 'get',
    path: '/v1/dev/outbox',
    operationId: 'listDevOutbox',
    summary: 'SMS captured by the dev outbox (development only)',
    tags: ['development'],
    request: {
      query: Type.Object(
        {
          recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: {
        description: 'Newest first',
        schema: Type.Object(
          { items: Type.Array(EntrySchema), next_cursor: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
      },
    },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const recipient =
        query.recipient === undefined ? undefined : (normalizePhone(query.recipient) ?? query.recipient);
      const rows = await listDevOutbox(db, {
        recipient,
        before: query.cursor?.toLowerCase(),
        limit: limit + 1,
      });
      const items = rows.slice(0, limit).map((r) => ({
        id: r.id,
        message_id: r.message_id,
        channel: r.channel,
        recipient: r.recipient,
        template: r.template_key,
        body: r.body,
        created_at: r.created_at.toISOString(),
      }));
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(rows.length > limit && last !== undefined ? { next_cursor: last.id } : {}),
      });
    },
  });
  return [list];
}
