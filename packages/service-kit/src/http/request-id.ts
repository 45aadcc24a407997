/**
 * Request ids: a caller (or gateway) may send a safe `X-Request-Id`; anything else is replaced by a
 * fresh UUIDv7. The id is echoed in the response header, given to handlers and put in problem bodies
 * (set by the app's first middleware, `preamble.ts`).
 */
import { randomFillSync } from 'node:crypto';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Whether an incoming id may be reused (logged and echoed) as it is. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

const POOL_IDS = 256;
let pool = new Uint8Array(0);
let used = POOL_IDS;

/**
 * 16 fresh random bytes for one id, from a pool filled 256 ids at a time (uuid's own source asks
 * the CSPRNG once per id, a measurable share of a cheap request). A view is handed out once and
 * the pool is replaced, not refilled, so no two ids share bytes.
 */
function pooledRandom(): Uint8Array {
  if (used === POOL_IDS) {
    pool = randomFillSync(new Uint8Array(16 * POOL_IDS));
    used = 0;
  }
  const offset = 16 * used++;
  return pool.subarray(offset, offset + 16);
}

/**
 * A fresh UUIDv7 (RFC 9562: 48-bit millisecond time, then random bits). Ids of the same millisecond
 * are not ordered among themselves (uuid's counter is not used with a custom source); request ids
 * only need to be unique.
 */
export function newRequestId(): string {
  return uuidv7({ rng: pooledRandom });
}

/** The id of the request being answered (set by the first middleware of the app). */
export function requestIdOf(res: Response): string {
  const id: unknown = res.locals.requestId;
  return typeof id === 'string' ? id : 'unknown';
}

/** The declared OpenAPI path of the matched route, or `unmatched`; used by logs and metrics. */
export function routeOf(res: Response): string {
  const route: unknown = res.locals.route;
  return typeof route === 'string' ? route : 'unmatched';
}
