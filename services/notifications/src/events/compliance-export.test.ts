/**
 * A data-subject export through the running service: `audit.compliance.export_requested` arrives in
 * the notifications inbox (fauxqs), the handler stores the part in the compliance bucket (fauxqs's S3)
 * and publishes `notifications.compliance.export_ready` whose location, size and SHA-256 describe the
 * stored object; a redelivery reports nothing twice.
 */
import { createHash } from 'node:crypto';
import { type CloudEvent, createEvent, physicalName, uuidv7 } from '@authplatform/contracts';
import { defaultComplianceBucket } from '@authplatform/messaging';
import { sendMessage, waitUntil } from '@authplatform/messaging/testing';
import type { RunningService } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import {
  createAwsClients,
  type TestBroker,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TProperties } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { queueUrlOf } from '../providers/aws-clients.ts';
import { service } from '../service.ts';
import type { NotificationsDatabase } from '../store/database.ts';

let database: TestDatabase;
let broker: TestBroker;
let running: RunningService<TProperties>;
let sqs: ReturnType<typeof createAwsClients>['sqs'];
let db: Kysely<NotificationsDatabase>;

beforeAll(async () => {
  database = await testDatabase();
  broker = testBroker();
  running = (await startServiceForTest(
    service,
    { database, broker },
    { SES_FEEDBACK_ENABLED: 'false' },
  )) as unknown as RunningService<TProperties>;
  db = running.database.db as unknown as Kysely<NotificationsDatabase>;
  sqs = createAwsClients(broker).sqs;
}, 60_000);

const storedObjects: string[] = [];

afterAll(async () => {
  // Leave nothing in the shared broker's S3: the object, then the suite's bucket.
  for (const path of [...storedObjects, `/${defaultComplianceBucket(broker.prefix)}`]) {
    await fetch(`${broker.endpoint}${path}`, { method: 'DELETE' }).catch(() => undefined);
  }
  sqs?.destroy();
  await running?.stop();
  await broker?.cleanup();
  await database?.drop();
});

async function deliver(event: CloudEvent): Promise<void> {
  const prefix = broker.prefix.replace(/-+$/, '');
  // The consumer is running (the service is ready), so the topology exists.
  const queueUrl = await queueUrlOf(sqs as never, physicalName(prefix, 'notifications-inbox'));
  await sendMessage({ sqs, queueUrl }, event);
}

async function outboxOf(type: string) {
  const rows = await sql<{
    payload: { data: Record<string, unknown> };
  }>`select payload from outbox where type = ${type}`.execute(db);
  return rows.rows.map((r) => r.payload.data);
}

describe('compliance export', () => {
  it('stores the user’s part in the bucket and reports where, once', async () => {
    const user = uuidv7();
    await deliver(
      createEvent('identity.user.registered', {
        user_id: user,
        email: 'export.me@example.test',
        name: 'Export Me',
        locale: 'es',
        timezone: 'Europe/Madrid',
        signup_method: 'self_service',
      }) as CloudEvent,
    );
    await waitUntil(
      async () =>
        (await db.selectFrom('contacts').select('user_id').where('user_id', '=', user).execute()).length ===
        1,
      {
        timeoutMs: 15_000,
        what: 'the contact',
      },
    );
    await db
      .insertInto('preferences')
      .values({ user_id: user, category: 'webhooks', channel: 'email', enabled: false })
      .execute();

    const requestId = uuidv7();
    const request = createEvent('audit.compliance.export_requested', {
      request_id: requestId,
      user_id: user,
      deadline: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await deliver(request as CloudEvent);
    await waitUntil(async () => (await outboxOf('notifications.compliance.export_ready')).length > 0, {
      timeoutMs: 15_000,
      what: 'export_ready',
    });
    // The same request again, after the first was handled (another delivery id): the stored part,
    // whose hash was reported, must not be overwritten, nor reported again.
    await deliver({ ...request, id: uuidv7() } as CloudEvent);
    await waitUntil(
      async () =>
        Number((await sql<{ n: string }>`select count(*) as n from inbox`.execute(db)).rows[0]?.n) === 3,
      { timeoutMs: 15_000, what: 'three handled deliveries' },
    );

    const ready = await outboxOf('notifications.compliance.export_ready');
    expect(ready).toHaveLength(1);
    const data = ready[0] as {
      request_id: string;
      user_id: string;
      location: string;
      records: number;
      bytes: number;
      sha256: string;
    };
    const bucket = defaultComplianceBucket(broker.prefix);
    expect(data).toMatchObject({ request_id: requestId, user_id: user, records: 2 });
    expect(data.location).toBe(`s3://${bucket}/exports/${requestId}/notifications.json`);

    // The object as stored (fauxqs's S3, path-style).
    const objectPath = `/${bucket}/exports/${requestId}/notifications.json`;
    storedObjects.push(objectPath);
    const res = await fetch(`${broker.endpoint}${objectPath}`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(data.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(data.sha256);
    const part = JSON.parse(bytes.toString()) as {
      part: { contact: Record<string, unknown>; preferences: unknown[] };
    };
    expect(part.part.contact).toMatchObject({
      email: 'export.me@example.test',
      name: 'Export Me',
      locale: 'es',
    });
    expect(part.part.preferences).toEqual([
      expect.objectContaining({ category: 'webhooks', channel: 'email', enabled: false }),
    ]);
  }, 60_000);
});
