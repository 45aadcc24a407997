/**
 * The server span of an HTTP request, made by the kit's HTTP layer instead of
 * `@opentelemetry/instrumentation-http` when telemetry runs without an exporter (see
 * `startTelemetry`). Nothing leaves the process then, so the span only has to give each request
 * its trace context: an incoming W3C `traceparent` is continued (else a new trace starts), its
 * ids are in every log line written while the request is handled, and they propagate to what
 * the request calls (pg, the AWS SDK, outgoing HTTP). The instrumentation's per-request work
 * (attributes from the URL and headers, wrapped request and response emitters, duration
 * metrics) cost as much CPU as the rest of a cheap request (`http.bench.ts`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';

/** Paths that would only add noise: probes and scrapes. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const TRACER_NAME = '@authplatform/service-kit';
let enabled = false;

/** Switched on by `startTelemetry` when it leaves incoming requests to the HTTP layer. */
export function setKitServerSpans(on: boolean): void {
  enabled = on;
}

export interface ServerSpan {
  span: Span;
  /** The request's context: the span, in the (possibly remote) parent's trace. */
  context: Context;
}

/** Starts the request's span, or `undefined` when the kit does not make them or for a probe path. */
export function startServerSpan(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
): ServerSpan | undefined {
  if (!enabled || UNTRACED_PATHS.has(path)) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(method, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method } }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Names the span after the matched route (`POST /v1/check`) and ends it. */
export function endServerSpan(
  server: ServerSpan,
  method: string,
  route: string,
  status: number | undefined,
): void {
  const { span } = server;
  if (route !== 'unmatched') {
    span.updateName(`${method} ${route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, route);
  }
  if (status !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
