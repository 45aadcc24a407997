/** `POST /v1/me/password` against the real service: other sessions end, wrong passwords count. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CredentialsHarness,
  createVerifiedUser,
  liveSessions,
  startCredentialsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
const NEW_PASSWORD = 'another fine passphrase 77';
const THRESHOLD = 3;

describe('POST /v1/me/password', () => {
  let h: CredentialsHarness;

  beforeAll(async () => {
    h = await startCredentialsService({ LOCKOUT_THRESHOLD: String(THRESHOLD) });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('changes the password and revokes every other session, keeping the caller’s', async () => {
    const email = uniqueEmail('change');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const other1 = await h.login(email, PASSWORD, 'phone');
    const other2 = await h.login(email, PASSWORD, 'tablet');
    const me = await h.login(email, PASSWORD, 'laptop');
    expect(await liveSessions(h, userId)).toHaveLength(3);

    const res = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      me.token,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ password_changed: true, sessions_revoked: 2 });
    expect(await liveSessions(h, userId)).toEqual([me.sessionId]);
    const revoked = await h.cdb
      .selectFrom('sessions')
      .select(['id', 'reason'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is not', null)
      .execute();
    expect(revoked.map((r) => r.id).sort()).toEqual([other1.sessionId, other2.sessionId].sort());
    expect(revoked.every((r) => r.reason === 'password_changed')).toBe(true);

    const events = (await h.outbox()).filter((r) => r.kind === 'event' && r.payload.data.user_id === userId);
    expect(events.find((r) => r.type === 'identity.password.changed')?.payload.data).toEqual({
      user_id: userId,
      method: 'change',
      sessions_revoked: 2,
    });
    expect(
      events
        .filter((r) => r.type === 'identity.session.revoked')
        .map((r) => r.payload.data.session_id)
        .sort(),
    ).toEqual([other1.sessionId, other2.sessionId].sort());

    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('refuses a wrong current password, counts it like a failed login, and locks at the threshold', async () => {
    const email = uniqueEmail('wrong');
    await createVerifiedUser(h, email, PASSWORD);
    const me = await h.login(email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < THRESHOLD + 1; i++) {
      const res = await h.request(
        'POST',
        '/v1/me/password',
        { current_password: `wrong guess ${i} here`, new_password: NEW_PASSWORD },
        me.token,
      );
      statuses.push(res.status);
      if (i === 0) {
        const body = (await res.json()) as { errors: { pointer: string; code: string }[] };
        expect(body.errors).toEqual([
          expect.objectContaining({ pointer: '/body/current_password', code: 'incorrect' }),
        ]);
      }
    }
    expect(statuses).toEqual([...Array(THRESHOLD).fill(400), 429]);
    // The same lock as the login's: even the right password is refused now, here and at login.
    const right = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      me.token,
    );
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(429);
  });

  it('applies the password policy to the new password (nothing changes)', async () => {
    const email = uniqueEmail('policy');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const me = await h.login(email, PASSWORD);
    const before = await h.cdb
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    const res = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: 'short' },
      me.token,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { pointer: string; code: string }[] }).errors[0]).toMatchObject({
      pointer: '/body/new_password',
      code: 'too_short',
    });
    const after = await h.cdb
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(after.password_hash).toBe(before.password_hash);
  });

  it('needs a bearer token of a user session', async () => {
    const anonymous = await h.request('POST', '/v1/me/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(anonymous.status).toBe(401);
    const { token } = await h.keys().issueAccessToken({ sub: 'svc-client', client_id: 'svc-client' });
    const client = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      token,
    );
    expect(client.status).toBe(403);
  });

  it('puts neither password in any event', async () => {
    const current = 'current secret passphrase 5521';
    const next = 'next secret passphrase 8830';
    const email = uniqueEmail('secret');
    await createVerifiedUser(h, email, current);
    const me = await h.login(email, current);
    const res = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: current, new_password: next },
      me.token,
    );
    expect(res.status).toBe(200);
    for (const row of (await h.outbox()).filter((r) => r.kind === 'event')) {
      const text = JSON.stringify(row.payload);
      expect(text).not.toContain(current);
      expect(text).not.toContain(next);
      expect(text).not.toMatch(/argon2/);
    }
  });
});
