import { describe, expect, it } from '@jest/globals';
import { emailHash, isValidEmail, normalizeEmail } from './email.ts';
import { loginRefusal } from './login-policy.ts';
import { hashToken, newVerificationToken, verificationLink } from './verification-token.ts';

describe('accounts domain', () => {
  it('normalises addresses (NFKC, trim, lower case) and hashes the normalised form', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('\uff41da@example.com')).toBe('ada@example.com'); // fullwidth a
    expect(emailHash('ADA@example.com')).toBe(emailHash('ada@example.com'));
    expect(emailHash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(isValidEmail('ada@example.com')).toBe(true);
    expect(isValidEmail('not an email')).toBe(false);
    expect(isValidEmail(`${'a'.repeat(250)}@x.io`)).toBe(false);
  });

  it('makes 256-bit tokens stored only as SHA-256, carried as the link’s token parameter', () => {
    const { token, hash } = newVerificationToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token);
    expect(newVerificationToken().token).not.toBe(token);
    const link = new URL(verificationLink('https://app.example.com/', token));
    expect(link.pathname).toBe('/verify-email');
    expect(link.searchParams.get('token')).toBe(token);
  });

  it('refuses disabled and unverified accounts, disabled first', () => {
    const verified = new Date();
    expect(loginRefusal({ status: 'active', email_verified_at: verified })).toBeUndefined();
    expect(loginRefusal({ status: 'active', email_verified_at: null })).toBe('unverified');
    expect(loginRefusal({ status: 'disabled', email_verified_at: null })).toBe('disabled');
  });
});
