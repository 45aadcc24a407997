/** Brute-force protection of the login route against the real service (Postgres attempt store). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AccountsHarness,
  createVerifiedUser,
  startAccountsService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
const THRESHOLD = 5;
const IP_LIMIT = 30;

function randomIp(): string {
  return Array.from({ length: 4 }, () => 1 + Math.floor(Math.random() * 250)).join('.');
}

describe('login throttling', () => {
  let h: AccountsHarness;

  beforeAll(async () => {
    h = await startAccountsService({
      LOCKOUT_THRESHOLD: String(THRESHOLD),
      LOCKOUT_DURATION_SEC: '900',
      LOGIN_IP_LIMIT: String(IP_LIMIT),
    });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('20 concurrent wrong passwords: at most `threshold` are checked, then the account is locked (429)', async () => {
    const email = uniqueEmail('victim');
    await createVerifiedUser(h, email, PASSWORD);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.post('/v1/login', { email, password: `wrong guess number ${i}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THRESHOLD);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - THRESHOLD);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }

    // Locked: even the right password is refused until the lock ends.
    const after = await h.post('/v1/login', { email, password: PASSWORD });
    expect(after.status).toBe(429);
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(((await after.json()) as { code: string }).code).toBe('too_many_requests');

    const locked = (await h.outbox()).filter(
      (r) => r.type === 'identity.login.failed' && r.payload.data.reason === 'locked',
    );
    expect(locked.length).toBeGreaterThan(0);
  });

  it('locks an unknown address the same way (the lockout reveals nothing)', async () => {
    const email = uniqueEmail('ghost');
    const statuses: number[] = [];
    for (let i = 0; i < THRESHOLD + 2; i++) {
      statuses.push((await h.post('/v1/login', { email, password: `guess ${i} for ghost` })).status);
    }
    expect(statuses).toEqual([...Array(THRESHOLD).fill(401), 429, 429]);
  });

  it('random X-Forwarded-For does not escape the account lockout or the per-IP limit', async () => {
    // Account lockout: the forged header changes nothing.
    const email = uniqueEmail('xff');
    await createVerifiedUser(h, email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < THRESHOLD + 2; i++) {
      const res = await h.post(
        '/v1/login',
        { email, password: `xff guess ${i}` },
        { 'x-forwarded-for': randomIp() },
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);

    // Per-IP limit: many accounts, each below its threshold, from "different" forged addresses.
    const ipStatuses: number[] = [];
    for (let i = 0; i < IP_LIMIT + 5; i++) {
      const res = await h.post(
        '/v1/login',
        { email: uniqueEmail(`spray${i}`), password: 'spray password guess' },
        { 'x-forwarded-for': `${randomIp()}, ${randomIp()}` },
      );
      ipStatuses.push(res.status);
    }
    expect(ipStatuses).toContain(429);
    // The socket address was the key: sessions and events never saw a forged address.
    const forged = (await h.outbox()).filter(
      (r) => r.type === 'identity.login.failed' && r.payload.data.ip !== '127.0.0.1',
    );
    expect(forged).toEqual([]);
  });
});
