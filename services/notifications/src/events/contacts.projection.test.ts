import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { contactsStore } from '../store/contacts/contacts-store.ts';
import { deliveryForTests } from './delivery.test-support.ts';
import { type HandlersHarness, startHandlersHarness } from './handlers.test-support.ts';
import { createHandlers } from './handlers.ts';

let h: HandlersHarness;
let handlers: ReturnType<typeof createHandlers>;

beforeAll(async () => {
  h = await startHandlersHarness();
  handlers = createHandlers({ ...deliveryForTests(), defaultLocale: 'en' });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** mulberry32: a small seeded PRNG, so failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = [
  '0193a5e2-6b00-7000-8000-00000000000a',
  '0193a5e2-6b00-7000-8000-00000000000b',
  '0193a5e2-6b00-7000-8000-00000000000c',
];
const LOCALES = ['en', 'pt-BR', 'es', 'fr'];
const ZONES = ['UTC', 'Europe/Lisbon', 'America/Sao_Paulo'];
const NAMES = ['Ada', 'Grace', 'Katherine', 'Margaret'];
const PHONES = ['+447700900123', '+351912345678', null];

/**
 * A causally ordered stream of identity.user.* events per user: registered first, then updates and
 * email changes; with `sequenced` a CloudEvents sequence per subject, else (as identity publishes
 * today) only time-ordered UUIDv7 ids.
 */
function randomStream(seed: number, length: number, sequenced: boolean): CloudEvent[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const sequences = new Map<string, number>();
  const emails = new Map<string, string>();
  const options = (user: string) => {
    const n = (sequences.get(user) ?? 0) + 1;
    sequences.set(user, n);
    return { id: uuidv7(), ...(sequenced ? { sequence: n } : {}) };
  };
  const events: CloudEvent[] = [];
  for (const user of USERS) {
    const email = `${user.slice(-4)}-0@example.test`;
    emails.set(user, email);
    events.push(
      createEvent(
        'identity.user.registered',
        { user_id: user, email, locale: pick(LOCALES), timezone: pick(ZONES), signup_method: 'self_service' },
        options(user),
      ) as CloudEvent,
    );
  }
  for (let i = 0; i < length; i += 1) {
    const user = pick(USERS);
    if (rand() < 0.25) {
      const old_email = emails.get(user) as string;
      const new_email = `${user.slice(-4)}-${i + 1}@example.test`;
      emails.set(user, new_email);
      events.push(
        createEvent(
          'identity.user.email_changed',
          { user_id: user, old_email, new_email },
          options(user),
        ) as CloudEvent,
      );
      continue;
    }
    const fields = (['name', 'locale', 'timezone', 'phone'] as const).filter(() => rand() < 0.5);
    const changed = fields.length > 0 ? fields : (['name'] as const);
    const data: Record<string, unknown> = { user_id: user, changed: [...changed] };
    for (const f of changed) {
      data[f] =
        f === 'name'
          ? pick(NAMES)
          : f === 'locale'
            ? pick(LOCALES)
            : f === 'timezone'
              ? pick(ZONES)
              : pick(PHONES);
    }
    events.push(createEvent('identity.user.updated', data as never, options(user)) as CloudEvent);
  }
  return events;
}

async function reset(): Promise<void> {
  await sql`truncate contacts, preference_skips`.execute(h.db);
}

async function projection(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const user of USERS) result[user] = (await contactsStore(h.db).find(user))?.values;
  return result;
}

describe('contact projection', () => {
  it.each([
    [1, true],
    [2, true],
    [3, true],
    [4, false],
    [5, false],
    [6, false],
  ])(
    'a shuffled, duplicated stream gives the ordered stream’s contacts (seed %i, sequenced %s)',
    async (seed, sequenced) => {
      const stream = randomStream(seed, 40, sequenced);
      await reset();
      for (const e of stream) await h.deliver(handlers, e);
      const ordered = await projection();
      // The ordered result is what the last event of each field says (not a trivially empty projection).
      for (const user of USERS) expect((ordered[user] as { email: string }).email).toMatch(/@example\.test$/);

      const rand = prng(seed * 7919);
      const noisy = [...stream, ...stream.filter(() => rand() < 0.4)];
      for (let i = noisy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rand() * (i + 1));
        [noisy[i], noisy[j]] = [noisy[j] as CloudEvent, noisy[i] as CloudEvent];
      }
      await reset();
      for (const e of noisy) await h.deliver(handlers, e);
      expect(await projection()).toEqual(ordered);
    },
    60_000,
  );

  it('keeps a field set by a newer update when an older registration arrives late', async () => {
    await reset();
    const user = uuidv7();
    const registered = createEvent(
      'identity.user.registered',
      {
        user_id: user,
        email: 'late@example.test',
        name: 'Old',
        locale: 'en',
        timezone: 'UTC',
        signup_method: 'self_service',
      },
      { sequence: 1 },
    );
    const updated = createEvent(
      'identity.user.updated',
      { user_id: user, changed: ['locale'], locale: 'pt-BR' },
      { sequence: 2 },
    );
    await h.deliver(handlers, updated as CloudEvent);
    await h.deliver(handlers, registered as CloudEvent);
    expect((await contactsStore(h.db).find(user))?.values).toEqual({
      email: 'late@example.test',
      phone: null,
      name: 'Old',
      locale: 'pt-BR',
      timezone: 'UTC',
    });
  });
});
