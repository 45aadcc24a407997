/**
 * Personal data in records is sealed with a per-user data key (AES-256-GCM); the data keys are stored
 * wrapped by the service's key-encryption key. Erasure destroys the wrapped key (crypto-shredding):
 * the ciphertext stays, so the hash chain still verifies, but nobody can read it any more.
 * Format: base64url(iv[12] ‖ tag[16] ‖ ciphertext); the additional data binds a sealed value to its
 * record (event id) so ciphertexts cannot be swapped between records.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV = 12;
const TAG = 16;

export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function open(key: Buffer, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.byteLength < IV + TAG) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV, IV + TAG));
  return Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]);
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

/** Wraps a user's data key under the key-encryption key, bound to the user id. */
export function wrapDataKey(kek: Buffer, dataKey: Buffer, userId: string): string {
  return seal(kek, dataKey, `audit-data-key:${userId}`);
}

export function unwrapDataKey(kek: Buffer, wrapped: string, userId: string): Buffer {
  return open(kek, wrapped, `audit-data-key:${userId}`);
}
