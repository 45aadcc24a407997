/** Password login against the real service: one generic 401, equal work, events without secrets. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { emailHash } from '../domain/accounts/email.ts';
import { createPasswordHasher } from '../domain/password/index.ts';
import {
  type AccountsHarness,
  createVerifiedUser,
  startAccountsService,
  TEST_AUDIENCE,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

async function comparable(res: Response) {
  const headers = Object.fromEntries(
    [...res.headers.entries()].filter(([name]) => !['x-request-id', 'date', 'traceparent'].includes(name)),
  );
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body: { ...body, request_id: undefined }, headers };
}

describe('POST /v1/login', () => {
  let h: AccountsHarness;
  let email: string;
  let userId: string;

  beforeAll(async () => {
    h = await startAccountsService();
    email = uniqueEmail('login');
    userId = await createVerifiedUser(h, email, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const loginAs = (e: string, password: string, headers: Record<string, string> = {}) =>
    h.post('/v1/login', { email: e, password }, headers);

  it('issues an access token that verifies against the JWKS, with sub, sid, amr, auth_time', async () => {
    const res = await loginAs(email.toUpperCase(), PASSWORD, { 'user-agent': 'jest-agent/1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      // Opaque, 256 bits, base64url (see the refresh-token tests).
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
    });
    const jwks = createRemoteJWKSet(new URL(h.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(body.access_token as string, jwks, {
      issuer: h.issuer,
      audience: TEST_AUDIENCE,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: userId, client_id: 'platform', sid: body.session_id, amr: ['pwd'] });
    expect(Math.abs((payload.auth_time as number) - Date.now() / 1000)).toBeLessThan(60);

    const session = await h.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', body.session_id as string)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({ user_id: userId, user_agent: 'jest-agent/1', revoked_at: null });
    expect(session.ip).toMatch(/127\.0\.0\.1/);

    const event = (await h.outbox()).find(
      (r) => r.type === 'identity.login.succeeded' && r.payload.data.session_id === body.session_id,
    );
    expect(event?.payload.data).toEqual({
      user_id: userId,
      session_id: body.session_id,
      client_id: 'platform',
      amr: ['pwd'],
      ip: '127.0.0.1',
      user_agent: 'jest-agent/1',
      new_device: true,
    });
  });

  it('answers an unknown user and a wrong password identically', async () => {
    const unknown = await comparable(await loginAs(uniqueEmail('nobody'), PASSWORD));
    const wrong = await comparable(await loginAs(email, `${PASSWORD}x`));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'invalid_credentials' });
    expect(wrong).toEqual(unknown);
  });

  it('costs an unknown user the same hash work as a wrong password', async () => {
    const time = async (e: string) => {
      const start = performance.now();
      await (await loginAs(e, 'some wrong password')).text();
      return performance.now() - start;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time(email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
    // The right password resets the account's failure count for the next tests.
    expect((await loginAs(email, PASSWORD)).status).toBe(200);
  });

  it('answers an unverified and a disabled account with the same 401 (right password)', async () => {
    const reference = await comparable(await loginAs(uniqueEmail('nobody'), PASSWORD));
    const unverified = uniqueEmail('unverified');
    await h.post('/v1/signup', { email: unverified, password: PASSWORD });
    expect(await comparable(await loginAs(unverified, PASSWORD))).toEqual(reference);

    const disabled = uniqueEmail('disabled');
    await createVerifiedUser(h, disabled, PASSWORD);
    await h.db.updateTable('users').set({ status: 'disabled' }).where('email', '=', disabled).execute();
    expect(await comparable(await loginAs(disabled, PASSWORD))).toEqual(reference);

    const reasons = (await h.outbox())
      .filter((r) => r.type === 'identity.login.failed')
      .map((r) => r.payload.data.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['unknown_user', 'bad_password', 'unverified', 'disabled']),
    );
  });

  it('publishes failed logins with email_hash, never the email or the password', async () => {
    const secret = 'the attempted password 5521';
    const target = uniqueEmail('probe');
    await loginAs(target, secret);
    const events = (await h.outbox()).filter((r) => r.kind === 'event');
    const failed = events.find(
      (r) => r.type === 'identity.login.failed' && r.payload.data.email_hash === emailHash(target),
    );
    expect(failed?.payload.data).toMatchObject({ reason: 'unknown_user', ip: '127.0.0.1' });
    for (const row of events) {
      const text = JSON.stringify(row.payload);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(target);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./); // no JWT
    }
  });

  it('upgrades an old hash at the next successful login', async () => {
    const weak = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1, outputLen: 32 });
    const legacy = uniqueEmail('legacy');
    await createVerifiedUser(h, legacy, PASSWORD);
    await h.db
      .updateTable('users')
      .set({ password_hash: await weak.hashPassword(PASSWORD) })
      .where('email', '=', legacy)
      .execute();
    expect((await loginAs(legacy, PASSWORD)).status).toBe(200);
    const row = await h.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', legacy)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toContain('$m=19456,t=2,p=1$');
    expect((await loginAs(legacy, PASSWORD)).status).toBe(200);
  });
});
