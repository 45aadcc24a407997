import type { KeyObject } from 'node:crypto';
import type { AccessTokenClaims } from './permissions.ts';

interface Entry {
  claims: AccessTokenClaims;
  kid: string;
  key: KeyObject;
  exp: number;
  nbf: number | undefined;
}

/**
 * Tokens whose signature and claims were verified, keyed by the exact token string, so that the
 * next request with the same token skips the ECDSA verification (the costly part; one token is
 * typically presented many times in its 15 minutes). A hit is re-checked against the clock and
 * against the current key set, so expiry and key removal take effect as without the cache.
 * Bounded: the oldest entry is dropped when full. Only verified tokens ever enter.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clockToleranceSec: number;

  constructor(maxEntries: number, clockToleranceSec: number) {
    this.#maxEntries = maxEntries;
    this.#clockToleranceSec = clockToleranceSec;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached claims if the token is cached, still in its validity window, and its key is current. */
  get(token: string, currentKey: (kid: string) => KeyObject | undefined): AccessTokenClaims | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    const now = Date.now() / 1000;
    const tooLate = now > entry.exp + this.#clockToleranceSec;
    const tooEarly = entry.nbf !== undefined && now < entry.nbf - this.#clockToleranceSec;
    if (tooLate || currentKey(entry.kid) !== entry.key) {
      this.#entries.delete(token);
      return undefined;
    }
    return tooEarly ? undefined : entry.claims;
  }

  set(token: string, kid: string, key: KeyObject, claims: AccessTokenClaims): void {
    if (this.#maxEntries <= 0) return;
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
    this.#entries.set(token, { claims, kid, key, exp: claims.exp, nbf });
  }
}
