/** Sign-up against the real service: equal answers for taken addresses, secrets only in commands. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AccountsHarness, startAccountsService, uniqueEmail } from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

/** Status, body and headers of a response, minus what differs per request. */
async function comparable(res: Response) {
  const headers = Object.fromEntries(
    [...res.headers.entries()].filter(([name]) => !['x-request-id', 'date', 'traceparent'].includes(name)),
  );
  return { status: res.status, body: await res.text(), headers };
}

describe('POST /v1/signup', () => {
  let h: AccountsHarness;

  beforeAll(async () => {
    h = await startAccountsService();
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('creates the user with a registered event and a verification command (token only in the command)', async () => {
    const email = uniqueEmail('new');
    const res = await h.post('/v1/signup', {
      email,
      password: PASSWORD,
      name: 'Ada',
      locale: 'pt-BR',
      timezone: 'Europe/Lisbon',
    });
    expect(res.status).toBe(202);
    const user = await h.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ name: 'Ada', locale: 'pt-BR', timezone: 'Europe/Lisbon', status: 'active' });
    expect(user.email_verified_at).toBeNull();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);

    const rows = (await h.outbox()).filter((r) => JSON.stringify(r.payload).includes(user.id));
    expect(rows.map((r) => [r.kind, r.type])).toEqual([
      ['event', 'identity.user.registered'],
      ['command', 'send_email_verification'],
    ]);
    const [event, command] = rows;
    expect(event?.payload.data).toEqual({
      user_id: user.id,
      email,
      name: 'Ada',
      locale: 'pt-BR',
      timezone: 'Europe/Lisbon',
      signup_method: 'self_service',
    });
    if (command === undefined) throw new Error('no verification command');
    const link = new URL((command.payload.data.template_data as { link: string }).link);
    expect(link.origin + link.pathname).toBe('https://app.example.test/verify-email');
    const token = link.searchParams.get('token') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tokens = await h.db
      .selectFrom('email_verification_tokens')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.token_hash).not.toContain(token);
  });

  it('answers a taken address identically and sends the "attempt" command instead', async () => {
    const email = uniqueEmail('taken');
    await h.post('/v1/signup', { email, password: PASSWORD, name: 'Owner' });
    const before = (await h.outbox()).length;
    const fresh = await h.post('/v1/signup', { email: uniqueEmail('fresh'), password: PASSWORD });
    const afterFresh = (await h.outbox()).length;
    const taken = await h.post('/v1/signup', {
      email: email.toUpperCase(),
      password: `${PASSWORD}!`,
      name: 'Mallory',
    });

    expect(await comparable(taken)).toEqual(await comparable(fresh));
    expect(taken.status).toBe(202);
    expect(afterFresh - before).toBe(2);
    const added = (await h.outbox()).slice(afterFresh);
    expect(added.map((r) => [r.kind, r.type])).toEqual([['command', 'send_signup_attempt_existing']]);
    // Addressed to the owner, in the owner's name: nothing from the second sign-up is trusted.
    expect(added[0]?.payload.data.recipient).toMatchObject({ email, name: 'Owner' });
    expect(await h.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
  });

  it('takes about the same time for a taken and a new address (both hash)', async () => {
    const email = uniqueEmail('timing');
    await h.post('/v1/signup', { email, password: PASSWORD });
    const time = async (body: unknown) => {
      const start = performance.now();
      await (await h.post('/v1/signup', body)).text();
      return performance.now() - start;
    };
    const taken: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 5; i++) {
      taken.push(await time({ email, password: PASSWORD }));
      fresh.push(await time({ email: uniqueEmail('timing-new'), password: PASSWORD }));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
    const ratio = median(taken) / median(fresh);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });

  it('refuses a policy failure with a field error, the same for a taken and a new address', async () => {
    const email = uniqueEmail('policy');
    await h.post('/v1/signup', { email, password: PASSWORD });
    const taken = await h.post('/v1/signup', { email, password: 'short' });
    const fresh = await h.post('/v1/signup', { email: uniqueEmail('policy-new'), password: 'short' });
    expect(taken.status).toBe(400);
    const a = (await taken.json()) as { errors: unknown; request_id: string };
    const b = (await fresh.json()) as { errors: unknown; request_id: string };
    expect(a.errors).toEqual([{ pointer: '/body/password', code: 'too_short', detail: expect.any(String) }]);
    expect({ ...a, request_id: '' }).toEqual({ ...b, request_id: '' });
    const common = await h.post('/v1/signup', { email: uniqueEmail('common'), password: 'password1234' });
    expect(((await common.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('common');
  });

  it('normalises the address (NFKC, case) so one mailbox is one account', async () => {
    const email = uniqueEmail('norm');
    await h.post('/v1/signup', { email: email.toUpperCase(), password: PASSWORD });
    const rows = await h.db.selectFrom('users').select('email').where('email', '=', email).execute();
    expect(rows).toEqual([{ email }]);
  });

  it('puts no password or token in any event', async () => {
    const secret = 'unique secret passphrase 9137';
    const email = uniqueEmail('secret');
    await h.post('/v1/signup', { email, password: secret });
    await h.post('/v1/signup', { email, password: secret });
    const rows = await h.outbox();
    const tokens = rows
      .filter((r) => r.type === 'send_email_verification')
      .map(
        (r) =>
          new URL((r.payload.data.template_data as { link: string }).link).searchParams.get('token') ?? '',
      );
    expect(tokens.length).toBeGreaterThan(0);
    for (const row of rows.filter((r) => r.kind === 'event')) {
      const text = JSON.stringify(row.payload);
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/argon2/);
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
