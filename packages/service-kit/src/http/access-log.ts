/**
 * One access log line per request, written when the response finishes (or the client goes away):
 * method, route pattern, status, duration and request id. Never headers, query strings or bodies.
 */
import type { RequestHandler } from 'express';
import type { HttpLogger } from './logger.ts';
import { requestIdOf, routeOf } from './request-id.ts';

/** Probes that are logged at debug level so they do not drown the access log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function accessLogMiddleware(logger: HttpLogger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let done = false;
    const log = (aborted: boolean) => {
      if (done) return;
      done = true;
      const route = routeOf(res);
      const meta: Record<string, unknown> = {
        method: req.method,
        route,
        status: res.statusCode,
        duration_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        request_id: requestIdOf(res),
      };
      if (aborted) meta.aborted = true;
      if (QUIET_ROUTES.has(route)) logger.debug('http request', meta);
      else logger.info('http request', meta);
    };
    res.once('finish', () => log(false));
    res.once('close', () => log(!res.writableFinished));
    next();
  };
}
