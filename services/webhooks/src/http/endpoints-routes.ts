/**
 * The webhooks admin API (spec webhooks.md, "Endpoints"): endpoints and their secrets, the delivery log,
 * manual redelivery, and the catalogue of event types. `webhooks:write` changes, `webhooks:read` reads.
 */
import { type EventType, eventDefinition, publicEventTypes } from '@authplatform/contracts';
import { defineRoute, ProblemError, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { ManageDeliveries } from '../app/delivery/manage-deliveries.ts';
import { EndpointError } from '../app/endpoints/errors.ts';
import type { Actor, ManageEndpoints } from '../app/endpoints/manage-endpoints.ts';
import { EVENT_FILTER_PATTERN } from '../domain/endpoints/event-filter.ts';

export const WEBHOOKS_READ = 'webhooks:read';
export const WEBHOOKS_WRITE = 'webhooks:write';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Url = Type.String({
  minLength: 8,
  maxLength: 2048,
  description: 'https URL (http and private hosts only when allowed in development)',
});
const EventTypes = Type.Array(Type.String({ pattern: EVENT_FILTER_PATTERN, maxLength: 200 }), {
  minItems: 1,
  maxItems: 100,
  description: 'Exact event types and `identity.*`-style prefixes',
});
const Description = Type.String({ maxLength: 500 });
const RateLimit = Type.Integer({ minimum: 1, maximum: 10_000, description: 'Deliveries per second at most' });

const EndpointSchema = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    event_types: Type.Array(Type.String()),
    owner_id: Type.Union([Uuid, Type.Null()]),
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.String(), Type.Null()]),
    rate_limit_per_sec: Type.Union([Type.Integer(), Type.Null()]),
    previous_secret_expires_at: Type.Union([DateTime, Type.Null()], {
      description: 'Until then the previous secret signs too (after a rotation)',
    }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

const WithSecretSchema = Type.Object(
  {
    endpoint: EndpointSchema,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
      description: 'The signing secret: shown this once only',
    }),
  },
  { additionalProperties: false },
);

const Status = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

const DeliverySchema = Type.Object(
  {
    id: Uuid,
    event_id: Uuid,
    event_type: Type.String(),
    status: Status,
    attempts: Type.Integer({ minimum: 0 }),
    next_attempt_at: Type.Union([DateTime, Type.Null()]),
    last_status: Type.Union([Type.Integer(), Type.Null()]),
    created_at: DateTime,
    attempt_log: Type.Array(
      Type.Object(
        {
          attempted_at: DateTime,
          status_code: Type.Union([Type.Integer(), Type.Null()]),
          latency_ms: Type.Integer({ minimum: 0 }),
          response_excerpt: Type.Union([
            Type.String({ description: 'First 4 KiB of the answer' }),
            Type.Null(),
          ]),
          error: Type.Union([Type.String(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object(
    {
      items: Type.Array(item),
      next_cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page' })),
    },
    { additionalProperties: false },
  );

const IdParams = Type.Object({ id: Uuid });
const notFound = (id: string) => problems.notFound(`No endpoint ${id}.`);
const actorOf = (sub: string | undefined): Actor =>
  sub === undefined ? { type: 'system' } : { type: 'admin', id: sub.slice(0, 200) };

function asProblem(error: unknown): never {
  if (error instanceof EndpointError) {
    throw new ProblemError({
      code: error.code,
      status: 422,
      title: 'Unprocessable endpoint',
      detail: error.message,
    });
  }
  throw error;
}

export function endpointsRoutes(deps: { endpoints: ManageEndpoints; deliveries: ManageDeliveries }): Route[] {
  const { endpoints, deliveries } = deps;

  const create = defineRoute({
    method: 'post',
    path: '/v1/endpoints',
    operationId: 'createEndpoint',
    summary: 'Register an endpoint (answers its signing secret, once)',
    tags: ['endpoints'],
    permission: WEBHOOKS_WRITE,
    request: {
      body: Type.Object(
        {
          url: Url,
          event_types: EventTypes,
          description: Type.Optional(Description),
          rate_limit_per_sec: Type.Optional(RateLimit),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      201: { description: 'The endpoint and its secret', schema: WithSecretSchema },
      422: { description: 'URL refused (scheme, credentials, private host) or invalid filter' },
    },
    handler: async ({ body, claims, reply }) => {
      const created = await endpoints.create(body, actorOf(claims.sub)).catch(asProblem);
      return reply(201, created, { 'Cache-Control': 'no-store' });
    },
  });

  const list = defineRoute({
    method: 'get',
    path: '/v1/endpoints',
    operationId: 'listEndpoints',
    summary: 'List endpoints',
    tags: ['endpoints'],
    permission: WEBHOOKS_READ,
    request: {
      query: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Uuid),
      }),
    },
    responses: { 200: { description: 'A page of endpoints', schema: page(EndpointSchema) } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const rows = await endpoints.list({ after: query.cursor, limit: limit + 1 });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(rows.length > limit && last !== undefined ? { next_cursor: last.id } : {}),
      });
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/v1/endpoints/{id}',
    operationId: 'getEndpoint',
    summary: 'Read an endpoint',
    tags: ['endpoints'],
    permission: WEBHOOKS_READ,
    request: { params: IdParams },
    responses: {
      200: { description: 'The endpoint', schema: EndpointSchema },
      404: { description: 'No such endpoint' },
    },
    handler: async ({ params, reply }) => {
      const endpoint = await endpoints.get(params.id);
      if (endpoint === undefined) throw notFound(params.id);
      return reply(200, endpoint);
    },
  });

  const update = defineRoute({
    method: 'patch',
    path: '/v1/endpoints/{id}',
    operationId: 'updateEndpoint',
    summary: 'Change an endpoint (enable or disable it, its URL, filter, description, rate limit)',
    tags: ['endpoints'],
    permission: WEBHOOKS_WRITE,
    request: {
      params: IdParams,
      body: Type.Object(
        {
          url: Type.Optional(Url),
          event_types: Type.Optional(EventTypes),
          description: Type.Optional(Type.Union([Description, Type.Null()])),
          enabled: Type.Optional(Type.Boolean()),
          rate_limit_per_sec: Type.Optional(Type.Union([RateLimit, Type.Null()])),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    },
    responses: {
      200: { description: 'The endpoint', schema: EndpointSchema },
      404: { description: 'No such endpoint' },
      422: { description: 'URL refused or invalid filter' },
    },
    handler: async ({ params, body, claims, reply }) => {
      const endpoint = await endpoints.update(params.id, body, actorOf(claims.sub)).catch(asProblem);
      if (endpoint === undefined) throw notFound(params.id);
      return reply(200, endpoint);
    },
  });

  const remove = defineRoute({
    method: 'delete',
    path: '/v1/endpoints/{id}',
    operationId: 'deleteEndpoint',
    summary: 'Delete an endpoint and its delivery log',
    tags: ['endpoints'],
    permission: WEBHOOKS_WRITE,
    request: { params: IdParams },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such endpoint' } },
    handler: async ({ params, claims, reply }) => {
      if (!(await endpoints.remove(params.id, actorOf(claims.sub)))) throw notFound(params.id);
      return reply(204, undefined);
    },
  });

  const rotate = defineRoute({
    method: 'post',
    path: '/v1/endpoints/{id}/secret/rotate',
    operationId: 'rotateEndpointSecret',
    summary: 'New signing secret; the previous one keeps signing for the grace period',
    tags: ['endpoints'],
    permission: WEBHOOKS_WRITE,
    request: { params: IdParams },
    responses: {
      200: { description: 'The endpoint and its new secret', schema: WithSecretSchema },
      404: { description: 'No such endpoint' },
    },
    handler: async ({ params, reply }) => {
      const rotated = await endpoints.rotateSecret(params.id);
      if (rotated === undefined) throw notFound(params.id);
      return reply(200, rotated, { 'Cache-Control': 'no-store' });
    },
  });

  const test = defineRoute({
    method: 'post',
    path: '/v1/endpoints/{id}/test',
    operationId: 'testEndpoint',
    summary: 'Send a `webhooks.test` event to the endpoint now',
    tags: ['endpoints'],
    permission: WEBHOOKS_WRITE,
    request: { params: IdParams },
    responses: {
      202: {
        description: 'Queued',
        schema: Type.Object({ message_id: Uuid }, { additionalProperties: false }),
      },
      404: { description: 'No such endpoint' },
      409: { description: 'The endpoint is disabled' },
    },
    handler: async ({ params, reply }) => {
      const endpoint = await endpoints.get(params.id);
      if (endpoint === undefined) throw notFound(params.id);
      if (!endpoint.enabled) throw problems.conflict('endpoint_disabled', 'Enable the endpoint first.');
      return reply(202, { message_id: await deliveries.sendTest(params.id) });
    },
  });

  const deliveriesList = defineRoute({
    method: 'get',
    path: '/v1/endpoints/{id}/deliveries',
    operationId: 'listDeliveries',
    summary: 'Messages sent to an endpoint, newest first, with their attempts',
    tags: ['deliveries'],
    permission: WEBHOOKS_READ,
    request: {
      params: IdParams,
      query: Type.Object({
        status: Type.Optional(Status),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Uuid),
      }),
    },
    responses: {
      200: { description: 'A page of messages', schema: page(DeliverySchema) },
      404: { description: 'No such endpoint' },
    },
    handler: async ({ params, query, reply }) => {
      if ((await endpoints.get(params.id)) === undefined) throw notFound(params.id);
      const limit = query.limit ?? 50;
      const rows = await deliveries.list(params.id, {
        status: query.status,
        before: query.cursor,
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(rows.length > limit && last !== undefined ? { next_cursor: last.id } : {}),
      });
    },
  });

  const retry = defineRoute({
    method: 'post',
    path: '/v1/deliveries/{id}/retry',
    operationId: 'retryDelivery',
    summary: 'Send one message again, now',
    tags: ['deliveries'],
    permission: WEBHOOKS_WRITE,
    request: { params: IdParams },
    responses: {
      202: { description: 'Queued' },
      404: { description: 'No such message (or its body has expired)' },
    },
    handler: async ({ params, reply }) => {
      if (!(await deliveries.retry(params.id)))
        throw problems.notFound(`No message ${params.id} to send again.`);
      return reply(202, undefined);
    },
  });

  const recover = defineRoute({
    method: 'post',
    path: '/v1/endpoints/{id}/recover',
    operationId: 'recoverEndpoint',
    summary: 'Send every failed message since a time again',
    tags: ['deliveries'],
    permission: WEBHOOKS_WRITE,
    request: { params: IdParams, body: Type.Object({ since: DateTime }, { additionalProperties: false }) },
    responses: {
      202: {
        description: 'How many were queued',
        schema: Type.Object({ queued: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      },
      404: { description: 'No such endpoint' },
    },
    handler: async ({ params, body, reply }) => {
      if ((await endpoints.get(params.id)) === undefined) throw notFound(params.id);
      return reply(202, { queued: await deliveries.recover(params.id, new Date(body.since)) });
    },
  });

  const eventTypes = defineRoute({
    method: 'get',
    path: '/v1/event-types',
    operationId: 'listEventTypes',
    summary: 'The event types endpoints can subscribe to, with their data schemas',
    tags: ['event types'],
    permission: WEBHOOKS_READ,
    responses: {
      200: {
        description: 'The public catalogue (from packages/contracts)',
        schema: Type.Object(
          {
            items: Type.Array(
              Type.Object(
                {
                  type: Type.String(),
                  version: Type.Integer(),
                  summary: Type.String(),
                  schema: Type.Record(Type.String(), Type.Unknown()),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    handler: async ({ reply }) =>
      reply(200, {
        items: (publicEventTypes as readonly EventType[]).map((type) => {
          const definition = eventDefinition(type);
          return {
            type,
            version: definition.version,
            summary: definition.summary,
            schema: JSON.parse(JSON.stringify(definition.data)) as Record<string, unknown>,
          };
        }),
      }),
  });

  return [create, list, get, update, remove, rotate, test, deliveriesList, retry, recover, eventTypes];
}
