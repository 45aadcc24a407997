/**
 * Two instances of the service on one database and one queue share the deliveries without sending any
 * message twice; the data-subject requests erase and export what webhooks holds about a user.
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
import type { config } from '../config.ts';
import { service } from '../service.ts';
import { eventPublisher, type Receiver, startReceiver } from './webhooks.test-support.ts';

type Running = RunningService<typeof config.properties>;

let database: TestDatabase;
let broker: TestBroker;
let issuer: TestIssuer;
const instances: Running[] = [];
let raw: TestConnection<unknown>;
let events: ReturnType<typeof eventPublisher>;
let receiver: Receiver;
let endpointId: string;

beforeAll(async () => {
  database = await testDatabase();
  broker = testBroker();
  issuer = await startTestIssuer();
  events = eventPublisher(broker);
  const env = {
    JWKS_URL: issuer.jwksUrl,
    TOKEN_ISSUER: issuer.issuer,
    TOKEN_AUDIENCE: issuer.audience,
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOKS_RETRY_SCHEDULE: '0,0,0',
  };
  for (let i = 0; i < 2; i += 1)
    instances.push(await startServiceForTest(service, { database, broker }, env));
  raw = await database.connect<unknown>();
  receiver = await startReceiver();
  const created = await fetch(`${instances[0]?.url}/v1/endpoints`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${issuer.sign({ sub: uuidv7(), permissions: ['webhooks:write'] })}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ url: receiver.url, event_types: ['identity.*'] }),
  });
  endpointId = ((await created.json()) as { endpoint: { id: string } }).endpoint.id;
}, 120_000);

afterAll(async () => {
  for (const instance of instances) await instance.stop();
  await receiver?.close();
  await raw?.close();
  await issuer?.close();
  events?.destroy();
  await broker?.cleanup();
  await database?.drop();
});

describe('several instances', () => {
  it('deliver every message exactly once between them', async () => {
    const sent: CloudEvent[] = [];
    for (let i = 0; i < 30; i += 1) {
      sent.push(
        createEvent('identity.user.email_verified', {
          user_id: uuidv7(),
          email: `v${i}@example.com`,
        }) as CloudEvent,
      );
    }
    for (const event of sent) await events.publish(event);
    await waitUntil(
      () => sent.every((e) => receiver.requests.some((r) => r.headers['webhook-id'] === e.id)),
      {
        timeoutMs: 30_000,
      },
    );
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    for (const event of sent) expect(ids.filter((id) => id === event.id)).toHaveLength(1);
  });
});

describe('data-subject requests', () => {
  it('erasure removes the bodies of messages about the user and reports counts', async () => {
    const user = uuidv7();
    const about = createEvent('identity.user.email_verified', {
      user_id: user,
      email: 'erase-me@example.com',
    }) as CloudEvent;
    await events.publish(about);
    await waitUntil(() => receiver.requests.some((r) => r.headers['webhook-id'] === about.id));
    const request = uuidv7();
    await events.publish(
      createEvent('audit.compliance.erasure_requested', {
        request_id: request,
        user_id: user,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }) as CloudEvent,
    );
    await waitUntil(async () => {
      const out = await sql<{ n: number }>`
        select count(*)::int as n from outbox where type = 'webhooks.compliance.erasure_completed'
          and payload->'data'->>'request_id' = ${request}`.execute(raw.db);
      return out.rows[0]?.n === 1;
    });
    const stored = await sql<{ body: string | null; user_id: string | null }>`
      select body, user_id from webhook_messages where event_id = ${about.id}`.execute(raw.db);
    expect(stored.rows).toEqual([{ body: null, user_id: null }]);
    const attempts = await sql<{ response_excerpt: string | null }>`
      select a.response_excerpt from webhook_attempts a join webhook_messages m on m.id = a.message_id
      where m.event_id = ${about.id}`.execute(raw.db);
    expect(attempts.rows.length).toBeGreaterThan(0);
    expect(attempts.rows.every((r) => r.response_excerpt === null)).toBe(true);
    const completed = await sql<{ counts: Record<string, number> }>`
      select payload->'data'->'counts' as counts from outbox where type = 'webhooks.compliance.erasure_completed'`.execute(
      raw.db,
    );
    expect(completed.rows[0]?.counts).toEqual({ message_bodies: 1, owned_endpoints: 0 });
  });

  it("an export stores webhooks' part and reports where it is", async () => {
    const user = uuidv7();
    const about = createEvent('identity.user.email_verified', {
      user_id: user,
      email: 'export-me@example.com',
    }) as CloudEvent;
    await events.publish(about);
    await waitUntil(() => receiver.requests.some((r) => r.headers['webhook-id'] === about.id));
    const request = uuidv7();
    await events.publish(
      createEvent('audit.compliance.export_requested', {
        request_id: request,
        user_id: user,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }) as CloudEvent,
    );
    await waitUntil(
      async () => {
        const out = await sql<{ n: number }>`
        select count(*)::int as n from outbox where type = 'webhooks.compliance.export_ready'
          and payload->'data'->>'request_id' = ${request}`.execute(raw.db);
        return out.rows[0]?.n === 1;
      },
      { timeoutMs: 20_000 },
    );
    const ready = await sql<{ data: { records: number; location: string } }>`
      select payload->'data' as data from outbox where type = 'webhooks.compliance.export_ready'`.execute(
      raw.db,
    );
    expect(ready.rows[0]?.data).toMatchObject({ records: 1 });
    expect(ready.rows[0]?.data.location).toMatch(new RegExp(`^s3://.+/exports/${request}/webhooks\\.json$`));
    const part = await sql<{ n: number }>`
      select count(*)::int as n from webhook_messages where user_id = ${user} and endpoint_id = ${endpointId}`.execute(
      raw.db,
    );
    expect(part.rows[0]?.n).toBe(1);
  });
});
