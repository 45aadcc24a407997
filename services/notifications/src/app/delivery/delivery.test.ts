/**
 * Delivery end to end on real parts: Postgres, fauxqs, aws-ses-v2-local (email) and the Twilio
 * stand-in driven by the real twilio SDK (SMS). A message is queued in a transaction as a handler
 * would, the worker renders and sends it, the outcome is recorded with its event.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type DeliveryHarness, startDeliveryService, TWILIO_FROM } from './delivery.test-support.ts';
import { queueMessage } from './queue-message.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService();
});

afterAll(async () => {
  await h?.stop();
});

describe('email through SES', () => {
  it('renders and sends a queued email once, records it sent with the SES id, and publishes .sent', async () => {
    const to = h.email.address('ada');
    const token = uuidv7();
    const link = `https://app.example.test/verify?token=${token}`;
    const data = { ...h.renderer.sampleData('email-verification'), link };
    const queued = await h.queue({
      channel: 'email',
      recipient: to,
      templateKey: 'email-verification',
      data,
    });
    expect(queued).toMatchObject({ created: true, outcome: 'accepted' });

    const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    expect(sent).toMatchObject({ provider: 'ses', attempts: 1, data_ciphertext: null, failure_code: null });
    expect(sent.provider_id).toEqual(expect.any(String));
    expect(sent.sent_at).toBeInstanceOf(Date);

    const mail = await h.email.waitForEmail((m) => m.destination.to.includes(to));
    // Handlebars escapes `=` in HTML; the token itself is there as it is.
    expect(mail.body.html).toContain(token);
    expect(mail.body.text).toContain(link);
    expect(mail.messageId).toBe(sent.provider_id);

    const events = (await h.events('notifications.message.sent')).filter(
      (e) => e.payload.data.message_id === queued.messageId,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.data).toEqual({
      message_id: queued.messageId,
      channel: 'email',
      template: 'email-verification',
      provider_id: sent.provider_id,
      trigger_id: sent.source_id,
    });
  });

  it('sends one email for a command delivered three times (same source id)', async () => {
    const to = h.email.address('grace');
    const sourceId = uuidv7();
    const first = await h.queue({ sourceId, channel: 'email', recipient: to, templateKey: 'otp-code' });
    const again = await h.queue({
      sourceId,
      channel: 'email',
      recipient: to.toUpperCase(),
      templateKey: 'otp-code',
    });
    await h.waitForMessage(first.messageId, (m) => m.status === 'sent');
    const third = await h.queue({ sourceId, channel: 'email', recipient: to, templateKey: 'otp-code' });
    expect(again).toEqual({ messageId: first.messageId, created: false, outcome: 'accepted' });
    expect(third).toEqual({ messageId: first.messageId, created: false, outcome: 'accepted' });

    // Give a (wrong) second send time to happen before counting.
    await new Promise((r) => setTimeout(r, 300));
    const mails = (await h.email.readInbox()).filter((m) => m.destination.to.includes(to));
    expect(mails).toHaveLength(1);
    const rows = await h.db.selectFrom('messages').selectAll().where('source_id', '=', sourceId).execute();
    expect(rows).toHaveLength(1);
    const attempts = await h.db
      .selectFrom('message_attempts')
      .selectAll()
      .where('message_id', '=', first.messageId)
      .execute();
    expect(attempts).toHaveLength(1);
  });

  it('keeps the template data only encrypted, and deletes it once the message is sent', async () => {
    const to = h.email.address('secret');
    const code = '731946';
    const stopWorkerWindow = await h.db.transaction().execute(async (trx) => {
      // Queued but not yet committed: look at what the row holds.
      const result = await queueMessage(trx, {
        sourceId: uuidv7(),
        channel: 'email',
        recipient: to,
        templateKey: 'otp-code',
        locale: 'en',
        category: 'security',
        data: { ...h.renderer.sampleData('otp-code'), code },
      });
      const row = await trx
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', result.messageId)
        .executeTakeFirstOrThrow();
      expect(row.data_ciphertext).not.toBeNull();
      expect(Buffer.from(row.data_ciphertext as Uint8Array).toString('latin1')).not.toContain(code);
      return result;
    });
    await h.waitForMessage(stopWorkerWindow.messageId, (m) => m.status === 'sent');
    const mail = await h.email.waitForEmail((m) => m.destination.to.includes(to));
    expect(mail.body.text).toContain(code);

    // Nowhere in the messages, attempts or outbox tables does the code appear any more.
    const found = await sql<{ n: string }>`
      select count(*) as n from messages m
       where m::text like ${`%${code}%`}
          or exists (select 1 from message_attempts a where a.message_id = m.id and a::text like ${`%${code}%`})`.execute(
      h.db,
    );
    expect(Number(found.rows[0]?.n)).toBe(0);
    const outbox = await sql<{
      n: string;
    }>`select count(*) as n from outbox where payload::text like ${`%${code}%`}`.execute(h.db);
    expect(Number(outbox.rows[0]?.n)).toBe(0);
    const stored = await h.message(stopWorkerWindow.messageId);
    expect(stored.data_ciphertext).toBeNull();
  });
});

describe('metrics', () => {
  it('counts send outcomes by channel, provider and result, and the messages waiting', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(
      /notifications_delivery_attempts_total\{[^}]*channel="email"[^}]*provider="ses"[^}]*result="sent"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/notifications_messages_queued\{[^}]*\} 0/);
  });
});

describe('SMS through Twilio (real SDK, local stand-in)', () => {
  it('sends the rendered code to the number from the configured sender and records the SID', async () => {
    const phone = '+14155550101';
    const data = { ...h.renderer.sampleData('otp-code'), code: '482913' };
    const queued = await h.queue({
      channel: 'sms',
      recipient: '+1 (415) 555-0101',
      templateKey: 'otp-code',
      data,
    });
    const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    const delivered = h.twilio.messages.filter((m) => m.to === phone);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      from: TWILIO_FROM,
      statusCallback: `${h.url.replace('[::1]', '127.0.0.1')}/v1/providers/twilio/status`,
    });
    expect(delivered[0]?.body).toContain('482913');
    expect(sent).toMatchObject({
      recipient: phone,
      provider: 'twilio',
      provider_id: delivered[0]?.sid,
      attempts: 1,
    });
    const stored = await h.message(queued.messageId);
    expect(JSON.stringify(stored)).not.toContain('482913');
  });
});
