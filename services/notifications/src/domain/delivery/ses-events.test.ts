import { describe, expect, it } from '@jest/globals';
import { sesBounce, sesComplaint, sesDelivery } from '../../testing/ses-events.ts';
import { parseSesEvent } from './ses-events.ts';

const ref = {
  sesMessageId: '0100019370-ses',
  messageId: '01939f8e-0000-7000-8000-000000000001',
  to: 'ada@example.test',
};

describe('parseSesEvent', () => {
  it('reads Delivery, hard and soft Bounce and Complaint events with the message tag', () => {
    expect(parseSesEvent(JSON.stringify(sesDelivery(ref)))).toEqual({
      ok: true,
      feedback: {
        kind: 'delivery',
        sesMessageId: ref.sesMessageId,
        messageTag: ref.messageId,
        recipients: [ref.to],
      },
    });
    expect(parseSesEvent(JSON.stringify(sesBounce(ref)))).toMatchObject({
      ok: true,
      feedback: { kind: 'bounce', bounceType: 'permanent', subType: 'General', recipients: [ref.to] },
    });
    expect(parseSesEvent(JSON.stringify(sesBounce(ref, 'Transient')))).toMatchObject({
      ok: true,
      feedback: { kind: 'bounce', bounceType: 'transient' },
    });
    expect(parseSesEvent(JSON.stringify(sesComplaint(ref)))).toMatchObject({
      ok: true,
      feedback: { kind: 'complaint', recipients: [ref.to] },
    });
  });

  it('unwraps an SNS envelope (a subscription without raw delivery) and reads the older notificationType', () => {
    const envelope = { Type: 'Notification', MessageId: 'x', Message: JSON.stringify(sesDelivery(ref)) };
    expect(parseSesEvent(JSON.stringify(envelope))).toMatchObject({
      ok: true,
      feedback: { kind: 'delivery' },
    });
    const { eventType: _e, ...rest } = sesBounce(ref);
    expect(parseSesEvent(JSON.stringify({ notificationType: 'Bounce', ...rest }))).toMatchObject({
      ok: true,
      feedback: { kind: 'bounce' },
    });
  });

  it('ignores other SES events and refuses what is not one', () => {
    expect(parseSesEvent(JSON.stringify({ ...sesDelivery(ref), eventType: 'Open' }))).toEqual({
      ok: true,
      feedback: { kind: 'ignored', eventType: 'Open' },
    });
    expect(parseSesEvent('not json')).toEqual({ ok: false, reason: 'not_json' });
    expect(parseSesEvent('[]')).toEqual({ ok: false, reason: 'not_an_object' });
    expect(parseSesEvent('{"eventType":"Delivery"}')).toEqual({ ok: false, reason: 'no_mail_message_id' });
    expect(parseSesEvent(JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'm' } }))).toEqual({
      ok: false,
      reason: 'no_bounce',
    });
  });
});
