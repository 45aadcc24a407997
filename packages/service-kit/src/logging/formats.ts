import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import winston from 'winston';
import { redact, redactNamed } from './redact.ts';
import { scrubString } from './scrub.ts';

type Info = winston.Logform.TransformableInfo;

/** winston's own symbols (triple-beam uses `Symbol.for`, so these are the same). */
export const MESSAGE = Symbol.for('message');
/** triple-beam's level symbol. */
export const LEVEL = Symbol.for('level');
/** When the record was created; set by the logger at call time. */
export const TIME = Symbol.for('authplatform.log.time');
/** `{ trace_id, span_id }` of the span active when the record was created. */
export const TRACE = Symbol.for('authplatform.log.trace');

export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/** The ids of the active OpenTelemetry span, if there is a valid one. */
export function activeTraceIds(): TraceIds | undefined {
  const span = trace.getSpan(context.active());
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

function copySymbols(from: Info, to: Info): Info {
  for (const symbol of Object.getOwnPropertySymbols(from)) to[symbol] = from[symbol];
  return to;
}

/**
 * Deep-redacts every field of a log record (see `redact`) and scrubs secrets out of the message.
 * Returns a new record; the one passed in, and everything it references, is left untouched.
 */
export const redactFormat = winston.format((info: Info): Info => {
  const out: Info = { level: info.level, message: undefined };
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    const value = info[key];
    out[key] =
      key === 'message'
        ? typeof value === 'string'
          ? scrubString(value)
          : redact(value)
        : redactNamed(key, value);
  }
  return copySymbols(info, out);
});

const CORE = new Set(['level', 'message']);

export interface JsonLineOptions {
  service: string;
}

/**
 * Serialises a record as one JSON object: `time`, `level`, `service`, `msg`, `trace_id`, `span_id`,
 * then the metadata. Core fields win over metadata of the same name. Expects redacted input
 * (no cycles, no bigints): put `redactFormat()` before it.
 */
export const jsonLineFormat = winston.format((info: Info, options?: unknown): Info => {
  const { service } = options as JsonLineOptions;
  const time = info[TIME];
  const line: Record<string, unknown> = {
    time: typeof time === 'string' ? time : new Date().toISOString(),
    level: info.level,
    service,
    msg: info.message ?? '',
  };
  const ids = (info[TRACE] as TraceIds | undefined) ?? activeTraceIds();
  if (ids !== undefined) {
    line.trace_id = ids.trace_id;
    line.span_id = ids.span_id;
  }
  for (const key of Object.keys(info)) {
    if (CORE.has(key) || Object.hasOwn(line, key)) continue;
    line[key] = info[key];
  }
  info[MESSAGE] = JSON.stringify(line);
  return info;
});
