/**
 * Latency: with the fallback poll set to 10 minutes, a message queued through the consumer's
 * `afterCommit` hook is sent right after the commit (the in-process wake-up), while one queued
 * without it waits for a wake-up or the poll.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';
import { wakeDelivery } from './delivery-settings.ts';
import { queueMessage } from './queue-message.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService({ env: { DELIVERY_POLL_INTERVAL_MS: '600000' } });
});

afterAll(async () => {
  await h?.stop();
});

const input = (phone: string) => ({
  sourceId: uuidv7(),
  channel: 'sms' as const,
  recipient: phone,
  templateKey: 'otp-code',
  locale: 'en',
  category: 'security',
  data: h.renderer.sampleData('otp-code'),
});

describe('delivery wake-up', () => {
  it('sends a message queued with afterCommit right after the commit', async () => {
    const after: Array<() => void | Promise<void>> = [];
    const started = Date.now();
    const result = await h.db
      .transaction()
      .execute((trx) => queueMessage(trx, input('+14155550801'), { afterCommit: (fn) => after.push(fn) }));
    expect(after).toHaveLength(1);
    for (const fn of after) await fn();
    await h.waitForMessage(result.messageId, (m) => m.status === 'sent', 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('leaves a message queued without a wake-up until one comes (the poll is 10 minutes)', async () => {
    const result = await h.db.transaction().execute((trx) => queueMessage(trx, input('+14155550802')));
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.message(result.messageId)).status).toBe('queued');
    wakeDelivery();
    await h.waitForMessage(result.messageId, (m) => m.status === 'sent', 5_000);
  });

  it('does not wake anyone for a refused message (nothing to send)', async () => {
    const after: Array<() => void | Promise<void>> = [];
    await h.db
      .insertInto('suppressions')
      .values({
        address: '+14155550803',
        channel: 'sms',
        reason: 'unsubscribed',
        provider: 'twilio',
        message_id: null,
        detail: null,
      })
      .execute();
    const result = await h.db
      .transaction()
      .execute((trx) => queueMessage(trx, input('+14155550803'), { afterCommit: (fn) => after.push(fn) }));
    expect(result.outcome).toBe('suppressed');
    expect(after).toEqual([]);
  });
});
