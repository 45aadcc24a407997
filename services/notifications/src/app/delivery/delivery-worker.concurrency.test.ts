/**
 * Many workers, one database: two service instances (each with its own worker, 4 sends at once)
 * share the messages table. Every message is sent exactly once — no message is claimed by both —
 * and both instances take part.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTwilioStandIn, type TwilioStandIn } from '../../testing/twilio-stand-in.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';
import { wakeDelivery } from './delivery-settings.ts';
import { queueMessage } from './queue-message.ts';

let twilio: TwilioStandIn;
let a: DeliveryHarness;
let b: DeliveryHarness;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  // Each send takes 30 ms at the "provider", so the two workers' claims overlap.
  twilio.setLatency(30);
  a = await startDeliveryService({ twilio });
  b = await startDeliveryService({ twilio, database: a.database, broker: a.broker });
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await twilio?.close();
});

describe('two workers on one database', () => {
  it('send each of 60 messages exactly once', async () => {
    const phones = Array.from({ length: 60 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);
    const ids = await a.db.transaction().execute(async (trx) => {
      const out: string[] = [];
      for (const phone of phones) {
        const result = await queueMessage(trx, {
          sourceId: uuidv7(),
          channel: 'sms',
          recipient: phone,
          templateKey: 'otp-code',
          locale: 'en',
          category: 'security',
          data: a.renderer.sampleData('otp-code'),
        });
        out.push(result.messageId);
      }
      return out;
    });
    wakeDelivery();
    for (const id of ids) await a.waitForMessage(id, (m) => m.status === 'sent', 30_000);
    await new Promise((r) => setTimeout(r, 300));

    expect(twilio.messages).toHaveLength(60);
    expect(new Set(twilio.messages.map((m) => m.to))).toEqual(new Set(phones));
    const attempts = await a.db.selectFrom('message_attempts').select(['message_id', 'attempt']).execute();
    expect(attempts).toHaveLength(60);
    expect(attempts.every((x) => x.attempt === 1)).toBe(true);
    const rows = await a.db.selectFrom('messages').select(['attempts']).where('id', 'in', ids).execute();
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const byA = a.outcomes.filter((o) => o.result === 'sent').length;
    const byB = b.outcomes.filter((o) => o.result === 'sent').length;
    expect(byA + byB).toBe(60);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect([...a.outcomes, ...b.outcomes].filter((o) => o.result === 'lost_claim')).toEqual([]);
  }, 60_000);
});
