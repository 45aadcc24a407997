// webhooks-events: customer endpoints and deliveries that gave up.
import { Type } from '@sinclair/typebox';
import { Actor, Host, StringEnum, Uuid } from '../schema/common.ts';
import { compliancePartEvents } from './compliance-parts.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

const endpointFields = {
  endpoint_id: Uuid(),
  url_host: Host({ description: "Host of the endpoint's URL (never the whole URL)" }),
  owner_id: Type.Optional(Uuid({ description: 'The user who owns the endpoint and is told about failures' })),
  actor: Type.Optional(Actor()),
};

export const webhooksEvents = [
  defineEvent('webhooks.endpoint.created', {
    summary: 'A customer endpoint was registered.',
    subject: 'endpoint/{endpoint_id}',
    data: Type.Object({
      ...endpointFields,
      event_types: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.([a-z][a-z0-9_]*|\\*))*$' }), {
        description: 'Its filter: exact types and `identity.*`-style prefixes',
      }),
    }),
    examples: [
      {
        endpoint_id: ex.endpointId,
        url_host: 'hooks.example.com',
        owner_id: ex.userId,
        event_types: ['identity.*', 'audit.security.detected'],
        actor: { type: 'user', id: ex.userId },
      },
    ],
  }),
  defineEvent('webhooks.endpoint.disabled', {
    summary: 'An endpoint stopped receiving deliveries (failing for 5 days, answered 410, or an admin).',
    subject: 'endpoint/{endpoint_id}',
    data: Type.Object({
      ...endpointFields,
      reason: StringEnum(['failing', 'gone', 'admin'] as const),
    }),
    examples: [
      { endpoint_id: ex.endpointId, url_host: 'hooks.example.com', owner_id: ex.userId, reason: 'failing' },
    ],
  }),
  defineEvent('webhooks.endpoint.deleted', {
    summary: 'An endpoint was deleted.',
    subject: 'endpoint/{endpoint_id}',
    data: Type.Object(endpointFields),
    examples: [
      { endpoint_id: ex.endpointId, url_host: 'hooks.example.com', actor: { type: 'admin', id: ex.adminId } },
    ],
  }),
  defineEvent('webhooks.delivery.exhausted', {
    summary: 'Every retry of one event to one endpoint failed; the message is marked failed.',
    subject: 'endpoint/{endpoint_id}',
    consumers: ['notifications'],
    data: Type.Object({
      endpoint_id: Uuid(),
      url_host: Host(),
      owner_id: Type.Optional(Uuid()),
      event_id: Uuid({ description: 'The id of the event that was not delivered' }),
      event_type: Type.String({ maxLength: 200 }),
      attempts: Type.Integer({ minimum: 1 }),
      last_status: Type.Optional(
        Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status of the last attempt, if any' }),
      ),
    }),
    examples: [
      {
        endpoint_id: ex.endpointId,
        url_host: 'hooks.example.com',
        owner_id: ex.userId,
        event_id: ex.eventId,
        event_type: 'identity.user.registered',
        attempts: 8,
        last_status: 503,
      },
    ],
  }),
  ...compliancePartEvents('webhooks'),
] as const;
