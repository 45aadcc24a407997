/**
 * The webhooks service as it runs, on real Postgres and the test broker: endpoints registered through
 * the API receive the platform's events (SNS → filtered SQS inbox → fan-out → delivery worker), signed
 * per Standard Webhooks and verified here with the `standardwebhooks` package; retries, 410, 3xx,
 * exhaustion, duplicates, secret rotation, and a slow endpoint that does not hold up the others.
 */
import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { waitUntil } from '@authplatform/messaging/testing';
import type { RunningService } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import {
  type TestBroker,
  type TestConnection,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { config } from '../config.ts';
import { service } from '../service.ts';
import { eventPublisher, type Receiver, startReceiver } from './webhooks.test-support.ts';

type Running = RunningService<typeof config.properties>;

let database: TestDatabase;
let broker: TestBroker;
let issuer: TestIssuer;
let running: Running;
let raw: TestConnection<unknown>;
let events: ReturnType<typeof eventPublisher>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  database = await testDatabase();
  broker = testBroker();
  issuer = await startTestIssuer();
  events = eventPublisher(broker);
  running = await startServiceForTest(
    service,
    { database, broker },
    {
      JWKS_URL: issuer.jwksUrl,
      TOKEN_ISSUER: issuer.issuer,
      TOKEN_AUDIENCE: issuer.audience,
      WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOKS_RETRY_SCHEDULE: '0,0,0',
      WEBHOOKS_TIMEOUT_MS: '1500',
      WEBHOOKS_ENDPOINT_CONCURRENCY: '2',
    },
  );
  raw = await database.connect<unknown>();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  for (const receiver of receivers) await receiver.close();
  await raw?.close();
  await issuer?.close();
  events?.destroy();
  await broker?.cleanup();
  await database?.drop();
});

function call(method: string, path: string, permissions: string[] | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (permissions !== undefined)
    headers.authorization = `Bearer ${issuer.sign({ sub: uuidv7(), permissions })}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${running.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function receiverWithEndpoint(
  eventTypes: string[],
): Promise<{ receiver: Receiver; id: string; secret: string }> {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const response = await call('POST', '/v1/endpoints', ['webhooks:write'], {
    url: receiver.url,
    event_types: eventTypes,
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { endpoint: { id: string }; secret: string };
  return { receiver, id: created.endpoint.id, secret: created.secret };
}

const registered = (email = `u${Date.now()}@example.com`) =>
  createEvent('identity.user.registered', {
    user_id: uuidv7(),
    email,
    locale: 'en',
    timezone: 'UTC',
    signup_method: 'self_service',
  }) as CloudEvent;

const forEvent = (receiver: Receiver, eventId: string) =>
  receiver.requests.filter((r) => r.headers['webhook-id'] === eventId);

const delivered = (receiver: Receiver, eventId: string, count = 1) =>
  waitUntil(() => forEvent(receiver, eventId).length >= count, {
    timeoutMs: 20_000,
    what: `delivery of ${eventId}`,
  });

describe('delivery', () => {
  it('delivers matching events signed per Standard Webhooks, with the CloudEvent as data', async () => {
    const { receiver, secret } = await receiverWithEndpoint(['identity.*']);
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id);
    const [request] = forEvent(receiver, event.id);
    if (request === undefined) throw new Error('no request');
    const verified = new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    expect(verified).toMatchObject({
      type: 'identity.user.registered',
      data: { id: event.id, type: event.type, data: event.data },
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/authplatform-webhooks/);
    // Another secret does not verify it.
    const other = await receiverWithEndpoint(['authz.role.created']);
    expect(() =>
      new Webhook(other.secret).verify(request.body, request.headers as Record<string, string>),
    ).toThrow();
  });

  it('delivers only the types an endpoint subscribed to, and a duplicated event once', async () => {
    const { receiver } = await receiverWithEndpoint(['authz.role.created']);
    const ignored = registered();
    const wanted = createEvent('authz.role.created', {
      name: `r${Date.now()}`,
      permissions: ['a:b'],
      includes: [],
    }) as CloudEvent;
    await events.publish(ignored);
    await events.publish(wanted, 3);
    await delivered(receiver, wanted.id);
    const marker = createEvent('authz.role.created', {
      name: `m${Date.now()}`,
      permissions: [],
      includes: [],
    }) as CloudEvent;
    await events.publish(marker);
    await delivered(receiver, marker.id);
    expect(forEvent(receiver, wanted.id)).toHaveLength(1);
    expect(forEvent(receiver, ignored.id)).toHaveLength(0);
  });

  it('a 500 is retried with the same webhook-id, then the 200 completes it', async () => {
    const { receiver, id } = await receiverWithEndpoint(['identity.user.registered']);
    receiver.answer = (_r, n) => (n === 1 ? { status: 500, body: 'boom' } : { status: 200 });
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id, 2);
    await waitUntil(async () => {
      const response = await call('GET', `/v1/endpoints/${id}/deliveries`, ['webhooks:read']);
      const page = (await response.json()) as { items: Array<{ status: string }> };
      return page.items[0]?.status === 'delivered';
    });
    const response = await call('GET', `/v1/endpoints/${id}/deliveries`, ['webhooks:read']);
    const page = (await response.json()) as { items: Array<Record<string, unknown>> };
    expect(page.items[0]).toMatchObject({
      event_id: event.id,
      status: 'delivered',
      attempts: 2,
      attempt_log: [{ status_code: 500, response_excerpt: 'boom' }, { status_code: 200 }],
    });
  });

  it('every attempt failing exhausts the message and publishes webhooks.delivery.exhausted', async () => {
    const { receiver, id } = await receiverWithEndpoint(['identity.user.registered']);
    receiver.answer = () => ({ status: 503 });
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id, 3);
    await waitUntil(async () => {
      const out = await sql<{ n: number }>`
        select count(*)::int as n from outbox where type = 'webhooks.delivery.exhausted'
          and payload->'data'->>'event_id' = ${event.id} and payload->'data'->>'endpoint_id' = ${id}`.execute(
        raw.db,
      );
      return (out.rows[0]?.n ?? 0) === 1;
    });
    expect(forEvent(receiver, event.id)).toHaveLength(3);
  });

  it('410 Gone disables the endpoint (and says so); 3xx is a failure, never followed', async () => {
    const gone = await receiverWithEndpoint(['identity.user.registered']);
    gone.receiver.answer = () => ({ status: 410 });
    const elsewhere = await startReceiver();
    receivers.push(elsewhere);
    const moved = await receiverWithEndpoint(['identity.user.registered']);
    moved.receiver.answer = () => ({ status: 302, headers: { location: elsewhere.url } });
    const event = registered();
    await events.publish(event);
    await delivered(gone.receiver, event.id);
    await delivered(moved.receiver, event.id, 3);
    await waitUntil(async () => {
      const response = await call('GET', `/v1/endpoints/${gone.id}`, ['webhooks:read']);
      return ((await response.json()) as { enabled: boolean }).enabled === false;
    });
    const endpoint = await (await call('GET', `/v1/endpoints/${gone.id}`, ['webhooks:read'])).json();
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    expect(elsewhere.requests).toHaveLength(0);
    const later = registered();
    await events.publish(later);
    await delivered(moved.receiver, later.id);
    expect(forEvent(gone.receiver, later.id)).toHaveLength(0);
  });

  it('after a secret rotation both secrets sign, so receivers can switch without a gap', async () => {
    const { receiver, id, secret } = await receiverWithEndpoint(['identity.user.registered']);
    const rotated = await call('POST', `/v1/endpoints/${id}/secret/rotate`, ['webhooks:write']);
    expect(rotated.status).toBe(200);
    const { secret: next } = (await rotated.json()) as { secret: string };
    expect(next).not.toBe(secret);
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id);
    const [request] = forEvent(receiver, event.id);
    const headers = request?.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(secret).verify(request?.body ?? '', headers)).toBeDefined();
    expect(new Webhook(next).verify(request?.body ?? '', headers)).toBeDefined();
  });

  it('an answer with NUL bytes is recorded (not an endless redelivery)', async () => {
    const { receiver, id } = await receiverWithEndpoint(['identity.user.registered']);
    receiver.answer = () => ({ status: 200, body: 'ok\u0000done' });
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id);
    await waitUntil(async () => {
      const page = (await (
        await call('GET', `/v1/endpoints/${id}/deliveries`, ['webhooks:read'])
      ).json()) as {
        items: Array<{ status: string }>;
      };
      return page.items[0]?.status === 'delivered';
    });
    const page = (await (await call('GET', `/v1/endpoints/${id}/deliveries`, ['webhooks:read'])).json()) as {
      items: Array<{ attempts: number; attempt_log: Array<{ response_excerpt: string }> }>;
    };
    expect(page.items[0]).toMatchObject({ attempts: 1, attempt_log: [{ response_excerpt: 'ok\uFFFDdone' }] });
    expect(forEvent(receiver, event.id)).toHaveLength(1);
  });

  it('a manual retry while an attempt is in flight does not send the message twice at once', async () => {
    const { receiver, id } = await receiverWithEndpoint(['identity.user.registered']);
    receiver.answer = () => 'hang';
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id);
    const page = (await (await call('GET', `/v1/endpoints/${id}/deliveries`, ['webhooks:read'])).json()) as {
      items: Array<{ id: string }>;
    };
    const messageId = page.items[0]?.id;
    expect((await call('POST', `/v1/deliveries/${messageId}/retry`, ['webhooks:write'])).status).toBe(202);
    // The hanging attempt times out (1.5 s); until then nobody else may send the message.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(forEvent(receiver, event.id)).toHaveLength(1);
  });

  it('a hanging endpoint does not hold up another endpoint', async () => {
    const slow = await receiverWithEndpoint(['authz.grant.created']);
    slow.receiver.answer = () => 'hang';
    const fast = await receiverWithEndpoint(['authz.grant.created']);
    const sent: CloudEvent[] = [];
    for (let i = 0; i < 8; i += 1) {
      sent.push(
        createEvent('authz.grant.created', {
          grant_id: uuidv7(),
          subject: `user:${uuidv7()}`,
          permission: 'documents:read',
          resource: `document:${i}`,
        }) as CloudEvent,
      );
    }
    const started = Date.now();
    for (const event of sent) await events.publish(event);
    await waitUntil(() => sent.every((e) => forEvent(fast.receiver, e.id).length === 1), {
      timeoutMs: 20_000,
    });
    // 8 messages on the slow endpoint at 2 in flight and 1.5 s each would take 6 s; the fast one did not wait.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('the admin API', () => {
  it('shows the secret once and stores it encrypted', async () => {
    const { id, secret } = await receiverWithEndpoint(['identity.*']);
    const read = await call('GET', `/v1/endpoints/${id}`, ['webhooks:read']);
    expect(JSON.stringify(await read.json())).not.toContain(secret.slice(6));
    const stored = await sql<{
      row: string;
    }>`select row_to_json(e)::text as row from webhook_endpoints e`.execute(raw.db);
    expect(stored.rows.map((r) => r.row).join('\n')).not.toContain(secret.slice(6));
  });

  it('refuses callers without the permission and invalid input, changing nothing', async () => {
    const count = async () =>
      Number(
        (await sql<{ n: string }>`select count(*)::text as n from webhook_endpoints`.execute(raw.db)).rows[0]
          ?.n,
      );
    const before = await count();
    expect(
      (
        await call('POST', '/v1/endpoints', undefined, {
          url: 'https://a.example.com',
          event_types: ['identity.*'],
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('POST', '/v1/endpoints', ['webhooks:read'], {
          url: 'https://a.example.com',
          event_types: ['identity.*'],
        })
      ).status,
    ).toBe(403);
    expect((await call('GET', '/v1/endpoints', ['users:read'])).status).toBe(403);
    const invalid = await call('POST', '/v1/endpoints', ['webhooks:write'], {
      url: 'https://a.example.com',
      event_types: [],
      extra: 1,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    const badFilter = await call('POST', '/v1/endpoints', ['webhooks:write'], {
      url: 'https://a.example.com',
      event_types: ['identity.*.x'],
    });
    expect(badFilter.status).toBe(422);
    expect(await count()).toBe(before);
  });

  it('pages endpoints and lists the public event types with their schemas', async () => {
    const page1 = (await (await call('GET', '/v1/endpoints?limit=2', ['webhooks:read'])).json()) as {
      items: Array<{ id: string }>;
      next_cursor?: string;
    };
    expect(page1.items).toHaveLength(2);
    const page2 = (await (
      await call('GET', `/v1/endpoints?limit=2&cursor=${page1.next_cursor}`, ['webhooks:read'])
    ).json()) as {
      items: Array<{ id: string }>;
    };
    expect((page2.items[0]?.id ?? '') > (page1.items[1]?.id ?? '')).toBe(true);
    const types = (await (await call('GET', '/v1/event-types', ['webhooks:read'])).json()) as {
      items: Array<{ type: string; schema: { type: string } }>;
    };
    expect(types.items.map((t) => t.type)).toContain('identity.user.registered');
    expect(types.items.map((t) => t.type)).not.toContain('audit.compliance.erasure_requested');
    expect(types.items.find((t) => t.type === 'identity.user.registered')?.schema.type).toBe('object');
  });

  it('sends a test event and can send a failed message again', async () => {
    const { receiver, id } = await receiverWithEndpoint(['identity.user.registered']);
    const test = await call('POST', `/v1/endpoints/${id}/test`, ['webhooks:write']);
    expect(test.status).toBe(202);
    await waitUntil(() => receiver.requests.some((r) => r.body.includes('"webhooks.test"')));

    receiver.answer = () => ({ status: 500 });
    const event = registered();
    await events.publish(event);
    await delivered(receiver, event.id, 3);
    await waitUntil(async () => {
      const page = (await (
        await call('GET', `/v1/endpoints/${id}/deliveries?status=failed`, ['webhooks:read'])
      ).json()) as {
        items: unknown[];
      };
      return page.items.length === 1;
    });
    receiver.answer = () => ({ status: 200 });
    const recovered = await call('POST', `/v1/endpoints/${id}/recover`, ['webhooks:write'], {
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(await recovered.json()).toEqual({ queued: 1 });
    await delivered(receiver, event.id, 4);
  });
});
