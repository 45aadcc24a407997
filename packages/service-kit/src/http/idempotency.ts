/**
 * `Idempotency-Key` on mutating endpoints (POST, PUT, PATCH, DELETE): a repeat with the same key
 * and the same request returns the first response instead of running the handler again.
 *
 * - Scope: a key belongs to one caller and one route. The caller is the verified token's `sub`
 *   when the request carries one; otherwise a hash of the `Authorization` header (e.g. an OAuth
 *   client's Basic credentials), otherwise "anonymous". Another caller using the same key gets a
 *   different entry, never the first caller's response.
 * - Same key, different request (method, URL or body) → 422 `idempotency_key_reused`; a repeat
 *   while the first is still running → 409 `idempotency_request_in_progress` (`Retry-After: 1`).
 * - Stored: only what the handler returned (any declared status), sealed. A handler that throws
 *   (a problem, a 5xx) or answers something its declaration refuses stores nothing: the key is
 *   released and a retry runs again. Requests the kit refuses before the handler (validation,
 *   401/403) never reach the store.
 * - Secrets at rest: the stored response (status, headers, body) is encrypted with AES-256-GCM
 *   under a key derived (HKDF-SHA256) from the client's Idempotency-Key, which is never stored;
 *   the row is found by a SHA-256 of scope, route and key, and the request is compared by an HMAC
 *   under the same derived key. A database reader therefore learns neither the responses (a
 *   created client's secret, issued tokens) nor the request bodies. This is why keys must be at
 *   least 16 characters (a UUID is the usual choice). Routes that should not take part at all
 *   declare `idempotency: false`.
 * - A replay carries `Idempotent-Replayed: true`.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ProblemError } from '../errors/problem.ts';
import type { Route } from './route.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const IDEMPOTENCY_KEY_MIN = 16;
export const IDEMPOTENCY_KEY_MAX = 255;
const KEY_PATTERN = /^[\x21-\x7e]+$/;
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** Where an entry stands when a request with its key arrives. */
export type BeginOutcome =
  | { kind: 'started' }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' }
  | { kind: 'completed'; sealed: string };

/** Persistence of idempotency entries (the kit's Postgres table; see `createIdempotencyStore`). */
export interface IdempotencyStore {
  /** Claims `id` for a request with this fingerprint, or says why it cannot. */
  begin(id: string, fingerprint: string): Promise<BeginOutcome>;
  /** Stores the sealed response of the request that claimed `id`. */
  complete(id: string, fingerprint: string, status: number, sealed: string): Promise<void>;
  /** Gives `id` up (the handler failed): the next request with the key runs. */
  release(id: string, fingerprint: string): Promise<void>;
}

/** A response as it goes on the wire, which is what a replay sends again. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  contentType?: string;
  body?: string;
}

/** Whether a route takes part: mutating methods, unless it declares `idempotency: false`. */
export function idempotencyApplies(route: Pick<Route, 'method' | 'idempotency'>): boolean {
  return MUTATING.has(route.method) && route.idempotency;
}

function invalidKey(detail: string): ProblemError {
  return new ProblemError({
    code: 'invalid_idempotency_key',
    status: 400,
    title: 'Invalid Idempotency-Key',
    detail,
    errors: [{ pointer: '/headers/idempotency-key', code: 'format', detail }],
  });
}

/** The request's key, `undefined` without one; 400 for a malformed or repeated header. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw invalidKey('Send one Idempotency-Key header.');
  if (
    header.length < IDEMPOTENCY_KEY_MIN ||
    header.length > IDEMPOTENCY_KEY_MAX ||
    !KEY_PATTERN.test(header)
  ) {
    throw invalidKey(
      `An Idempotency-Key is ${IDEMPOTENCY_KEY_MIN} to ${IDEMPOTENCY_KEY_MAX} visible ASCII characters (a UUID, say).`,
    );
  }
  return header;
}

export const problemsOfIdempotency = {
  reused: () =>
    new ProblemError({
      code: 'idempotency_key_reused',
      status: 422,
      title: 'Idempotency-Key reused',
      detail: 'This Idempotency-Key was used with a different request; use a new key for a new request.',
    }),
  inProgress: () =>
    new ProblemError({
      code: 'idempotency_request_in_progress',
      status: 409,
      title: 'Request in progress',
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
      headers: { 'Retry-After': '1' },
    }),
};

/** JSON with object keys sorted, so equal bodies give equal fingerprints whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface IdempotencyRequest {
  key: string;
  /** `sub:<sub>`, `authorization:<sha256>` or `anonymous`. */
  scope: string;
  method: string;
  /** The route's path template. */
  route: string;
  /** The request URL as sent (path and query). */
  url: string;
  body: unknown;
}

/** An entry's identity and its secrets, derived from the request; the raw key is never stored. */
export interface IdempotencySession {
  id: string;
  fingerprint: string;
  seal(response: WireResponse): string;
  open(sealed: string): WireResponse;
}

export function callerScope(sub: string | undefined, authorization: string | undefined): string {
  if (sub !== undefined) return `sub:${sub}`;
  if (authorization !== undefined && authorization !== '') {
    return `authorization:${createHash('sha256').update(authorization).digest('hex')}`;
  }
  return 'anonymous';
}

export function idempotencySession(request: IdempotencyRequest): IdempotencySession {
  const where = `${request.scope}\u0000${request.method.toUpperCase()}\u0000${request.route}`;
  const id = createHash('sha256').update(`${where}\u0000${request.key}`).digest('hex');
  const material = Buffer.from(
    hkdfSync('sha256', request.key, where, 'authplatform idempotency v1', 64) as ArrayBuffer,
  );
  const encryptionKey = material.subarray(0, 32);
  const macKey = material.subarray(32);
  const fingerprint = createHmac('sha256', macKey)
    .update(`${request.method.toUpperCase()}\u0000${request.url}\u0000${canonicalJson(request.body ?? null)}`)
    .digest('hex');
  return {
    id,
    fingerprint,
    seal(response) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      cipher.setAAD(Buffer.from(id));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as WireResponse;
    },
  };
}
