/**
 * DEV_OUTBOX=true: SMS go to the dev outbox (readable at GET /v1/dev/outbox, the only place the code
 * appears), never to Twilio; the route does not exist otherwise, and production refuses the setting.
 */

import { loadConfig, serviceConfigSchema } from '@authplatform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type DeliveryHarness,
  deliveryService,
  startDeliveryService,
} from '../app/delivery/delivery.test-support.ts';
import { deliveryProductionRules } from '../app/delivery/delivery-config.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService({ env: { DEV_OUTBOX: 'true' } });
});

afterAll(async () => {
  await h?.stop();
});

describe('dev outbox', () => {
  it('captures an SMS with its text instead of calling Twilio', async () => {
    const calls = h.twilio.calls();
    const queued = await h.queue({
      channel: 'sms',
      recipient: '+14155550701',
      data: { ...h.renderer.sampleData('otp-code'), code: '615243' },
    });
    const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    expect(sent).toMatchObject({ provider: 'dev-outbox', data_ciphertext: null });
    expect(h.twilio.calls()).toBe(calls);

    const answer = await h.get('/v1/dev/outbox?recipient=%2B14155550701');
    expect(answer.status).toBe(200);
    const { items } = (await answer.json()) as {
      items: Array<{ message_id: string; body: string; id: string }>;
    };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ message_id: queued.messageId, id: sent.provider_id });
    expect(items[0]?.body).toContain('615243');
    // The messages table still holds no code.
    expect(JSON.stringify(await h.message(queued.messageId))).not.toContain('615243');
  });

  it('does not send email to the dev outbox (email goes to the SES emulator)', async () => {
    const to = h.email.address('dev');
    const queued = await h.queue({ channel: 'email', recipient: to });
    await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
    expect((await h.message(queued.messageId)).provider).toBe('ses');
    await h.email.waitForEmail((m) => m.destination.to.includes(to));
  });
});

describe('DEV_OUTBOX off or in production', () => {
  it('is refused in production', () => {
    const schema = serviceConfigSchema(deliveryService({ renderer: h.renderer }));
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      DEV_OUTBOX: 'true',
      MESSAGE_DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      EMAIL_FROM: 'Acme <no-reply@acme.example>',
    };
    expect(() =>
      loadConfig(schema, {
        env,
        envFile: false,
        productionRules: deliveryProductionRules as (cfg: unknown) => string[],
      }),
    ).toThrow(/DEV_OUTBOX/);
    expect(() =>
      loadConfig(schema, {
        env: { ...env, DEV_OUTBOX: 'false' },
        envFile: false,
        productionRules: deliveryProductionRules as (cfg: unknown) => string[],
      }),
    ).not.toThrow();
  });
});
