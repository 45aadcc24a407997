import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A verification key from one JWKS entry, or `undefined` when the entry is not an ES256 signing
 * key: only `kty: EC`, `crv: P-256`, with a `kid`, `use` absent or `sig`, `alg` absent or `ES256`,
 * `key_ops` absent or including `verify`. Only the public coordinates are imported, so a private
 * key published by mistake is never used as such.
 */
export function importVerificationKey(entry: unknown): { kid: string; key: KeyObject } | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const { kty, crv, x, y, kid, use, alg, key_ops: keyOps } = entry as Record<string, unknown>;
  if (kty !== 'EC' || crv !== 'P-256') return undefined;
  if (typeof kid !== 'string' || kid === '') return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (alg !== undefined && alg !== 'ES256') return undefined;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined;
  if (typeof x !== 'string' || typeof y !== 'string') return undefined;
  try {
    return { kid, key: createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }) };
  } catch {
    return undefined; // not a point on the curve, bad encoding
  }
}
