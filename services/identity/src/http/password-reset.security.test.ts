/**
 * Password reset against the real service: equal answers for unknown addresses, single-use,
 * expiring and superseded tokens, every session ended, the lockout lifted, secrets only in commands.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { hashToken } from '../domain/credentials/tokens.ts';
import {
  allCommandTokens,
  type CredentialsHarness,
  createVerifiedUser,
  linkTokenFor,
  liveSessions,
  startCredentialsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
const NEW_PASSWORD = 'a brand new passphrase 1984';
const THRESHOLD = 3;

/** Status, body and headers of a response, minus what differs per request. */
async function comparable(res: Response) {
  const headers = Object.fromEntries(
    [...res.headers.entries()].filter(([name]) => !['x-request-id', 'date', 'traceparent'].includes(name)),
  );
  return { status: res.status, body: await res.text(), headers };
}

describe('password reset', () => {
  let h: CredentialsHarness;

  beforeAll(async () => {
    h = await startCredentialsService({ LOCKOUT_THRESHOLD: String(THRESHOLD) });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const resetTokenFor = (email: string) => linkTokenFor(h, 'send_password_reset', email);

  it('answers an unknown address exactly like a known one, in about the same time, and sends nothing', async () => {
    const email = uniqueEmail('known');
    await createVerifiedUser(h, email, PASSWORD);
    const before = (await h.outbox()).length;
    const known = await h.post('/v1/password-reset', { email });
    const afterKnown = (await h.outbox()).length;
    const unknown = await h.post('/v1/password-reset', { email: uniqueEmail('nobody') });
    expect(known.status).toBe(202);
    expect(await comparable(unknown)).toEqual(await comparable(known));
    expect(afterKnown - before).toBe(2);
    expect((await h.outbox()).length).toBe(afterKnown);

    const time = async (body: unknown) => {
      const start = performance.now();
      await (await h.post('/v1/password-reset', body)).text();
      return performance.now() - start;
    };
    const timedKnown = uniqueEmail('timed');
    await createVerifiedUser(h, timedKnown, PASSWORD);
    const k: number[] = [];
    const u: number[] = [];
    // 4 known requests: under the hourly limit, so each one does the full work.
    for (let i = 0; i < 4; i++) {
      k.push(await time({ email: timedKnown }));
      u.push(await time({ email: uniqueEmail('nobody-t') }));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
    expect(median(k) / median(u)).toBeGreaterThan(0.5);
    expect(median(k) / median(u)).toBeLessThan(2);
  });

  it('sends the link only by command (hashed at rest); the event carries no secret', async () => {
    const email = uniqueEmail('link');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    await h.post('/v1/password-reset', { email: email.toUpperCase() }, { 'user-agent': 'reset-agent' });
    const rows = (await h.outbox()).filter((r) => JSON.stringify(r.payload).includes(userId)).slice(-2);
    expect(rows.map((r) => [r.kind, r.type])).toEqual([
      ['event', 'identity.password.reset_requested'],
      ['command', 'send_password_reset'],
    ]);
    expect(rows[0]?.payload.data).toEqual({
      user_id: userId,
      ip: expect.any(String),
      user_agent: 'reset-agent',
    });
    const token = await resetTokenFor(email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const link = new URL((rows[1]?.payload.data.template_data as { link: string } | undefined)?.link ?? '');
    expect(link.origin + link.pathname).toBe('https://app.example.test/reset-password');
    const stored = await h.cdb
      .selectFrom('credential_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).toBe(hashToken(token));
    const minutes =
      ((stored[0]?.expires_at.getTime() ?? 0) - (stored[0]?.created_at.getTime() ?? 0)) / 60_000;
    expect(minutes).toBeCloseTo(30, 1);
  });

  it('sets the new password, ends every session, and the token works once only', async () => {
    const email = uniqueEmail('confirm');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    await h.login(email, PASSWORD, 'phone');
    await h.login(email, PASSWORD, 'laptop');
    await h.post('/v1/password-reset', { email });
    const token = await resetTokenFor(email);

    const res = await h.post('/v1/password-reset/confirm', { token, new_password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ password_changed: true, sessions_revoked: 2 });
    expect(await liveSessions(h, userId)).toEqual([]);
    const changed = (await h.outbox()).filter(
      (r) => r.type === 'identity.password.changed' && r.payload.data.user_id === userId,
    );
    expect(changed.map((r) => r.payload.data)).toEqual([
      { user_id: userId, method: 'reset', sessions_revoked: 2 },
    ]);
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(200);

    const again = await h.post('/v1/password-reset/confirm', {
      token,
      new_password: 'yet another phrase 555',
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe('invalid_token');
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('lets only one of two concurrent confirmations through', async () => {
    const email = uniqueEmail('race');
    await createVerifiedUser(h, email, PASSWORD);
    await h.post('/v1/password-reset', { email });
    const token = await resetTokenFor(email);
    const statuses = (
      await Promise.all([
        h.post('/v1/password-reset/confirm', { token, new_password: 'first racer phrase 101' }),
        h.post('/v1/password-reset/confirm', { token, new_password: 'second racer phrase 202' }),
      ])
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 400]);
  });

  it('refuses a superseded token and an expired one, like an unknown one', async () => {
    const email = uniqueEmail('old');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    await h.post('/v1/password-reset', { email });
    const first = await resetTokenFor(email);
    await h.post('/v1/password-reset', { email });
    const second = await resetTokenFor(email);
    expect(second).not.toBe(first);

    const superseded = await h.post('/v1/password-reset/confirm', {
      token: first,
      new_password: NEW_PASSWORD,
    });
    const unknown = await h.post('/v1/password-reset/confirm', {
      token: 'x'.repeat(43),
      new_password: NEW_PASSWORD,
    });
    expect(superseded.status).toBe(400);
    const a = (await superseded.json()) as Record<string, unknown>;
    const b = (await unknown.json()) as Record<string, unknown>;
    expect({ ...a, request_id: '' }).toEqual({ ...b, request_id: '' });

    await h.cdb
      .updateTable('credential_tokens')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', userId)
      .execute();
    const expired = await h.post('/v1/password-reset/confirm', { token: second, new_password: NEW_PASSWORD });
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { code: string }).code).toBe('invalid_token');
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('keeps the token usable when the new password breaks the policy', async () => {
    const email = uniqueEmail('weak');
    await createVerifiedUser(h, email, PASSWORD);
    await h.post('/v1/password-reset', { email });
    const token = await resetTokenFor(email);
    const weak = await h.post('/v1/password-reset/confirm', { token, new_password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { errors: { pointer: string; code: string }[] }).errors[0]).toMatchObject({
      pointer: '/body/new_password',
      code: 'common',
    });
    expect((await h.post('/v1/password-reset/confirm', { token, new_password: NEW_PASSWORD })).status).toBe(
      200,
    );
  });

  it('unlocks a locked account', async () => {
    const email = uniqueEmail('locked');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    for (let i = 0; i < THRESHOLD; i++) await h.post('/v1/login', { email, password: `bad guess ${i} x` });
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(429);
    await h.post('/v1/password-reset', { email });
    const res = await h.post('/v1/password-reset/confirm', {
      token: await resetTokenFor(email),
      new_password: NEW_PASSWORD,
    });
    expect(res.status).toBe(200);
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(200);
    const unlocked = (await h.outbox()).filter(
      (r) => r.type === 'identity.user.unlocked' && r.payload.data.user_id === userId,
    );
    expect(unlocked.map((r) => r.payload.data.reason)).toEqual(['password_reset']);
  });

  it('sends at most 5 links per address and hour, still answering 202', async () => {
    const email = uniqueEmail('bomb');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await h.post('/v1/password-reset', { email })).status);
    expect(statuses).toEqual(Array(7).fill(202));
    const commands = (await h.outbox()).filter(
      (r) =>
        r.type === 'send_password_reset' &&
        r.payload.data.recipient !== undefined &&
        JSON.stringify(r.payload).includes(userId),
    );
    expect(commands).toHaveLength(5);
  });

  it('puts no token or password in any event', async () => {
    const secret = 'reset secret passphrase 3141';
    const email = uniqueEmail('secret');
    await createVerifiedUser(h, email, PASSWORD);
    await h.post('/v1/password-reset', { email });
    await h.post('/v1/password-reset/confirm', { token: await resetTokenFor(email), new_password: secret });
    const tokens = await allCommandTokens(h);
    expect(tokens.length).toBeGreaterThan(0);
    for (const row of (await h.outbox()).filter((r) => r.kind === 'event')) {
      const text = JSON.stringify(row.payload);
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/argon2/);
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
