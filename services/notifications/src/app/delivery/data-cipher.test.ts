import { describe, expect, it } from '@jest/globals';
import { createDataCipher } from './data-cipher.ts';
import { deliveryConfigProblems, deliveryProductionRules } from './delivery-config.ts';

const key = Buffer.alloc(32, 3).toString('base64');

describe('template data encryption (AES-256-GCM)', () => {
  it('round-trips, hides the plaintext, and uses a fresh nonce each time', () => {
    const cipher = createDataCipher(key);
    const data = { code: '123456', link: 'https://x.test/?t=secret' };
    const a = cipher.encrypt('m1', data);
    const b = cipher.encrypt('m1', data);
    expect(Buffer.from(a).toString('latin1')).not.toContain('123456');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(cipher.decrypt('m1', a)).toEqual(data);
  });

  it('refuses a ciphertext moved to another message, altered, or under another key', () => {
    const cipher = createDataCipher(key);
    const sealed = cipher.encrypt('m1', { code: '1' });
    expect(() => cipher.decrypt('m2', sealed)).toThrow(
      expect.objectContaining({ code: 'data_undecryptable' }),
    );
    const altered = Buffer.from(sealed);
    altered[14] = (altered[14] ?? 0) ^ 1;
    expect(() => cipher.decrypt('m1', altered)).toThrow(
      expect.objectContaining({ code: 'data_undecryptable' }),
    );
    expect(() => createDataCipher(undefined).decrypt('m1', sealed)).toThrow(
      expect.objectContaining({ code: 'data_undecryptable' }),
    );
  });
});

describe('delivery settings', () => {
  const base = {
    NODE_ENV: 'production' as const,
    MESSAGE_DATA_ENCRYPTION_KEY: key,
    EMAIL_FROM: 'Acme <no-reply@acme.example>',
    DEV_OUTBOX: false,
    DELIVERY_LEASE_MS: 60_000,
    PROVIDER_TIMEOUT_MS: 10_000,
  };

  it('refuses in production: no data key, the dev outbox, the default sender, plain-http Twilio URLs', () => {
    expect(deliveryProductionRules(base)).toEqual([]);
    const issues = deliveryProductionRules({
      ...base,
      MESSAGE_DATA_ENCRYPTION_KEY: undefined,
      DEV_OUTBOX: true,
      EMAIL_FROM: 'Authplatform <no-reply@authplatform.localhost>',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9999',
      TWILIO_STATUS_CALLBACK_URL: 'http://notifications/v1/providers/twilio/status',
    });
    expect(issues.map((i) => i.split(':')[0])).toEqual([
      'MESSAGE_DATA_ENCRYPTION_KEY',
      'DEV_OUTBOX',
      'EMAIL_FROM',
      'TWILIO_API_BASE_URL',
      'TWILIO_STATUS_CALLBACK_URL',
    ]);
  });

  it('refuses a partial Twilio configuration and a lease shorter than two provider timeouts', () => {
    expect(deliveryConfigProblems({ ...base, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toHaveLength(1);
    expect(deliveryConfigProblems({ ...base, DELIVERY_LEASE_MS: 15_000 })).toHaveLength(1);
    expect(deliveryConfigProblems(base)).toEqual([]);
  });
});
