import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * Browser cross-origin access for the listed origins only (exact match; no wildcard, no credentials).
 * Without origins, no CORS headers are sent and browsers keep the same-origin policy. Preflight
 * requests from a listed origin answer 204 before routing; others fall through to the usual 404/405.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
    maxAge: 600,
    credentials: false,
    optionsSuccessStatus: 204,
  });
}
