import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

const getter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * The context a handler runs in: the producer's trace, from the message's W3C `traceparent`.
 * It goes through the globally registered propagator (the OpenTelemetry SDK's W3C one in a service);
 * when none is registered (a bare process, a test) the header is read directly, so the trace is
 * continued either way. A missing or malformed header gives the root context (a new trace).
 */
export function extractTraceContext(traceparent: string | undefined): Context {
  if (traceparent === undefined || traceparent === '') return ROOT_CONTEXT;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent }, getter);
  if (trace.getSpanContext(extracted) !== undefined) return extracted;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (match === null) return ROOT_CONTEXT;
  const [, version, traceId, spanId, flags] = match;
  if (version === 'ff' || traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return ROOT_CONTEXT;
  if (traceId === undefined || spanId === undefined || flags === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}
