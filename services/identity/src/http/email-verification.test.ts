/** Email verification against the real service: single use, 24 h, superseded by a newer link. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import {
  type AccountsHarness,
  startAccountsService,
  uniqueEmail,
  verificationTokenFor,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('email verification', () => {
  let h: AccountsHarness;

  beforeAll(async () => {
    h = await startAccountsService();
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const confirm = (token: string) => h.post('/v1/email-verification/confirm', { token });
  /** The problem body without what differs per request. */
  const problemOf = async (res: Response) => {
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, ...body, request_id: undefined };
  };

  async function signUp(): Promise<{ email: string; token: string }> {
    const email = uniqueEmail('verify');
    expect((await h.post('/v1/signup', { email, password: PASSWORD })).status).toBe(202);
    return { email, token: await verificationTokenFor(h, email) };
  }

  it('verifies once, emits identity.user.email_verified, and refuses the second use like an unknown token', async () => {
    const { email, token } = await signUp();
    const first = await confirm(token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ email_verified: true });
    const user = await h.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeInstanceOf(Date);
    const events = (await h.outbox()).filter((r) => r.type === 'identity.user.email_verified');
    expect(events.map((e) => e.payload.data)).toContainEqual({ user_id: user.id, email });

    const again = await problemOf(await confirm(token));
    const unknown = await problemOf(await confirm('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    expect(again).toMatchObject({ status: 400, code: 'invalid_token' });
    expect(again).toEqual(unknown);
  });

  it('lets only one of two concurrent confirmations succeed', async () => {
    const { token } = await signUp();
    const statuses = (await Promise.all([confirm(token), confirm(token), confirm(token)])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 400, 400]);
  });

  it('refuses an expired token with the same 400', async () => {
    const { token, email } = await signUp();
    await h.db
      .updateTable('email_verification_tokens')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('email', '=', email)
      .execute();
    const expired = await problemOf(await confirm(token));
    expect(expired).toEqual(await problemOf(await confirm('not-a-token-at-all')));
  });

  it('gives tokens a 24 h lifetime', async () => {
    const { email } = await signUp();
    const row = await h.db
      .selectFrom('email_verification_tokens')
      .select([sql<number>`extract(epoch from expires_at - created_at)`.as('ttl')])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(Number(row.ttl)).toBeCloseTo(86_400, 0);
  });

  it('resend: answers 202 whatever the address, and a new link supersedes the old one', async () => {
    const { email, token: old } = await signUp();
    const resent = await h.post('/v1/email-verification', { email });
    const unknown = await h.post('/v1/email-verification', { email: uniqueEmail('nobody') });
    expect(resent.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await resent.text()).toBe(await unknown.text());

    const fresh = await verificationTokenFor(h, email);
    expect(fresh).not.toBe(old);
    const superseded = await problemOf(await confirm(old));
    expect(superseded).toMatchObject({ status: 400, code: 'invalid_token' });
    expect((await confirm(fresh)).status).toBe(200);

    // Verified: a resend sends nothing more.
    const count = (await h.outbox()).length;
    expect((await h.post('/v1/email-verification', { email })).status).toBe(202);
    expect((await h.outbox()).length).toBe(count);
  });

  it('caps resends per address (5 an hour)', async () => {
    const { email } = await signUp();
    for (let i = 0; i < 8; i++) expect((await h.post('/v1/email-verification', { email })).status).toBe(202);
    const sent = (await h.outbox()).filter(
      (r) =>
        r.type === 'send_email_verification' &&
        (r.payload.data.recipient as { email: string }).email === email,
    );
    expect(sent).toHaveLength(1 + 5);
  });
});
