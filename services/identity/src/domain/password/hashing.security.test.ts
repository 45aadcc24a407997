import { describe, expect, it } from '@jest/globals';
import { dummyVerify, hashPassword, MAX_VERIFY_INPUT, verifyPassword } from './hashing.ts';

async function elapsedMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe('password hashing: attacks', () => {
  it('dummyVerify (unknown user) does the work of a real verification (equal-work answers)', async () => {
    const stored = await hashPassword('the real users password');
    await dummyVerify(); // computes the dummy hash once, outside the timings
    const real: number[] = [];
    const dummy: number[] = [];
    // Interleaved and sequential, so machine noise hits both series alike; medians, generous factor.
    for (let i = 0; i < 7; i++) {
      real.push(await elapsedMs(() => verifyPassword(stored, 'a guessed password')));
      dummy.push(await elapsedMs(() => dummyVerify('a guessed password')));
    }
    const ratio = median(dummy) / median(real);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
    expect(await dummyVerify('anything')).toEqual({ ok: false, needsRehash: false });
  });

  it('answers a malformed or foreign stored hash like a wrong password, after real work', async () => {
    const median1 = await elapsedMs(() => dummyVerify('x'));
    for (const stored of [
      '',
      'plaintext-password',
      '$2b$10$abcdefghijklmnopqrstuuJ9YyQ8o1v3l6n7aYz8fJj0nR5m2W',
      '$argon2id$v=19$m=19456,t=2,p=1$bad',
    ]) {
      let ms = 0;
      const result = await (async () => {
        const start = process.hrtime.bigint();
        const r = await verifyPassword(stored, stored === 'plaintext-password' ? 'plaintext-password' : 'x');
        ms = Number(process.hrtime.bigint() - start) / 1e6;
        return r;
      })();
      expect(result).toEqual({ ok: false, needsRehash: false });
      expect(ms).toBeGreaterThan(median1 / 4);
    }
  });

  it('refuses oversized input without special-casing its cost', async () => {
    const stored = await hashPassword('short and fine password');
    const huge = 'a'.repeat(MAX_VERIFY_INPUT + 1);
    expect(await verifyPassword(stored, huge)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword(stored, `short and fine password${'\u0000'.repeat(2_000_000)}`)).toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([hashPassword('first password here'), hashPassword('second password here')]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
