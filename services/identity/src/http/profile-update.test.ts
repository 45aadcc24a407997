/** PATCH /v1/me against the real service: validation, canonical forms, the event, and refusals that change nothing. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createVerifiedUser,
  type IdentityHarness,
  loginTokens,
  startIdentityService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';

describe('PATCH /v1/me', () => {
  let h: IdentityHarness;
  let userId: string;
  let token: string;

  const patch = (body: unknown, bearer: string | null = token) =>
    h.request('PATCH', '/v1/me', body, bearer ?? undefined);
  const user = () =>
    h.db
      .selectFrom('users')
      .select(['name', 'locale', 'timezone'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
  const updatedEvents = async () =>
    (await h.outbox()).filter((r) => r.type === 'identity.user.updated' && r.payload.data.user_id === userId);

  beforeAll(async () => {
    h = await startIdentityService();
    const email = uniqueEmail('profile');
    userId = await createVerifiedUser(h, email, PASSWORD);
    token = (await loginTokens(h, email, PASSWORD)).access_token;
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('changes the given fields, stores canonical forms and emits only what changed', async () => {
    const res = await patch({ locale: 'pt-br', timezone: 'america/sao_paulo' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ id: userId, locale: 'pt-BR', timezone: 'America/Sao_Paulo' });
    expect(await user()).toEqual({ name: null, locale: 'pt-BR', timezone: 'America/Sao_Paulo' });
    const events = await updatedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]?.kind).toBe('event');
    expect(events[0]?.payload.data).toEqual({
      user_id: userId,
      changed: ['locale', 'timezone'],
      locale: 'pt-BR',
      timezone: 'America/Sao_Paulo',
    });

    // Same locale again plus a new name: only the name is reported.
    const again = await patch({ locale: 'pt-BR', name: '  Ada King ' });
    expect(again.status).toBe(200);
    const after = await updatedEvents();
    expect(after).toHaveLength(2);
    expect(after[1]?.payload.data).toEqual({ user_id: userId, changed: ['name'], name: 'Ada King' });

    // Nothing different: 200, no event.
    expect((await patch({ name: 'Ada King', timezone: 'America/Sao_Paulo' })).status).toBe(200);
    expect(await updatedEvents()).toHaveLength(2);
    const me = await h.get('/v1/me', token);
    expect(await me.json()).toMatchObject({
      name: 'Ada King',
      locale: 'pt-BR',
      timezone: 'America/Sao_Paulo',
    });
  });

  it('refuses invalid values, unknown and protected fields, and changes nothing', async () => {
    const before = await user();
    const outboxBefore = (await h.outbox()).length;
    const cases: [unknown, string][] = [
      [{ locale: 'english' }, '/body/locale'],
      [{ locale: 'en_US' }, '/body/locale'],
      [{ timezone: 'Mars/Olympus_Mons' }, '/body/timezone'],
      [{ timezone: '+01:00' }, '/body/timezone'],
      [{ name: 'Ada\u202eKing' }, '/body/name'],
      [{ name: '   ' }, '/body/name'],
      // A valid field next to a bad one: the whole request is refused.
      [{ name: 'Mallory', timezone: 'Nowhere/Land' }, '/body/timezone'],
    ];
    for (const [body, pointer] of cases) {
      const res = await patch(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors?: { pointer: string }[] };
      expect(problem.errors?.map((e) => e.pointer)).toContain(pointer);
    }
    // Mass assignment: fields that are not the profile's.
    for (const body of [
      { email: 'mallory@example.test' },
      { status: 'disabled' },
      { email_verified: true },
      { name: 'Mallory', id: '0193a5e2-6b00-7000-8000-000000000001' },
      { phone: '+447700900123' },
      {},
      { name: 42 },
      { locale: ['en'] },
    ]) {
      expect((await patch(body)).status).toBe(400);
    }
    expect(await user()).toEqual(before);
    const email = await h.db
      .selectFrom('users')
      .select(['email', 'status'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(email.status).toBe('active');
    expect((await h.outbox()).length).toBe(outboxBefore);
  });

  it('needs a live user session', async () => {
    const before = await user();
    expect((await patch({ name: 'Anonymous' }, null)).status).toBe(401);
    expect((await patch({ name: 'Forged' }, `${token.slice(0, -4)}AAAA`)).status).toBe(401);
    // A token whose session was logged out.
    const email = uniqueEmail('gone');
    const otherId = await createVerifiedUser(h, email, PASSWORD);
    const other = await loginTokens(h, email, PASSWORD);
    expect((await h.request('POST', '/v1/logout', undefined, other.access_token)).status).toBe(204);
    const res = await patch({ name: 'Ghost' }, other.access_token);
    expect(res.status).toBe(401);
    const row = await h.db
      .selectFrom('users')
      .select('name')
      .where('id', '=', otherId)
      .executeTakeFirstOrThrow();
    expect(row.name).toBeNull();
    expect(await user()).toEqual(before);
  });
});
