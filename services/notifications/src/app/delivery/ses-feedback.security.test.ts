/**
 * SES feedback that speaks for more than its message: a bounce or complaint naming other addresses
 * must not suppress them, and an event whose `message_id` tag names an SMS (or a message another
 * provider sent) must not touch it. Applied directly (as the consumer does, in one transaction).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SesFeedback } from '../../domain/delivery/ses-events.ts';
import { applySesFeedback } from './apply-feedback.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService();
});

afterAll(async () => {
  await h?.stop();
});

const apply = (feedback: SesFeedback) => h.db.transaction().execute((trx) => applySesFeedback(trx, feedback));

const suppressionsOf = (addresses: string[]) =>
  h.db.selectFrom('suppressions').selectAll().where('address', 'in', addresses).execute();

async function sentEmail(local: string) {
  const to = h.email.address(local);
  const queued = await h.queue({ channel: 'email', recipient: to });
  const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  return { to, id: queued.messageId, sesMessageId: sent.provider_id as string };
}

const bouncedEvents = async (id: string) =>
  (await h.events('notifications.message.bounced')).filter((e) => e.payload.data.message_id === id);

describe('SES feedback only speaks for the message recipient', () => {
  it('a hard bounce naming extra addresses suppresses only the message recipient', async () => {
    const mail = await sentEmail('bounce-extra');
    const victims = [h.email.address('victim-one'), 'ceo@victim.example'];
    const result = await apply({
      kind: 'bounce',
      sesMessageId: mail.sesMessageId,
      messageTag: mail.id,
      bounceType: 'permanent',
      subType: 'General',
      recipients: [mail.to.toUpperCase(), ...victims],
    });
    expect(result).toMatchObject({ applied: true, suppressed: [mail.to] });
    expect((await suppressionsOf([mail.to, ...victims])).map((s) => s.address)).toEqual([mail.to]);
    expect(await h.message(mail.id)).toMatchObject({ status: 'bounced', failure_code: 'hard_bounce' });
  });

  it('a complaint naming only other addresses changes nothing', async () => {
    const mail = await sentEmail('complaint-other');
    const victims = [h.email.address('victim-two'), 'admin@victim.example'];
    const result = await apply({
      kind: 'complaint',
      sesMessageId: mail.sesMessageId,
      messageTag: mail.id,
      recipients: victims,
    });
    expect(result).toEqual({ applied: false, reason: 'recipient_mismatch' });
    expect(await suppressionsOf([mail.to, ...victims])).toEqual([]);
    expect(await h.message(mail.id)).toMatchObject({ status: 'sent', failure_code: null });
    expect(await bouncedEvents(mail.id)).toEqual([]);
  });
});

describe('the message_id tag fallback', () => {
  it('never finds an SMS: an SES bounce tagged with an SMS id changes nothing', async () => {
    const phone = '+14155550142';
    const queued = await h.queue({ channel: 'sms', recipient: phone });
    await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    const before = await h.message(queued.messageId);
    for (const feedback of [
      {
        kind: 'bounce',
        sesMessageId: 'not-an-ses-id-1',
        messageTag: queued.messageId,
        bounceType: 'permanent',
        subType: 'General',
        recipients: [],
      },
      { kind: 'complaint', sesMessageId: 'not-an-ses-id-2', messageTag: queued.messageId, recipients: [] },
      {
        kind: 'reject',
        sesMessageId: 'not-an-ses-id-3',
        messageTag: queued.messageId,
        reason: 'Bad content',
      },
      { kind: 'delivery', sesMessageId: 'not-an-ses-id-4', messageTag: queued.messageId, recipients: [] },
    ] satisfies SesFeedback[]) {
      expect(await apply(feedback)).toEqual({ applied: false, reason: 'unknown_message' });
    }
    expect(await h.message(queued.messageId)).toEqual(before);
    expect(await suppressionsOf([phone])).toEqual([]);
    expect(await bouncedEvents(queued.messageId)).toEqual([]);
  });

  it('still finds the email message SES sent (its own tag, SES id not matching)', async () => {
    const mail = await sentEmail('tag-fallback');
    const result = await apply({
      kind: 'delivery',
      sesMessageId: 'an-ses-id-we-did-not-record',
      messageTag: mail.id,
      recipients: [mail.to],
    });
    expect(result).toMatchObject({ applied: true });
    expect(await h.message(mail.id)).toMatchObject({ status: 'delivered' });
  });
});
