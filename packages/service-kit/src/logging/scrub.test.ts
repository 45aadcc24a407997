import { describe, expect, it } from '@jest/globals';
import { REDACTED, scrubString } from './scrub.ts';

const JWT =
  'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSIsImV4cCI6MTl9.MEUCIQDx_abc-123_def';

describe('scrubString: secrets inside free text', () => {
  it.each([
    ['Bearer credentials', 'rejected Authorization Bearer abcDEF123._~+/= from client', 'abcDEF123'],
    ['Basic credentials', 'header was Basic dXNlcjpodW50ZXIy', 'dXNlcjpodW50ZXIy'],
    ['a JWT', `token ${JWT} expired`, 'eyJ'],
    ['a JWT in a URL', `https://app.example/cb#id_token=${JWT}`, 'eyJ'],
    ['an unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJ'],
    ['password=', 'POST /login?user=alice&password=hunter2&remember=1', 'hunter2'],
    ['Password= with other case', 'form: Password=hunter2', 'hunter2'],
    ['code=', 'GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', 'SplxlOBeZQQYbYS6WxSbIA'],
    ['access_token=', 'access_token=2YotnFZFEjr1zCsicMWpAA&token_type=example', '2YotnFZFEjr1zCsicMWpAA'],
    ['client_secret=', 'grant_type=client_credentials&client_secret=s3cr3tvalue', 's3cr3tvalue'],
    ['otp=', 'verify otp=482913 for user', '482913'],
    ['api_key=', 'https://api.example/x?api_key=AKIA1234567890', 'AKIA1234567890'],
    ['a cookie header line', 'Cookie: sid=abc123; theme=dark', 'abc123'],
    ['a set-cookie header line', 'set-cookie: refresh=xyz789; HttpOnly', 'xyz789'],
    ['a URL password', 'connecting to postgres://app:hunter2@db:5432/identity', 'hunter2'],
    ['a JSON password', '{"email":"a@b.c","password":"hunter2"}', 'hunter2'],
    ['an inspected secret', "{ client_secret: 'hunter2', id: 1 }", 'hunter2'],
    [
      'a PEM private key',
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----',
      'MIGHAgEA',
    ],
    ['a truncated PEM key', 'key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBx', 'MHcCAQEEIBx'],
  ])('scrubs %s', (_what, text, secret) => {
    const out = scrubString(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps the shape of the text around the secret', () => {
    expect(scrubString('GET /callback?code=abc123&state=xyz')).toBe(
      `GET /callback?code=${REDACTED}&state=xyz`,
    );
    expect(scrubString('{"password":"hunter2","email":"a@b.c"}')).toBe(
      `{"password":"${REDACTED}","email":"a@b.c"}`,
    );
    expect(scrubString('Authorization: Bearer abcdefgh12345')).toBe(`Authorization: ${REDACTED}`);
  });

  it.each([
    'user alice logged in from 10.0.0.1',
    'GET /v1/users?limit=50&cursor=abc&status=active',
    'status_code=500 error_code=token_expired',
    'https://example.com/path?state=xyz&redirect_uri=https%3A%2F%2Fapp',
    '{"email":"a@b.c","name":"Alice"}',
    'Bearer token missing',
    'postgres://db:5432/identity',
  ])('leaves non-secrets alone: %s', (text) => {
    expect(scrubString(text)).toBe(text);
  });
});

describe('scrubString: hostile input', () => {
  it.each([
    ['dotted words', 'a.'.repeat(200_000)],
    ['unterminated quoted values', "x:'".repeat(100_000)],
    ['pairs without values', 'password='.repeat(100_000)],
    ['scheme-like runs', 'ab+'.repeat(100_000)],
    ['endless base64url', `eyJ${'A'.repeat(300_000)}`],
  ])('stays fast and bounded on %s', (_what, text) => {
    const started = performance.now();
    const out = scrubString(text);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(out.length).toBeLessThan(40_000);
  });

  it('scrubs a secret in the part it keeps of a long string', () => {
    const out = scrubString(`password=hunter2 ${'x'.repeat(100_000)}`);
    expect(out).not.toContain('hunter2');
    expect(out).toMatch(/…\[67\d{3} more characters\]$/);
  });
});
