import { EOL } from 'node:os';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/base-schema.ts';
import { activeTraceIds, jsonLineFormat, LEVEL, MESSAGE, redactFormat, TIME, TRACE } from './formats.ts';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** Written as `service` on every line. */
  service: string;
  /** Lowest level written; default `info`. */
  level?: LogLevel;
  /** Where lines go; default `process.stdout`. */
  stream?: Writable;
  /** Drop every line (e.g. in benchmarks). */
  silent?: boolean;
}

type Args = unknown[];
type Method = (...args: Args) => unknown;

function isPlainObject(value: unknown): value is Record<string | symbol, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * winston writes `level` (and default metadata) onto an object passed as the whole record, and
 * drops an Error's message, stack and cause when it is passed as metadata. The logger hands winston
 * copies instead: a record object is shallow-copied, an Error becomes `{ err }` (its message becomes
 * the line's `msg` when it is the record itself).
 */
function detachRecord(arg: unknown): unknown {
  if (arg instanceof Error) return { message: arg.message, err: arg };
  if (isPlainObject(arg)) return { ...arg };
  return arg;
}

function detachMeta(arg: unknown): unknown {
  return arg instanceof Error ? { err: arg } : arg;
}

function override(logger: Logger, name: string, wrap: (original: Method) => Method): void {
  const target = logger as unknown as Record<string, Method>;
  const original = target[name];
  if (typeof original === 'function') target[name] = wrap(original);
}

/**
 * A winston logger that writes one JSON object per line: `time`, `level`, `service`, `msg`,
 * `trace_id` and `span_id` of the active OpenTelemetry span (when there is one), then metadata such
 * as `request_id`. Secrets are redacted wherever they appear (see `redact`).
 * Log errors as `logger.error('what failed', { err })` or `logger.error(err)`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const format = winston.format.combine(
    winston.format.splat(),
    redactFormat(),
    jsonLineFormat({ service: options.service }),
  );
  const transport = new winston.transports.Stream({ stream });
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format,
    transports: [transport],
  });

  /**
   * winston passes every record through two object-mode streams (the logger, then the transport)
   * before the line reaches `stream`; for a cheap request that machinery cost more than the
   * request's own work. While the logger keeps the configuration built here (this format, this one
   * transport, nothing silenced), a record is formatted by the same format and written to the
   * same stream directly, synchronously, with the transport's level rule. Any reconfiguration
   * (`configure`, `add`, `clear`, another format, `silent`) falls back to winston's own path.
   */
  function writesDirectly(target: Logger): boolean {
    return (
      !target.silent &&
      target.format === format &&
      target.transports.length === 1 &&
      target.transports[0] === transport &&
      transport.silent !== true &&
      transport.format === undefined &&
      transport.handleExceptions !== true &&
      transport.handleRejections !== true
    );
  }

  /** Whether the transport takes a record of `level`; `undefined` for a level winston does not know. */
  function transportTakes(target: Logger, level: unknown): boolean | undefined {
    const levels = target.levels;
    const rank = typeof level === 'string' ? levels[level] : undefined;
    if (rank === undefined) return undefined;
    const threshold = transport.level ?? target.level;
    return threshold === undefined || (levels[threshold] ?? 0) >= rank;
  }

  for (const level of Object.keys(logger.levels)) {
    override(
      logger,
      level,
      (original) =>
        function (this: unknown, ...args: Args) {
          // The usual call, `logger.info('message', meta)`, without building another array.
          if (args.length === 2) return original.call(this, detachRecord(args[0]), detachMeta(args[1]));
          return original.apply(
            this,
            args.map((arg, i) => (i === 0 ? detachRecord(arg) : detachMeta(arg))),
          );
        },
    );
  }
  override(
    logger,
    'log',
    (original) =>
      function (this: unknown, ...args: Args) {
        const first = typeof args[0] === 'string' ? 1 : 0;
        return original.apply(
          this,
          args.map((arg, i) => (i < first ? arg : i === first ? detachRecord(arg) : detachMeta(arg))),
        );
      },
  );
  // Stamp time and trace ids when the call is made: winston may run formats later, under
  // backpressure, when another span is active.
  override(
    logger,
    'write',
    (original) =>
      function (this: unknown, record: unknown, ...rest: Args) {
        const target = this as Logger;
        const callback = () =>
          (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
        const level =
          (record as Record<symbol | string, unknown>)[LEVEL] ?? (record as { level?: unknown }).level;
        const direct = writesDirectly(target) ? transportTakes(target, level) : undefined;
        if (direct === false) {
          callback(); // below the level: nothing to stamp or format
          return true;
        }
        const stamped = { ...(record as object) } as Record<symbol, unknown>;
        stamped[TIME] = new Date().toISOString();
        const ids = activeTraceIds();
        if (ids !== undefined) stamped[TRACE] = ids;
        if (direct === true) {
          stamped[LEVEL] = level;
          const info = format.transform(stamped as winston.Logform.TransformableInfo, format.options);
          if (typeof info === 'object') stream.write(`${String(info[MESSAGE])}${EOL}`);
          callback();
          return true;
        }
        return original.call(this, stamped, ...rest);
      },
  );
  return logger;
}
