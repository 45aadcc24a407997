/**
 * Client ids and secrets of OAuth 2 clients. A secret is 256 random bits, shown once and stored
 * only as HMAC-SHA256(pepper, secret): a secret of that strength needs no slow hash (nothing to
 * brute-force), and the keyed hash means a copy of the table alone does not allow testing guesses.
 * Comparisons are constant time.
 */
import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** `cl_` + 32 lowercase hex characters (128 random bits): safe in URLs and in `client_secret_basic`. */
export const CLIENT_ID_PATTERN = '^cl_[0-9a-f]{32}$';
const CLIENT_ID = new RegExp(CLIENT_ID_PATTERN);
/** 32 random bytes, base64url without padding. */
export const CLIENT_SECRET_PATTERN = '^[A-Za-z0-9_-]{43}$';
export const SECRET_BYTES = 32;
export const MIN_PEPPER_BYTES = 32;
export const HASH_BYTES = 32;

export type Pepper = Buffer & { readonly __pepper: unique symbol };

export class PepperError extends Error {
  override name = 'PepperError';
}

export function generateClientId(): string {
  return `cl_${randomBytes(16).toString('hex')}`;
}

export function isClientId(value: string): boolean {
  return CLIENT_ID.test(value);
}

export function generateClientSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** The pepper from its base64 (standard or url-safe) text: at least 32 bytes. */
export function parsePepper(value: string): Pepper {
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < MIN_PEPPER_BYTES) {
    throw new PepperError(`CLIENT_SECRET_PEPPER must decode to at least ${MIN_PEPPER_BYTES} bytes.`);
  }
  return bytes as Pepper;
}

/** A fixed, public pepper for development and tests only (production refuses to start without one). */
export function developmentPepper(): Pepper {
  return createHash('sha256').update('authplatform development client secret pepper').digest() as Pepper;
}

/** The pepper as a `KeyObject`, imported once per pepper (a raw Buffer key is re-imported on every HMAC). */
const hmacKeys = new WeakMap<Pepper, KeyObject>();
function hmacKeyOf(pepper: Pepper): KeyObject {
  let key = hmacKeys.get(pepper);
  if (key === undefined) {
    key = createSecretKey(pepper);
    hmacKeys.set(pepper, key);
  }
  return key;
}

/** HMAC-SHA256(pepper, secret): what is stored. */
export function hashClientSecret(pepper: Pepper, secret: string): Buffer {
  return createHmac('sha256', hmacKeyOf(pepper)).update(secret, 'utf8').digest();
}

/**
 * Whether `secret` matches one of the stored hashes, in constant time with respect to the secret
 * and the hashes (every candidate is compared, also after a match). A stored hash of the wrong length
 * or `null` never matches.
 */
export function secretMatches(pepper: Pepper, secret: string, stored: ReadonlyArray<Buffer | null>): boolean {
  const presented = hashClientSecret(pepper, secret);
  let match = false;
  for (const hash of stored) {
    const candidate = hash !== null && hash.length === HASH_BYTES ? hash : DUMMY_HASH;
    const equal = timingSafeEqual(presented, candidate);
    match = (equal && candidate !== DUMMY_HASH) || match;
  }
  return match;
}

/** Compared against when the client is unknown, so that path does the same work. */
export const DUMMY_HASH: Buffer = createHash('sha256').update('no such client').digest();
