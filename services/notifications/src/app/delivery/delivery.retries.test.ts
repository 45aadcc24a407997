/**
 * Transient provider errors are retried with backoff until the provider accepts (or the attempts
 * run out); permanent errors fail the message at once after one attempt. Twilio errors come from the
 * stand-in through the real SDK; SES errors from a proxy in front of aws-ses-v2-local that answers
 * the next calls with 503 / throttling / MessageRejected, as SES's API does.
 */

import { testEmail } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FaultProxy, startFaultProxy } from '../../testing/fault-proxy.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';

let h: DeliveryHarness;
let ses: FaultProxy;

beforeAll(async () => {
  ses = await startFaultProxy(testEmail().endpoint);
  h = await startDeliveryService({ env: { SES_ENDPOINT_URL: ses.url, DELIVERY_MAX_ATTEMPTS: '4' } });
});

afterAll(async () => {
  await h?.stop();
  await ses?.close();
});

const attemptsOf = (h: DeliveryHarness, id: string) =>
  h.db.selectFrom('message_attempts').selectAll().where('message_id', '=', id).orderBy('attempt').execute();

describe('transient errors', () => {
  it('retries an SMS after Twilio answers 429 and 503, then sends it once', async () => {
    h.twilio.failNext([
      { status: 429, code: 20429, message: 'Too Many Requests' },
      { status: 503, code: 20503, message: 'Service unavailable' },
    ]);
    const queued = await h.queue({ channel: 'sms', recipient: '+14155550201' });
    const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    expect(sent.attempts).toBe(3);
    const attempts = await attemptsOf(h, queued.messageId);
    expect(attempts.map((a) => [a.outcome, a.error_code])).toEqual([
      ['transient_error', '20429'],
      ['transient_error', '20503'],
      ['sent', null],
    ]);
    expect(h.twilio.messages.filter((m) => m.to === '+14155550201')).toHaveLength(1);
    // Backoff: each retry waited for its not-before time.
    expect(attempts[1]?.started_at.getTime()).toBeGreaterThanOrEqual(attempts[0]?.finished_at.getTime() ?? 0);
    expect(await h.events('notifications.message.failed')).toEqual([]);
  });

  it('retries an email after SES answers 503 and throttles, then sends it once', async () => {
    ses.failNext([
      { status: 503, errorType: 'ServiceUnavailable' },
      { status: 429, errorType: 'TooManyRequestsException' },
    ]);
    const to = h.email.address('retry');
    const queued = await h.queue({ channel: 'email', recipient: to });
    const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    expect(sent.attempts).toBe(3);
    const attempts = await attemptsOf(h, queued.messageId);
    expect(attempts.map((a) => [a.outcome, a.error_code])).toEqual([
      ['transient_error', 'ServiceUnavailable'],
      ['transient_error', 'TooManyRequestsException'],
      ['sent', null],
    ]);
    await h.email.waitForEmail((m) => m.destination.to.includes(to));
    expect((await h.email.readInbox()).filter((m) => m.destination.to.includes(to))).toHaveLength(1);
  });

  it('fails the message after the last attempt (DELIVERY_MAX_ATTEMPTS) and publishes .failed once', async () => {
    h.twilio.failNext(Array.from({ length: 4 }, () => ({ status: 500, code: 20500 })));
    const queued = await h.queue({ channel: 'sms', recipient: '+14155550202' });
    const failed = await h.waitForMessage(queued.messageId, (m) => m.status === 'failed');
    expect(failed).toMatchObject({ attempts: 4, failure_code: 'retries_exhausted', data_ciphertext: null });
    expect((await attemptsOf(h, queued.messageId)).map((a) => a.outcome)).toEqual([
      'transient_error',
      'transient_error',
      'transient_error',
      'transient_error',
    ]);
    const events = (await h.events('notifications.message.failed')).filter(
      (e) => e.payload.data.message_id === queued.messageId,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.data).toMatchObject({ channel: 'sms', template: 'otp-code', attempts: 4 });
    expect(h.twilio.messages.filter((m) => m.to === '+14155550202')).toHaveLength(0);
  });
});

describe('permanent errors', () => {
  it('fails an SMS at once, after one attempt, when Twilio refuses the request', async () => {
    h.twilio.failFor('+14155550203', {
      status: 400,
      code: 21614,
      message: "'To' number is not a valid mobile number",
    });
    const queued = await h.queue({ channel: 'sms', recipient: '+14155550203' });
    const failed = await h.waitForMessage(queued.messageId, (m) => m.status === 'failed');
    expect(failed).toMatchObject({ attempts: 1, failure_code: 'provider_rejected', provider: 'twilio' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await attemptsOf(h, queued.messageId)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'permanent_error', error_code: '21614' }),
    ]);
    expect((await h.message(queued.messageId)).attempts).toBe(1);
    const event = (await h.events('notifications.message.failed')).find(
      (e) => e.payload.data.message_id === queued.messageId,
    );
    expect(event?.payload.data).toMatchObject({ attempts: 1, reason: expect.stringContaining('21614') });
  });

  it('fails an email at once when SES rejects it (MessageRejected)', async () => {
    ses.failNext([{ status: 400, errorType: 'MessageRejected' }]);
    const calls = ses.calls();
    const queued = await h.queue({ channel: 'email', recipient: h.email.address('rejected') });
    const failed = await h.waitForMessage(queued.messageId, (m) => m.status === 'failed');
    expect(failed).toMatchObject({ attempts: 1, failure_code: 'provider_rejected' });
    await new Promise((r) => setTimeout(r, 300));
    expect(ses.calls() - calls).toBe(1);
  });

  it('suppresses a number whose owner replied STOP (Twilio 21610); a later code to it is not attempted', async () => {
    const phone = '+14155550204';
    h.twilio.failFor(phone, {
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    const first = await h.queue({ channel: 'sms', recipient: phone });
    await h.waitForMessage(first.messageId, (m) => m.status === 'failed');
    const entry = await h.db
      .selectFrom('suppressions')
      .selectAll()
      .where('address', '=', phone)
      .executeTakeFirst();
    expect(entry).toMatchObject({
      channel: 'sms',
      reason: 'unsubscribed',
      provider: 'twilio',
      message_id: first.messageId,
    });

    const calls = h.twilio.calls();
    const second = await h.queue({ channel: 'sms', recipient: phone });
    expect(second.outcome).toBe('suppressed');
    expect(await h.message(second.messageId)).toMatchObject({
      status: 'failed',
      failure_code: 'suppressed',
      attempts: 0,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.twilio.calls()).toBe(calls);
  });
});
