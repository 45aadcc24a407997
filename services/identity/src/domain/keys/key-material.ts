/**
 * Signing key material: P-256 key pairs, their public JWKs, and the encryption of private keys at
 * rest (AES-256-GCM under a key-encryption key, the `kid` bound as additional authenticated data so
 * a ciphertext cannot be moved to another key's row). Computation only, no I/O.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

export const SIGNING_ALG = 'ES256';

export type KeyErrorCode =
  | 'signing_key_decrypt_failed'
  | 'signing_key_kek_invalid'
  | 'signing_key_invalid'
  | 'signing_key_missing';

/** A failure of key handling with a stable `code`; its message never contains key material. */
export class SigningKeyError extends Error {
  readonly code: KeyErrorCode;
  constructor(code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeyError';
    this.code = code;
  }
}

/** The public half as published in the JWKS: never `d`. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  use: 'sig';
  alg: typeof SIGNING_ALG;
}

export interface EncryptedPrivateKey {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

export interface NewSigningKey {
  kid: string;
  publicJwk: PublicJwk;
  /** PKCS#8 DER of the private key; encrypt it before it leaves memory. */
  privatePkcs8: Buffer;
}

const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key-encryption key: 32 bytes, kept in a closure-free holder that does not print. */
export interface Kek {
  readonly bytes: Buffer;
  /** True for the fixed development key (refused in production). */
  readonly development: boolean;
}

/** Parses `SIGNING_KEY_ENCRYPTION_KEY` (base64 or base64url of 32 bytes). */
export function parseKek(base64: string): Kek {
  const bytes = Buffer.from(base64, base64.includes('-') || base64.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== KEK_BYTES) {
    throw new SigningKeyError(
      'signing_key_kek_invalid',
      `The key-encryption key must be ${KEK_BYTES} bytes (base64), not ${bytes.length}.`,
    );
  }
  return { bytes, development: false };
}

/**
 * The development key-encryption key: derived from a public constant, so keys created in
 * development stay readable across restarts. Public by design; production refuses it.
 */
export function developmentKek(): Kek {
  const bytes = createHash('sha256').update('authplatform identity development signing-key KEK v1').digest();
  return { bytes, development: true };
}

/** A new `kid`: the creation date and 48 random bits (`2026-11-28-a1b2c3d4e5f6`). */
export function newKid(now: Date): string {
  return `${now.toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
}

/** A fresh P-256 key pair with its public JWK. */
export function generateSigningKey(kid: string): NewSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new SigningKeyError('signing_key_invalid', 'The generated key has no public coordinates.');
  }
  return {
    kid,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, use: 'sig', alg: SIGNING_ALG },
    privatePkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

function aad(kid: string): Buffer {
  return Buffer.from(`authplatform/signing-key/${kid}`, 'utf8');
}

/** Encrypts a private key (PKCS#8 DER) for storage, bound to its `kid`. */
export function encryptPrivateKey(kek: Kek, kid: string, privatePkcs8: Buffer): EncryptedPrivateKey {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const ciphertext = Buffer.concat([cipher.update(privatePkcs8), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/**
 * Decrypts a stored private key into a `KeyObject`. Throws `SigningKeyError`
 * `signing_key_decrypt_failed` for a wrong key-encryption key or a tampered row.
 */
export function decryptPrivateKey(kek: Kek, kid: string, stored: EncryptedPrivateKey): KeyObject {
  let der: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek.bytes, stored.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(stored.tag);
    der = Buffer.concat([decipher.update(stored.ciphertext), decipher.final()]);
  } catch (error) {
    throw new SigningKeyError(
      'signing_key_decrypt_failed',
      `Signing key ${kid} cannot be decrypted: wrong SIGNING_KEY_ENCRYPTION_KEY or a tampered row.`,
      { cause: error },
    );
  }
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('not a P-256 key');
    }
    return key;
  } catch (error) {
    throw new SigningKeyError('signing_key_invalid', `Signing key ${kid} is not a P-256 private key.`, {
      cause: error,
    });
  } finally {
    der.fill(0);
  }
}
