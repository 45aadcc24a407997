/**
 * SES feedback: delivery, bounce and complaint events published (with the real SNS SDK, in the
 * format SES uses) to `<prefix>-ses-events`, delivered by fauxqs to `<prefix>-notifications-ses-events`,
 * consumed by the service: statuses, the suppression list and the `notifications.message.*` events.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSnsClient, type SnsClient } from '../../providers/aws-clients.ts';
import { publishSesEvent, sesBounce, sesComplaint, sesDelivery } from '../../testing/ses-events.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';

let h: DeliveryHarness;
let sns: SnsClient;
let prefix: string;

beforeAll(async () => {
  h = await startDeliveryService();
  sns = createSnsClient({
    region: h.broker.region,
    endpoint: h.broker.endpoint,
    credentials: h.broker.credentials,
  });
  prefix = h.broker.prefix.replace(/-+$/, '');
  // The consumer is connected once /readyz says so.
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${h.url}/readyz`);
    if (ready.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  sns?.destroy();
  await h?.stop();
});

async function sentEmail(local: string) {
  const to = h.email.address(local);
  const queued = await h.queue({ channel: 'email', recipient: to });
  const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  return { to, id: queued.messageId, sesMessageId: sent.provider_id as string };
}

const eventsOf = async (type: string, id: string) =>
  (await h.events(type)).filter((e) => e.payload.data.message_id === id);

describe('SES feedback', () => {
  it('marks a message delivered on a Delivery event and publishes .delivered', async () => {
    const mail = await sentEmail('delivered');
    await publishSesEvent(
      sns,
      prefix,
      sesDelivery({ sesMessageId: mail.sesMessageId, messageId: mail.id, to: mail.to }),
    );
    const delivered = await h.waitForMessage(mail.id, (m) => m.status === 'delivered');
    expect(delivered.delivered_at).toBeInstanceOf(Date);
    expect(await eventsOf('notifications.message.delivered', mail.id)).toHaveLength(1);
  });

  it('bounces and suppresses an address on a hard bounce; a later send to it is not attempted', async () => {
    const mail = await sentEmail('bounce');
    await publishSesEvent(sns, prefix, sesBounce({ sesMessageId: mail.sesMessageId, to: mail.to }));
    const bounced = await h.waitForMessage(mail.id, (m) => m.status === 'bounced');
    expect(bounced).toMatchObject({ failure_code: 'hard_bounce' });
    expect(
      await h.db.selectFrom('suppressions').selectAll().where('address', '=', mail.to).executeTakeFirst(),
    ).toMatchObject({
      channel: 'email',
      reason: 'hard_bounce',
      provider: 'ses',
      message_id: mail.id,
    });
    const [event] = await eventsOf('notifications.message.bounced', mail.id);
    expect(event?.payload.data).toMatchObject({
      bounce_type: 'permanent',
      suppressed: true,
      channel: 'email',
    });

    const later = await h.queue({ channel: 'email', recipient: mail.to });
    expect(later.outcome).toBe('suppressed');
    await new Promise((r) => setTimeout(r, 400));
    expect(await h.message(later.messageId)).toMatchObject({
      status: 'failed',
      failure_code: 'suppressed',
      attempts: 0,
    });
    expect((await h.email.readInbox()).filter((m) => m.destination.to.includes(mail.to))).toHaveLength(1);
  });

  it('bounces and suppresses an address that complained, even after delivery', async () => {
    const mail = await sentEmail('complaint');
    await publishSesEvent(sns, prefix, sesDelivery({ sesMessageId: mail.sesMessageId, to: mail.to }));
    await h.waitForMessage(mail.id, (m) => m.status === 'delivered');
    await publishSesEvent(sns, prefix, sesComplaint({ sesMessageId: mail.sesMessageId, to: mail.to }));
    await h.waitForMessage(mail.id, (m) => m.status === 'bounced');
    expect(
      await h.db
        .selectFrom('suppressions')
        .select('reason')
        .where('address', '=', mail.to)
        .executeTakeFirst(),
    ).toEqual({
      reason: 'complaint',
    });
    const [event] = await eventsOf('notifications.message.bounced', mail.id);
    expect(event?.payload.data).toMatchObject({ bounce_type: 'complaint', suppressed: true });

    const later = await h.queue({ channel: 'email', recipient: mail.to });
    expect(later.outcome).toBe('suppressed');
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.email.readInbox()).filter((m) => m.destination.to.includes(mail.to))).toHaveLength(1);
  });

  it('records a soft bounce without suppressing the address or changing the status', async () => {
    const mail = await sentEmail('soft');
    await publishSesEvent(
      sns,
      prefix,
      sesBounce({ sesMessageId: mail.sesMessageId, to: mail.to }, 'Transient'),
    );
    for (let i = 0; i < 100 && (await eventsOf('notifications.message.bounced', mail.id)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const [event] = await eventsOf('notifications.message.bounced', mail.id);
    expect(event?.payload.data).toMatchObject({ bounce_type: 'transient', suppressed: false });
    expect((await h.message(mail.id)).status).toBe('sent');
    expect(
      await h.db.selectFrom('suppressions').selectAll().where('address', '=', mail.to).execute(),
    ).toEqual([]);
  });

  it('dead-letters a body that is not an SES event, changing nothing', async () => {
    const before = await h.db.selectFrom('messages').select(['id', 'status']).orderBy('id').execute();
    await publishSesEvent(sns, prefix, { hello: 'world' });
    for (let i = 0; i < 100 && !h.feedback.some((e) => e.kind === 'dead_lettered'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(h.feedback).toContainEqual(
      expect.objectContaining({ kind: 'dead_lettered', reason: 'invalid_message' }),
    );
    expect(await h.db.selectFrom('messages').select(['id', 'status']).orderBy('id').execute()).toEqual(
      before,
    );
  });

  it('applies a redelivered event once (inbox) and publishes one .delivered', async () => {
    const mail = await sentEmail('twice');
    const event = sesDelivery({ sesMessageId: mail.sesMessageId, to: mail.to });
    await publishSesEvent(sns, prefix, event);
    await publishSesEvent(sns, prefix, event);
    await h.waitForMessage(mail.id, (m) => m.status === 'delivered');
    for (let i = 0; i < 100 && h.feedback.filter((e) => e.kind === 'duplicate').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(h.feedback.filter((e) => e.kind === 'duplicate')).toHaveLength(1);
    expect(await eventsOf('notifications.message.delivered', mail.id)).toHaveLength(1);
  });
});
