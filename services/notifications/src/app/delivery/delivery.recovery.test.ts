/**
 * Recovery: a worker that claimed a message and died (its lease runs out) does not strand it —
 * another claim sends it once, and the dead worker's late outcome is not recorded; SES feedback that
 * arrives before the send is recorded is retried, not lost.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { claimDueMessages, recordOutcome } from '../../store/messages/messages-store.ts';
import { applySesFeedback, FeedbackTooEarlyError } from './apply-feedback.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';
import { queueMessage } from './queue-message.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  // A long poll, so only the lease's end (seen by the poll below) or a wake-up sends anything.
  h = await startDeliveryService({ env: { DELIVERY_POLL_INTERVAL_MS: '200' } });
});

afterAll(async () => {
  await h?.stop();
});

describe('a worker that died holding a claim', () => {
  it('loses the message to another worker once its lease ends; the message is sent once', async () => {
    const phone = '+14155550901';
    // Queued and claimed (lease 1 s) in one transaction, as a worker that will never finish: no other
    // worker can see the message before the claim.
    const { messageId, dead } = await h.db.transaction().execute(async (trx) => {
      const queued = await queueMessage(trx, {
        sourceId: uuidv7(),
        channel: 'sms',
        recipient: phone,
        templateKey: 'otp-code',
        locale: 'en',
        category: 'security',
        data: h.renderer.sampleData('otp-code'),
      });
      const claimed = await claimDueMessages(trx, 50, 1_000);
      return { messageId: queued.messageId, dead: claimed.find((m) => m.id === queued.messageId) };
    });
    if (dead === undefined) throw new Error('the message was not claimed');
    expect((await h.message(messageId)).status).toBe('queued');
    const sent = await h.waitForMessage(messageId, (m) => m.status === 'sent', 10_000);
    expect(sent.attempts).toBe(2);
    expect(h.twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    // The dead worker comes back and tries to record its outcome: refused, nothing changes.
    const late = await recordOutcome(
      h.db,
      { id: dead.id, attempts: dead.attempts },
      {
        kind: 'failed',
        provider: 'twilio',
        failureCode: 'provider_rejected',
        failureReason: 'late',
      },
    );
    expect(late).toBeUndefined();
    expect((await h.message(messageId)).status).toBe('sent');
  });
});

describe('SES feedback before the send is recorded', () => {
  it('is refused as too early (the consumer retries it) and applies once the message is sent', async () => {
    const to = h.email.address('early');
    // Not due for an hour, set in the queueing transaction so no worker ever sees it due.
    const { messageId } = await h.db.transaction().execute(async (trx) => {
      const queued = await queueMessage(trx, {
        sourceId: uuidv7(),
        channel: 'email',
        recipient: to,
        templateKey: 'otp-code',
        locale: 'en',
        category: 'security',
        data: h.renderer.sampleData('otp-code'),
      });
      await sql`update messages set next_attempt_at = now() + interval '1 hour' where id = ${queued.messageId}`.execute(
        trx,
      );
      return queued;
    });
    const feedback = {
      kind: 'delivery' as const,
      sesMessageId: 'not-recorded-yet',
      messageTag: messageId,
      recipients: [to],
    };
    await expect(h.db.transaction().execute((trx) => applySesFeedback(trx, feedback))).rejects.toBeInstanceOf(
      FeedbackTooEarlyError,
    );
    expect((await h.message(messageId)).status).toBe('queued');

    await sql`update messages set next_attempt_at = now() where id = ${messageId}`.execute(h.db);
    const sent = await h.waitForMessage(messageId, (m) => m.status === 'sent');
    const applied = await h.db
      .transaction()
      .execute((trx) => applySesFeedback(trx, { ...feedback, sesMessageId: sent.provider_id as string }));
    expect(applied).toMatchObject({ applied: true });
    expect((await h.message(messageId)).status).toBe('delivered');
  });
});
