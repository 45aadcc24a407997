/**
 * Invitations (`POST /v1/admin/users`, `POST /v1/invitation/accept`) and admin deletion
 * (`DELETE /v1/admin/users/{id}`) against the real service: effects, events, commands, and the
 * refusals that change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createVerifiedUser,
  type IdentityHarness,
  linkTokenFor,
  liveSessions,
  loginTokens,
  refresh,
  startIdentityService,
  TEST_LINK_BASE_URL,
  tableCounts,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
const NEW_PASSWORD = 'invited person picks this 77';

describe('admin invitations and deletion', () => {
  let h: IdentityHarness;
  let writer: string;
  let reader: string;

  const admin = (method: string, path: string, token: string | undefined, body?: unknown) =>
    h.request(method, path, body, token);
  const userByEmail = (email: string) =>
    h.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();

  beforeAll(async () => {
    h = await startIdentityService();
    writer = await h.adminToken(['users:write', 'users:read'], 'admin-7');
    reader = await h.adminToken(['users:read'], 'admin-8');
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('invites: an invited account, a registered event without secret and the link only in the command', async () => {
    const email = uniqueEmail('grace');
    const res = await admin('POST', '/v1/admin/users', writer, {
      email,
      name: 'Grace Hopper',
      locale: 'en-gb',
      timezone: 'Europe/London',
    });
    expect(res.status).toBe(201);
    const view = (await res.json()) as {
      id: string;
      status: string;
      email_verified: boolean;
      locale: string;
    };
    expect(view).toMatchObject({ status: 'invited', email_verified: false, locale: 'en-GB' });
    const row = await userByEmail(email);
    expect(row).toMatchObject({
      id: view.id,
      status: 'invited',
      password_hash: null,
      email_verified_at: null,
    });

    const token = await linkTokenFor(h, 'send_invitation', email);
    const outbox = await h.outbox();
    const command = outbox.find(
      (r) => r.type === 'send_invitation' && r.payload.data.recipient !== undefined,
    );
    expect(command?.kind).toBe('command');
    const link = new URL((command?.payload.data.template_data as { link?: string } | undefined)?.link ?? '');
    expect(`${link.origin}${link.pathname}`).toBe(`${TEST_LINK_BASE_URL}/accept-invitation`);
    const registered = outbox.filter(
      (r) => r.type === 'identity.user.registered' && r.payload.data.user_id === view.id,
    );
    expect(registered).toHaveLength(1);
    expect(registered[0]?.payload.data).toMatchObject({ signup_method: 'invitation', name: 'Grace Hopper' });
    for (const event of outbox.filter((r) => r.kind === 'event')) {
      expect(JSON.stringify(event.payload)).not.toContain(token);
    }
    // Stored only as a hash.
    const stored = await h.db
      .selectFrom('credential_tokens')
      .select(['token_hash', 'purpose'])
      .where('user_id', '=', view.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.purpose).toBe('invitation');
    expect(stored[0]?.token_hash).not.toBe(token);
    // An invited account cannot log in, with any password.
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(401);
    expect((await h.post('/v1/login', { email, password: '' })).status).toBe(400);
  });

  it('refuses callers without users:write, bad input and taken addresses, changing nothing', async () => {
    const existing = uniqueEmail('taken');
    await createVerifiedUser(h, existing, PASSWORD);
    const user = (await loginTokens(h, existing, PASSWORD)).access_token;
    const before = await tableCounts(h);
    const email = uniqueEmail('nobody');
    expect((await admin('POST', '/v1/admin/users', undefined, { email })).status).toBe(401);
    expect((await admin('POST', '/v1/admin/users', reader, { email })).status).toBe(403);
    expect((await admin('POST', '/v1/admin/users', user, { email })).status).toBe(403);
    for (const body of [
      { email: 'not an address' },
      { email, status: 'active' },
      { email, password_hash: 'x' },
      { email, locale: 'klingon!' },
      { email, timezone: 'Nowhere/Land' },
      { email, name: '\u0000' },
    ]) {
      expect((await admin('POST', '/v1/admin/users', writer, body)).status).toBe(400);
    }
    const taken = await admin('POST', '/v1/admin/users', writer, { email: existing.toUpperCase() });
    expect(taken.status).toBe(409);
    expect(await tableCounts(h)).toEqual(before);
    expect(
      (await h.outbox()).filter(
        (r) => r.type === 'send_invitation' && JSON.stringify(r.payload).includes(email.toLowerCase()),
      ),
    ).toHaveLength(0);
    expect(await userByEmail(email)).toBeUndefined();
  });

  it('accepts once: sets the password, activates and verifies; bad tokens and weak passwords change nothing', async () => {
    const email = uniqueEmail('ada');
    expect((await admin('POST', '/v1/admin/users', writer, { email })).status).toBe(201);
    const token = await linkTokenFor(h, 'send_invitation', email);
    const before = await userByEmail(email);

    for (const body of [
      { token: `${token}x`, new_password: NEW_PASSWORD },
      { token: 'A'.repeat(43), new_password: NEW_PASSWORD },
      { token, new_password: 'short' },
      { token, new_password: `${email} is mine` },
      { token, new_password: NEW_PASSWORD, status: 'active' },
    ]) {
      expect((await h.post('/v1/invitation/accept', body)).status).toBe(400);
    }
    expect(await userByEmail(email)).toEqual(before);

    const ok = await h.post('/v1/invitation/accept', { token, new_password: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ email: email.toLowerCase(), status: 'active' });
    const after = await userByEmail(email);
    expect(after?.status).toBe('active');
    expect(after?.email_verified_at).not.toBeNull();
    expect(
      (await h.outbox()).filter(
        (r) => r.type === 'identity.user.email_verified' && r.payload.data.user_id === after?.id,
      ),
    ).toHaveLength(1);
    expect((await h.post('/v1/login', { email, password: NEW_PASSWORD })).status).toBe(200);

    // Single use.
    const again = await h.post('/v1/invitation/accept', {
      token,
      new_password: 'another password entirely 1',
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe('invalid_token');
    expect((await userByEmail(email))?.password_hash).toBe(after?.password_hash);
    // Now an ordinary account: inviting it again is a conflict.
    expect((await admin('POST', '/v1/admin/users', writer, { email })).status).toBe(409);
  });

  it('re-inviting supersedes the old link; expired links are refused; invited status cannot be set by PATCH', async () => {
    const email = uniqueEmail('linus');
    const first = await admin('POST', '/v1/admin/users', writer, { email });
    const { id } = (await first.json()) as { id: string };
    const oldToken = await linkTokenFor(h, 'send_invitation', email);
    const second = await admin('POST', '/v1/admin/users', writer, { email });
    expect(second.status).toBe(200);
    const newToken = await linkTokenFor(h, 'send_invitation', email);
    expect(newToken).not.toBe(oldToken);
    expect(
      (await h.outbox()).filter(
        (r) => r.type === 'identity.user.registered' && r.payload.data.user_id === id,
      ),
    ).toHaveLength(1);
    expect(
      (await h.post('/v1/invitation/accept', { token: oldToken, new_password: NEW_PASSWORD })).status,
    ).toBe(400);

    const patch = await admin('PATCH', `/v1/admin/users/${id}`, writer, { status: 'active' });
    expect(patch.status).toBe(409);
    expect((await userByEmail(email))?.status).toBe('invited');

    await h.exec(
      `update credential_tokens set expires_at = now() - interval '1 second' where user_id = '${id}'`,
    );
    expect(
      (await h.post('/v1/invitation/accept', { token: newToken, new_password: NEW_PASSWORD })).status,
    ).toBe(400);
    expect(await userByEmail(email)).toMatchObject({ status: 'invited', password_hash: null });
  });

  it('admin delete: disables, revokes sessions and refresh tokens, emits identity.user.deleted once', async () => {
    const email = uniqueEmail('leaver');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const t1 = await loginTokens(h, email, PASSWORD);
    await loginTokens(h, email, PASSWORD);
    expect(await liveSessions(h, userId)).toHaveLength(2);

    const before = await tableCounts(h);
    expect((await admin('DELETE', `/v1/admin/users/${userId}`, undefined)).status).toBe(401);
    expect((await admin('DELETE', `/v1/admin/users/${userId}`, reader)).status).toBe(403);
    expect((await admin('DELETE', `/v1/admin/users/${userId}`, t1.access_token)).status).toBe(403);
    expect((await admin('DELETE', '/v1/admin/users/not-a-uuid', writer)).status).toBe(400);
    expect(
      (await admin('DELETE', '/v1/admin/users/0193a5e2-6b00-7000-8000-000000000001', writer)).status,
    ).toBe(404);
    expect(await tableCounts(h)).toEqual(before);
    expect(await liveSessions(h, userId)).toHaveLength(2);

    expect((await admin('DELETE', `/v1/admin/users/${userId}`, writer)).status).toBe(204);
    expect((await userByEmail(email))?.status).toBe('disabled');
    expect(await liveSessions(h, userId)).toEqual([]);
    expect((await refresh(h, t1.refresh_token)).status).toBe(400);
    expect((await h.get('/v1/me', t1.access_token)).status).toBe(401);
    expect((await h.post('/v1/login', { email, password: PASSWORD })).status).toBe(401);
    const deleted = (await h.outbox()).filter(
      (r) => r.type === 'identity.user.deleted' && r.payload.data.user_id === userId,
    );
    expect(deleted).toHaveLength(1);
    expect(deleted[0]?.payload.data.actor).toEqual({ type: 'admin', id: 'admin-7' });
    expect(deleted[0]?.payload.data.erasure_request_id).toEqual(expect.any(String));
    const revoked = (await h.outbox()).filter(
      (r) => r.type === 'identity.session.revoked' && r.payload.data.user_id === userId,
    );
    expect(revoked.map((r) => r.payload.data.reason)).toEqual(['user_deleted', 'user_deleted']);

    // Idempotent.
    const count = (await h.outbox()).length;
    expect((await admin('DELETE', `/v1/admin/users/${userId}`, writer)).status).toBe(204);
    expect((await h.outbox()).length).toBe(count);
  });
});
