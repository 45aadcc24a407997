/**
 * Request ids: a caller (or gateway) may send a safe `X-Request-Id`; anything else is replaced by a
 * fresh UUIDv7. The id is echoed in the response header, given to handlers and put in problem bodies.
 */
import type { RequestHandler, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Whether an incoming id may be reused (logged and echoed) as it is. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = isSafeRequestId(incoming) ? incoming : uuidv7();
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
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
