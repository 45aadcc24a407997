import { describe, expect, it } from '@jest/globals';
import { isRecentAuth, RECENT_AUTH_MAX_AGE_SEC } from './recent-auth.ts';
import { emailChangeLink, hashToken, newCredentialToken, passwordResetLink } from './tokens.ts';

describe('credentials domain', () => {
  it('builds reset and email-change links that carry the token as a query parameter', () => {
    const { token, hash } = newCredentialToken();
    expect(hash).toBe(hashToken(token));
    const reset = new URL(passwordResetLink('https://app.example.com/', token));
    expect(reset.origin + reset.pathname).toBe('https://app.example.com/reset-password');
    expect(reset.searchParams.get('token')).toBe(token);
    const change = new URL(emailChangeLink('https://app.example.com', token));
    expect(change.pathname).toBe('/confirm-email-change');
    expect(change.searchParams.get('token')).toBe(token);
  });

  it('counts a login as recent only within the window, with a bounded skew, never without auth_time', () => {
    const now = 1_800_000_000;
    expect(isRecentAuth(now, now)).toBe(true);
    expect(isRecentAuth(now - RECENT_AUTH_MAX_AGE_SEC, now)).toBe(true);
    expect(isRecentAuth(now - RECENT_AUTH_MAX_AGE_SEC - 1, now)).toBe(false);
    expect(isRecentAuth(now + 30, now)).toBe(true);
    expect(isRecentAuth(now + 3600, now)).toBe(false);
    expect(isRecentAuth(undefined, now)).toBe(false);
    expect(isRecentAuth('1800000000', now)).toBe(false);
    expect(isRecentAuth(Number.NaN, now)).toBe(false);
  });
});
