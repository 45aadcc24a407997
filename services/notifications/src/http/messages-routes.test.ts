/**
 * The admin API of messages and suppressions: permissions from token claims (401 without a token,
 * 403 without the permission, nothing changed), filters, cursor pagination, the attempt log, and
 * that no response ever carries the template data.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DeliveryHarness, startDeliveryService } from '../app/delivery/delivery.test-support.ts';

let h: DeliveryHarness;
let reader: string;
let writer: string;
const ids: string[] = [];

beforeAll(async () => {
  h = await startDeliveryService();
  reader = h.adminToken(['notifications:read']);
  writer = h.adminToken(['notifications:read', 'notifications:write']);
  h.twilio.failFor('+14155550609', { status: 400, code: 21211 });
  for (let i = 0; i < 5; i++) {
    const queued = await h.queue({
      channel: 'sms',
      recipient: `+1415555060${i}`,
      data: { ...h.renderer.sampleData('otp-code'), code: `90000${i}` },
    });
    ids.push(queued.messageId);
  }
  ids.push((await h.queue({ channel: 'sms', recipient: '+14155550609' })).messageId);
  for (const id of ids) await h.waitForMessage(id, (m) => m.status !== 'queued');
});

afterAll(async () => {
  await h?.stop();
});

describe('GET /v1/messages', () => {
  it('is served beside no dev outbox when DEV_OUTBOX is off', async () => {
    expect((await h.get('/v1/dev/outbox')).status).toBe(404);
  });

  it('needs a token with notifications:read', async () => {
    expect((await h.get('/v1/messages')).status).toBe(401);
    expect((await h.get('/v1/messages', h.adminToken(['users:read']))).status).toBe(403);
    expect((await h.get('/v1/messages', reader)).status).toBe(200);
  });

  it('lists newest first, pages with the cursor, and never shows template data', async () => {
    const first = await h.get('/v1/messages?limit=4', reader);
    const page1 = (await first.json()) as { items: Array<Record<string, unknown>>; next_cursor?: string };
    expect(page1.items).toHaveLength(4);
    expect(page1.next_cursor).toBe(page1.items[3]?.id);
    const page2 = (await (
      await h.get(`/v1/messages?limit=4&cursor=${page1.next_cursor}`, reader)
    ).json()) as {
      items: Array<Record<string, unknown>>;
      next_cursor?: string;
    };
    expect(page2.items).toHaveLength(2);
    expect(page2.next_cursor).toBeUndefined();
    const all = [...page1.items, ...page2.items].map((m) => m.id);
    expect(all).toEqual([...ids].reverse());
    const text = JSON.stringify([page1, page2]);
    for (let i = 0; i < 5; i++) expect(text).not.toContain(`90000${i}`);
    expect(text).not.toContain('data_ciphertext');
  });

  it('filters by recipient (normalized), template and status', async () => {
    const byRecipient = (await (
      await h.get(`/v1/messages?recipient=${encodeURIComponent('+1 415 555 0602')}`, reader)
    ).json()) as {
      items: Array<{ id: string; status: string }>;
    };
    expect(byRecipient.items.map((m) => m.id)).toEqual([ids[2]]);
    const failed = (await (await h.get('/v1/messages?status=failed', reader)).json()) as {
      items: Array<{ id: string; failure_code: string }>;
    };
    expect(failed.items).toEqual([
      expect.objectContaining({ id: ids[5], failure_code: 'provider_rejected' }),
    ]);
    const none = (await (await h.get('/v1/messages?template=password-reset', reader)).json()) as {
      items: unknown[];
    };
    expect(none.items).toEqual([]);
  });

  it('answers 400 to unknown or malformed parameters', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'status=lost',
      'cursor=nope',
      'template=Bad_Key',
      'page=2',
    ]) {
      const answer = await h.get(`/v1/messages?${query}`, reader);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('GET /v1/messages/{id}', () => {
  it('returns the message and its attempt log', async () => {
    const answer = await h.get(`/v1/messages/${ids[5]}`, reader);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      id: ids[5],
      channel: 'sms',
      recipient: '+14155550609',
      status: 'failed',
      attempts: 1,
      attempt_log: [{ attempt: 1, provider: 'twilio', outcome: 'permanent_error', error_code: '21211' }],
    });
  });

  it('answers 404 for an unknown id and 403 without the permission', async () => {
    expect((await h.get('/v1/messages/01939f8e-0000-7000-8000-000000000000', reader)).status).toBe(404);
    expect((await h.get(`/v1/messages/${ids[0]}`, h.adminToken([]))).status).toBe(403);
  });
});

describe('suppressions', () => {
  it('lists with notifications:read and removes with notifications:write only', async () => {
    const address = h.email.address('suppressed');
    await h.db
      .insertInto('suppressions')
      .values({
        address,
        channel: 'email',
        reason: 'complaint',
        provider: 'ses',
        message_id: null,
        detail: 'Complaint',
      })
      .execute();
    const list = (await (await h.get('/v1/suppressions?channel=email', reader)).json()) as {
      items: Array<{ address: string }>;
    };
    expect(list.items).toContainEqual(expect.objectContaining({ address, reason: 'complaint' }));

    const path = `/v1/suppressions/${encodeURIComponent(address.toUpperCase())}`;
    expect((await h.del(path)).status).toBe(401);
    expect((await h.del(path, reader)).status).toBe(403);
    expect(
      await h.db.selectFrom('suppressions').select('address').where('address', '=', address).execute(),
    ).toHaveLength(1);

    expect((await h.del(path, writer)).status).toBe(204);
    expect(
      await h.db.selectFrom('suppressions').select('address').where('address', '=', address).execute(),
    ).toEqual([]);
    expect((await h.del(path, writer)).status).toBe(404);

    // The address gets mail again.
    const queued = await h.queue({ channel: 'email', recipient: address });
    expect(queued.outcome).toBe('accepted');
    await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  });
});
