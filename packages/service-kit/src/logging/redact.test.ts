import { describe, expect, it } from '@jest/globals';
import { redact } from './redact.ts';
import { REDACTED } from './scrub.ts';
import { isSensitiveKey } from './sensitive-keys.ts';

const SECRET = 'S3cr3t-value-that-must-not-leak';

describe('sensitive names', () => {
  it.each([
    // passwords
    'password',
    'Password',
    'PASSWORD',
    'new_password',
    'currentPassword',
    'password-confirmation',
    'passwd',
    'pwd',
    'passphrase',
    // tokens
    'token',
    'access_token',
    'accessToken',
    'refresh-token',
    'id_token',
    'idToken',
    'bearer',
    'bearer_token',
    'x-auth-token',
    'csrfToken',
    'jwt',
    // codes
    'code',
    'otp',
    'otp_code',
    'totp',
    'verificationCode',
    'email_verification_code',
    'recovery_codes',
    'user_code',
    'device_code',
    'code_verifier',
    'smsOtp',
    // secrets and keys
    'secret',
    'client_secret',
    'clientSecret',
    'webhookSecret',
    'api_key',
    'apiKey',
    'x-api-key',
    'APIKEY',
    'private_key',
    'privateKey',
    'signing_key',
    'encryption-key',
    'signature',
    'webhook-signature',
    'credentials',
    // headers
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
  ])('%s is sensitive', (name) => {
    expect(isSensitiveKey(name)).toBe(true);
    expect(redact({ [name]: SECRET })).toEqual({ [name]: REDACTED });
  });

  it.each([
    'email',
    'user_id',
    'request_id',
    'trace_id',
    'status_code',
    'statusCode',
    'error_code',
    'zip_code',
    'country_code',
    'idempotency_key',
    'cache_key',
    'kid',
    'footprint',
    'passkey_id',
    'author',
    'method',
    'path',
    'route',
    'duration_ms',
    'ip',
    'user_agent',
    'client_id',
    'sid',
    'jti',
    'scope',
  ])('%s is not sensitive', (name) => {
    expect(isSensitiveKey(name)).toBe(false);
    expect(redact({ [name]: 'visible' })).toEqual({ [name]: 'visible' });
  });
});

describe('redact', () => {
  it('redacts nested objects and arrays of objects, any value type', () => {
    const input = {
      user: { email: 'a@example.com', credentials: { password: SECRET, otp: 123456 } },
      headers: {
        authorization: `Bearer ${SECRET}`,
        'content-type': 'application/json',
        Cookie: ['a=b', 'c=d'],
      },
      clients: [
        { client_id: 'c1', client_secret: SECRET },
        { client_id: 'c2', secret: { nested: true } },
      ],
      tokens: [SECRET, SECRET],
    };
    expect(redact(input)).toEqual({
      user: { email: 'a@example.com', credentials: REDACTED },
      headers: { authorization: REDACTED, 'content-type': 'application/json', Cookie: REDACTED },
      clients: [
        { client_id: 'c1', client_secret: REDACTED },
        { client_id: 'c2', secret: REDACTED },
      ],
      tokens: REDACTED,
    });
  });

  it('leaves null and undefined visible: their absence is no secret', () => {
    expect(redact({ password: null, token: undefined })).toEqual({ password: null, token: undefined });
  });

  it('never mutates the input', () => {
    const input = { password: SECRET, nested: { token: SECRET, list: [{ code: '1234' }] } };
    const copy = structuredClone(input);
    redact(input);
    expect(input).toEqual(copy);
  });

  it('turns errors into plain objects, redacting their fields, messages, stacks and causes', () => {
    const root = Object.assign(new Error(`connect failed for postgres://app:${SECRET}@db/identity`), {
      code: 'ECONNREFUSED',
      password: SECRET,
    });
    const error = Object.assign(new Error(`login failed password=${SECRET}`, { cause: root }), {
      code: 'login_failed',
      status: 401,
      request: { headers: { authorization: `Bearer ${SECRET}` } },
    });
    const out = redact({ err: error }) as { err: Record<string, unknown> };
    const text = JSON.stringify(out);
    expect(text).not.toContain(SECRET);
    expect(out.err).toMatchObject({
      name: 'Error',
      message: `login failed password=${REDACTED}`,
      code: 'login_failed',
      status: 401,
      request: { headers: { authorization: REDACTED } },
      cause: { name: 'Error', code: 'ECONNREFUSED', password: REDACTED },
    });
    expect(String(out.err.stack)).toContain('login failed password=[REDACTED]');
    expect((out.err.cause as { message: string }).message).toBe(
      `connect failed for postgres://app:${REDACTED}@db/identity`,
    );
  });

  it('keeps the machine code of an error already described as a plain object, not other codes', () => {
    const described = {
      name: 'Error',
      message: 'connect ECONNREFUSED',
      code: 'ECONNREFUSED',
      stack: 'Error: …',
    };
    expect(redact({ err: described })).toEqual({ err: described });
    expect(redact({ message: 'enter the code', code: '123456' })).toEqual({
      message: 'enter the code',
      code: REDACTED,
    });
  });

  it('redacts inside AggregateErrors and non-Error causes', () => {
    const error = new AggregateError([new Error(`token=${SECRET}`)], 'many', { cause: { api_key: SECRET } });
    expect(JSON.stringify(redact(error))).not.toContain(SECRET);
  });

  it('handles circular references and shared objects', () => {
    const shared = { token: SECRET, name: 'shared' };
    const a: Record<string, unknown> = { name: 'a', shared, again: shared };
    a.self = a;
    a.list = [a, { back: a }];
    expect(redact(a)).toEqual({
      name: 'a',
      shared: { token: REDACTED, name: 'shared' },
      again: { token: REDACTED, name: 'shared' },
      self: '[Circular]',
      list: ['[Circular]', { back: '[Circular]' }],
    });
    const error = new Error('loop') as Error & { cause?: unknown };
    error.cause = error;
    expect((redact(error) as { cause: unknown }).cause).toBe('[Circular]');
  });

  it('cuts off very deep structures instead of overflowing', () => {
    let deep: Record<string, unknown> = { password: SECRET };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    const text = JSON.stringify(redact(deep));
    expect(text).toContain('[Truncated]');
    expect(text).not.toContain(SECRET);
  });

  it('serialises Maps, Sets, Dates, URLs, buffers, bigints and toJSON objects safely', () => {
    const out = redact({
      map: new Map<string, unknown>([
        ['password', SECRET],
        ['plain', 'x'],
      ]),
      set: new Set([`Bearer ${SECRET}`]),
      at: new Date('2026-01-02T03:04:05.000Z'),
      url: new URL(`https://user:${SECRET}@example.com/cb?code=${SECRET}&state=s`),
      body: Buffer.from(SECRET),
      big: 10n,
      custom: { toJSON: () => ({ refresh_token: SECRET, kind: 'custom' }) },
      fn: function named() {},
    });
    expect(out).toEqual({
      map: { password: REDACTED, plain: 'x' },
      set: [`Bearer ${REDACTED}`],
      at: '2026-01-02T03:04:05.000Z',
      url: `https://user:${REDACTED}@example.com/cb?code=${REDACTED}&state=s`,
      body: `[Binary ${SECRET.length} bytes]`,
      big: '10',
      custom: { refresh_token: REDACTED, kind: 'custom' },
      fn: '[Function named]',
    });
  });

  it('survives getters that throw', () => {
    const tricky = Object.defineProperty({ ok: 1 }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(redact(tricky)).toEqual({ ok: 1, boom: '[Unreadable]' });
  });
});
