/** `DELETE /v1/me` against the real service: recent login required, sessions end, erasure starts. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_CLIENT_ID } from '../domain/accounts/login-policy.ts';
import {
  type CredentialsHarness,
  createVerifiedUser,
  liveSessions,
  startCredentialsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('DELETE /v1/me', () => {
  let h: CredentialsHarness;

  beforeAll(async () => {
    h = await startCredentialsService();
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('refuses a login older than 5 minutes, or a token without auth_time (403 reauthentication_required)', async () => {
    const email = uniqueEmail('stale');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const session = await h.login(email, PASSWORD);
    const now = Math.floor(Date.now() / 1000);
    const stale = await h.keys().issueAccessToken({
      sub: userId,
      client_id: PLATFORM_CLIENT_ID,
      sid: session.sessionId,
      amr: ['pwd'],
      auth_time: now - 6 * 60,
    });
    const res = await h.request('DELETE', '/v1/me', undefined, stale.token);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('reauthentication_required');
    const none = await h.keys().issueAccessToken({
      sub: userId,
      client_id: PLATFORM_CLIENT_ID,
      sid: session.sessionId,
    });
    expect((await h.request('DELETE', '/v1/me', undefined, none.token)).status).toBe(403);
    expect((await h.request('DELETE', '/v1/me')).status).toBe(401);
    const user = await h.cdb
      .selectFrom('users')
      .select('status')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(user.status).toBe('active');
    expect(await liveSessions(h, userId)).toHaveLength(1);
  });

  it('deletes with a recent login: disabled, every session ended, identity.user.deleted; idempotent', async () => {
    const email = uniqueEmail('bye');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    await h.login(email, PASSWORD, 'phone');
    const me = await h.login(email, PASSWORD, 'laptop');
    const res = await h.request('DELETE', '/v1/me', undefined, me.token);
    expect(res.status).toBe(204);

    const user = await h.cdb
      .selectFrom('users')
      .select('status')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(user.status).toBe('disabled');
    expect(await liveSessions(h, userId)).toEqual([]);
    const deletion = await h.cdb
      .selectFrom('account_deletions')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    const events = (await h.outbox()).filter((r) => r.kind === 'event' && r.payload.data.user_id === userId);
    const deleted = events.filter((r) => r.type === 'identity.user.deleted');
    expect(deleted.map((r) => r.payload.data)).toEqual([
      {
        user_id: userId,
        actor: { type: 'user', id: userId },
        erasure_request_id: deletion.erasure_request_id,
      },
    ]);
    expect(
      events.filter((r) => r.type === 'identity.session.revoked' && r.payload.data.reason === 'user_deleted'),
    ).toHaveLength(2);

    // No login, no reset, no further self-service; a repeat changes nothing.
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(401);
    const before = (await h.outbox()).length;
    await h.post('/v1/password-reset', { email });
    expect((await h.request('DELETE', '/v1/me', undefined, me.token)).status).toBe(204);
    expect((await h.outbox()).length).toBe(before);
    const change = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: 'whatever long phrase 99' },
      me.token,
    );
    expect(change.status).toBe(403);
  });
});
