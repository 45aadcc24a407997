/**
 * SMS-pumping protection: at most OTP_MAX_PER_RECIPIENT_PER_HOUR codes per number and
 * OTP_MAX_PER_USER_PER_HOUR per user (5 each by default) in any hour; the excess is recorded as
 * refused (`failed` / `rate_limited`) and never reaches Twilio. Other templates are not limited.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';
import { queueMessage } from './queue-message.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService();
});

afterAll(async () => {
  await h?.stop();
});

const sentTo = (phone: string) => h.twilio.messages.filter((m) => m.to === phone).length;

async function settle(ids: string[]) {
  for (const id of ids) await h.waitForMessage(id, (m) => m.status !== 'queued');
}

describe('OTP limits', () => {
  it('refuses the 6th code to one number within an hour, and sends the first 5', async () => {
    const phone = '+14155550401';
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await h.queue({ channel: 'sms', recipient: phone }));
    expect(results.map((r) => r.outcome)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'rate_limited',
    ]);
    await settle(results.map((r) => r.messageId));
    expect(sentTo(phone)).toBe(5);
    const refused = await h.message(results[5]?.messageId as string);
    expect(refused).toMatchObject({
      status: 'failed',
      failure_code: 'rate_limited',
      attempts: 0,
      data_ciphertext: null,
    });
    // Refused codes publish nothing (they never reached a provider).
    expect((await h.events()).filter((e) => e.payload.data.message_id === refused.id)).toEqual([]);
  });

  it('refuses the 6th code to one user within an hour, whatever the numbers', async () => {
    const userId = uuidv7();
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(await h.queue({ channel: 'sms', recipient: `+1415555050${i}`, userId }));
    }
    expect(results.map((r) => r.outcome)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'rate_limited',
    ]);
    await settle(results.map((r) => r.messageId));
    expect(sentTo('+14155550505')).toBe(0);
    expect(await h.message(results[5]?.messageId as string)).toMatchObject({ failure_code: 'rate_limited' });
  });

  it('holds under concurrent transactions: 8 codes queued at once, 5 accepted', async () => {
    const phone = '+14155550410';
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.db.transaction().execute((trx) =>
          queueMessage(trx, {
            sourceId: uuidv7(),
            channel: 'sms',
            recipient: phone,
            templateKey: 'otp-code',
            locale: 'en',
            category: 'security',
            data: h.renderer.sampleData('otp-code'),
          }),
        ),
      ),
    );
    expect(results.filter((r) => r.outcome === 'accepted')).toHaveLength(5);
    expect(results.filter((r) => r.outcome === 'rate_limited')).toHaveLength(3);
  });

  it('counts only the last hour: codes older than an hour leave room', async () => {
    const phone = '+14155550420';
    const first = [];
    for (let i = 0; i < 5; i++) first.push(await h.queue({ channel: 'sms', recipient: phone }));
    await settle(first.map((r) => r.messageId));
    expect((await h.queue({ channel: 'sms', recipient: phone })).outcome).toBe('rate_limited');
    await sql`update messages set created_at = now() - interval '61 minutes' where recipient = ${phone}`.execute(
      h.db,
    );
    expect((await h.queue({ channel: 'sms', recipient: phone })).outcome).toBe('accepted');
  });

  it('does not limit other templates', async () => {
    const to = h.email.address('many');
    const results = [];
    for (let i = 0; i < 7; i++) {
      results.push(
        await h.queue({
          channel: 'email',
          recipient: to,
          templateKey: 'security-alert-password-changed',
          data: h.renderer.sampleData('security-alert-password-changed'),
        }),
      );
    }
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
  });
});
