/** The refresh grant against the real service: rotation, reuse, concurrency, expiry, logout, revocation. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashRefreshToken } from '../domain/sessions/refresh-token.ts';
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

describe('refresh tokens', () => {
  let h: SessionsHarness;
  let email: string;
  let userId: string;

  beforeAll(async () => {
    h = await startSessionsService();
    email = uniqueEmail('refresh');
    userId = await createVerifiedUser(h as unknown as AccountsHarness, email, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const issued: string[] = [];
  const login = async () => {
    const tokens = await loginTokens(h, email, PASSWORD);
    issued.push(tokens.refresh_token);
    return tokens;
  };
  const sessionOf = (id: string) =>
    h.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('login returns a refresh token stored only as its hash', async () => {
    const tokens = await login();
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await h.db.selectFrom('refresh_tokens').select('token_hash').execute();
    const hashes = rows.map((r) => r.token_hash);
    expect(hashes).toContain(hashRefreshToken(tokens.refresh_token));
    expect(hashes).not.toContain(tokens.refresh_token);
  });

  it('rotates on every use: new access and refresh token, the old one is used', async () => {
    const tokens = await login();
    const res = await refresh(h, tokens.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; refresh_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(body.refresh_token).not.toBe(tokens.refresh_token);
    // The new access token works and belongs to the same session.
    const me = await h.get('/v1/me/sessions', body.access_token);
    expect(me.status).toBe(200);
    const listed = (await me.json()) as { sessions: { id: string; current: boolean }[] };
    expect(listed.sessions.find((s) => s.current)?.id).toBe(tokens.session_id);
    // And the new refresh token rotates again.
    expect((await refresh(h, body.refresh_token)).status).toBe(200);
  });

  it('refuses unknown tokens, wrong clients and missing parameters with RFC 6749 errors', async () => {
    const tokens = await login();
    const unknown = await refresh(h, 'x'.repeat(43));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_grant' });
    const otherPublic = await refresh(h, tokens.refresh_token, { client_id: 'someone-else' });
    expect(otherPublic.status).toBe(401);
    expect(await otherPublic.json()).toMatchObject({ error: 'invalid_client' });
    const noClient = await h.postForm('/oauth2/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(noClient.status).toBe(401);
    const noToken = await h.postForm('/oauth2/token', { grant_type: 'refresh_token', client_id: 'platform' });
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toMatchObject({ error: 'invalid_request' });
    // Still usable: none of the failures touched it.
    expect((await refresh(h, tokens.refresh_token)).status).toBe(200);
  });

  it('a refresh token is not an access token', async () => {
    const tokens = await login();
    expect((await h.get('/v1/me', tokens.refresh_token)).status).toBe(401);
    expect((await h.get('/oauth2/userinfo', tokens.refresh_token)).status).toBe(401);
  });

  it('reuse of a rotated token revokes the family and the session, with events', async () => {
    const tokens = await login();
    const first = (await (await refresh(h, tokens.refresh_token)).json()) as { refresh_token: string };
    // Past the grace period (the database clock decides).
    await h.exec(
      `update refresh_tokens set used_at = used_at - interval '1 minute' where token_hash = '${hashRefreshToken(tokens.refresh_token)}'`,
    );
    const reuse = await refresh(h, tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    // The successor is dead too, and so is the session.
    expect((await refresh(h, first.refresh_token)).status).toBe(400);
    expect(await sessionOf(tokens.session_id)).toMatchObject({ reason: 'reuse_detected' });
    const events = (await h.outbox()).filter((r) => r.payload.data.session_id === tokens.session_id);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['identity.token.reuse_detected', 'identity.session.revoked']),
    );
    expect(events.find((e) => e.type === 'identity.token.reuse_detected')?.payload.data).toMatchObject({
      user_id: userId,
      session_id: tokens.session_id,
      client_id: 'platform',
    });
    expect(events.find((e) => e.type === 'identity.session.revoked')?.payload.data).toMatchObject({
      reason: 'reuse_detected',
    });
  });

  it('10 concurrent refreshes with one token: exactly one succeeds, the family does not fork', async () => {
    const tokens = await login();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(h, tokens.refresh_token)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'invalid_grant' });
    }
    const winner = (await ok[0]?.json()) as { refresh_token: string };
    const family = await h.db
      .selectFrom('refresh_tokens')
      .innerJoin('refresh_token_families', 'refresh_token_families.id', 'refresh_tokens.family_id')
      .select(['refresh_tokens.token_hash', 'refresh_tokens.used_at'])
      .where('refresh_token_families.session_id', '=', tokens.session_id)
      .execute();
    // The original (used) and exactly one successor (unused).
    expect(family).toHaveLength(2);
    expect(family.filter((t) => t.used_at === null)).toHaveLength(1);
    // Within the grace period from the same caller the losers revoked nothing: the winner goes on.
    expect((await sessionOf(tokens.session_id)).revoked_at).toBeNull();
    expect((await refresh(h, winner.refresh_token)).status).toBe(200);
  });

  it('refuses idle-expired and absolutely expired tokens', async () => {
    const idle = await login();
    await h.exec(
      `update refresh_tokens set expires_at = now() - interval '1 second' where token_hash = '${hashRefreshToken(idle.refresh_token)}'`,
    );
    expect((await refresh(h, idle.refresh_token)).status).toBe(400);

    const old = await login();
    await h.exec(
      `update refresh_token_families set absolute_expires_at = now() - interval '1 second' where session_id = '${old.session_id}'`,
    );
    expect((await refresh(h, old.refresh_token)).status).toBe(400);
  });

  it('logout kills the refresh tokens of the session', async () => {
    const tokens = await login();
    const res = await fetch(`${h.url}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(204);
    expect((await refresh(h, tokens.refresh_token)).status).toBe(400);
  });

  it('/oauth2/revoke with a refresh token revokes its family and session', async () => {
    const tokens = await login();
    const next = (await (await refresh(h, tokens.refresh_token)).json()) as { refresh_token: string };
    const res = await h.postForm('/oauth2/revoke', { token: next.refresh_token, client_id: 'platform' });
    expect(res.status).toBe(200);
    expect((await refresh(h, next.refresh_token)).status).toBe(400);
    expect(await sessionOf(tokens.session_id)).toMatchObject({ reason: 'logout' });
    // Unknown tokens: 200 all the same (RFC 7009).
    expect(
      (await h.postForm('/oauth2/revoke', { token: 'y'.repeat(43), client_id: 'platform' })).status,
    ).toBe(200);
  });

  it('no refresh token or hash appears in any outbox message', async () => {
    const stored = await h.db.selectFrom('refresh_tokens').select('token_hash').execute();
    const text = JSON.stringify(await h.outbox());
    for (const { token_hash } of stored) expect(text).not.toContain(token_hash);
    for (const token of issued) expect(text).not.toContain(token);
    expect(text).not.toMatch(/refresh_token"/);
  });
});
