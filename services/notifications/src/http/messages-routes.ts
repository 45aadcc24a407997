/**
 * Admin API of messages (notifications.md, "Endpoints"), permission `notifications:read`: the
 * message list (newest first, filtered by recipient, template and status, cursor-paginated) and one
 * message with its attempts. Nothing here ever holds a link or a code: the template data is never
 * returned (and is deleted once a send has an outcome). Served only when the service verifies
 * tokens (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE).
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { normalizeEmail, normalizePhone } from '../domain/delivery/address.ts';
import { MESSAGE_STATUSES } from '../domain/delivery/status.ts';
import {
  getMessage,
  listAttempts,
  listMessages,
  type MessageRow,
  messagesDb,
} from '../store/messages/messages-store.ts';

export const NOTIFICATIONS_READ = 'notifications:read';

const iso = (d: Date | null) => (d === null ? undefined : d.toISOString());
const Time = Type.String({ format: 'date-time' });
const Status = Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s)));

export const MessageSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    source_id: Type.String({ description: 'The command or event that asked for the message' }),
    channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
    recipient: Type.String({ description: 'Email address or E.164 number; `erased:…` after an erasure' }),
    user_id: Type.Optional(Type.String({ format: 'uuid' })),
    template: Type.String(),
    locale: Type.String(),
    category: Type.String(),
    status: Status,
    failure_code: Type.Optional(
      Type.String({
        description:
          'suppressed, rate_limited, provider_rejected, retries_exhausted, render_failed, undelivered, hard_bounce, complaint, erased',
      }),
    ),
    failure_reason: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String({ description: 'ses, twilio or dev-outbox' })),
    provider_id: Type.Optional(Type.String()),
    attempts: Type.Integer({ minimum: 0 }),
    next_attempt_at: Type.Optional(Type.String({ format: 'date-time', description: 'While queued' })),
    created_at: Time,
    updated_at: Time,
    sent_at: Type.Optional(Time),
    delivered_at: Type.Optional(Time),
    bounced_at: Type.Optional(Time),
    failed_at: Type.Optional(Time),
  },
  { additionalProperties: false },
);

const AttemptSchema = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    provider: Type.String(),
    outcome: Type.Union([
      Type.Literal('sent'),
      Type.Literal('transient_error'),
      Type.Literal('permanent_error'),
    ]),
    provider_id: Type.Optional(Type.String()),
    error_code: Type.Optional(Type.String()),
    error_message: Type.Optional(Type.String()),
    started_at: Time,
    finished_at: Time,
  },
  { additionalProperties: false },
);

const MessageDetailSchema = Type.Object(
  { ...MessageSchema.properties, attempt_log: Type.Array(AttemptSchema) },
  { additionalProperties: false },
);

const MessageListSchema = Type.Object(
  {
    items: Type.Array(MessageSchema),
    next_cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page' })),
  },
  { additionalProperties: false },
);

export function toMessageView(m: MessageRow) {
  return {
    id: m.id,
    source_id: m.source_id,
    channel: m.channel,
    recipient: m.recipient,
    ...(m.user_id === null ? {} : { user_id: m.user_id }),
    template: m.template_key,
    locale: m.locale,
    category: m.category,
    status: m.status,
    ...(m.failure_code === null ? {} : { failure_code: m.failure_code }),
    ...(m.failure_reason === null ? {} : { failure_reason: m.failure_reason }),
    ...(m.provider === null ? {} : { provider: m.provider }),
    ...(m.provider_id === null ? {} : { provider_id: m.provider_id }),
    attempts: m.attempts,
    ...(m.status === 'queued' ? { next_attempt_at: m.next_attempt_at.toISOString() } : {}),
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
    sent_at: iso(m.sent_at),
    delivered_at: iso(m.delivered_at),
    bounced_at: iso(m.bounced_at),
    failed_at: iso(m.failed_at),
  };
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
export function messagesRoutes(deps: { db: Kysely<any>; admin: boolean }): Route[] {
  if (!deps.admin) return [];
  const db = messagesDb(deps.db);

  const list = defineRoute({
    method: 'get',
    path: '/v1/messages',
    operationId: 'listMessages',
    summary: 'List messages',
    description:
      'Newest first. `recipient` is matched exactly after normalization (lower-cased email, E.164 number).',
    tags: ['messages'],
    permission: NOTIFICATIONS_READ,
    request: {
      query: Type.Object(
        {
          recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          template: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 100 })),
          status: Type.Optional(Status),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        },
        { additionalProperties: false },
      ),
    },
    responses: { 200: { description: 'A page of messages', schema: MessageListSchema } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const recipient =
        query.recipient === undefined
          ? undefined
          : (normalizeEmail(query.recipient) ?? normalizePhone(query.recipient) ?? query.recipient);
      const rows = await listMessages(db, {
        recipient,
        templateKey: query.template,
        status: query.status,
        before: query.cursor?.toLowerCase(),
        limit: limit + 1,
      });
      const items = rows.slice(0, limit).map((m) => dropUndefined(toMessageView(m)));
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(rows.length > limit && last !== undefined ? { next_cursor: last.id } : {}),
      });
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/v1/messages/{id}',
    operationId: 'getMessage',
    summary: 'Read a message and its attempts',
    tags: ['messages'],
    permission: NOTIFICATIONS_READ,
    request: {
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
    },
    responses: {
      200: { description: 'The message', schema: MessageDetailSchema },
      404: { description: 'No such message' },
    },
    handler: async ({ params, reply }) => {
      const message = await getMessage(db, params.id.toLowerCase());
      if (message === undefined) throw problems.notFound(`No message ${params.id}.`);
      const attempts = await listAttempts(db, message.id);
      return reply(200, {
        ...dropUndefined(toMessageView(message)),
        attempt_log: attempts.map((a) =>
          dropUndefined({
            attempt: a.attempt,
            provider: a.provider,
            outcome: a.outcome,
            provider_id: a.provider_id ?? undefined,
            error_code: a.error_code ?? undefined,
            error_message: a.error_message ?? undefined,
            started_at: a.started_at.toISOString(),
            finished_at: a.finished_at.toISOString(),
          }),
        ),
      });
    },
  });

  return [list, get];
}
