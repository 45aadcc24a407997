import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type HttpHarness, startHttpHarness } from './http.test-support.ts';

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

const ALL_ON = {
  categories: {
    security: { locked: true, email: true, sms: true },
    transactional: { locked: true, email: true, sms: true },
    webhooks: { locked: false, email: true, sms: true },
  },
};

async function stored(userId: string) {
  return h.db
    .selectFrom('preferences')
    .select(['category', 'channel', 'enabled'])
    .where('user_id', '=', userId)
    .execute();
}

describe('GET/PUT /v1/me/preferences', () => {
  it('answers every category × channel, on by default, mandatory ones locked', async () => {
    const res = await h.request('GET', '/v1/me/preferences', { token: h.userToken(uuidv7()) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual(ALL_ON);
  });

  it('stores an opt-out of a category per channel, for the caller only', async () => {
    const ada = uuidv7();
    const grace = uuidv7();
    const res = await h.request('PUT', '/v1/me/preferences', {
      token: h.userToken(ada),
      body: { categories: { webhooks: { email: false } } },
    });
    expect(res.status).toBe(200);
    const expected = {
      categories: { ...ALL_ON.categories, webhooks: { locked: false, email: false, sms: true } },
    };
    expect(await res.json()).toEqual(expected);
    expect(await (await h.request('GET', '/v1/me/preferences', { token: h.userToken(ada) })).json()).toEqual(
      expected,
    );
    expect(
      await (await h.request('GET', '/v1/me/preferences', { token: h.userToken(grace) })).json(),
    ).toEqual(ALL_ON);
    // Leaving a channel out keeps its value; turning it back on works.
    await h.request('PUT', '/v1/me/preferences', {
      token: h.userToken(ada),
      body: { categories: { webhooks: { sms: false } } },
    });
    expect(await stored(ada)).toEqual(
      expect.arrayContaining([
        { category: 'webhooks', channel: 'email', enabled: false },
        { category: 'webhooks', channel: 'sms', enabled: false },
      ]),
    );
  });

  it('refuses to turn security or transactional messages off, and changes nothing', async () => {
    const user = uuidv7();
    await h.request('PUT', '/v1/me/preferences', {
      token: h.userToken(user),
      body: { categories: { webhooks: { sms: false } } },
    });
    const before = await stored(user);
    for (const categories of [
      { security: { email: false }, webhooks: { email: false } },
      { transactional: { sms: false } },
    ]) {
      const res = await h.request('PUT', '/v1/me/preferences', {
        token: h.userToken(user),
        body: { categories },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors: { pointer: string; code: string }[] };
      expect(problem.errors.every((e) => e.code === 'preference_locked')).toBe(true);
      expect(problem.errors.length).toBeGreaterThan(0);
    }
    expect(await stored(user)).toEqual(before);
  });

  it('accepts turning a locked category on (nothing to store)', async () => {
    const user = uuidv7();
    const res = await h.request('PUT', '/v1/me/preferences', {
      token: h.userToken(user),
      body: { categories: { security: { email: true } } },
    });
    expect(res.status).toBe(200);
    expect(await stored(user)).toEqual([]);
  });

  it('rejects unknown categories, channels and properties, and non-boolean values', async () => {
    const user = uuidv7();
    for (const body of [
      { categories: { marketing: { email: false } } },
      { categories: { webhooks: { push: false } } },
      { categories: { webhooks: { email: 'no' } } },
      { categories: {}, extra: 1 },
      {},
    ]) {
      const res = await h.request('PUT', '/v1/me/preferences', { token: h.userToken(user), body });
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
    }
    expect(await stored(user)).toEqual([]);
  });

  it('needs a user access token', async () => {
    expect((await h.request('GET', '/v1/me/preferences')).status).toBe(401);
    // Flip a character in the middle of the signature: the last base64url character of an ES256
    // signature carries padding bits, so changing it may leave the decoded signature unchanged.
    const token = h.userToken(uuidv7());
    const at = token.lastIndexOf('.') + 20;
    const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    expect((await h.request('GET', '/v1/me/preferences', { token: forged })).status).toBe(401);
    const count = async () => (await h.db.selectFrom('preferences').select('user_id').execute()).length;
    const before = await count();
    const client = await h.request('PUT', '/v1/me/preferences', {
      token: h.clientToken(['*']),
      body: { categories: { webhooks: { email: false } } },
    });
    expect(client.status).toBe(403);
    expect(await count()).toBe(before);
  });
});
