import type { KeyObject } from 'node:crypto';
import { importVerificationKey } from './jwk.ts';
import { tokenProblem } from './token-error.ts';

export interface JwksCacheOptions {
  url: string;
  /** Minimum time between two fetches triggered by unknown `kid`s or by expiry. */
  cooldownMs: number;
  fetch?: typeof globalThis.fetch;
  /** Per-fetch timeout; default 5 s. */
  timeoutMs?: number;
  /** Key-set lifetime when the JWKS response has no `Cache-Control: max-age`; default 10 min. */
  defaultMaxAgeMs?: number;
}

export interface JwksStats {
  /** Fetches attempted, successful or not. */
  fetches: number;
  failures: number;
  keys: number;
}

/** After a failed fetch, retry sooner than the cooldown, but never more than once a second. */
const FAILURE_BACKOFF_MS = 1_000;
const MAX_AGE_CAP_MS = 24 * 60 * 60 * 1000;
const MAX_JWKS_BYTES = 1_000_000;

function maxAgeMs(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return 0;
  const match = /(^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  return match?.[2] === undefined ? undefined : Number(match[2]) * 1000;
}

/**
 * The verification keys of one JWKS URL. Keys are fetched on first use, then again when a token
 * names an unknown `kid` (at most once per cooldown; concurrent misses share one fetch) and, in the
 * background, when the `Cache-Control: max-age` of the last response has passed. A failed fetch
 * keeps the keys already known.
 */
export class JwksCache {
  readonly #url: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  readonly #defaultMaxAgeMs: number;

  #keys = new Map<string, KeyObject>();
  #loaded = false;
  #lastFailed = false;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #expiresAt = 0;
  #inflight: Promise<void> | undefined;
  #lastError: unknown;
  #fetches = 0;
  #failures = 0;

  constructor(options: JwksCacheOptions) {
    this.#url = options.url;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#cooldownMs = options.cooldownMs;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#defaultMaxAgeMs = options.defaultMaxAgeMs ?? 10 * 60 * 1000;
  }

  /** The key for `kid` if it is known now; may start a background refresh of a stale key set. */
  peek(kid: string): KeyObject | undefined {
    const key = this.#keys.get(kid);
    if (key !== undefined && Date.now() >= this.#expiresAt && this.#mayFetch()) {
      this.refresh().catch(() => {}); // stale-while-revalidate: failures keep the current keys
    }
    return key;
  }

  /** The key for `kid`, fetching the JWKS if allowed; otherwise a 401 `ProblemError`. */
  async get(kid: string): Promise<KeyObject> {
    const known = this.peek(kid);
    if (known !== undefined) return known;
    if (this.#inflight !== undefined) {
      await this.#inflight.catch(() => {});
    } else if (this.#mayFetch()) {
      await this.refresh().catch(() => {});
    }
    const key = this.#keys.get(kid);
    if (key !== undefined) return key;
    if (!this.#loaded || this.#lastFailed) throw tokenProblem('jwks_unavailable', this.#lastError);
    throw tokenProblem('token_kid_unknown');
  }

  /** Fetches the key set now (sharing a fetch already under way). Rejects when the fetch fails. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  stats(): JwksStats {
    return { fetches: this.#fetches, failures: this.#failures, keys: this.#keys.size };
  }

  #mayFetch(): boolean {
    const wait = this.#lastFailed ? Math.min(this.#cooldownMs, FAILURE_BACKOFF_MS) : this.#cooldownMs;
    return this.#inflight === undefined && Date.now() - this.#lastAttemptAt >= wait;
  }

  async #load(): Promise<void> {
    this.#lastAttemptAt = Date.now();
    this.#fetches += 1;
    try {
      const response = await this.#fetch(this.#url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
        // A redirect could lead from the configured https URL to plain http or an internal address.
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`JWKS answered HTTP ${response.status}`);
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > MAX_JWKS_BYTES) throw new Error('JWKS document is too large');
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document is too large');
      const body = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('JWKS document has no "keys" array');
      const keys = new Map<string, KeyObject>();
      for (const entry of body.keys) {
        const imported = importVerificationKey(entry);
        if (imported !== undefined && !keys.has(imported.kid)) keys.set(imported.kid, imported.key);
      }
      const maxAge = maxAgeMs(response.headers.get('cache-control')) ?? this.#defaultMaxAgeMs;
      this.#keys = keys;
      this.#loaded = true;
      this.#lastFailed = false;
      this.#lastError = undefined;
      this.#expiresAt = Date.now() + Math.min(Math.max(maxAge, this.#cooldownMs), MAX_AGE_CAP_MS);
    } catch (error) {
      this.#lastFailed = true;
      this.#lastError = error;
      this.#failures += 1;
      throw error;
    }
  }
}
