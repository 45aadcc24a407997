/** /v1/me, /v1/me/sessions and /oauth2/userinfo against the real service. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AccountsHarness,
  createVerifiedUser,
  loginTokens,
  refresh,
  type SessionsHarness,
  startSessionsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('sessions and profile', () => {
  let h: SessionsHarness;
  let alice: string;
  let bob: string;
  let aliceId: string;

  beforeAll(async () => {
    h = await startSessionsService();
    alice = uniqueEmail('alice');
    bob = uniqueEmail('bob');
    aliceId = await createVerifiedUser(h as unknown as AccountsHarness, alice, PASSWORD);
    await createVerifiedUser(h as unknown as AccountsHarness, bob, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('GET /v1/me and /oauth2/userinfo answer the caller’s profile and claims', async () => {
    const t = await loginTokens(h, alice, PASSWORD);
    const me = await h.get('/v1/me', t.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      id: aliceId,
      email: alice.toLowerCase(),
      email_verified: true,
      locale: 'en',
    });
    const info = await h.get('/oauth2/userinfo', t.access_token);
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({
      sub: aliceId,
      email: alice.toLowerCase(),
      email_verified: true,
      locale: 'en',
      zoneinfo: 'UTC',
    });
    expect((await fetch(`${h.url}/v1/me`)).status).toBe(401);
  });

  it('lists live sessions, revokes one (own only) and all but the current one', async () => {
    const a1 = await loginTokens(h, alice, PASSWORD);
    const a2 = await loginTokens(h, alice, PASSWORD);
    const a3 = await loginTokens(h, alice, PASSWORD);
    const b1 = await loginTokens(h, bob, PASSWORD);

    const list = (await (await h.get('/v1/me/sessions', a1.access_token)).json()) as {
      sessions: { id: string; current: boolean }[];
    };
    const ids = list.sessions.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([a1.session_id, a2.session_id, a3.session_id]));
    expect(ids).not.toContain(b1.session_id);
    expect(list.sessions.filter((s) => s.current).map((s) => s.id)).toEqual([a1.session_id]);

    // Another user's session: 404, and it stays live.
    expect((await h.del(`/v1/me/sessions/${b1.session_id}`, a1.access_token)).status).toBe(404);
    expect((await refresh(h, b1.refresh_token)).status).toBe(200);

    // One of mine: its refresh token dies at once, with an event.
    expect((await h.del(`/v1/me/sessions/${a2.session_id}`, a1.access_token)).status).toBe(204);
    expect((await refresh(h, a2.refresh_token)).status).toBe(400);
    expect((await h.del(`/v1/me/sessions/${a2.session_id}`, a1.access_token)).status).toBe(404);
    const events = (await h.outbox()).filter(
      (r) => r.type === 'identity.session.revoked' && r.payload.data.session_id === a2.session_id,
    );
    expect(events.map((e) => e.payload.data)).toEqual([
      {
        user_id: aliceId,
        session_id: a2.session_id,
        reason: 'user_revoked',
        actor: { type: 'user', id: aliceId },
      },
    ]);

    // All but the current one.
    expect((await h.del('/v1/me/sessions', a1.access_token)).status).toBe(204);
    expect((await refresh(h, a3.refresh_token)).status).toBe(400);
    const after = (await (await h.get('/v1/me/sessions', a1.access_token)).json()) as {
      sessions: { id: string }[];
    };
    expect(after.sessions.map((s) => s.id)).toEqual([a1.session_id]);
    expect((await refresh(h, a1.refresh_token)).status).toBe(200);

    // A revoked session's (unexpired) access token gets no self-service.
    expect((await h.get('/v1/me/sessions', a3.access_token)).status).toBe(401);
  });
});
