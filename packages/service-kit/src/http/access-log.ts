/**
 * One access log line per request, written when the response finishes (or the client goes away):
 * method, route pattern, status, duration and request id. Never headers, query strings or bodies.
 * The app writes it from its first middleware (`preamble.ts`).
 */
import type { Response } from 'express';
import type { HttpLogger } from './logger.ts';
import { requestIdOf, routeOf } from './request-id.ts';

/** Probes that are logged at debug level so they do not drown the access log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Writes the line for a response; `elapsedNs` since the request arrived. */
export function logAccess(
  logger: HttpLogger,
  method: string,
  res: Response,
  elapsedNs: number,
  aborted: boolean,
): void {
  const route = routeOf(res);
  const meta: Record<string, unknown> = {
    method,
    route,
    status: res.statusCode,
    duration_ms: Math.round(elapsedNs / 1e5) / 10,
    request_id: requestIdOf(res),
  };
  if (aborted) meta.aborted = true;
  if (QUIET_ROUTES.has(route)) logger.debug('http request', meta);
  else logger.info('http request', meta);
}
