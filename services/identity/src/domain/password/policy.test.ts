import { describe, expect, it } from '@jest/globals';
import { checkPassword, codePointLength, commonPasswords, createPasswordPolicy } from './policy.ts';

const reasons = (password: string, email?: string, minLength?: number) => {
  const result = checkPassword(password, { email }, minLength === undefined ? {} : { minLength });
  return result.ok ? [] : result.reasons;
};

describe('password policy (NIST SP 800-63B)', () => {
  it('accepts a long passphrase of any composition, returning its NFKC form', () => {
    expect(checkPassword('just lowercase words here')).toEqual({
      ok: true,
      password: 'just lowercase words here',
    });
    expect(checkPassword('\uff30\uff21\uff33\uff33 phrase okay')).toEqual({
      ok: true,
      password: 'PASS phrase okay',
    });
  });

  it('enforces the minimum length (default 12, configurable) in code points', () => {
    expect(reasons('elevenchars')).toEqual(['too_short']);
    expect(reasons('twelve chars')).toEqual([]);
    expect(reasons('twelve chars', undefined, 16)).toEqual(['too_short']);
    expect(createPasswordPolicy({ minLength: 8 }).check('eight ok')).toMatchObject({ ok: true });
  });

  it('counts code points, not UTF-16 units: 6 emoji are 6 characters', () => {
    const emoji = '😀😁😂🤣😃😄'; // 12 UTF-16 units
    expect(emoji.length).toBe(12);
    expect(codePointLength(emoji)).toBe(6);
    expect(reasons(emoji)).toEqual(['too_short']);
    expect(reasons(emoji.repeat(2))).toEqual([]);
  });

  it('allows all Unicode (spaces, CJK, RTL, emoji)', () => {
    expect(reasons('パスワードは長いほうがいい')).toEqual([]);
    expect(reasons('كلمة مرور طويلة جدا')).toEqual([]);
    expect(reasons('🔐 my 🐈 is named 🍕')).toEqual([]);
  });

  it('caps length at 128 code points after NFKC', () => {
    expect(reasons('a'.repeat(128))).toEqual([]);
    expect(reasons('a'.repeat(129))).toEqual(['too_long']);
    expect(reasons('😀'.repeat(128))).toEqual([]); // 256 UTF-16 units, 128 code points
    // U+FDFA expands to 18 characters under NFKC: 8 of them are 144 characters.
    expect(reasons('\ufdfa'.repeat(8))).toEqual(['too_long']);
  });

  it('measures length after NFKC: decomposed input is not longer than composed', () => {
    const decomposed = 'e\u0301'.repeat(12); // 24 code points raw, 12 after NFKC (é)
    expect(checkPassword(decomposed)).toEqual({ ok: true, password: '\u00e9'.repeat(12) });
  });

  it('rejects bundled common/breached passwords, case-insensitively and through NFKC', () => {
    expect(commonPasswords().size).toBeGreaterThan(40_000);
    expect(reasons('123qweasdzxc')).toEqual(['common']);
    expect(reasons('1QAZ2WSX3EDC')).toEqual(['common']);
    expect(reasons('qwerty123456')).toEqual(['common']);
    // Fullwidth digits and letters are NFKC-folded onto the listed password.
    expect(reasons('\uff11\uff12\uff13\uff51\uff57\uff45\uff41\uff53\uff44\uff5a\uff58\uff43')).toEqual([
      'common',
    ]);
    expect(reasons('password')).toEqual(['too_short', 'common']);
  });

  it('rejects a password containing the email or its local part, case-insensitively', () => {
    expect(reasons('ada.lovelace@example.com', 'ada.lovelace@example.com')).toEqual(['contains_email']);
    expect(reasons('my ADA.Lovelace password', 'ada.lovelace@example.com')).toEqual(['contains_email']);
    expect(reasons('ＡＤＡ.lovelace 2024 pass', 'ada.lovelace@example.com')).toEqual(['contains_email']);
    expect(reasons('a long unrelated passphrase', 'ada.lovelace@example.com')).toEqual([]);
    // A 1–2 letter local part is not searched for (it would refuse at random).
    expect(reasons('a long unrelated passphrase', 'al@example.com')).toEqual([]);
  });

  it('reports every failing reason with stable codes', () => {
    expect(reasons('adam@x.io', 'adam@x.io')).toEqual(['too_short', 'contains_email']);
  });
});
