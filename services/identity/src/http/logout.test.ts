/** POST /v1/logout against the real service, authenticated by its own JWKS. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AccountsHarness,
  createVerifiedUser,
  startAccountsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('POST /v1/logout', () => {
  let h: AccountsHarness;
  let email: string;
  let userId: string;

  beforeAll(async () => {
    h = await startAccountsService();
    email = uniqueEmail('logout');
    userId = await createVerifiedUser(h, email, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  async function loginSession(): Promise<{ token: string; sessionId: string }> {
    const res = await h.post('/v1/login', { email, password: PASSWORD });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; session_id: string };
    return { token: body.access_token, sessionId: body.session_id };
  }

  it('refuses a request without a valid token', async () => {
    expect((await h.post('/v1/logout', {})).status).toBe(401);
    expect((await h.post('/v1/logout', {}, { authorization: 'Bearer not.a.token' })).status).toBe(401);
  });

  it('revokes the current session only, emits identity.session.revoked, and is idempotent', async () => {
    const current = await loginSession();
    const other = await loginSession();
    const res = await fetch(`${h.url}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${current.token}` },
    });
    expect(res.status).toBe(204);

    const sessions = await h.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).execute();
    const byId = new Map(sessions.map((s) => [s.id, s]));
    expect(byId.get(current.sessionId)).toMatchObject({ reason: 'logout' });
    expect(byId.get(current.sessionId)?.revoked_at).toBeInstanceOf(Date);
    expect(byId.get(other.sessionId)?.revoked_at).toBeNull();

    const revoked = () =>
      h.outbox().then((rows) => rows.filter((r) => r.type === 'identity.session.revoked'));
    expect((await revoked()).map((r) => r.payload.data)).toEqual([
      {
        user_id: userId,
        session_id: current.sessionId,
        reason: 'logout',
        actor: { type: 'user', id: userId },
      },
    ]);

    // Again with the same (still unexpired) token: nothing more happens.
    const again = await fetch(`${h.url}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${current.token}` },
    });
    expect(again.status).toBe(204);
    expect(await revoked()).toHaveLength(1);
  });
});
