/** Email change against the real service: a link to the new address, no enumeration, single use. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  allCommandTokens,
  type CredentialsHarness,
  createVerifiedUser,
  linkTokenFor,
  startCredentialsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

async function comparable(res: Response) {
  const headers = Object.fromEntries(
    [...res.headers.entries()].filter(([name]) => !['x-request-id', 'date', 'traceparent'].includes(name)),
  );
  return { status: res.status, body: await res.text(), headers };
}

describe('email change', () => {
  let h: CredentialsHarness;

  beforeAll(async () => {
    h = await startCredentialsService();
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const changeTokenFor = (email: string) => linkTokenFor(h, 'send_email_verification', email);

  it('sends a link to the new address and changes the address once it is confirmed', async () => {
    const oldEmail = uniqueEmail('old');
    const newEmail = uniqueEmail('new');
    const userId = await createVerifiedUser(h, oldEmail, PASSWORD);
    const me = await h.login(oldEmail, PASSWORD);
    const res = await h.request('POST', '/v1/me/email', { new_email: newEmail.toUpperCase() }, me.token);
    expect(res.status).toBe(202);
    const command = (await h.outbox()).filter((r) => r.type === 'send_email_verification').at(-1);
    expect(command?.payload.data).toMatchObject({
      recipient: { user_id: userId, email: newEmail },
      template_data: { purpose: 'email_change' },
    });
    const link = new URL((command?.payload.data.template_data as { link: string } | undefined)?.link ?? '');
    expect(link.origin + link.pathname).toBe('https://app.example.test/confirm-email-change');
    // Nothing changes before the confirmation.
    expect((await h.post('/v1/login', { email: oldEmail, password: PASSWORD })).status).toBe(200);

    const token = await changeTokenFor(newEmail);
    const confirm = await h.post('/v1/email-change/confirm', { token });
    expect(confirm.status).toBe(200);
    expect(await confirm.json()).toEqual({ email: newEmail, email_verified: true });
    const user = await h.cdb
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe(newEmail);
    expect(user.email_verified_at).not.toBeNull();
    const changed = (await h.outbox()).filter((r) => r.type === 'identity.user.email_changed');
    expect(changed.at(-1)?.payload.data).toEqual({
      user_id: userId,
      old_email: oldEmail,
      new_email: newEmail,
    });

    expect((await h.post('/v1/login', { email: oldEmail, password: PASSWORD })).status).toBe(401);
    expect((await h.post('/v1/login', { email: newEmail, password: PASSWORD })).status).toBe(200);
    const again = await h.post('/v1/email-change/confirm', { token });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe('invalid_token');
  });

  it('answers a taken address exactly like a free one, and sends nothing to it', async () => {
    const email = uniqueEmail('asker');
    const taken = uniqueEmail('taken');
    await createVerifiedUser(h, email, PASSWORD);
    await createVerifiedUser(h, taken, PASSWORD);
    const me = await h.login(email, PASSWORD);
    const before = (await h.outbox()).length;
    const free = await h.request('POST', '/v1/me/email', { new_email: uniqueEmail('free') }, me.token);
    const afterFree = (await h.outbox()).length;
    const busy = await h.request('POST', '/v1/me/email', { new_email: taken }, me.token);
    expect(free.status).toBe(202);
    expect(await comparable(busy)).toEqual(await comparable(free));
    expect(afterFree - before).toBe(1);
    expect((await h.outbox()).length).toBe(afterFree);
  });

  it('supersedes an older pending change, and refuses the current address', async () => {
    const email = uniqueEmail('twice');
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    const userId = await createVerifiedUser(h, email, PASSWORD);
    const me = await h.login(email, PASSWORD);
    await h.request('POST', '/v1/me/email', { new_email: first }, me.token);
    const firstToken = await changeTokenFor(first);
    await h.request('POST', '/v1/me/email', { new_email: second }, me.token);
    expect((await h.post('/v1/email-change/confirm', { token: firstToken })).status).toBe(400);
    expect((await h.post('/v1/email-change/confirm', { token: await changeTokenFor(second) })).status).toBe(
      200,
    );
    const user = await h.cdb
      .selectFrom('users')
      .select('email')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe(second);

    const same = await h.request('POST', '/v1/me/email', { new_email: second }, me.token);
    expect(same.status).toBe(400);
  });

  it('answers 409 when the address was taken between the request and the confirmation', async () => {
    const email = uniqueEmail('slow');
    const target = uniqueEmail('target');
    await createVerifiedUser(h, email, PASSWORD);
    const me = await h.login(email, PASSWORD);
    await h.request('POST', '/v1/me/email', { new_email: target }, me.token);
    const token = await changeTokenFor(target);
    await createVerifiedUser(h, target, PASSWORD);
    const res = await h.post('/v1/email-change/confirm', { token });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('email_taken');
  });

  it('puts no token in any event', async () => {
    const email = uniqueEmail('secret');
    const next = uniqueEmail('secret-new');
    await createVerifiedUser(h, email, PASSWORD);
    const me = await h.login(email, PASSWORD);
    await h.request('POST', '/v1/me/email', { new_email: next }, me.token);
    await h.post('/v1/email-change/confirm', { token: await changeTokenFor(next) });
    const tokens = await allCommandTokens(h);
    for (const row of (await h.outbox()).filter((r) => r.kind === 'event')) {
      const text = JSON.stringify(row.payload);
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
