/**
 * quality.md "Security": the delivery endpoints fuzzed with fast-check — malformed, oversized,
 * type-confused query strings, path segments and form bodies answer 4xx (or a valid 200 for a
 * harmless query), never 5xx, and change nothing: the row counts of messages, attempts, suppressions,
 * the dev outbox and the outbox, and every message's status, stay as they were. Requests carry an
 * admin token with every permission so the fuzzing reaches validation and the use cases; the Twilio
 * callback gets random signatures.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql } from 'kysely';
import { type DeliveryHarness, startDeliveryService } from '../app/delivery/delivery.test-support.ts';

let h: DeliveryHarness;
let admin: string;

beforeAll(async () => {
  h = await startDeliveryService({ env: { DEV_OUTBOX: 'true' } });
  admin = h.adminToken(['*']);
  const queued = await h.queue({ channel: 'sms', recipient: '+14155551101' });
  await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  await h.db
    .insertInto('suppressions')
    .values({
      address: 'kept@example.test',
      channel: 'email',
      reason: 'complaint',
      provider: 'ses',
      message_id: null,
      detail: null,
    })
    .execute();
});

afterAll(async () => {
  await h?.stop();
});

async function state() {
  const counts = await sql<{ t: string; n: number }>`
    select 'messages' as t, count(*)::int as n from messages
    union all select 'attempts', count(*)::int from message_attempts
    union all select 'suppressions', count(*)::int from suppressions
    union all select 'dev_outbox', count(*)::int from dev_outbox
    union all select 'outbox', count(*)::int from outbox`.execute(h.db);
  const statuses = await h.db.selectFrom('messages').select(['id', 'status']).orderBy('id').execute();
  return { counts: counts.rows, statuses };
}

/** Strings that break parsers: control characters, unicode, huge, JSON-ish, SQL-ish, path-ish. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    "' or 1=1 --",
    '../../etc/passwd',
    '%00',
    '{"$ne":null}',
    '[]',
    'null',
    '-1',
    '1e309',
    '\u202e',
    'a'.repeat(5000),
  ),
  fc.integer().map(String),
  fc.uuid(),
);

const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom('recipient', 'template', 'status', 'limit', 'cursor', 'channel'),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(nasty, fc.array(nasty, { maxLength: 3 })),
  { maxKeys: 5 },
);

function toQuery(params: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    for (const value of Array.isArray(v) ? v : [v]) search.append(k, value);
  return search.toString();
}

describe('delivery endpoints under fuzzing', () => {
  it('answer random queries and path segments with 2xx/4xx, never 5xx, changing nothing', async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/messages', '/v1/suppressions', '/v1/dev/outbox'),
        query,
        async (path, params) => {
          const answer = await h.get(`${path}?${toQuery(params)}`, admin);
          expect(answer.status).toBeLessThan(500);
          await answer.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(nasty, fc.constantFrom('get-message', 'delete-suppression'), async (segment, op) => {
        const encoded = encodeURIComponent(segment);
        const answer =
          op === 'get-message'
            ? await h.get(`/v1/messages/${encoded}`, admin)
            : await h.del(`/v1/suppressions/${encoded}`, admin);
        expect(answer.status).toBeLessThan(500);
        expect(answer.status).not.toBe(204);
        await answer.arrayBuffer();
      }),
      { numRuns: 150 },
    );
    expect(await state()).toEqual(before);
  }, 120_000);

  it('answers random Twilio callbacks (unsigned or wrongly signed, any body) with 4xx, changing nothing', async () => {
    const before = await state();
    const sid =
      (await h.db.selectFrom('messages').select('provider_id').executeTakeFirstOrThrow()).provider_id ?? '';
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('MessageSid', 'MessageStatus', 'ErrorCode', 'AccountSid'),
            fc.string({ maxLength: 12 }),
          ),
          fc.oneof(nasty, fc.constant(sid), fc.constantFrom('delivered', 'undelivered', 'failed')),
          { maxKeys: 6 },
        ),
        fc.option(fc.oneof(fc.base64String({ maxLength: 40 }), nasty), { nil: undefined }),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'text/plain',
          'multipart/form-data',
        ),
        async (params, signature, contentType) => {
          const answer = await fetch(`${h.url}/v1/providers/twilio/status`, {
            method: 'POST',
            headers: {
              'content-type': contentType,
              ...(signature === undefined
                ? {}
                : { 'x-twilio-signature': signature.replace(/[^\x20-\x7e]/g, '') }),
            },
            body:
              contentType === 'application/json'
                ? JSON.stringify(params)
                : new URLSearchParams(params).toString(),
          });
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          await answer.arrayBuffer();
        },
      ),
      { numRuns: 200 },
    );
    expect(await state()).toEqual(before);
  }, 120_000);
});
