import { describe, expect, it } from '@jest/globals';
import {
  developmentPepper,
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  isClientId,
  PepperError,
  parsePepper,
  secretMatches,
} from './client-secret.ts';

const pepper = parsePepper(Buffer.alloc(32, 1).toString('base64'));

describe('client ids and secrets', () => {
  it('generates cl_ ids and 256-bit url-safe secrets, all different', () => {
    const ids = new Set(Array.from({ length: 100 }, generateClientId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(isClientId(id)).toBe(true);
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('matches the current or a previous hash, nothing else', () => {
    const secret = generateClientSecret();
    const hash = hashClientSecret(pepper, secret);
    expect(secretMatches(pepper, secret, [hash, null])).toBe(true);
    expect(secretMatches(pepper, secret, [null, hash])).toBe(true);
    expect(secretMatches(pepper, `${secret}x`, [hash, null])).toBe(false);
    expect(secretMatches(pepper, secret, [null, null])).toBe(false);
    expect(secretMatches(pepper, secret, [Buffer.alloc(3), null])).toBe(false);
  });

  it('depends on the pepper', () => {
    const secret = generateClientSecret();
    expect(secretMatches(developmentPepper(), secret, [hashClientSecret(pepper, secret)])).toBe(false);
  });

  it('refuses a pepper shorter than 32 bytes', () => {
    expect(() => parsePepper(Buffer.alloc(16).toString('base64'))).toThrow(PepperError);
    expect(parsePepper(Buffer.alloc(32, 9).toString('base64url'))).toHaveLength(32);
  });
});
