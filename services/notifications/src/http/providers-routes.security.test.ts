/**
 * `POST /v1/providers/twilio/status`: only a request signed by Twilio (X-Twilio-Signature, HMAC-SHA1
 * with the auth token over the URL and the form parameters, computed by the stand-in as Twilio
 * documents it and checked with the SDK's `validateRequest`) changes a message. Every attack below
 * is answered 403 (or 4xx) and leaves the message, its events and the suppression list as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DeliveryHarness, startDeliveryService } from '../app/delivery/delivery.test-support.ts';
import { twilioSignature } from '../testing/twilio-stand-in.ts';
import { TWILIO_STATUS_PATH } from './providers-routes.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService();
});

afterAll(async () => {
  await h?.stop();
});

async function sentSms(phone: string) {
  const queued = await h.queue({ channel: 'sms', recipient: phone });
  const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  return { id: queued.messageId, sid: sent.provider_id as string };
}

async function snapshot(id: string) {
  return {
    message: await h.message(id),
    events: (await h.events()).filter((e) => e.payload.data.message_id === id).map((e) => e.type),
    suppressions: await h.db.selectFrom('suppressions').selectAll().execute(),
  };
}

const callbackUrl = () => `${h.url}${TWILIO_STATUS_PATH}`;

function post(body: Record<string, string>, headers: Record<string, string>) {
  return fetch(callbackUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
}

describe('Twilio status callback', () => {
  it('moves a message to delivered on a signed "delivered" and publishes .delivered once', async () => {
    const sms = await sentSms('+14155550301');
    expect((await h.twilio.sendStatus(sms.sid, 'sent')).status).toBe(204);
    expect((await h.message(sms.id)).status).toBe('sent');
    const answer = await h.twilio.sendStatus(sms.sid, 'delivered');
    expect(answer.status).toBe(204);
    expect(await h.message(sms.id)).toMatchObject({ status: 'delivered' });
    // Twilio may repeat a callback: nothing more happens.
    expect((await h.twilio.sendStatus(sms.sid, 'delivered')).status).toBe(204);
    const events = (await h.events('notifications.message.delivered')).filter(
      (e) => e.payload.data.message_id === sms.id,
    );
    expect(events).toHaveLength(1);
  });

  it('fails a message reported undelivered, with the error code as reason', async () => {
    const sms = await sentSms('+14155550302');
    expect((await h.twilio.sendStatus(sms.sid, 'undelivered', { errorCode: '30003' })).status).toBe(204);
    expect(await h.message(sms.id)).toMatchObject({ status: 'failed', failure_code: 'undelivered' });
    expect((await h.message(sms.id)).failure_reason).toContain('30003');
  });

  it('refuses a callback without a signature, with a wrong one, or for a tampered body (403, nothing changes)', async () => {
    const sms = await sentSms('+14155550303');
    const before = await snapshot(sms.id);
    const params = {
      AccountSid: h.twilio.accountSid,
      MessageSid: sms.sid,
      MessageStatus: 'delivered',
      To: '+14155550303',
    };
    const good = twilioSignature(h.twilio.authToken, callbackUrl(), params);

    const missing = await post(params, {});
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({
      status: 403,
      type: expect.stringContaining('invalid_signature'),
    });
    expect((await post(params, { 'x-twilio-signature': '' })).status).toBe(403);
    expect((await post(params, { 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).status).toBe(403);
    // Signed with another token (an attacker guessing).
    const forged = twilioSignature('not-the-auth-token-0000', callbackUrl(), params);
    expect((await post(params, { 'x-twilio-signature': forged })).status).toBe(403);
    // A genuine signature replayed over a changed status.
    expect(
      (
        await post(
          { ...params, MessageStatus: 'undelivered', ErrorCode: '21610' },
          { 'x-twilio-signature': good },
        )
      ).status,
    ).toBe(403);
    // A genuine signature for another URL (the status endpoint of another deployment).
    const otherUrl = twilioSignature(
      h.twilio.authToken,
      'https://elsewhere.example/v1/providers/twilio/status',
      params,
    );
    expect((await post(params, { 'x-twilio-signature': otherUrl })).status).toBe(403);

    expect(await snapshot(sms.id)).toEqual(before);
    expect(before.message.status).toBe('sent');

    // The genuine request, for contrast, is accepted.
    expect((await post(params, { 'x-twilio-signature': good })).status).toBe(204);
    expect((await h.message(sms.id)).status).toBe('delivered');
  });

  it('refuses JSON and oversized bodies, and signed requests without a MessageSid', async () => {
    const json = await fetch(callbackUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' },
      body: JSON.stringify({ MessageSid: 'SM0', MessageStatus: 'delivered' }),
    });
    expect(json.status).toBe(415);
    const big = await post({ Body: 'x'.repeat(20_000) }, { 'x-twilio-signature': 'x' });
    expect(big.status).toBe(413);
    const params = { MessageStatus: 'delivered' };
    const signed = await post(params, {
      'x-twilio-signature': twilioSignature(h.twilio.authToken, callbackUrl(), params),
    });
    expect(signed.status).toBe(400);
  });
});
