/** The logger surface the outbox uses; a service-kit (winston) logger and `console` satisfy it. */
export interface OutboxLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}
