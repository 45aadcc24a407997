/**
 * Introspection (RFC 7662) of user access tokens follows their session: once the session (`sid`) is
 * revoked — logout, self-service revocation, admin revocation, refresh-token reuse, password change —
 * the token answers `active: false` at once, although its signature and `exp` are still good.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  basic,
  type CreatedClient,
  createClient,
  createVerifiedUser,
  type IdentityHarness,
  loginTokens,
  refresh,
  startIdentityService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('introspection of tokens of revoked sessions', () => {
  let h: IdentityHarness;
  let client: CreatedClient;

  const introspect = async (token: string) => {
    const res = await h.postForm(
      '/oauth2/introspect',
      { token },
      { authorization: basic(client.client_id, client.client_secret) },
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { active: boolean; sub?: string };
  };
  const sessionRow = (id: string) =>
    h.db
      .selectFrom('sessions')
      .select(['revoked_at', 'reason'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    h = await startIdentityService();
    client = await createClient(h, { name: 'Gateway', grant_types: ['client_credentials'] });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  async function freshUser() {
    const email = uniqueEmail('intro');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    return { email, userId };
  }

  it('a live session’s token is active; after logout it is not (and introspecting changes nothing)', async () => {
    const { email, userId } = await freshUser();
    const t = await loginTokens(h, email, PASSWORD);
    expect(await introspect(t.access_token)).toMatchObject({ active: true, sub: userId });
    expect((await h.request('POST', '/v1/logout', undefined, t.access_token)).status).toBe(204);
    const before = await sessionRow(t.session_id);
    expect(await introspect(t.access_token)).toEqual({ active: false });
    expect(await sessionRow(t.session_id)).toEqual(before);
  });

  it('self-service and admin session revocation make the token inactive; other sessions stay active', async () => {
    const { email, userId } = await freshUser();
    const a = await loginTokens(h, email, PASSWORD);
    const b = await loginTokens(h, email, PASSWORD);
    const c = await loginTokens(h, email, PASSWORD);
    expect((await h.del(`/v1/me/sessions/${b.session_id}`, a.access_token)).status).toBe(204);
    expect(await introspect(b.access_token)).toEqual({ active: false });
    expect((await introspect(a.access_token)).active).toBe(true);
    expect((await introspect(c.access_token)).active).toBe(true);
    const admin = await h.adminToken(['users:write']);
    expect((await h.request('DELETE', `/v1/admin/users/${userId}/sessions`, undefined, admin)).status).toBe(
      204,
    );
    expect(await introspect(a.access_token)).toEqual({ active: false });
    expect(await introspect(c.access_token)).toEqual({ active: false });
  });

  it('refresh-token reuse revokes the session: the access tokens of the family answer inactive', async () => {
    const { email } = await freshUser();
    const t = await loginTokens(h, email, PASSWORD);
    const first = await refresh(h, t.refresh_token);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { access_token: string };
    expect((await introspect(rotated.access_token)).active).toBe(true);
    // The attacker replays the rotated-out token after the grace period.
    await h.exec(`update refresh_tokens set used_at = now() - interval '1 hour' where used_at is not null`);
    expect((await refresh(h, t.refresh_token)).status).toBe(400);
    expect((await sessionRow(t.session_id)).reason).toBe('reuse_detected');
    expect(await introspect(t.access_token)).toEqual({ active: false });
    expect(await introspect(rotated.access_token)).toEqual({ active: false });
  });

  it('a password change revokes the other sessions: their tokens answer inactive, the current one stays active', async () => {
    const { email } = await freshUser();
    const current = await loginTokens(h, email, PASSWORD);
    const other = await loginTokens(h, email, PASSWORD);
    const res = await h.request(
      'POST',
      '/v1/me/password',
      { current_password: PASSWORD, new_password: 'a different passphrase 314' },
      current.access_token,
    );
    expect(res.status).toBe(200);
    expect(await introspect(other.access_token)).toEqual({ active: false });
    expect((await introspect(current.access_token)).active).toBe(true);
  });

  it('client-credentials tokens (no sid) are unaffected', async () => {
    const res = await h.postForm(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(client.client_id, client.client_secret) },
    );
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect((await introspect(token)).active).toBe(true);
  });
});
