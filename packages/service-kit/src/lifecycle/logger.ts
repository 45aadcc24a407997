/**
 * The smallest logger surface the kit needs. A winston `Logger` satisfies it, and so does
 * `console`; tests pass a recorder.
 */
export interface LoggerLike {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}
