import { describe, expect, it } from '@jest/globals';
import { readClientCredentials } from './client-auth.ts';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('readClientCredentials', () => {
  it('reads client_secret_basic, form-decoding id and secret (RFC 6749 §2.3.1)', () => {
    expect(readClientCredentials(basic('cl_1:a%3Ab+c'), {})).toEqual({
      ok: true,
      credentials: { method: 'client_secret_basic', clientId: 'cl_1', clientSecret: 'a:b c' },
    });
  });

  it('reads client_secret_post', () => {
    expect(readClientCredentials(undefined, { client_id: 'cl_1', client_secret: 's' })).toEqual({
      ok: true,
      credentials: { method: 'client_secret_post', clientId: 'cl_1', clientSecret: 's' },
    });
  });

  it('refuses both methods at once, and a client_id that contradicts Basic', () => {
    expect(readClientCredentials(basic('cl_1:s'), { client_secret: 's' })).toMatchObject({
      error: 'invalid_request',
    });
    expect(readClientCredentials(basic('cl_1:s'), { client_id: 'cl_2' })).toMatchObject({
      error: 'invalid_request',
    });
  });

  it('answers invalid_client for missing or malformed credentials', () => {
    for (const [header, params] of [
      [undefined, {}],
      [undefined, { client_id: 'cl_1' }],
      ['Bearer x', {}],
      [basic('no-colon'), {}],
      [basic(':secret'), {}],
      [basic('cl_1:%E0%A4%A'), {}],
      [basic(`cl_1:${'x'.repeat(600)}`), {}],
    ] as const) {
      expect(readClientCredentials(header, params)).toMatchObject({ ok: false, error: 'invalid_client' });
    }
  });
});
