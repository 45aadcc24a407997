import { describe, expect, it } from '@jest/globals';
import { parseOptions } from '@node-rs/argon2';
import { createPasswordHasher, hashPassword, OWASP_ARGON2ID, verifyPassword } from './hashing.ts';

// Cheap parameters for the cases where only "different from current" matters.
const weak = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1, outputLen: 32 });

describe('password hashing (argon2id)', () => {
  it('round-trips, with OWASP parameters in the PHC string', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parseOptions(stored);
    expect(parsed).toMatchObject({
      memoryCost: OWASP_ARGON2ID.memoryCost,
      timeCost: 2,
      parallelism: 1,
      saltLen: 16,
    });
    expect(await verifyPassword(stored, 'correct horse battery staple')).toEqual({
      ok: true,
      needsRehash: false,
    });
  });

  it('refuses a wrong password, a case change and a truncation', async () => {
    const stored = await hashPassword('correct horse battery staple');
    for (const attempt of [
      'correct horse battery stapl',
      'Correct horse battery staple',
      '',
      'correct horse battery staple ',
    ]) {
      expect(await verifyPassword(stored, attempt)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('salts every hash (same password, different hashes)', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same password here'),
      hashPassword('same password here'),
    ]);
    expect(a).not.toBe(b);
  });

  it('hashes the NFKC form, so composed and decomposed input verify alike', async () => {
    const composed = 'caf\u00e9 au lait sans sucre'; // é as one code point
    const decomposed = 'cafe\u0301 au lait sans sucre'; // e + combining acute
    const fullwidth = '\uff30\uff21\uff33\uff33 phrase okay'; // ＰＡＳＳ → PASS under NFKC
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toMatchObject({ ok: true });
    expect(await verifyPassword(await hashPassword(fullwidth), 'PASS phrase okay')).toMatchObject({
      ok: true,
    });
  });

  it('flags needsRehash when the stored parameters differ from the current ones', async () => {
    const old = await weak.hashPassword('an old password hash');
    expect(old).toContain('$m=1024,t=1,p=1$');
    expect(await verifyPassword(old, 'an old password hash')).toEqual({ ok: true, needsRehash: true });
    // A wrong password never asks for a rehash (nothing to rehash with).
    expect(await verifyPassword(old, 'a wrong password')).toEqual({ ok: false, needsRehash: false });
    // Seen from the weak hasher, the OWASP hash is the different one.
    const current = await hashPassword('an old password hash');
    expect(await weak.verifyPassword(current, 'an old password hash')).toEqual({
      ok: true,
      needsRehash: true,
    });
  });

  it('flags needsRehash for another argon2 variant (argon2i)', async () => {
    const { hash } = await import('@node-rs/argon2');
    // 1 = Argon2i in @node-rs/argon2's const enum.
    const argon2i = await hash('legacy variant pass', { ...OWASP_ARGON2ID, algorithm: 1 });
    expect(argon2i.startsWith('$argon2i$')).toBe(true);
    expect(await verifyPassword(argon2i, 'legacy variant pass')).toEqual({ ok: true, needsRehash: true });
  });
});
