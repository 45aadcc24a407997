/**
 * The first middleware of every app, doing in one step (one closure and one `close` listener per
 * request) what used to be four: the request id (see `request-id.ts`), the route label
 * (`unmatched` until a declared route claims the request), the security headers, the request's
 * server span when the kit makes it (`telemetry/server-span.ts`), and, when the response is done,
 * the access log line (see `access-log.ts`) and the HTTP metrics.
 */
import { context } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { endServerSpan, startServerSpan } from '../telemetry/server-span.ts';
import { logAccess } from './access-log.ts';
import type { HttpLogger } from './logger.ts';
import { isSafeRequestId, newRequestId, REQUEST_ID_HEADER, routeOf } from './request-id.ts';
import type { MetricsProvider } from './standard-routes.ts';

/** helmet's defaults, with a CSP that allows nothing and framing denied (`/docs` sets its own CSP). */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
}

export interface StaticHeaders {
  set: ReadonlyArray<readonly [string, string]>;
  removed: readonly string[];
}

/**
 * The headers a middleware sets and removes, found by running it once against a recording
 * response. Only for middleware whose headers do not depend on the request (helmet with static
 * directives, as configured above): the per-request cost becomes a loop over constant pairs.
 */
export function recordStaticHeaders(middleware: RequestHandler): StaticHeaders {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let called = false;
  // The recorder stands in for a response: only the two methods above are used by such middleware.
  middleware({} as never, recorder as never, (error?: unknown) => {
    if (error !== undefined) throw error;
    called = true;
  });
  if (!called) throw new Error('the header middleware did not complete synchronously');
  return { set, removed };
}

export interface PreambleOptions {
  logger: HttpLogger;
  metrics?: MetricsProvider | undefined;
  headers: StaticHeaders;
}

export function requestPreamble(options: PreambleOptions): RequestHandler {
  const { logger, metrics, headers } = options;
  const observe = metrics?.observeRequest?.bind(metrics);
  const { set, removed } = headers;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const id = isSafeRequestId(incoming) ? incoming : newRequestId();
    const locals = res.locals;
    locals.requestId = id;
    locals.route = 'unmatched';
    res.setHeader(REQUEST_ID_HEADER, id);
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    const server = startServerSpan(req.method, req.path, req.headers);
    // `close` follows `finish` on every response, and comes alone when the client went away first.
    res.on('close', () => {
      const finished = res.writableFinished;
      const elapsed = Number(process.hrtime.bigint() - started);
      const status = finished ? res.statusCode : undefined;
      if (server === undefined) logAccess(logger, req.method, res, elapsed, !finished);
      else {
        context.with(server.context, logAccess, undefined, logger, req.method, res, elapsed, !finished);
        endServerSpan(server, req.method, routeOf(res), status);
      }
      observe?.(req.method, locals.route, status, elapsed / 1e9);
    });
    if (server === undefined) next();
    else context.with(server.context, next);
  };
}
