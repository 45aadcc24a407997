/**
 * The audit service as it runs: events published on the platform's topics (real SNS → filtered SQS
 * inbox on the test broker) become hash-chained records in Postgres, once each however often they are
 * delivered; the API lists, reads and verifies them, from `audit:read` tokens only; the table refuses
 * changes, and tampering behind the service's back is found by `/v1/audit/verify`.
 */
import { type CloudEvent, createEvent, physicalName, uuidv7 } from '@authplatform/contracts';
import { waitUntil } from '@authplatform/messaging/testing';
import type { RunningService } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import {
  createAwsClients,
  type TestBroker,
  type TestConnection,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { config } from '../config.ts';
import { service } from '../service.ts';

type Running = RunningService<typeof config.properties>;

let database: TestDatabase;
let broker: TestBroker;
let issuer: TestIssuer;
let running: Running;
let raw: TestConnection<unknown>;
let aws: ReturnType<typeof createAwsClients>;
let prefix: string;

beforeAll(async () => {
  database = await testDatabase();
  broker = testBroker();
  issuer = await startTestIssuer();
  aws = createAwsClients(broker);
  prefix = broker.prefix.replace(/-+$/, '');
  running = await startServiceForTest(
    service,
    { database, broker },
    { JWKS_URL: issuer.jwksUrl, TOKEN_ISSUER: issuer.issuer, TOKEN_AUDIENCE: issuer.audience },
  );
  raw = await database.connect<unknown>();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await raw?.close();
  await issuer?.close();
  aws?.destroy();
  await broker?.cleanup();
  await database?.drop();
});

const USER = uuidv7();

async function publish(event: CloudEvent, copies = 1): Promise<void> {
  const producer = event.type.split('.')[0] ?? '';
  const { TopicArn } = await aws.sns.send(
    new CreateTopicCommand({ Name: physicalName(prefix, `${producer}-events`) }),
  );
  for (let i = 0; i < copies; i += 1) {
    await aws.sns.send(
      new PublishCommand({
        TopicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
      }),
    );
  }
}

async function recordCount(eventId?: string): Promise<number> {
  const result = await sql<{ n: string }>`
    select count(*)::text as n from audit_records ${eventId === undefined ? sql`` : sql`where event_id = ${eventId}`}`.execute(
    raw.db,
  );
  return Number(result.rows[0]?.n ?? 0);
}

const recorded = (eventId: string) =>
  waitUntil(async () => (await recordCount(eventId)) > 0, {
    timeoutMs: 20_000,
    what: `audit record of ${eventId}`,
  });

function call(path: string, permissions: string[] | undefined) {
  const headers: Record<string, string> = {};
  if (permissions !== undefined)
    headers.authorization = `Bearer ${issuer.sign({ sub: 'auditor-1', permissions })}`;
  return fetch(`${running.url}${path}`, { headers });
}

describe('recording events', () => {
  const events: CloudEvent[] = [];

  beforeAll(async () => {
    events.push(
      createEvent('identity.user.registered', {
        user_id: USER,
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        timezone: 'UTC',
        signup_method: 'self_service',
      }) as CloudEvent,
      createEvent('identity.login.failed', {
        reason: 'bad_password',
        ip: '203.0.113.7',
        user_agent: 'curl/8.5',
        email_hash: 'a'.repeat(64),
        user_id: USER,
      }) as CloudEvent,
      createEvent('authz.role.created', {
        name: 'editor',
        permissions: ['documents:write'],
        includes: [],
      }) as CloudEvent,
    );
    for (const event of events) await publish(event);
    for (const event of events) await recorded(event.id);
  }, 60_000);

  it('one record per event, in one linear chain', async () => {
    for (const event of events) expect(await recordCount(event.id)).toBe(1);
    const response = await call('/v1/audit/verify', ['audit:read']);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, checked: 3, first_break: null });
  });

  it('a duplicated delivery adds no second record', async () => {
    const event = createEvent('identity.signing_key.rotated', { kid: 'k-2', alg: 'ES256' }) as CloudEvent;
    await publish(event, 3);
    await recorded(event.id);
    // A later event on the same queue is recorded after the duplicates were received.
    const marker = createEvent('identity.signing_key.rotated', { kid: 'k-3', alg: 'ES256' }) as CloudEvent;
    await publish(marker);
    await recorded(marker.id);
    expect(await recordCount(event.id)).toBe(1);
  });

  it('personal data is sealed at rest and opened for readers', async () => {
    const stored = await sql<{
      row: string;
    }>`select row_to_json(r)::text as row from audit_records r`.execute(raw.db);
    const all = stored.rows.map((r) => r.row).join('\n');
    expect(all).not.toContain('ada@example.com');
    expect(all).not.toContain('203.0.113.7');

    const response = await call(`/v1/audit/events?user=${USER}`, ['audit:read']);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<Record<string, unknown>> };
    // Standard queues do not order: the two records may be in either order (newest recorded first).
    expect(body.items.map((i) => i.type).sort()).toEqual([
      'identity.login.failed',
      'identity.user.registered',
    ]);
    const failed = body.items.find((i) => i.type === 'identity.login.failed');
    const registeredRecord = body.items.find((i) => i.type === 'identity.user.registered');
    expect(failed).toMatchObject({
      ip: '203.0.113.7',
      user_agent: 'curl/8.5',
      outcome: 'failure',
      actor: { type: 'anonymous' },
      erased: false,
    });
    expect(registeredRecord).toMatchObject({
      data: { email: 'ada@example.com' },
      actor: { type: 'user', id: USER },
    });
    const seqs = body.items.map((i) => BigInt(i.seq as string));
    expect(seqs[0] !== undefined && seqs[1] !== undefined && seqs[0] > seqs[1]).toBe(true);

    const one = await call(`/v1/audit/events/${registeredRecord?.id}`, ['audit:read']);
    expect(await one.json()).toMatchObject({ event_id: events[0]?.id, data: { email: 'ada@example.com' } });
  });

  it('lists newest first with a cursor and filters by type', async () => {
    const first = await call('/v1/audit/events?limit=2', ['audit:read']);
    const page1 = (await first.json()) as { items: Array<{ seq: string }>; next_cursor?: string };
    expect(page1.items).toHaveLength(2);
    expect(page1.next_cursor).toBeDefined();
    const second = await call(`/v1/audit/events?limit=2&cursor=${page1.next_cursor}`, ['audit:read']);
    const page2 = (await second.json()) as { items: Array<{ seq: string }> };
    const seqs = [...page1.items, ...page2.items].map((i) => BigInt(i.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    expect(new Set(seqs).size).toBe(seqs.length);

    const byType = await call('/v1/audit/events?type=authz.role.created', ['audit:read']);
    const typed = (await byType.json()) as { items: Array<{ type: string; data: unknown }> };
    expect(typed.items).toMatchObject([{ type: 'authz.role.created', data: { name: 'editor' } }]);
  });

  it('refuses callers without audit:read, and bad input, with problem details', async () => {
    expect((await call('/v1/audit/events', undefined)).status).toBe(401);
    expect((await call('/v1/audit/events', ['users:read'])).status).toBe(403);
    expect((await call('/v1/audit/verify', ['users:read'])).status).toBe(403);
    const bad = await call('/v1/audit/events?limit=1000&cursor=abc', ['audit:read']);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const range = await call('/v1/audit/events?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', [
      'audit:read',
    ]);
    expect(range.status).toBe(400);
    expect((await call(`/v1/audit/events/${uuidv7()}`, ['audit:read'])).status).toBe(404);
  });
});

describe('tamper evidence', () => {
  it('the table refuses UPDATE, DELETE and TRUNCATE, even for its owner', async () => {
    const before = await recordCount();
    await expect(sql`update audit_records set outcome = 'failure'`.execute(raw.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_records`.execute(raw.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_records`.execute(raw.db)).rejects.toThrow(/append-only/);
    expect(await recordCount()).toBe(before);
  });

  it("a record changed behind the service's back is found, with its sequence number", async () => {
    const target = await sql<{
      seq: string;
    }>`select seq::text as seq from audit_records order by seq limit 1 offset 1`.execute(raw.db);
    const seq = target.rows[0]?.seq;
    expect(seq).toBeDefined();
    // What an attacker with superuser rights could do: switch the trigger off and rewrite history.
    await raw.db.transaction().execute(async (trx) => {
      await sql`alter table audit_records disable trigger audit_records_append_only`.execute(trx);
      await sql`update audit_records set actor_id = 'someone-else' where seq = ${seq}`.execute(trx);
      await sql`alter table audit_records enable trigger audit_records_append_only`.execute(trx);
    });
    const response = await call('/v1/audit/verify', ['audit:read']);
    expect(await response.json()).toMatchObject({
      ok: false,
      first_break: { seq, reason: 'hash_mismatch' },
    });
  });
});
