/**
 * `identity.user.locked` / `.unlocked` from the login throttle: one event per lock however many
 * attempts fail or race, and an unlock event when an admin or a password reset lifts it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createVerifiedUser,
  type IdentityHarness,
  linkTokenFor,
  startIdentityService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
const THRESHOLD = 3;
const LOCK_SEC = 900;

describe('lock events of the login throttle', () => {
  let h: IdentityHarness;
  let writer: string;

  const events = async (type: string, userId: string) =>
    (await h.outbox()).filter((r) => r.type === type && r.payload.data.user_id === userId);

  beforeAll(async () => {
    h = await startIdentityService({
      env: {
        LOCKOUT_THRESHOLD: String(THRESHOLD),
        LOCKOUT_DURATION_SEC: String(LOCK_SEC),
        LOGIN_IP_LIMIT: '1000',
      },
    });
    writer = await h.adminToken(['users:write', 'users:read']);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('one identity.user.locked per lock, not per failed attempt (sequential and concurrent)', async () => {
    const email = uniqueEmail('seq');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < THRESHOLD + 4; i++) {
      statuses.push((await h.post('/v1/login', { email, password: `wrong ${i} guess` })).status);
    }
    expect(statuses).toEqual([...Array(THRESHOLD).fill(401), ...Array(4).fill(429)]);
    const locked = await events('identity.user.locked', userId);
    expect(locked).toHaveLength(1);
    expect(locked[0]?.payload.data.reason).toBe('too_many_failed_logins');
    const until = Date.parse(locked[0]?.payload.data.until as string);
    expect(until - Date.now()).toBeGreaterThan((LOCK_SEC - 60) * 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(LOCK_SEC * 1000 + 1000);

    const racing = uniqueEmail('race');
    const racingId = await createVerifiedUser(h, racing, PASSWORD);
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        h.post('/v1/login', { email: racing, password: `race ${i} guess` }),
      ),
    );
    expect(await events('identity.user.locked', racingId)).toHaveLength(1);
  });

  it('an unknown address locks silently (no user to announce)', async () => {
    const email = uniqueEmail('ghost');
    const count = (await h.outbox()).filter((r) => r.type === 'identity.user.locked').length;
    for (let i = 0; i < THRESHOLD + 1; i++) await h.post('/v1/login', { email, password: `guess ${i} here` });
    expect((await h.outbox()).filter((r) => r.type === 'identity.user.locked').length).toBe(count);
  });

  it('admin unlock emits identity.user.unlocked once; the next lock is announced again', async () => {
    const email = uniqueEmail('unlock');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    for (let i = 0; i < THRESHOLD; i++) await h.post('/v1/login', { email, password: `wrong ${i} guess` });
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(429);

    const res = await h.request('POST', `/v1/admin/users/${userId}/unlock`, undefined, writer);
    expect(res.status).toBe(204);
    const unlocked = await events('identity.user.unlocked', userId);
    expect(unlocked).toHaveLength(1);
    expect(unlocked[0]?.payload.data).toMatchObject({
      reason: 'admin',
      actor: { type: 'admin', id: 'admin-1' },
    });
    // Unlocking an unlocked account announces nothing.
    expect((await h.request('POST', `/v1/admin/users/${userId}/unlock`, undefined, writer)).status).toBe(204);
    expect(await events('identity.user.unlocked', userId)).toHaveLength(1);
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(200);

    for (let i = 0; i < THRESHOLD; i++) await h.post('/v1/login', { email, password: `again ${i} wrong` });
    expect(await events('identity.user.locked', userId)).toHaveLength(2);
  });

  it('a password reset lifts the lock with identity.user.unlocked (reason password_reset)', async () => {
    const email = uniqueEmail('reset');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    for (let i = 0; i < THRESHOLD; i++) await h.post('/v1/login', { email, password: `wrong ${i} guess` });
    expect(await events('identity.user.locked', userId)).toHaveLength(1);
    expect((await h.post('/v1/password-reset', { email })).status).toBe(202);
    const token = await linkTokenFor(h, 'send_password_reset', email);
    const newPassword = 'a brand new passphrase 99';
    expect((await h.post('/v1/password-reset/confirm', { token, new_password: newPassword })).status).toBe(
      200,
    );
    const unlocked = await events('identity.user.unlocked', userId);
    expect(unlocked.map((r) => r.payload.data.reason)).toEqual(['password_reset']);
    expect((await h.post('/v1/login', { email, password: newPassword })).status).toBe(200);
  });

  it('failed current passwords on POST /v1/me/password lock and announce once too', async () => {
    const email = uniqueEmail('change');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const { token } = await h.login(email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < THRESHOLD + 2; i++) {
      const res = await h.request(
        'POST',
        '/v1/me/password',
        { current_password: `not it ${i} at all`, new_password: 'whatever new passphrase 5' },
        token,
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
    expect(await events('identity.user.locked', userId)).toHaveLength(1);
  });
});
