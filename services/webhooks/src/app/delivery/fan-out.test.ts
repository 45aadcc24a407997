import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as migration from '../../store/webhooks/0001_webhooks.ts';
import type { WebhooksDatabase } from '../../store/webhooks/schema.ts';
import { fanOut } from './fan-out.ts';

let database: TestDatabase;
let connection: TestConnection<WebhooksDatabase>;

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<WebhooksDatabase>();
  await migration.up(connection.db as never);
}, 60_000);
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

async function endpoint(eventTypes: string[]): Promise<string> {
  const id = uuidv7();
  await connection.db
    .insertInto('webhook_endpoints')
    .values({
      id,
      url: 'https://hooks.example.com/x',
      description: null,
      event_types: eventTypes,
      owner_id: null,
      disabled_reason: null,
      rate_limit_per_sec: null,
      secret_sealed: 'x',
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
    })
    .execute();
  return id;
}

describe('fan-out', () => {
  it('never delivers an event about an endpoint to that endpoint (no feedback loop)', async () => {
    const failing = await endpoint(['webhooks.*']);
    const other = await endpoint(['webhooks.*']);
    const exhausted = createEvent('webhooks.delivery.exhausted', {
      endpoint_id: failing,
      url_host: 'hooks.example.com',
      event_id: uuidv7(),
      event_type: 'identity.user.registered',
      attempts: 8,
      last_status: 500,
    }) as CloudEvent;
    expect(await fanOut(connection.db, exhausted)).toBe(1);
    const rows = await connection.db
      .selectFrom('webhook_messages')
      .select('endpoint_id')
      .where('event_id', '=', exhausted.id)
      .execute();
    expect(rows).toEqual([{ endpoint_id: other }]);
    // The same event again makes no second message.
    expect(await fanOut(connection.db, exhausted)).toBe(0);
  });
});
