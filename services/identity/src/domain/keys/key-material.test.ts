import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { keysProductionRules } from '../../config/keys.ts';
import {
  decryptPrivateKey,
  developmentKek,
  encryptPrivateKey,
  generateSigningKey,
  parseKek,
  SigningKeyError,
} from './key-material.ts';
import { retiredKeyExpiry, secondsUntilPromotable } from './rotation.ts';

const kek = () => parseKek(randomBytes(32).toString('base64'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof SigningKeyError ? error.code : `not a SigningKeyError: ${String(error)}`;
  }
  return undefined;
}

describe('signing key material', () => {
  it('round-trips a P-256 private key through AES-256-GCM', () => {
    const k = kek();
    const key = generateSigningKey('kid-1');
    const encrypted = encryptPrivateKey(k, 'kid-1', key.privatePkcs8);
    const privateKey = decryptPrivateKey(k, 'kid-1', encrypted);
    const jwk = privateKey.export({ format: 'jwk' });
    expect(jwk.x).toBe(key.publicJwk.x);
    expect(jwk.y).toBe(key.publicJwk.y);
    expect(encrypted.iv).toHaveLength(12);
    expect(encrypted.tag).toHaveLength(16);
  });

  it('publishes only public members', () => {
    const { publicJwk } = generateSigningKey('kid-2');
    expect(Object.keys(publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: 'kid-2' });
  });

  it('refuses a wrong key-encryption key with a stable code', () => {
    const key = generateSigningKey('kid-3');
    const encrypted = encryptPrivateKey(kek(), 'kid-3', key.privatePkcs8);
    expect(codeOf(() => decryptPrivateKey(kek(), 'kid-3', encrypted))).toBe('signing_key_decrypt_failed');
    expect(codeOf(() => decryptPrivateKey(developmentKek(), 'kid-3', encrypted))).toBe(
      'signing_key_decrypt_failed',
    );
  });

  it('refuses a ciphertext moved to another kid, or a tampered ciphertext or tag', () => {
    const k = kek();
    const key = generateSigningKey('kid-4');
    const encrypted = encryptPrivateKey(k, 'kid-4', key.privatePkcs8);
    expect(codeOf(() => decryptPrivateKey(k, 'kid-5', encrypted))).toBe('signing_key_decrypt_failed');
    const flipped = Buffer.from(encrypted.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(codeOf(() => decryptPrivateKey(k, 'kid-4', { ...encrypted, ciphertext: flipped }))).toBe(
      'signing_key_decrypt_failed',
    );
    expect(codeOf(() => decryptPrivateKey(k, 'kid-4', { ...encrypted, tag: Buffer.alloc(16) }))).toBe(
      'signing_key_decrypt_failed',
    );
  });

  it('the error message never carries key material', () => {
    const k = kek();
    const key = generateSigningKey('kid-6');
    const encrypted = encryptPrivateKey(k, 'kid-6', key.privatePkcs8);
    try {
      decryptPrivateKey(kek(), 'kid-6', encrypted);
      throw new Error('decrypted');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain(encrypted.ciphertext.toString('base64'));
      expect(message).not.toContain(k.bytes.toString('base64'));
    }
  });

  it('accepts only 32-byte key-encryption keys', () => {
    expect(codeOf(() => parseKek(randomBytes(31).toString('base64')))).toBe('signing_key_kek_invalid');
    expect(codeOf(() => parseKek(randomBytes(33).toString('base64')))).toBe('signing_key_kek_invalid');
    expect(parseKek(randomBytes(32).toString('base64url')).bytes).toHaveLength(32);
  });
});

describe('rotation timing', () => {
  it('keeps a retired key for the token lifetime plus refresh interval and clock skew', () => {
    const retired = new Date('2026-01-01T00:00:00Z');
    expect(retiredKeyExpiry(retired, 900).toISOString()).toBe('2026-01-01T00:16:05.000Z');
  });

  it('waits until the next key has been published long enough', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    expect(secondsUntilPromotable(created, new Date('2026-01-01T00:05:00Z'), 330)).toBe(30);
    expect(secondsUntilPromotable(created, new Date('2026-01-01T00:05:30Z'), 330)).toBe(0);
  });
});

describe('keysProductionRules', () => {
  it('refuses a missing encryption key, issuer and audience in production', () => {
    const issues = keysProductionRules({ NODE_ENV: 'production' });
    expect(issues.map((i) => i.split(':')[0])).toEqual([
      'SIGNING_KEY_ENCRYPTION_KEY',
      'TOKEN_ISSUER',
      'TOKEN_AUDIENCE',
    ]);
  });

  it('refuses an http issuer and accepts a complete configuration', () => {
    const base = {
      NODE_ENV: 'production' as const,
      SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TOKEN_AUDIENCE: 'authplatform',
    };
    expect(keysProductionRules({ ...base, TOKEN_ISSUER: 'http://id.example.com' })).toEqual([
      'TOKEN_ISSUER: must use https in production',
    ]);
    expect(keysProductionRules({ ...base, TOKEN_ISSUER: 'https://id.example.com' })).toEqual([]);
  });
});
