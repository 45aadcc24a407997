import { describe, expect, it } from '@jest/globals';
import {
  classifyReuse,
  hashRefreshToken,
  looksLikeRefreshToken,
  newRefreshToken,
  type ReuseFacts,
} from './refresh-token.ts';

describe('refresh tokens', () => {
  it('are 256 random bits, base64url, stored as their SHA-256', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashRefreshToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(looksLikeRefreshToken(a.token)).toBe(true);
    expect(looksLikeRefreshToken('a.b.c')).toBe(false);
  });
});

describe('classifyReuse', () => {
  const base: ReuseFacts = {
    sinceRotationSec: 1,
    graceSec: 5,
    rotatedBy: { clientId: 'platform', ip: '10.0.0.1', userAgent: 'ua' },
    presentedBy: { clientId: 'platform', ip: '10.0.0.1', userAgent: 'ua' },
  };

  it('is a race within the grace period from the same client, address and agent', () => {
    expect(classifyReuse(base)).toBe('race');
  });

  it('is a reuse after the grace period, or from anyone else', () => {
    expect(classifyReuse({ ...base, sinceRotationSec: 5 })).toBe('reuse');
    expect(classifyReuse({ ...base, graceSec: 0 })).toBe('reuse');
    expect(classifyReuse({ ...base, presentedBy: { ...base.presentedBy, ip: '10.0.0.2' } })).toBe('reuse');
    expect(classifyReuse({ ...base, presentedBy: { ...base.presentedBy, userAgent: 'x' } })).toBe('reuse');
    expect(classifyReuse({ ...base, presentedBy: { ...base.presentedBy, clientId: 'other' } })).toBe('reuse');
  });
});
