/**
 * Verifies access tokens this service issued, with its own key ring (no HTTP round trip to its
 * JWKS): the platform's rules (identity.md "Tokens", RFC 8725): `alg` ES256 only, `typ` at+jwt,
 * a `kid` among the published keys, `iss` and `aud` checked, `exp` required. Used by introspection
 * and revocation, where the answer is "active or not" rather than an error. Tokens that verified
 * are remembered by their exact text (bounded), so a token presented again costs no signature
 * check; its expiry and its key's publication are checked on every use.
 */
import type { KeyObject } from 'node:crypto';
import { importVerificationKey } from '@authplatform/service-kit';
import jwt from 'jsonwebtoken';
import type { SigningKeys } from '../keys/signing-keys.ts';

export interface VerifiedAccessToken {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti?: string;
  client_id?: string;
  /** The session of a user token (absent on client-credentials tokens). */
  sid?: string;
  scope?: string;
  permissions?: string[];
}

export interface OwnTokenVerifierOptions {
  keys: Pick<SigningKeys, 'jwks'>;
  issuer: string;
  audience: string;
  /** Tolerance on `exp` (0 here: the issuer's own clock decides whether its token is active). */
  clockToleranceSec?: number;
  /** How long the published keys are reused before they are read again. Default 30 s. */
  keysMaxAgeMs?: number;
  /** Minimum time between re-reads caused by an unknown `kid`. Default 5 s. */
  unknownKidCooldownMs?: number;
  /**
   * How many tokens whose signature verified are remembered (by their exact text), so that a token
   * presented again skips the signature check; each hit still checks `exp` against the clock and
   * that its key is still published. Default 10,000; 0 remembers none.
   */
  maxVerifiedTokens?: number;
  now?: () => number;
}

export type VerifyResult =
  | { ok: true; claims: VerifiedAccessToken }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'invalid' | 'expired' };

const MAX_TOKEN_LENGTH = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function headerOf(token: string): { kid: string } | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return undefined;
  const { alg, typ, kid, crit } = header as Record<string, unknown>;
  if (alg !== 'ES256' || crit !== undefined) return undefined;
  if (typeof typ !== 'string' || !['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase()))
    return undefined;
  if (typeof kid !== 'string' || kid === '' || kid.length > 256) return undefined;
  return { kid };
}

function claimsOf(payload: unknown): VerifiedAccessToken | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const c = payload as Record<string, unknown>;
  const ok =
    typeof c.iss === 'string' &&
    typeof c.sub === 'string' &&
    (typeof c.aud === 'string' || (Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string'))) &&
    typeof c.exp === 'number' &&
    typeof c.iat === 'number' &&
    (c.jti === undefined || typeof c.jti === 'string') &&
    (c.client_id === undefined || typeof c.client_id === 'string') &&
    (c.sid === undefined || typeof c.sid === 'string') &&
    (c.scope === undefined || typeof c.scope === 'string') &&
    (c.permissions === undefined ||
      (Array.isArray(c.permissions) && c.permissions.every((p) => typeof p === 'string')));
  return ok ? (c as unknown as VerifiedAccessToken) : undefined;
}

export type OwnTokenVerifier = (token: string) => Promise<VerifyResult>;

export function createOwnTokenVerifier(options: OwnTokenVerifierOptions): OwnTokenVerifier {
  const now = options.now ?? (() => Date.now());
  const maxAgeMs = options.keysMaxAgeMs ?? 30_000;
  const cooldownMs = options.unknownKidCooldownMs ?? 5_000;
  let keys = new Map<string, KeyObject>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  async function load(): Promise<void> {
    loading ??= (async () => {
      try {
        const { keys: published } = await options.keys.jwks();
        const next = new Map<string, KeyObject>();
        for (const entry of published) {
          const imported = importVerificationKey(entry);
          if (imported !== undefined) next.set(imported.kid, imported.key);
        }
        keys = next;
        loadedAt = now();
      } finally {
        loading = undefined;
      }
    })();
    await loading;
  }

  async function keyFor(kid: string): Promise<KeyObject | undefined> {
    const age = now() - loadedAt;
    if (age > maxAgeMs) await load();
    const key = keys.get(kid);
    if (key !== undefined || now() - loadedAt < cooldownMs) return key;
    await load();
    return keys.get(kid);
  }

  const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
    algorithms: ['ES256'],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec ?? 0,
  };

  const toleranceSec = options.clockToleranceSec ?? 0;
  const maxVerified = options.maxVerifiedTokens ?? 10_000;
  /** Token text → its claims and key id, for tokens whose signature, iss, aud and exp verified. */
  const verified = new Map<string, { claims: VerifiedAccessToken; kid: string }>();
  // As jsonwebtoken decides expiry: expired once the clock reaches `exp + tolerance`.
  const expired = (claims: VerifiedAccessToken) => Math.floor(now() / 1000) >= claims.exp + toleranceSec;

  return async (token) => {
    const seen = verified.get(token);
    if (seen !== undefined) {
      // Its key must still be published (a pruned key's tokens stop verifying), and it must not have expired.
      if ((await keyFor(seen.kid)) === undefined || expired(seen.claims)) {
        verified.delete(token);
        return { ok: false, reason: expired(seen.claims) ? 'expired' : 'unknown_key' };
      }
      return { ok: true, claims: seen.claims };
    }
    const header = headerOf(token);
    if (header === undefined) return { ok: false, reason: 'malformed' };
    const key = await keyFor(header.kid);
    if (key === undefined) return { ok: false, reason: 'unknown_key' };
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, { ...verifyOptions, clockTimestamp: Math.floor(now() / 1000) });
    } catch (error) {
      return { ok: false, reason: error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
    }
    const claims = claimsOf(payload);
    if (claims === undefined) return { ok: false, reason: 'invalid' };
    if (maxVerified > 0) {
      verified.set(token, { claims, kid: header.kid });
      if (verified.size > maxVerified) {
        const oldest = verified.keys().next();
        if (oldest.done !== true) verified.delete(oldest.value);
      }
    }
    return { ok: true, claims };
  };
}
